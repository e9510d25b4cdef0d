/* The sources an execution reads, one table row each, and its dataset
 * destination; the API's tables in api/pipelines.c say which kinds a
 * definition may choose. A FILE source or a parent's output is an object
 * already stored; a DATABASE or DATASET source is read into an input file
 * of the job (input/<job>/source.jsonl) by the engine's JSON Lines writer,
 * and the run is then a file run like any other. */
#include "process/pipeline_source.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/ids.h"
#include "common/log.h"

#define KEY_MAX 512
/* The input a DATABASE or DATASET source is read into: a fixed name under
 * the job's own input directory (no user text in the path); retention
 * removes it with the job's other objects. */
#define SOURCE_FILE "source.jsonl"
#define SOURCE_FORMAT "jsonl"
#define NAME_MAX_LEN 256

struct source_ctx {
    struct task *t;
    struct db *db;
    const char *execution_id, *upstream_id, *pipeline_id, *user_id;
    json_object *config;
    /* what a reader finds */
    char key[KEY_MAX], name[NAME_MAX_LEN];
    long long size;
    bool found, written; /* written: the input is a file this run wrote */
    char *message;
    size_t message_len;
};

struct source_reader {
    const char *type; /* pipelines.source_type; "" for none: the parent's output */
    enum pipeline_input (*resolve)(struct source_ctx *c);
};

static enum pipeline_input resolve_file(struct source_ctx *c);
static enum pipeline_input resolve_upstream(struct source_ctx *c);
static enum pipeline_input resolve_database(struct source_ctx *c);
static enum pipeline_input resolve_dataset(struct source_ctx *c);

static const struct source_reader source_readers[] = {
    {"FILE", resolve_file},
    {"DATABASE", resolve_database},
    {"DATASET", resolve_dataset},
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

/* The job's input directory and the temporary and final names of the
 * file a source is read into. -1 with the message when it cannot be made. */
static int input_paths(struct source_ctx *c, char *tmp, size_t tmp_len, char *final,
                       size_t final_len)
{
    char dir[900];
    const char *storage = c->t->cfg->storage_dir;
    snprintf(dir, sizeof(dir), "%s/input", storage);
    mkdir(dir, 0755);
    snprintf(dir, sizeof(dir), "%s/input/%s", storage, c->t->job_id);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        missing(c, "cannot create the input directory: %s", strerror(errno));
        return -1;
    }
    snprintf(tmp, tmp_len, "%s/.%s.%ld.tmp", dir, SOURCE_FILE, (long)getpid());
    snprintf(final, final_len, "%s/%s", dir, SOURCE_FILE);
    return 0;
}

/* The file written at tmp becomes the run's input. */
static enum pipeline_input take_written(struct source_ctx *c, const char *tmp, const char *final,
                                        const char *what)
{
    struct stat st;
    if (rename(tmp, final) != 0) {
        unlink(tmp);
        return missing(c, "cannot move the input into place: %s", strerror(errno));
    }
    snprintf(c->key, sizeof(c->key), "input/%s/%s", c->t->job_id, SOURCE_FILE);
    snprintf(c->name, sizeof(c->name), "%s", SOURCE_FILE);
    c->size = stat(final, &st) == 0 ? (long long)st.st_size : 0;
    c->found = c->written = true;
    log_info("job %s: read %lld rows of %s into its input", c->t->job_id, c->t->processed, what);
    c->t->processed = c->t->total = 0;
    return INPUT_READY;
}

