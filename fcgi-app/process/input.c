/* input.c — a job's input: its format and its byte stream (see input.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/formats.h"
#include "process/input.h"

int input_format(const char *path, json_object *config, const char *name_hint,
                 struct rec_env *env, const struct format **out)
{
    json_object *v;
    if (config && json_object_is_type(config, json_type_object) &&
        json_object_object_get_ex(config, "format", &v) && json_object_is_type(v, json_type_string)) {
        *out = formats_lookup(json_object_get_string(v));
        if (!*out || !(*out)->reader)
            return rec_fail(env, ENGINE_BAD_CONFIG, "%s input is not supported",
                            json_object_get_string(v));
        return ENGINE_OK;
    }
    unsigned char head[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rec_fail(env, ENGINE_IO_ERROR, "cannot open the input: %s", strerror(errno));
    ssize_t n;
    do
        n = read(fd, head, sizeof(head));
    while (n < 0 && errno == EINTR);
    int err = errno;
    close(fd);
    if (n < 0)
        return rec_fail(env, ENGINE_IO_ERROR, "reading the input failed: %s", strerror(err));
    *out = formats_sniff(head, (size_t)n, name_hint, FORMATS_ANY);
    if (!*out)
        return rec_fail(env, ENGINE_BAD_INPUT, "no reader reads this input");
    return ENGINE_OK;
}

int input_open(struct input_stream *in, const char *path, struct rec_env *env, size_t cap,
               size_t pad, char **buf, size_t *buf_cap)
{
    in->env = env;
    in->bytes_read = in->bytes_total = 0;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return rec_fail(env, ENGINE_IO_ERROR, "cannot open the input: %s", strerror(errno));
    struct stat st;
    if (fstat(in->fd, &st) == 0)
        in->bytes_total = (long long)st.st_size;
    posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    /* a small file gets a small buffer */
    if (in->bytes_total > 0 && (unsigned long long)in->bytes_total < cap / 2)
        cap /= 4;
    *buf = malloc(cap + pad);
    if (!*buf)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    *buf_cap = cap;
    return ENGINE_OK;
}

ssize_t input_read(struct input_stream *in, void *dst, size_t len)
{
    ssize_t n;
    do
        n = read(in->fd, dst, len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        rec_fail(in->env, ENGINE_IO_ERROR, "reading the input failed: %s", strerror(errno));
        return -1;
    }
    in->bytes_read += n;
    rec_set_bytes(in->env, in->bytes_read, in->bytes_total);
    return n;
}

void input_close(struct input_stream *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}
