#include "common/purge_store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

/* Everything that hangs off one job, then the job, each by an explicit
 * DELETE (the triggers keep the counts): the statements in order, each
 * taking the job's id. An execution's errors go before the execution their
 * statement reads it through. purge_job and purge_file both delete a job
 * this way. */
static const char *const job_parts[] = {
    "DELETE FROM job_errors WHERE job_id = ?",
    "DELETE FROM quality_checks WHERE job_id = ?",
    "DELETE r FROM pipeline_errors r JOIN pipeline_executions x ON r.execution_id = x.id"
    " WHERE x.job_id = ?",
    "DELETE FROM pipeline_executions WHERE job_id = ?",
    "DELETE FROM jobs WHERE id = ?",
};

static enum db_status delete_job(struct db *db, const char *id, long long *affected)
{
    enum db_status st = DB_OK;
    size_t last = sizeof(job_parts) / sizeof(job_parts[0]) - 1;
    for (size_t i = 0; st == DB_OK && i <= last; i++)
        st = db_exec(db, job_parts[i], DB_PARAMS(P_STR(id)), i == last ? affected : NULL);
    return st;
}

/* One purge, run by db_transaction (which may run it again after a lost
 * conflict): everything it hands back is set anew at the start of each
 * try, and the caller's callback is called only after the commit. */
struct purge_txn {
    const char *id;
    long long hours;
    bool won;
    /* purge_file: the ids of the file's jobs, locked and deleted. */
    char (*jobs)[UUID_LEN + 1];
    size_t njobs, cap;
    bool oom;
};

static enum db_status purge_job_txn(struct db *db, void *arg)
{
    /* The row is locked first: nothing below runs for a job that changed. */
    static const char lock_sql[] =
        "SELECT 1 FROM jobs WHERE id = ? AND status IN ('COMPLETED', 'FAILED', 'CANCELLED') "
        "AND finished_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "AND NOT EXISTS (SELECT 1 FROM load_jobs WHERE current_job_id = ?) FOR UPDATE";
    struct purge_txn *t = arg;
    long long found = 0, affected = 0;
    t->won = false;
    enum db_status st =
        db_query_int(db, lock_sql, DB_PARAMS(P_STR(t->id), P_INT(t->hours), P_STR(t->id)), &found);
    if (st == DB_OK)
        st = delete_job(db, t->id, &affected);
    t->won = st == DB_OK && affected == 1;
    return st;
}

/* A "nothing to do" (DB_NO_ROW: the row is no longer due) is no error. */
static enum db_status purge_run(struct db *db, db_txn_fn fn, struct purge_txn *t, bool *won)
{
    enum db_status st = db_transaction(db, DB_REPEATABLE_READ, fn, t);
    *won = st == DB_OK && t->won;
    return st == DB_NO_ROW ? DB_OK : st;
}

enum db_status purge_job(struct db *db, const char *id, long long hours, bool *won)
{
    struct purge_txn t = {.id = id, .hours = hours};
    return purge_run(db, purge_job_txn, &t, won);
}

enum db_status purge_pipeline_errors(struct db *db, long long hours, int limit, long long *deleted)
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

static enum db_status purge_progress_txn(struct db *db, void *arg)
{
    static const char lock_sql[] = "SELECT 1 FROM progress_records WHERE id = ? "
                                   "AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR FOR UPDATE";
    struct purge_txn *t = arg;
    long long found = 0, affected = 0;
    t->won = false;
    enum db_status st =
        db_query_int(db, lock_sql, DB_PARAMS(P_STR(t->id), P_INT(t->hours)), &found);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM progress_messages WHERE progress_id = ?",
                     DB_PARAMS(P_STR(t->id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM progress_records WHERE id = ?", DB_PARAMS(P_STR(t->id)),
                     &affected);
    t->won = st == DB_OK && affected == 1;
    return st;
}

enum db_status purge_progress(struct db *db, const char *id, long long hours, bool *won)
{
    struct purge_txn t = {.id = id, .hours = hours};
    return purge_run(db, purge_progress_txn, &t, won);
}

/* A file past its retention and used by nothing (sql/015_file_pins.sql:
 * files_expiry is the range read); the one parameter is the hours. */
#define FILE_DUE                                                                                   \
    " f.pinned = 0 AND f.retention_from < UTC_TIMESTAMP(3) - INTERVAL ? HOUR"                      \
    " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.file_id = f.id"                                 \
    " AND j.status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED'))"                                   \
    " AND NOT EXISTS (SELECT 1 FROM quality_checks q WHERE q.user_id = f.user_id"                  \
    " AND q.entity_id = f.id AND q.status = 'running')"                                            \
    " AND NOT EXISTS (SELECT 1 FROM pipelines p WHERE p.user_id = f.user_id"                       \
    " AND p.source_type = 'FILE' AND JSON_VALUE(p.source_config, '$.file_id') = f.id)"

enum db_status purge_list_files(struct db *db, long long hours, int limit, job_id_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT f.id FROM files f WHERE" FILE_DUE " ORDER BY f.retention_from LIMIT ?";
    struct id_relay r = {fn, ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), relay_id, &r);
}

static int take_job(void *ctx, const struct db_row *row)
{
    struct purge_txn *t = ctx;
    const char *id = row->values[0];
    if (id == NULL || strlen(id) != UUID_LEN)
        return 0;
    if (t->njobs == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        void *grown = realloc(t->jobs, cap * sizeof(*t->jobs));
        if (grown == NULL) {
            t->oom = true;
            return 1;
        }
        t->jobs = grown;
        t->cap = cap;
    }
    memcpy(t->jobs[t->njobs++], id, UUID_LEN + 1);
    return 0;
}

static enum db_status purge_file_txn(struct db *db, void *arg)
{
    /* Jobs first, then the file, as file_queue_job and file_delete lock them:
     * a job queued meanwhile moved retention_from, and the file is kept. */
    static const char jobs_sql[] = "SELECT id FROM jobs WHERE file_id = ? FOR UPDATE";
    static const char lock_sql[] =
        "SELECT 1 FROM files f WHERE f.id = ? AND" FILE_DUE " FOR UPDATE";
    struct purge_txn *t = arg;
    long long found = 0, affected = 0;
    t->won = false;
    t->njobs = 0;
    t->oom = false;
    enum db_status st = db_query(db, jobs_sql, DB_PARAMS(P_STR(t->id)), take_job, t);
    if (st == DB_OK && t->oom)
        st = DB_ERROR;
    if (st == DB_OK)
        st = db_query_int(db, lock_sql, DB_PARAMS(P_STR(t->id), P_INT(t->hours)), &found);
    for (size_t i = 0; st == DB_OK && i < t->njobs; i++)
        st = delete_job(db, t->jobs[i], NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM files WHERE id = ?", DB_PARAMS(P_STR(t->id)), &affected);
    t->won = st == DB_OK && affected == 1;
    return st;
}

enum db_status purge_file(struct db *db, const char *id, long long hours, job_id_fn fn, void *ctx,
                          bool *won)
{
    struct purge_txn t = {.id = id, .hours = hours};
    enum db_status st = purge_run(db, purge_file_txn, &t, won);
    for (size_t i = 0; *won && i < t.njobs; i++)
        if (fn(ctx, t.jobs[i]) != 0)
            break;
    free(t.jobs);
    return st;
}
