/* task_export.c — export: a dataset, or the result of a query over the
 * user's datasets, written by one of the engine's writers (CSV, JSON Lines,
 * JSON; Parquet when the engine has that writer) to output/<job>/<name>,
 * through a temporary name, for a signed download (GET /jobs/{id}/download).
 *
 * The rows are read as the user's own SQL account (sql_account.h), the one
 * POST /query uses, after the same lexical gate: an export can read no more
 * than a query. They are read unbuffered and written as they come, so an
 * export of any size runs in a bounded memory. */
#include <errno.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dataset_store.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/source_uri.h"
#include "common/sql_account.h"
#include "common/sql_guard.h"
#include "process/formats.h"
#include "process/record.h"
#include "process/task.h"

#define EXPORT_PROGRESS_EVERY 10000

static enum rec_type field_type(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        return REC_INTEGER;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return REC_NUMBER;
    default:
        return REC_STRING;
    }
}

struct export {
    struct task *t;
    struct arena arena;
    const struct writer_ops *writer;
    void *writer_state;
    struct rec_env *env;
    struct rec_arena *rec_arena;
    struct rec_columns cols;
    MYSQL *conn;
    MYSQL_RES *res;
    char dir[700], tmp[900], final[900];
};

/* The run failed: why (what, then the detail). */
static int fail(struct task *t, const char *what, const char *detail)
{
    snprintf(t->error, sizeof(t->error), "%s%s", what, detail);
    return TASK_FAILED;
}

/* The statement to run: the config's sql (gated again), or the whole dataset. */
static const char *export_sql(struct export *e, const char **name)
{
    struct task *t = e->t;
    char msg[256];
    const char *sql = task_config_string(t, "sql");
    if (sql != NULL) {
        char *out = arena_alloc(&e->arena, strlen(sql) + 1);
        if (sql_guard_check(sql, strlen(sql), out, msg, sizeof(msg)) != SQL_GUARD_OK) {
            snprintf(t->error, sizeof(t->error), "the query is refused: %s", msg);
            return NULL;
        }
        *name = "query";
        return out;
    }
    struct dataset_row d;
    const char *id = task_config_string(t, "dataset_id");
    if (id == NULL || dataset_get(t->db, &e->arena, id, &d) != DB_OK ||
        strcmp(d.user_id, t->user_id) != 0 || !source_identifier_valid(d.name)) {
        snprintf(t->error, sizeof(t->error), "the dataset no longer exists");
        return NULL;
    }
    *name = d.name;
    return arena_printf(&e->arena, "SELECT * FROM `%s`", d.name);
}

static int open_output(struct export *e, const char *name)
{
    struct task *t = e->t;
    unsigned int ncols = mysql_num_fields(e->res);
    MYSQL_FIELD *fields = mysql_fetch_fields(e->res);
    snprintf(e->dir, sizeof(e->dir), "%s/output", t->cfg->storage_dir);
    mkdir(e->dir, 0755);
    snprintf(e->dir, sizeof(e->dir), "%s/output/%s", t->cfg->storage_dir, t->job_id);
    if (mkdir(e->dir, 0755) != 0 && errno != EEXIST)
        return fail(t, "cannot create the output directory: ", strerror(errno));
    snprintf(e->tmp, sizeof(e->tmp), "%s/.export.%ld.tmp", e->dir, (long)getpid());
    snprintf(e->final, sizeof(e->final), "%s/%s.%s", e->dir, name, e->writer->extension);
    for (unsigned int i = 0; i < ncols; i++) {
        const char *n = rec_intern(e->env, fields[i].name, strlen(fields[i].name));
        if (n == NULL || rec_columns_push(&e->cols, n) != 0)
            return fail(t, "", "out of memory");
    }
    struct writer_args args = {.path = e->tmp, .columns = &e->cols, .env = e->env};
    if (e->writer->open(&e->writer_state, &args) != ENGINE_OK) {
        e->writer_state = NULL;
        return fail(t, "cannot write the export: ", rec_env_error(e->env));
    }
    return TASK_OK;
}

