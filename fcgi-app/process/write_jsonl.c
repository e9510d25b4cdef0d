/* write_jsonl.c — JSON Lines: one object per line. */
#include <stdlib.h>
#include <string.h>

#include "process/json_record.h"
#include "process/outbuf.h"
#include "process/record.h"

struct jsonl_writer {
    struct outbuf ob;
    struct json_keys *keys;
    struct rec_env *env;
};

static int jsonl_open(void **state, const struct writer_args *args)
{
    struct jsonl_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    w->env = args->env;
    w->keys = json_keys_new();
    if (!w->keys) {
        free(w);
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    }
    int err = outbuf_open(&w->ob, args->path);
    if (err) {
        json_keys_free(w->keys);
        free(w);
        return rec_fail(args->env, ENGINE_IO_ERROR, "cannot create the output: %s",
                        strerror(err));
    }
    *state = w;
    return ENGINE_OK;
}

static int jsonl_write(void *state, const struct record *rec)
{
    struct jsonl_writer *w = state;
    if (json_record_write(&w->ob, w->keys, rec))
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    outbuf_putc(&w->ob, '\n');
    if (w->ob.error)
        return rec_fail(w->env, ENGINE_IO_ERROR, "writing the output failed: %s",
                        strerror(w->ob.error));
    return ENGINE_OK;
}

static int jsonl_close(void *state)
{
    struct jsonl_writer *w = state;
    int err = outbuf_close(&w->ob);
    int rc = err ? rec_fail(w->env, ENGINE_IO_ERROR, "writing the output failed: %s",
                            strerror(err))
                 : ENGINE_OK;
    json_keys_free(w->keys);
    free(w);
    return rc;
}

const struct writer_ops writer_jsonl_ops = {
    .format = "jsonl",
    .extension = "jsonl",
    .open = jsonl_open,
    .write = jsonl_write,
    .close = jsonl_close,
};
