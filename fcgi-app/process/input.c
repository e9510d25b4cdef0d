/* input.c — choosing the reader for an input (see input.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "process/formats.h"
#include "process/input.h"

int input_reader(const char *path, json_object *config, const char *name_hint,
                 struct rec_env *env, const struct reader_ops **out)
{
    json_object *v;
    if (config && json_object_is_type(config, json_type_object) &&
        json_object_object_get_ex(config, "format", &v) && json_object_is_type(v, json_type_string)) {
        *out = formats_reader(json_object_get_string(v));
        if (!*out)
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
    *out = formats_sniff(head, (size_t)n, name_hint);
    return ENGINE_OK;
}
