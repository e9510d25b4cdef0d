/* task_source.c — the source tasks: test a connection, read a sample, infer
 * a sample's schema with the engine. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ids.h"
#include "process/engine.h"
#include "process/task.h"

#define TEST_CONNECT_SECONDS 5
#define READ_CONNECT_SECONDS 10
#define READ_STATEMENT_MS 30000
#define READ_LIMIT_MAX 100000
#define WHERE_MAX 16

static json_object *failure(enum source_error why, const char *message)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(0));
    json_object_object_add(o, "reason", json_object_new_string(source_error_name(why)));
    json_object_object_add(o, "message", json_object_new_string(message));
    return o;
}

int task_source_test(struct task *t)
{
    struct source_conn *c = NULL;
    enum source_error why;
    char msg[512];
    const char *const *values;
    const size_t *lengths;
    double started = time_mono();
    if (task_open_source(t, t->subject_id, TEST_CONNECT_SECONDS, 5000, &c, &why, msg,
                         sizeof(msg)) != 0) {
        t->result = failure(why, msg);
        return TASK_OK;
    }
    why = source_query(c, "SELECT 1", NULL, 0, msg, sizeof(msg));
    while (why == SOURCE_OK && source_next(c, &values, &lengths, msg, sizeof(msg)) == 1)
        ;
    source_close(c);
    if (why != SOURCE_OK) {
        t->result = failure(why, msg);
        return TASK_OK;
    }
    t->result = json_object_new_object();
    json_object_object_add(t->result, "ok", json_object_new_boolean(1));
    json_object_object_add(t->result, "message", json_object_new_string("Connection successful"));
    json_object_object_add(t->result, "latency_ms",
                           json_object_new_double((double)(long long)((time_mono() - started) *
                                                                       10000.0) / 10.0));
    return TASK_OK;
}

/* The SELECT a read runs: the config's sql as it is, or the table (the
 * source's default when none is named) with an equality filter and a LIMIT.
 * Parameters go to params (borrowed from the config). */
static int build_read(struct task *t, struct source_conn *c, long long limit, char *sql,
                      size_t sql_len, const char **params, int *nparams, char *msg,
                      size_t msg_len)
{
    char q[80], marker[16];
    const char *text = task_config_string(t, "sql");
    const char *table = task_config_string(t, "table");
    json_object *where = NULL;
    *nparams = 0;
    if (text != NULL) {
        /* A derived table: the server stops at the limit, and anything but
         * a query is a syntax error there. */
        int n = limit > 0 ? snprintf(sql, sql_len, "SELECT * FROM (%s) AS quarry_read LIMIT %lld",
                                     text, limit)
                          : snprintf(sql, sql_len, "SELECT * FROM (%s) AS quarry_read", text);
        if (n < 0 || (size_t)n >= sql_len) {
            snprintf(msg, msg_len, "the query is too long");
            return -1;
        }
        return 0;
    }
    if (table == NULL || !source_identifier_valid(table)) {
        snprintf(msg, msg_len, "a table (letters, digits and _) or a query is required");
        return -1;
    }
    size_t n = (size_t)snprintf(sql, sql_len, "SELECT * FROM %s",
                                source_quote(c, table, q, sizeof(q)));
    if (t->config != NULL && json_object_object_get_ex(t->config, "where", &where) &&
        json_object_is_type(where, json_type_object)) {
        json_object_object_foreach(where, key, val)
        {
            if (!source_identifier_valid(key) || *nparams == WHERE_MAX) {
                snprintf(msg, msg_len, "bad filter column %.64s", key);
                return -1;
            }
            const char *glue = *nparams == 0 ? " WHERE " : " AND ";
            if (val == NULL) {
                n += (size_t)snprintf(sql + n, sql_len - n, "%s%s IS NULL", glue,
                                      source_quote(c, key, q, sizeof(q)));
                continue;
            }
            params[*nparams] = json_object_is_type(val, json_type_boolean)
                                   ? (json_object_get_boolean(val) ? "1" : "0")
                                   : json_object_get_string(val);
            *nparams += 1;
            n += (size_t)snprintf(sql + n, sql_len - n, "%s%s = %s", glue,
                                  source_quote(c, key, q, sizeof(q)),
                                  source_marker(c, *nparams, marker, sizeof(marker)));
        }
    }
    if (n < sql_len && limit > 0)
        snprintf(sql + n, sql_len - n, " LIMIT %lld", limit);
    return n < sql_len ? 0 : -1;
}

/* Reads up to limit rows (all when limit <= 0) of the configured table or
 * query; each row goes to fn, which stops the read by returning -1 (with
 * t->result set). 0, or -1 with t->result set to the failure. */
