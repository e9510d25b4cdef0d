/* The sources an execution reads, one table row each. The sources/datasets
 * work adds DATABASE and DATASET readers here (a row with its resolve
 * function) and its dataset destination beside the file one; the API's
 * tables in api/pipelines.c say which kinds a definition may choose. */
#include "process/pipeline_source.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ids.h"

#define KEY_MAX 512
#define NAME_MAX_LEN 256

struct source_ctx {
    struct db *db;
    const char *execution_id, *upstream_id, *pipeline_id, *user_id;
    json_object *config;
    /* what a reader finds */
    char key[KEY_MAX], name[NAME_MAX_LEN];
    long long size;
    bool found;
    char *message;
    size_t message_len;
};

struct source_reader {
    const char *type; /* pipelines.source_type; "" for none: the parent's output */
    enum pipeline_input (*resolve)(struct source_ctx *c);
};

static enum pipeline_input resolve_file(struct source_ctx *c);
static enum pipeline_input resolve_upstream(struct source_ctx *c);

static const struct source_reader source_readers[] = {
    {"FILE", resolve_file},
    {"", resolve_upstream},
};

static enum pipeline_input missing(struct source_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum pipeline_input missing(struct source_ctx *c, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(c->message, c->message_len, "source: %s", text);
    return INPUT_MISSING;
}

/* key, name (or the key's last segment), size. */
static int take_object(void *ctx, const struct db_row *row)
{
    struct source_ctx *c = ctx;
    const char *key = row->values[0], *name = row->values[1];
    if (key == NULL)
        return 0;
    const char *slash = strrchr(key, '/');
    snprintf(c->key, sizeof(c->key), "%s", key);
    snprintf(c->name, sizeof(c->name), "%s", name ? name : slash ? slash + 1 : key);
    c->size = db_row_int(row, 2);
    c->found = true;
    return 1;
}

/* A file pattern as a LIKE pattern: '*' any run, '?' one character, the
 * rest literal ('!' escapes). */
static void like_of_glob(const char *glob, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = glob; *p && o + 3 < len; p++) {
        if (*p == '*')
            out[o++] = '%';
        else if (*p == '?')
            out[o++] = '_';
        else {
            if (*p == '%' || *p == '_' || *p == '!')
                out[o++] = '!';
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static enum pipeline_input resolve_file(struct source_ctx *c)
{
    json_object *v;
    char like[600];
    enum db_status st;
    if (json_object_object_get_ex(c->config, "file_id", &v) &&
        json_object_is_type(v, json_type_string)) {
        st = db_query(c->db,
                      "SELECT object_key, filename, file_size FROM files WHERE id = ?"
                      " AND user_id = ?",
                      DB_PARAMS(P_STR(json_object_get_string(v)), P_STR(c->user_id)),
                      take_object, c);
        if (st != DB_OK)
            return INPUT_DATABASE;
        return c->found ? INPUT_READY
                        : missing(c, "the file %s no longer exists", json_object_get_string(v));
    }
    if (!json_object_object_get_ex(c->config, "file_pattern", &v) ||
        !json_object_is_type(v, json_type_string))
        return missing(c, "%s", "the pipeline's source_config names no file");
    like_of_glob(json_object_get_string(v), like, sizeof(like));
    st = db_query(c->db,
                  "SELECT object_key, filename, file_size FROM files WHERE user_id = ?"
                  " AND filename LIKE ? ESCAPE '!' ORDER BY uploaded_at DESC, id DESC LIMIT 1",
                  DB_PARAMS(P_STR(c->user_id), P_STR(like)), take_object, c);
    if (st != DB_OK)
        return INPUT_DATABASE;
    return c->found ? INPUT_READY
                    : missing(c, "no uploaded file matches %s", json_object_get_string(v));
}

/* The parent execution's output: the one whose end queued this execution,
 * or (run by hand) the newest successful output among the parents. */
static enum pipeline_input resolve_upstream(struct source_ctx *c)
{
    enum db_status st;
    if (c->upstream_id != NULL)
        st = db_query(c->db,
                      "SELECT j.output_object_key, NULL, j.output_size_bytes"
                      " FROM pipeline_executions e JOIN jobs j ON j.id = e.job_id"
                      " WHERE e.id = ? AND e.status = 'SUCCESS'",
                      DB_PARAMS(P_STR(c->upstream_id)), take_object, c);
    else
        st = db_query(c->db,
                      "SELECT j.output_object_key, NULL, j.output_size_bytes"
                      " FROM pipeline_dependencies d"
                      " JOIN pipeline_executions e ON e.pipeline_id = d.parent_id"
                      " JOIN jobs j ON j.id = e.job_id WHERE d.child_id = ?"
                      " AND e.status = 'SUCCESS' AND j.output_object_key IS NOT NULL"
                      " ORDER BY e.end_time DESC LIMIT 1",
                      DB_PARAMS(P_STR(c->pipeline_id)), take_object, c);
    if (st != DB_OK)
        return INPUT_DATABASE;
    if (c->found)
        return INPUT_READY;
    return missing(c, "%s",
                   c->upstream_id != NULL
                       ? "the parent execution has no output to read"
                       : "the pipeline has no source_type and none of its parents has a "
                         "successful output yet");
}

struct execution_row {
    bool found;
    char execution_id[UUID_LEN + 1], upstream_id[UUID_LEN + 1], pipeline_id[UUID_LEN + 1],
        user_id[UUID_LEN + 1], source_type[20];
    char *source_config;
};

static int take_execution(void *ctx, const struct db_row *row)
{
    struct execution_row *e = ctx;
    const char *const *v = row->values;
    e->found = v[0] != NULL && v[2] != NULL;
    snprintf(e->execution_id, sizeof(e->execution_id), "%s", v[0] ? v[0] : "");
    snprintf(e->upstream_id, sizeof(e->upstream_id), "%s", v[1] ? v[1] : "");
    snprintf(e->pipeline_id, sizeof(e->pipeline_id), "%s", v[2] ? v[2] : "");
    snprintf(e->user_id, sizeof(e->user_id), "%s", v[3] ? v[3] : "");
    snprintf(e->source_type, sizeof(e->source_type), "%s", v[4] ? v[4] : "");
    e->source_config = v[5] ? strdup(v[5]) : NULL;
    return 1;
}

static enum pipeline_input record_input(struct source_ctx *c, const char *job_id,
                                       long long attempts, struct job_row *row)
{
    if (db_exec(c->db,
                "UPDATE jobs SET input_object_key = ?, file_name = ?, input_size_bytes = ?,"
                " original_file_size_bytes = ?, updated_at = UTC_TIMESTAMP(3)"
                " WHERE id = ? AND attempts = ?",
                DB_PARAMS(P_STR(c->key), P_STR(c->name), P_INT(c->size), P_INT(c->size),
                          P_STR(job_id), P_INT(attempts)),
                NULL) != DB_OK)
        return INPUT_DATABASE;
    free(row->input_object_key);
    free(row->file_name);
    row->input_object_key = strdup(c->key);
    row->file_name = strdup(c->name);
    row->input_size_bytes = c->size;
    return row->input_object_key != NULL && row->file_name != NULL ? INPUT_READY : INPUT_DATABASE;
}

enum pipeline_input pipeline_source_resolve(struct db *db, const char *job_id, long long attempts,
                                           struct job_row *row, char *message, size_t message_len)
{
    struct execution_row e = {0};
    /* A run after a lost one starts its error rows afresh (as job_errors). */
    enum db_status st = db_exec(db,
                                "DELETE r FROM pipeline_errors r JOIN pipeline_executions e"
                                " ON e.id = r.execution_id WHERE e.job_id = ?",
                                DB_PARAMS(P_STR(job_id)), NULL);
    if (st != DB_OK)
        return INPUT_DATABASE;
    st = db_query(db,
                                 "SELECT e.id, e.upstream_execution_id, p.id, p.user_id,"
                                 " p.source_type, p.source_config FROM pipeline_executions e"
                                 " LEFT JOIN pipelines p ON p.id = e.pipeline_id WHERE e.job_id = ?",
                                 DB_PARAMS(P_STR(job_id)), take_execution, &e);
    if (st != DB_OK) {
        free(e.source_config);
        return INPUT_DATABASE;
    }
    struct source_ctx c = {db, e.execution_id, e.upstream_id[0] ? e.upstream_id : NULL,
                           e.pipeline_id, e.user_id, NULL, "", "", 0, false, message,
                           message_len};
    enum pipeline_input rc;
    const struct source_reader *reader = NULL;
    for (size_t i = 0; i < sizeof(source_readers) / sizeof(source_readers[0]); i++)
        if (strcmp(source_readers[i].type, e.source_type) == 0)
            reader = &source_readers[i];
    if (!e.found)
        rc = missing(&c, "%s", "the execution's pipeline was deleted");
    else if (reader == NULL)
        rc = missing(&c, "source_type %s cannot be read by this server", e.source_type);
    else {
        c.config = e.source_config ? json_tokener_parse(e.source_config) : NULL;
        if (c.config == NULL)
            c.config = json_object_new_object();
        rc = reader->resolve(&c);
        json_object_put(c.config);
    }
    free(e.source_config);
    return rc == INPUT_READY ? record_input(&c, job_id, attempts, row) : rc;
}
