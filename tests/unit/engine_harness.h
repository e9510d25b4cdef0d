/* engine_harness.h — runs engine_run over an in-memory input for the engine
 * tests: the input goes to a temporary file, the output comes back as a
 * string, line errors are collected as "line:severity:code:column" lines.
 * Its names (run_*, RUN, meta_str) differ from reader_harness.h's
 * (harness_*), so a test file may include both. */
#ifndef QUARRY_TESTS_ENGINE_HARNESS_H
#define QUARRY_TESTS_ENGINE_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/engine.h"

struct run_out {
    int rc;
    struct engine_result res;
    char *output;           /* NUL-terminated; NULL when no output file is left */
    size_t output_len;
    char errors[8192];      /* "line:severity:code:column\n" per problem */
    int nerrors;
    int progress_calls;
    volatile int cancel;
};

static inline void run_line_error(void *ctx, long long line, const char *column,
                                      const char *severity, const char *code, const char *message)
{
    struct run_out *o = ctx;
    size_t used = strlen(o->errors);
    (void)message;
    snprintf(o->errors + used, sizeof(o->errors) - used, "%lld:%s:%s:%s\n", line, severity, code,
             column ? column : "");
    o->nerrors++;
}

static inline void run_progress(void *ctx, long long processed, long long failed,
                                    long long warned, long long bytes_read, long long bytes_total)
{
    struct run_out *o = ctx;
    (void)processed;
    (void)failed;
    (void)warned;
    ck_assert_int_le(bytes_read, bytes_total);
    o->progress_calls++;
}

static inline char *run_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Runs the engine; config/steps are JSON texts or NULL. */
static inline void run_engine(const void *input, size_t len, const char *name, const char *config,
                              const char *steps, const char *output_format, struct run_out *o)
{
    char in_path[256], out_path[256];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(in_path, sizeof(in_path), "%s/quarry_engine_in_XXXXXX", dir);
    snprintf(out_path, sizeof(out_path), "%s/quarry_engine_out_XXXXXX", dir);
    int fd = mkstemp(in_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, input, len), (ssize_t)len);
    close(fd);
    fd = mkstemp(out_path);
    ck_assert_int_ge(fd, 0);
    close(fd);

    memset(o->errors, 0, sizeof(o->errors));
    o->nerrors = 0;
    o->progress_calls = 0;
    struct engine_callbacks cb = {
        .ctx = o, .progress = run_progress, .line_error = run_line_error,
        .cancel = &o->cancel,
    };
    struct engine_job job = {
        .input_path = in_path,
        .input_name_hint = name,
        .output_path = out_path,
        .processing_config = config ? json_tokener_parse(config) : NULL,
        .processing_steps = steps ? json_tokener_parse(steps) : NULL,
        .output_format = output_format,
    };
    if (config)
        ck_assert_msg(job.processing_config != NULL, "bad config JSON in test: %s", config);
    if (steps)
        ck_assert_msg(job.processing_steps != NULL, "bad steps JSON in test: %s", steps);
    o->rc = engine_run(&job, &cb, &o->res);
    o->output = run_read_file(out_path, &o->output_len);
    unlink(in_path);
    unlink(out_path);
    json_object_put(job.processing_config);
    json_object_put(job.processing_steps);
}

static inline void run_free(struct run_out *o)
{
    free(o->output);
    o->output = NULL;
    json_object_put(o->res.metadata);
    o->res.metadata = NULL;
}

/* Shorthands: CSV text in, output text compared. */
#define RUN(o, in, config, steps, fmt) run_engine((in), strlen(in), "t.csv", (config), (steps), (fmt), (o))

static inline const char *meta_str(const struct run_out *o, const char *key)
{
    json_object *v;
    ck_assert_ptr_nonnull(o->res.metadata);
    if (!json_object_object_get_ex(o->res.metadata, key, &v))
        return NULL;
    return json_object_get_string(v);
}

#endif