static int read_rows(struct task *t, long long limit,
                     int (*fn)(void *ctx, const struct source_conn *c, const char *const *v,
                               const size_t *l),
                     void *ctx, struct source_conn **conn)
{
    /* A query of up to 64 KiB (what the API accepts) and its wrapping. */
    static char sql[65536 + 4096];
    char msg[512];
    const char *params[WHERE_MAX];
    const char *const *values;
    const size_t *lengths;
    int nparams = 0, rc = 0;
    enum source_error why;
    long long timeout = task_config_int(t, "statement_timeout_ms", READ_STATEMENT_MS);
    if (task_open_source(t, t->subject_id, READ_CONNECT_SECONDS, timeout, conn, &why, msg,
                         sizeof(msg)) != 0) {
        t->result = failure(why, msg);
        return -1;
    }
    if (build_read(t, *conn, limit, sql, sizeof(sql), params, &nparams, msg, sizeof(msg)) != 0) {
        t->result = failure(SOURCE_QUERY, msg);
        return -1;
    }
    why = source_query(*conn, sql, params, nparams, msg, sizeof(msg));
    if (why != SOURCE_OK) {
        t->result = failure(why, msg);
        return -1;
    }
    while ((limit <= 0 || t->processed < limit) && !*t->cancel &&
           (rc = source_next(*conn, &values, &lengths, msg, sizeof(msg))) == 1) {
        if (fn(ctx, *conn, values, lengths) != 0)
            return -1;
        t->processed++;
    }
    if (*t->cancel) {
        t->result = failure(SOURCE_OTHER, "stopped");
        return -1;
    }
    if (rc < 0) {
        t->result = failure(SOURCE_QUERY, msg);
        return -1;
    }
    t->total = t->processed;
    return 0;
}

static json_object *columns_json(const struct source_conn *c)
{
    json_object *cols = json_object_new_array();
    for (int i = 0; i < source_ncolumns(c); i++) {
        json_object *col = json_object_new_object();
        json_object_object_add(col, "name", json_object_new_string(source_column_name(c, i)));
        json_object_object_add(col, "type",
                               json_object_new_string(source_type_name(source_column_type(c, i))));
        json_object_array_add(cols, col);
    }
    return cols;
}

static int add_row(void *ctx, const struct source_conn *c, const char *const *v, const size_t *l)
{
    json_object_array_add(ctx, task_row_json(c, v, l));
    return 0;
}

int task_source_read(struct task *t)
{
    struct source_conn *c = NULL;
    long long limit = task_config_int(t, "limit", 100);
    json_object *data = json_object_new_array();
    if (limit < 1 || limit > READ_LIMIT_MAX)
        limit = 100;
    if (read_rows(t, limit, add_row, data, &c) != 0) {
        json_object_put(data);
        source_close(c);
        return TASK_OK;
    }
    t->result = json_object_new_object();
    json_object_object_add(t->result, "ok", json_object_new_boolean(1));
    json_object_object_add(t->result, "columns", columns_json(c));
    json_object_object_add(t->result, "data", data);
    json_object_object_add(t->result, "count", json_object_new_int64(t->processed));
    source_close(c);
    return TASK_OK;
}

static int write_row(void *ctx, const struct source_conn *c, const char *const *v,
                     const size_t *l)
{
    json_object *row = task_row_json(c, v, l);
    fprintf(ctx, "%s\n", json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN));
    json_object_put(row);
    return 0;
}

/* The sample goes through a JSON Lines file so that the engine's own
 * inference (the one of /files/{id}/schema) types it. */
int task_schema_generate(struct task *t)
{
    struct source_conn *c = NULL;
    char path[] = "/tmp/quarry-sample-XXXXXX", err[512] = "";
    long long sample = task_config_int(t, "sample_size", 1000);
    if (sample < 1 || sample > READ_LIMIT_MAX)
        sample = 1000;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        snprintf(t->error, sizeof(t->error), "cannot create a temporary file");
        if (fd >= 0)
            close(fd);
        unlink(path);
        return TASK_FAILED;
    }
    int rc = read_rows(t, sample, write_row, f, &c);
    int closed = fclose(f);
    if (rc == 0 && closed != 0) {
        t->result = failure(SOURCE_OTHER, "cannot write the sample");
        rc = -1;
    }
    if (rc == 0) {
        json_object *config = json_object_new_object();
        json_object_object_add(config, "format", json_object_new_string("jsonl"));
        struct engine_job job = {.input_path = path, .input_name_hint = "sample.jsonl",
                                 .processing_config = config};
        json_object *schema = engine_infer_schema(&job, (long)sample, err, sizeof(err));
        json_object_put(config);
        if (schema == NULL) {
            /* An empty sample has no schema to infer: the answer says so. */
            t->result = failure(SOURCE_QUERY, t->processed == 0 ? "the sample has no rows" : err);
        } else {
            json_object *info = NULL;
            json_object_object_del(schema, "input_format");
            json_object_object_add(schema, "ok", json_object_new_boolean(1));
            json_object_object_add(schema, "source_columns", columns_json(c));
            if (json_object_object_get_ex(schema, "sample_info", &info)) {
                const char *table = task_config_string(t, "table");
                if (table != NULL)
                    json_object_object_add(info, "collection", json_object_new_string(table));
            }
            t->result = schema;
        }
    }
    source_close(c);
    unlink(path);
    return TASK_OK;
}

