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
#include "process/source_conn.h"
#include "process/task.h"

#define EXPORT_PROGRESS_EVERY 10000

/* A dataset column's type for the writers: its MariaDB type as a source's
 * (source_conn.c), a TINYINT(1) staying a number and dates text as read. */
static enum rec_type field_type(const MYSQL_FIELD *f)
{
    switch (source_mysql_type(f)) {
    case SRC_T_INTEGER:
    case SRC_T_BOOLEAN:
        return REC_INTEGER;
    case SRC_T_NUMBER:
        return REC_NUMBER;
    default:
        return REC_STRING;
    }
}

/* ---- rows to a file through one of the engine's writers ---- */

struct row_file {
    const struct writer_ops *writer;
    void *state;
    struct rec_env *env;
    struct rec_arena *arena;
    struct rec_columns cols;
    struct rec_field *fields;
    size_t ncols;
    long long rows;
};

static void row_file_free(struct row_file *f)
{
    rec_columns_free(&f->cols);
    rec_arena_free(f->arena);
    rec_env_free(f->env);
    free(f->fields);
    free(f);
}

struct row_file *row_file_open(const char *format, const char *path, const char *const *names,
                               size_t ncols, char *err, size_t err_len)
{
    const struct format *fmt = format ? formats_lookup(format) : NULL;
    struct row_file *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    f->writer = fmt ? fmt->writer : NULL;
    f->env = rec_env_new(NULL);
    f->arena = rec_arena_new();
    f->fields = calloc(ncols + 1, sizeof(*f->fields));
    f->ncols = ncols;
    if (f->writer == NULL) {
        snprintf(err, err_len, "the format is not available: %s", format ? format : "(none)");
        row_file_free(f);
        return NULL;
    }
    if (f->env == NULL || f->arena == NULL || f->fields == NULL) {
        snprintf(err, err_len, "out of memory");
        row_file_free(f);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++) {
        const char *n = rec_intern(f->env, names[i], strlen(names[i]));
        if (n == NULL || rec_columns_push(&f->cols, n) != 0) {
            snprintf(err, err_len, "out of memory");
            row_file_free(f);
            return NULL;
        }
    }
    struct writer_args args = {.path = path, .columns = &f->cols, .env = f->env};
    if (f->writer->open(&f->state, &args) != ENGINE_OK) {
        snprintf(err, err_len, "cannot write: %s", rec_env_error(f->env));
        row_file_free(f);
        return NULL;
    }
    return f;
}

int row_file_write(struct row_file *f, const char *const *values, const size_t *lengths,
                   const enum rec_type *types, char *err, size_t err_len)
{
    struct record rec = {.fields = f->fields, .nfields = f->ncols, .arena = f->arena};
    rec_arena_reset(f->arena);
    for (size_t i = 0; i < f->ncols; i++) {
        f->fields[i].name = f->cols.names[i];
        f->fields[i].val = values[i] ? values[i] : "";
        f->fields[i].len = values[i] ? lengths[i] : 0;
        f->fields[i].type = values[i] ? types[i] : REC_NULL;
    }
    rec.line = ++f->rows;
    if (f->writer->write(f->state, &rec) != ENGINE_OK) {
        snprintf(err, err_len, "cannot write: %s", rec_env_error(f->env));
        return -1;
    }
    return 0;
}

int row_file_close(struct row_file *f, char *err, size_t err_len)
{
    if (f == NULL)
        return 0;
    int rc = f->writer->close(f->state);
    if (rc != ENGINE_OK && err != NULL)
        snprintf(err, err_len, "cannot write: %s", rec_env_error(f->env));
    row_file_free(f);
    return rc == ENGINE_OK ? 0 : -1;
}

/* ---- a query over the user's datasets ---- */

/* The run failed: why (what, then the detail). */
static int fail(struct task *t, const char *what, const char *detail)
{
    snprintf(t->error, sizeof(t->error), "%s%s", what, detail);
    return TASK_FAILED;
}

const char *task_dataset_sql(struct task *t, struct arena *a, const char *dataset_id,
                             const char **name)
{
    struct dataset_row d;
    if (dataset_id == NULL || dataset_get(t->db, a, dataset_id, &d) != DB_OK ||
        strcmp(d.user_id, t->user_id) != 0 || !source_identifier_valid(d.name)) {
        snprintf(t->error, sizeof(t->error), "the dataset no longer exists");
        return NULL;
    }
    *name = d.name;
    return arena_printf(a, "SELECT * FROM `%s`", d.name);
}

/* The statement to run: the config's sql (gated again), or the whole dataset. */
static const char *export_sql(struct task *t, struct arena *a, const char **name)
{
    char msg[256];
    const char *sql = task_config_string(t, "sql");
    if (sql == NULL)
        return task_dataset_sql(t, a, task_config_string(t, "dataset_id"), name);
    char *out = arena_alloc(a, strlen(sql) + 1);
    if (sql_guard_check(sql, strlen(sql), out, msg, sizeof(msg)) != SQL_GUARD_OK) {
        snprintf(t->error, sizeof(t->error), "the query is refused: %s", msg);
        return NULL;
    }
    *name = "query";
    return out;
}

