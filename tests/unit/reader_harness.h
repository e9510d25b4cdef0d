/* reader_harness.h — runs a reader_ops over a file for the format tests.
 *
 * Each record becomes one line of text: a JSON object whose values carry
 * their record type as a prefix ("i:42", "n:1.5", "s:abc", "b:true",
 * "t:untyped", "j:[1,2]", null), so a test compares whole records as
 * strings. Line errors are collected as "line:severity:code" strings. */
#ifndef QUARRY_TESTS_READER_HARNESS_H
#define QUARRY_TESTS_READER_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/record.h"

struct harness {
    struct rec_env *env;
    struct engine_callbacks cb;
    json_object *records;     /* array of strings, one per record */
    json_object *errors;      /* array of "line:severity:code" */
    json_object *metadata;
    int status;               /* ENGINE_OK or the failure */
    char error[512];
    long long rejected;
    char path[256];
};

static inline void harness_line_error(void *ctx, long long line, const char *column,
                                      const char *severity, const char *code,
                                      const char *message)
{
    struct harness *h = ctx;
    char buf[128];
    (void)column;
    (void)message;
    snprintf(buf, sizeof(buf), "%lld:%s:%s", line, severity, code);
    json_object_array_add(h->errors, json_object_new_string(buf));
}

/* Writes len bytes of data to a fresh temporary file named ...suffix. */
static inline void harness_write(struct harness *h, const void *data, size_t len,
                                 const char *suffix)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(h->path, sizeof(h->path), "%s/quarry_test_XXXXXX%s", dir, suffix);
    int fd = mkstemps(h->path, (int)strlen(suffix));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static inline void harness_record_text(const struct record *rec, json_object *out)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct rec_field *f = &rec->fields[i];
        static const char prefix[] = "0tsinbj";
        json_object *v = NULL;
        if (f->type != REC_NULL) {
            size_t n = f->len + 3;
            char *s = malloc(n);
            s[0] = prefix[f->type];
            s[1] = ':';
            memcpy(s + 2, f->val, f->len);
            v = json_object_new_string_len(s, (int)(f->len + 2));
            free(s);
        }
        json_object_object_add(o, f->name, v);
    }
    json_object_array_add(out, json_object_new_string(
                                   json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                         JSON_C_TO_STRING_NOSLASHESCAPE)));
    json_object_put(o);
}

/* Reads the whole file with ops and config (JSON text, may be NULL). Stops
 * after max records (0 = all). */
static inline int harness_run(struct harness *h, const struct reader_ops *ops, const char *config,
                              long max)
{
    json_object *cfg = config ? json_tokener_parse(config) : NULL;
    if (config)
        ck_assert_msg(cfg != NULL, "bad test config %s", config);
    h->records = json_object_new_array();
    h->errors = json_object_new_array();
    h->metadata = json_object_new_object();
    h->cb.ctx = h;
    h->cb.line_error = harness_line_error;
    h->env = rec_env_new(&h->cb);
    struct rec_arena *arena = rec_arena_new();
    struct reader_args args = {.path = h->path, .config = cfg, .env = h->env};
    void *state = NULL;
    int rc = ops->open(&state, &args);
    long n = 0;
    if (rc == ENGINE_OK) {
        for (;;) {
            struct record rec = {.arena = arena};
            rec_arena_reset(arena);
            int r = ops->next(state, &rec);
            if (r == READ_EOF)
                break;
            if (r == READ_ERROR) {
                rc = rec_env_status(h->env);
                ck_assert_int_ne(rc, ENGINE_OK);
                break;
            }
            if (r == READ_REJECTED) {
                h->rejected++;
                continue;
            }
            ck_assert_int_eq(r, READ_RECORD);
            harness_record_text(&rec, h->records);
            if (max && ++n >= max)
                break;
        }
        if (ops->metadata)
            ops->metadata(state, h->metadata);
        ops->close(state);
    }
    h->status = rc;
    snprintf(h->error, sizeof(h->error), "%s", rec_env_error(h->env));
    rec_arena_free(arena);
    rec_env_free(h->env);
    h->env = NULL;
    json_object_put(cfg);
    return rc;
}

/* The i-th record as text. */
static inline const char *harness_rec(const struct harness *h, size_t i)
{
    ck_assert_uint_lt(i, json_object_array_length(h->records));
    return json_object_get_string(json_object_array_get_idx(h->records, i));
}

static inline size_t harness_count(const struct harness *h)
{
    return json_object_array_length(h->records);
}

static inline const char *harness_err(const struct harness *h, size_t i)
{
    ck_assert_uint_lt(i, json_object_array_length(h->errors));
    return json_object_get_string(json_object_array_get_idx(h->errors, i));
}

static inline const char *harness_meta_str(const struct harness *h, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(h->metadata, key, &v))
        return NULL;
    return json_object_get_string(v);
}

static inline void harness_done(struct harness *h)
{
    json_object_put(h->records);
    json_object_put(h->errors);
    json_object_put(h->metadata);
    if (h->path[0])
        unlink(h->path);
    memset(h, 0, sizeof(*h));
}

#endif
