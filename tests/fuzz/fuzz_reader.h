/* fuzz_reader.h — runs one reader over a fuzz input held in a memfd and
 * checks every record it returns, for the format fuzz targets.
 *
 * Oracle besides the sanitizers: field names are set; INTEGER and NUMBER
 * values are JSON numbers; BOOLEAN values are true/false; JSON values parse;
 * NULL values are empty; a run that fails gives a reason; the statuses are
 * the ones a reader may return. */
#ifndef QUARRY_FUZZ_READER_H
#define QUARRY_FUZZ_READER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/record.h"
#include "process/text.h"

static inline void fuzz_check_field(const struct rec_field *f)
{
    if (!f->name || (f->len > 0 && !f->val))
        abort();
    switch (f->type) {
    case REC_NULL:
        if (f->len != 0)
            abort();
        break;
    case REC_INTEGER:
    case REC_NUMBER:
        if (!text_is_json_number(f->val, f->len)) {
            fprintf(stderr, "not a JSON number: %.*s\n", (int)f->len, f->val);
            abort();
        }
        break;
    case REC_BOOLEAN:
        if (!(f->len == 4 && memcmp(f->val, "true", 4) == 0) &&
            !(f->len == 5 && memcmp(f->val, "false", 5) == 0))
            abort();
        break;
    case REC_JSON: {
        json_tokener *tok = json_tokener_new_ex(200);
        json_object *o = json_tokener_parse_ex(tok, f->val, (int)f->len);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != f->len) {
            fprintf(stderr, "invalid JSON value: %.*s\n", (int)f->len, f->val);
            abort();
        }
        json_object_put(o);
        json_tokener_free(tok);
        break;
    }
    default: {
        /* reading every byte lets ASan see a slice that points past its buffer */
        volatile unsigned char sink = 0;
        for (size_t i = 0; i < f->len; i++)
            sink ^= (unsigned char)f->val[i];
        (void)sink;
        break;
    }
    }
}

/* Writes data to a memfd; returns the fd and its path. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t path_len)
{
    int fd = memfd_create("fuzz_in", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    snprintf(path, path_len, "/proc/self/fd/%d", fd);
    return fd;
}

/* Runs ops over path with config (JSON text) to the end. Calls each(rec)
 * for every record when each is not NULL. */
static inline void fuzz_read(const struct reader_ops *ops, const char *path, const char *config,
                             void (*each)(const struct record *, void *), void *ctx)
{
    json_object *cfg = config ? json_tokener_parse(config) : NULL;
    if (config && !cfg)
        abort();
    char field[64], msg[256];
    if (ops->validate_config && ops->validate_config(cfg, field, sizeof(field), msg, sizeof(msg)))
        abort();   /* the targets only make valid configs */
    struct rec_env *env = rec_env_new(NULL);
    struct rec_arena *arena = rec_arena_new();
    struct reader_args args = {.path = path, .config = cfg, .env = env};
    void *state = NULL;
    int rc = ops->open(&state, &args);
    if (rc == ENGINE_OK) {
        struct rec_columns cols = {0};
        if (ops->columns && ops->columns(state, &cols) != ENGINE_OK)
            abort();
        rec_columns_free(&cols);
        for (;;) {
            struct record rec = {.arena = arena};
            rec_arena_reset(arena);
            int r = ops->next(state, &rec);
            if (r == READ_EOF || r == READ_ERROR)
                break;
            if (r == READ_REJECTED)
                continue;
            if (r != READ_RECORD)
                abort();
            for (size_t i = 0; i < rec.nfields; i++)
                fuzz_check_field(&rec.fields[i]);
            if (each)
                each(&rec, ctx);
        }
        json_object *meta = json_object_new_object();
        if (ops->metadata)
            ops->metadata(state, meta);
        json_object_put(meta);
        ops->close(state);
    }
    if (rec_env_status(env) != ENGINE_OK && rec_env_error(env)[0] == '\0')
        abort();
    int st = rec_env_status(env);
    if (st != ENGINE_OK && st != ENGINE_BAD_INPUT && st != ENGINE_BAD_CONFIG) {
        fprintf(stderr, "unexpected status %d: %s\n", st, rec_env_error(env));
        abort();
    }
    rec_arena_free(arena);
    rec_env_free(env);
    json_object_put(cfg);
}

#endif
