#include "common/purge_store.h"

#include <stddef.h>

struct id_relay {
    job_id_fn fn;
    void *ctx;
};

static int relay_id(void *ctx, const struct db_row *row)
{
    const struct id_relay *r = ctx;
    return row->values[0] != NULL ? r->fn(r->ctx, row->values[0]) : 0;
}

enum db_status purge_list_jobs(struct db *db, long long hours, int limit, job_id_fn fn, void *ctx)
{
    /* A range of jobs_finished (sql/012_purge.sql): only expired rows are read. */
    static const char sql[] =
        "SELECT id FROM jobs WHERE finished_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "AND status IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY finished_at LIMIT ?";
    struct id_relay r = {fn, ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), relay_id, &r);
}

/* The statements of purge_job, in order; each takes the job's id. */
static const char *const job_parts[] = {
    "DELETE FROM job_errors WHERE job_id = ?",
    "DELETE FROM quality_checks WHERE job_id = ?",
    "DELETE FROM pipeline_errors WHERE execution_id = "
    "(SELECT id FROM pipeline_executions WHERE job_id = ?)",
    "DELETE FROM pipeline_executions WHERE job_id = ?",
};

enum db_status purge_job(struct db *db, const char *id, long long hours, bool *won)
{
    /* The row is locked first: nothing below runs for a job that changed. */
    static const char lock_sql[] =
        "SELECT 1 FROM jobs WHERE id = ? AND status IN ('COMPLETED', 'FAILED', 'CANCELLED') "
        "AND finished_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "AND NOT EXISTS (SELECT 1 FROM load_jobs WHERE current_job_id = ?) FOR UPDATE";
    long long found = 0, affected = 0;
    *won = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query_int(db, lock_sql, DB_PARAMS(P_STR(id), P_INT(hours), P_STR(id)), &found);
    if (st == DB_NO_ROW) {
        db_rollback(db);
        return DB_OK;
    }
    for (size_t i = 0; st == DB_OK && i < sizeof(job_parts) / sizeof(job_parts[0]); i++)
        st = db_exec(db, job_parts[i], DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM jobs WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK)
        st = db_commit(db);
    if (st != DB_OK) {
        db_rollback(db);
        return st;
    }
    *won = affected == 1;
    return DB_OK;
}

enum db_status purge_pipeline_errors(struct db *db, long long hours, int limit,
                                     long long *deleted)
{
    static const char sql[] =
        "DELETE FROM pipeline_errors WHERE occurred_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "ORDER BY occurred_at LIMIT ?";
    *deleted = 0;
    return db_exec(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), deleted);
}

enum db_status purge_list_progress(struct db *db, long long hours, int limit, job_id_fn fn,
                                   void *ctx)
{
    static const char sql[] =
        "SELECT id FROM progress_records WHERE updated_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "ORDER BY updated_at LIMIT ?";
    struct id_relay r = {fn, ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), relay_id, &r);
}

enum db_status purge_progress(struct db *db, const char *id, long long hours, bool *won)
{
    static const char lock_sql[] =
        "SELECT 1 FROM progress_records WHERE id = ? "
        "AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR FOR UPDATE";
    long long found = 0, affected = 0;
    *won = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query_int(db, lock_sql, DB_PARAMS(P_STR(id), P_INT(hours)), &found);
    if (st == DB_NO_ROW) {
        db_rollback(db);
        return DB_OK;
    }
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM progress_messages WHERE progress_id = ?",
                     DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM progress_records WHERE id = ?", DB_PARAMS(P_STR(id)),
                     &affected);
    if (st == DB_OK)
        st = db_commit(db);
    if (st != DB_OK) {
        db_rollback(db);
        return st;
    }
    *won = affected == 1;
    return DB_OK;
}

/* A file past its retention and used by nothing (sql/015_file_pins.sql:
 * files_expiry is the range read); the one parameter is the hours. */
#define FILE_DUE                                                                                   \
    " f.pinned = 0 AND f.retention_from < UTC_TIMESTAMP(3) - INTERVAL ? HOUR"                     \
    " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.file_id = f.id"                                 \
    " AND j.status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED'))"                                   \
    " AND NOT EXISTS (SELECT 1 FROM quality_checks q WHERE q.user_id = f.user_id"                  \
    " AND q.entity_id = f.id AND q.status = 'running')"                                            \
    " AND NOT EXISTS (SELECT 1 FROM pipelines p WHERE p.user_id = f.user_id"                       \
    " AND p.source_type = 'FILE' AND JSON_VALUE(p.source_config, '$.file_id') = f.id)"

enum db_status purge_list_files(struct db *db, long long hours, int limit, job_id_fn fn,
                                void *ctx)
{
    static const char sql[] =
        "SELECT f.id FROM files f WHERE" FILE_DUE " ORDER BY f.retention_from LIMIT ?";
    struct id_relay r = {fn, ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), relay_id, &r);
}

enum db_status purge_file(struct db *db, const char *id, long long hours, job_id_fn fn, void *ctx,
                          bool *won)
{
    /* Jobs first, then the file, as file_queue_job and file_delete lock them:
     * a job queued meanwhile moved retention_from, and the file is kept. */
    static const char jobs_sql[] = "SELECT id FROM jobs WHERE file_id = ? FOR UPDATE";
    static const char lock_sql[] =
        "SELECT 1 FROM files f WHERE f.id = ? AND" FILE_DUE " FOR UPDATE";
    struct id_relay r = {fn, ctx};
    long long found = 0, affected = 0;
    *won = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query(db, jobs_sql, DB_PARAMS(P_STR(id)), relay_id, &r);
    if (st == DB_OK)
        st = db_query_int(db, lock_sql, DB_PARAMS(P_STR(id), P_INT(hours)), &found);
    if (st == DB_NO_ROW) {
        db_rollback(db);
        return DB_OK;
    }
    /* A join, as file_delete does: a single-table DELETE's subquery runs per row. */
    if (st == DB_OK)
        st = db_exec(db,
                     "DELETE e FROM job_errors e JOIN jobs j ON e.job_id = j.id"
                     " WHERE j.file_id = ?",
                     DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM jobs WHERE file_id = ?", DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM files WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK)
        st = db_commit(db);
    if (st != DB_OK) {
        db_rollback(db);
        return st;
    }
    *won = affected == 1;
    return DB_OK;
}