static const char *config_string(json_object *config, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(config, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* DATABASE: a stored source of the owner (source_config.source_id), its
 * table (with an equality filter, `where`) or a query, read whole by
 * task_source.c's reader into the job's input. */
static enum pipeline_input resolve_database(struct source_ctx *c)
{
    struct task *t = c->t;
    char tmp[1100], final[1100];
    json_object *v, *config = json_object_new_object();
    const char *table = config_string(c->config, "table");
    const char *query = config_string(c->config, "query");
    if (table != NULL)
        json_object_object_add(config, "table", json_object_new_string(table));
    if (query != NULL)
        json_object_object_add(config, "sql", json_object_new_string(query));
    if (json_object_object_get_ex(c->config, "where", &v) && json_object_is_type(v, json_type_object))
        json_object_object_add(config, "where", json_object_get(v));
    json_object_object_add(config, "statement_timeout_ms",
                           json_object_new_int64((int64_t)t->cfg->job_timeout_seconds * 1000));
    t->config = config;
    t->subject_id = config_string(c->config, "source_id");
    enum pipeline_input rc;
    if (t->subject_id == NULL)
        rc = missing(c, "%s", "the pipeline's source_config names no source_id");
    else if (input_paths(c, tmp, sizeof(tmp), final, sizeof(final)) != 0)
        rc = INPUT_MISSING;
    else if (task_source_to_file(t, SOURCE_FORMAT, tmp) != TASK_OK)
        rc = missing(c, "%s", t->error);
    else
        rc = take_written(c, tmp, final, table ? table : "the source's query");
    t->config = NULL;
    t->subject_id = NULL;
    json_object_put(config);
    return rc;
}

/* DATASET: the owner's dataset (source_config.dataset_id), read as their
 * own SQL account by task_export.c's reader into the job's input. */
static enum pipeline_input resolve_dataset(struct source_ctx *c)
{
    struct task *t = c->t;
    struct arena a;
    char tmp[1100], final[1100];
    const char *name = NULL;
    long long columns = 0;
    enum pipeline_input rc;
    arena_init(&a, 0);
    const char *sql = task_dataset_sql(t, &a, config_string(c->config, "dataset_id"), &name);
    if (sql == NULL)
        rc = missing(c, "%s", t->error);
    else if (input_paths(c, tmp, sizeof(tmp), final, sizeof(final)) != 0)
        rc = INPUT_MISSING;
    else if (task_export_sql(t, sql, SOURCE_FORMAT, tmp, &columns) != TASK_OK)
        rc = missing(c, "the dataset cannot be read: %s", t->error);
    else
        rc = take_written(c, tmp, final, name);
    arena_free(&a);
    return rc;
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

/* A file this run wrote is JSON Lines whatever the pipeline's reading
 * options say: the run's config (in memory only) names the format. */
static int force_format(struct job_row *row)
{
    json_object *config = row->processing_config ? json_tokener_parse(row->processing_config) : NULL;
    if (config == NULL || !json_object_is_type(config, json_type_object)) {
        json_object_put(config);
        config = json_object_new_object();
    }
    json_object_object_add(config, "format", json_object_new_string(SOURCE_FORMAT));
    char *text = strdup(json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN));
    json_object_put(config);
    if (text == NULL)
        return -1;
    free(row->processing_config);
    row->processing_config = text;
    return 0;
}

enum pipeline_input pipeline_source_resolve(struct task *t, struct job_row *row, char *message,
                                           size_t message_len)
{
    struct db *db = t->db;
    const char *job_id = t->job_id;
    long long attempts = t->attempts;
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
    struct source_ctx c = {t, db, e.execution_id, e.upstream_id[0] ? e.upstream_id : NULL,
                           e.pipeline_id, e.user_id, NULL, "", "", 0, false, false, message,
                           message_len};
    const char *owner = t->user_id;
    t->user_id = c.user_id;
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
    t->user_id = owner;
    if (rc == INPUT_READY && c.written && force_format(row) != 0)
        rc = INPUT_DATABASE;
    return rc == INPUT_READY ? record_input(&c, job_id, attempts, row) : rc;
}

/* ---- the destination ---- */

static int take_text(void *ctx, const struct db_row *row)
{
    char **out = ctx;
    *out = row->values[0] ? strdup(row->values[0]) : NULL;
    return 1;
}

int pipeline_destination_write(struct task *t, const char *output_path, const char *format,
                               char *message, size_t message_len)
{
    char *text = NULL;
    enum db_status st = db_query(t->db,
                                 "SELECT p.destination FROM pipeline_executions e"
                                 " JOIN pipelines p ON p.id = e.pipeline_id WHERE e.job_id = ?",
                                 DB_PARAMS(P_STR(t->job_id)), take_text, &text);
    if (st != DB_OK) {
        snprintf(message, message_len, "the pipeline's destination cannot be read: %s",
                 db_last_error(t->db));
        return -1;
    }
    json_object *dest = text ? json_tokener_parse(text) : NULL;
    free(text);
    const char *type = dest ? config_string(dest, "type") : NULL;
    int rc = 0;
    if (type != NULL && strcmp(type, "dataset") == 0) {
        const char *mode = config_string(dest, "write_mode");
        struct load_target target = {
            .dataset_id = config_string(dest, "dataset_id"),
            .name = config_string(dest, "dataset_name"),
            .mode = mode ? mode : "upsert",
            .record_key = config_string(dest, "record_key_field"),
            .precombine = config_string(dest, "precombine_field"),
        };
        if (task_load_file(t, &target, output_path, format) != TASK_OK) {
            snprintf(message, message_len, "destination: %s", t->error);
            rc = -1;
        }
    }
    json_object_put(dest);
    return rc;
}