static int copy_rows(struct task *t, MYSQL *conn, MYSQL_RES *res, struct row_file *f)
{
    unsigned int ncols = mysql_num_fields(res);
    MYSQL_FIELD *fields = mysql_fetch_fields(res);
    enum rec_type *types = calloc(ncols + 1, sizeof(*types));
    size_t *lens = calloc(ncols + 1, sizeof(*lens));
    char err[300];
    int rc = TASK_OK;
    if (types == NULL || lens == NULL)
        rc = fail(t, "", "out of memory");
    for (unsigned int i = 0; rc == TASK_OK && i < ncols; i++)
        types[i] = field_type(&fields[i]);
    MYSQL_ROW row;
    while (rc == TASK_OK && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(res);
        for (unsigned int i = 0; i < ncols; i++)
            lens[i] = lengths[i];
        if (row_file_write(f, (const char *const *)row, lens, types, err, sizeof(err)) != 0)
            rc = fail(t, "", err);
        else if (++t->processed % EXPORT_PROGRESS_EVERY == 0 && (*t->cancel || !t->progress(t)))
            rc = fail(t, "", "stopped");
    }
    if (rc == TASK_OK && mysql_errno(conn) != 0)
        rc = fail(t, "the query stopped: ", mysql_error(conn));
    free(types);
    free(lens);
    return rc;
}

int task_export_sql(struct task *t, const char *sql, const char *format, const char *path,
                    long long *columns)
{
    MYSQL *conn = NULL;
    MYSQL_RES *res = NULL;
    struct row_file *f = NULL;
    char err[300];
    int rc = TASK_FAILED;
    int timeout = (int)task_config_int(t, "timeout", t->cfg->job_timeout_seconds);
    if (sql_account_connect(t->cfg, t->db, t->user_id, timeout + 60, &conn) != SQL_CONNECTED) {
        fail(t, "", "the SQL account cannot connect");
        goto out;
    }
    if (sql_account_session(conn, timeout, 0) != 0 ||
        mysql_real_query(conn, sql, (unsigned long)strlen(sql)) != 0) {
        fail(t, "the query failed: ", mysql_error(conn));
        goto out;
    }
    res = mysql_use_result(conn);
    if (res == NULL) {
        fail(t, "the query returns no rows: ", mysql_error(conn));
        goto out;
    }
    unsigned int ncols = mysql_num_fields(res);
    MYSQL_FIELD *fields = mysql_fetch_fields(res);
    const char **names = calloc(ncols + 1, sizeof(*names));
    for (unsigned int i = 0; names != NULL && i < ncols; i++)
        names[i] = fields[i].name;
    if (names == NULL)
        snprintf(err, sizeof(err), "out of memory");
    else
        f = row_file_open(format, path, names, ncols, err, sizeof(err));
    free(names);
    if (f == NULL) {
        fail(t, "", err);
        goto out;
    }
    if (copy_rows(t, conn, res, f) != TASK_OK)
        goto out;
    *columns = ncols;
    rc = row_file_close(f, err, sizeof(err)) == 0 ? TASK_OK : fail(t, "", err);
    f = NULL;
out:
    if (f != NULL) {
        row_file_close(f, NULL, 0);
        unlink(path);
    }
    if (rc != TASK_OK)
        unlink(path);
    if (res != NULL)
        mysql_free_result(res);
    if (conn != NULL)
        mysql_close(conn);
    return rc;
}

static int run_export(struct task *t, struct arena *a)
{
    char dir[700], tmp[900], final[900];
    const char *name = NULL;
    const char *format = task_config_string(t, "format");
    const struct format *f = format ? formats_lookup(format) : NULL;
    long long ncols = 0;
    if (f == NULL || f->writer == NULL)
        return fail(t, "the export format is not available: ", format ? format : "(none)");
    const char *sql = export_sql(t, a, &name);
    if (sql == NULL)
        return TASK_FAILED;
    snprintf(dir, sizeof(dir), "%s/output", t->cfg->storage_dir);
    mkdir(dir, 0755);
    snprintf(dir, sizeof(dir), "%s/output/%s", t->cfg->storage_dir, t->job_id);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return fail(t, "cannot create the output directory: ", strerror(errno));
    snprintf(tmp, sizeof(tmp), "%s/.export.%ld.tmp", dir, (long)getpid());
    snprintf(final, sizeof(final), "%s/%s.%s", dir, name, f->writer->extension);
    if (task_export_sql(t, sql, f->name, tmp, &ncols) != TASK_OK)
        return TASK_FAILED;
    if (rename(tmp, final) != 0) {
        unlink(tmp);
        return fail(t, "cannot move the export into place: ", strerror(errno));
    }
    struct stat st;
    t->output_bytes = stat(final, &st) == 0 ? (long long)st.st_size : 0;
    snprintf(t->output_key, sizeof(t->output_key), "output/%s/%s.%s", t->job_id, name,
             f->writer->extension);
    t->total = t->processed;
    t->result = json_object_new_object();
    json_object_object_add(t->result, "format", json_object_new_string(f->name));
    json_object_object_add(t->result, "rows", json_object_new_int64(t->processed));
    json_object_object_add(t->result, "columns", json_object_new_int64(ncols));
    json_object_object_add(t->result, "bytes", json_object_new_int64(t->output_bytes));
    log_info("job %s: exported %lld rows as %s (%lld bytes)", t->job_id, t->processed,
             f->name, t->output_bytes);
    return TASK_OK;
}

int task_export(struct task *t)
{
    struct arena a;
    arena_init(&a, 0);
    int rc = run_export(t, &a);
    arena_free(&a);
    return rc;
}