static int copy_rows(struct export *e)
{
    struct task *t = e->t;
    unsigned int ncols = mysql_num_fields(e->res);
    MYSQL_FIELD *fields = mysql_fetch_fields(e->res);
    struct rec_field *row_fields = arena_alloc(&e->arena, sizeof(*row_fields) * (ncols + 1));
    struct record rec = {.fields = row_fields, .nfields = ncols, .arena = e->rec_arena};
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(e->res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(e->res);
        rec_arena_reset(e->rec_arena);
        for (unsigned int i = 0; i < ncols; i++) {
            row_fields[i].name = e->cols.names[i];
            row_fields[i].val = row[i] ? row[i] : "";
            row_fields[i].len = row[i] ? lengths[i] : 0;
            row_fields[i].type = row[i] ? field_type(&fields[i]) : REC_NULL;
        }
        rec.line = ++t->processed;
        if (e->writer->write(e->writer_state, &rec) != ENGINE_OK)
            return fail(t, "cannot write the export: ", rec_env_error(e->env));
        if (t->processed % EXPORT_PROGRESS_EVERY == 0 && (*t->cancel || !t->progress(t)))
            return fail(t, "", "stopped");
    }
    if (mysql_errno(e->conn) != 0)
        return fail(t, "the query stopped: ", mysql_error(e->conn));
    return TASK_OK;
}

static int run_export(struct export *e)
{
    struct task *t = e->t;
    const char *name = NULL;
    const char *format = task_config_string(t, "format");
    const struct format *f = format ? formats_lookup(format) : NULL;
    e->writer = f ? f->writer : NULL;
    if (e->writer == NULL)
        return fail(t, "the export format is not available: ", format ? format : "(none)");
    const char *sql = export_sql(e, &name);
    if (sql == NULL)
        return TASK_FAILED;
    int timeout = (int)task_config_int(t, "timeout", t->cfg->job_timeout_seconds);
    if (sql_account_connect(t->cfg, t->db, t->user_id, timeout + 60, &e->conn) != SQL_CONNECTED)
        return fail(t, "", "the SQL account cannot connect");
    if (sql_account_session(e->conn, timeout, 0) != 0 ||
        mysql_real_query(e->conn, sql, (unsigned long)strlen(sql)) != 0)
        return fail(t, "the query failed: ", mysql_error(e->conn));
    e->res = mysql_use_result(e->conn);
    if (e->res == NULL)
        return fail(t, "the query returns no rows: ", mysql_error(e->conn));
    if (open_output(e, name) != TASK_OK || copy_rows(e) != TASK_OK)
        return TASK_FAILED;
    int rc = e->writer->close(e->writer_state);
    e->writer_state = NULL;
    if (rc != ENGINE_OK)
        return fail(t, "cannot write the export: ", rec_env_error(e->env));
    if (rename(e->tmp, e->final) != 0)
        return fail(t, "cannot move the export into place: ", strerror(errno));
    struct stat st;
    t->output_bytes = stat(e->final, &st) == 0 ? (long long)st.st_size : 0;
    snprintf(t->output_key, sizeof(t->output_key), "output/%s/%s.%s", t->job_id, name,
             e->writer->extension);
    t->total = t->processed;
    t->result = json_object_new_object();
    json_object_object_add(t->result, "format", json_object_new_string(f->name));
    json_object_object_add(t->result, "rows", json_object_new_int64(t->processed));
    json_object_object_add(t->result, "columns", json_object_new_int64((int64_t)e->cols.count));
    json_object_object_add(t->result, "bytes", json_object_new_int64(t->output_bytes));
    log_info("job %s: exported %lld rows as %s (%lld bytes)", t->job_id, t->processed,
             f->name, t->output_bytes);
    return TASK_OK;
}

int task_export(struct task *t)
{
    struct export e;
    memset(&e, 0, sizeof(e));
    e.t = t;
    arena_init(&e.arena, 0);
    e.env = rec_env_new(NULL);
    e.rec_arena = rec_arena_new();
    int rc = e.env && e.rec_arena ? run_export(&e) : fail(t, "", "out of memory");
    if (e.writer_state != NULL)
        e.writer->close(e.writer_state);
    if (rc != TASK_OK && e.tmp[0] != '\0')
        unlink(e.tmp);
    if (e.res != NULL)
        mysql_free_result(e.res);
    if (e.conn != NULL)
        mysql_close(e.conn);
    rec_columns_free(&e.cols);
    rec_arena_free(e.rec_arena);
    rec_env_free(e.env);
    arena_free(&e.arena);
    return rc;
}