/* ---- a pipeline's DATABASE source ---- */

struct to_file {
    struct task *t;
    const char *format, *path;
    struct row_file *file;
    enum rec_type types[SOURCE_MAX_COLUMNS];
    const char *values[SOURCE_MAX_COLUMNS];
    int ncols;
    char err[300];
};

static int to_file_open(struct to_file *w, const struct source_conn *c)
{
    const char *names[SOURCE_MAX_COLUMNS];
    w->ncols = source_ncolumns(c);
    for (int i = 0; i < w->ncols; i++) {
        names[i] = source_column_name(c, i);
        switch (source_column_type(c, i)) {
        case SRC_T_INTEGER: w->types[i] = REC_INTEGER; break;
        case SRC_T_NUMBER: w->types[i] = REC_NUMBER; break;
        case SRC_T_BOOLEAN: w->types[i] = REC_BOOLEAN; break;
        default: w->types[i] = REC_STRING;
        }
    }
    w->file = row_file_open(w->format, w->path, names, (size_t)w->ncols, w->err, sizeof(w->err));
    return w->file != NULL ? 0 : -1;
}

/* A value the engine's writers take as its column's type; else a string
 * (PostgreSQL's NaN, a number too large for an integer). */
static enum rec_type checked_type(enum rec_type type, const char *v, size_t len)
{
    char *end;
    if (type == REC_INTEGER) {
        errno = 0;
        (void)strtoll(v, &end, 10);
        return errno == 0 && len > 0 && end == v + len ? type : REC_STRING;
    }
    if (type == REC_NUMBER) {
        double d = strtod(v, &end);
        return len > 0 && end == v + len && isfinite(d) && !isalpha((unsigned char)v[len - 1]) &&
                       !isalpha((unsigned char)v[0])
                   ? type
                   : REC_STRING;
    }
    return type;
}

static int to_file_row(void *ctx, const struct source_conn *c, const char *const *v,
                       const size_t *l)
{
    struct to_file *w = ctx;
    enum rec_type types[SOURCE_MAX_COLUMNS];
    size_t lens[SOURCE_MAX_COLUMNS];
    if (w->file == NULL && to_file_open(w, c) != 0)
        goto fail;
    for (int i = 0; i < w->ncols; i++) {
        w->values[i] = v[i];
        lens[i] = l[i];
        types[i] = v[i] ? checked_type(w->types[i], v[i], l[i]) : REC_NULL;
        if (v[i] != NULL && types[i] == REC_BOOLEAN) {
            bool yes = strcmp(v[i], "0") != 0;
            w->values[i] = yes ? "true" : "false";
            lens[i] = yes ? 4 : 5;
        }
    }
    if (row_file_write(w->file, w->values, lens, types, w->err, sizeof(w->err)) != 0)
        goto fail;
    if ((w->t->processed + 1) % 10000 == 0 && !w->t->progress(w->t)) {
        snprintf(w->err, sizeof(w->err), "stopped");
        goto fail;
    }
    return 0;
fail:
    w->t->result = failure(SOURCE_OTHER, w->err);
    return -1;
}

int task_source_to_file(struct task *t, const char *format, const char *path)
{
    struct source_conn *c = NULL;
    struct to_file w = {.t = t, .format = format, .path = path};
    int rc = read_rows(t, 0, to_file_row, &w, &c);
    if (rc == 0 && w.file == NULL && to_file_open(&w, c) != 0) {
        t->result = failure(SOURCE_OTHER, w.err);
        rc = -1;
    }
    if (rc == 0 && row_file_close(w.file, w.err, sizeof(w.err)) != 0) {
        t->result = failure(SOURCE_OTHER, w.err);
        rc = -1;
    } else if (rc != 0) {
        row_file_close(w.file, NULL, 0);
    }
    source_close(c);
    if (rc != 0) {
        json_object *reason = NULL, *message = NULL;
        json_object_object_get_ex(t->result, "reason", &reason);
        json_object_object_get_ex(t->result, "message", &message);
        snprintf(t->error, sizeof(t->error), "the source cannot be read (%s): %s",
                 reason ? json_object_get_string(reason) : "other",
                 message ? json_object_get_string(message) : "");
        json_object_put(t->result);
        t->result = NULL;
        unlink(path);
        return TASK_FAILED;
    }
    t->total = t->processed;
    return TASK_OK;
}
