/* write_json.c — the JSON writers: one array of objects, streamed
 * ("[\n{...},\n{...}\n]"), or JSON Lines (one object per line). They differ
 * only in the framing around each record. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "process/json_record.h"
#include "process/outbuf.h"
#include "process/record.h"

struct json_writer {
    struct outbuf ob;
    struct json_keys *keys;
    struct rec_env *env;
    bool lines; /* JSON Lines rather than one array */
    bool any;   /* a record was written */
};

static int json_open_framed(void **state, const struct writer_args *args, bool lines)
{
    struct json_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    w->env = args->env;
    w->lines = lines;
    w->keys = json_keys_new();
    if (!w->keys) {
        free(w);
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    }
    int rc = outbuf_create(&w->ob, args->path, w->env);
    if (rc != ENGINE_OK) {
        json_keys_free(w->keys);
        free(w);
        return rc;
    }
    if (!lines)
        outbuf_putc(&w->ob, '[');
    *state = w;
    return ENGINE_OK;
}

static int json_open(void **state, const struct writer_args *args)
{
    return json_open_framed(state, args, false);
}

static int jsonl_open(void **state, const struct writer_args *args)
{
    return json_open_framed(state, args, true);
}

static int json_write(void *state, const struct record *rec)
{
    struct json_writer *w = state;
    if (!w->lines)
        outbuf_put(&w->ob, w->any ? ",\n" : "\n", w->any ? 2 : 1);
    w->any = true;
    if (json_record_write(&w->ob, w->keys, rec))
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    if (w->lines)
        outbuf_putc(&w->ob, '\n');
    return outbuf_status(&w->ob, w->env);
}

static int json_close(void *state)
{
    struct json_writer *w = state;
    if (!w->lines)
        outbuf_put(&w->ob, w->any ? "\n]\n" : "]\n", w->any ? 3 : 2);
    int rc = outbuf_finish(&w->ob, w->env);
    json_keys_free(w->keys);
    free(w);
    return rc;
}

const struct writer_ops writer_json_ops = {
    .extension = "json",
    .uses_num = true,
    .open = json_open,
    .write = json_write,
    .close = json_close,
};

const struct writer_ops writer_jsonl_ops = {
    .extension = "jsonl",
    .uses_num = true,
    .open = jsonl_open,
    .write = json_write,
    .close = json_close,
};
