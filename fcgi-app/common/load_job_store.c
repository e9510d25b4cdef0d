#include "common/load_job_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/ids.h"
#include "common/job_queue.h"
#include "common/store.h"

#define LOAD_JOB_COLUMNS                                                                           \
    "id, user_id, job_name, job_type, description, source_id, source_table, source_filter,"      \
    " date_field, dataset_name, dataset_id, record_key_field, precombine_field, write_mode,"     \
    " schedule, watermark_value, watermark_key, current_job_id, last_run_at, created_at,"        \
    " updated_at, batch_size, polling_interval_seconds, enabled"

/* A row of LOAD_JOB_COLUMNS into a struct load_job_row added to the rows (ctx). */
static int take_load_job(void *ctx, const struct db_row *row)
{
    struct load_job_row *j = store_rows_add(ctx);
    const char **const text[] = {
        &j->id, &j->user_id, &j->job_name, &j->job_type, &j->description, &j->source_id,
        &j->source_table, &j->source_filter, &j->date_field, &j->dataset_name, &j->dataset_id,
        &j->record_key_field, &j->precombine_field, &j->write_mode, &j->schedule,
        &j->watermark_value, &j->watermark_key, &j->current_job_id, &j->last_run_at, &j->created_at,
        &j->updated_at};
    long long *const ints[] = {&j->batch_size, &j->polling_interval_seconds};
    j->enabled = db_row_int(row, STORE_ROW_READ(ctx, row, text, ints)) != 0;
    return 0;
}

enum db_status load_job_insert(struct db *db, const struct load_job_row *j)
{
    return db_exec(
        db,
        "INSERT INTO load_jobs (id, user_id, job_name, job_type, description, source_id,"
        " source_table, source_filter, date_field, dataset_name, dataset_id, record_key_field,"
        " precombine_field, write_mode, batch_size, polling_interval_seconds, schedule, enabled,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1,"
        " ?, ?)",
        DB_PARAMS(P_STR(j->id), P_STR(j->user_id), P_STR(j->job_name), P_STR(j->job_type),
                  P_STR(j->description), P_STR(j->source_id), P_STR(j->source_table),
                  P_STR(j->source_filter), P_STR(j->date_field), P_STR(j->dataset_name),
                  P_STR(j->dataset_id), P_STR(j->record_key_field), P_STR(j->precombine_field),
                  P_STR(j->write_mode), P_INT(j->batch_size), P_INT(j->polling_interval_seconds),
                  P_STR(j->schedule), P_STR(j->created_at), P_STR(j->updated_at)),
        NULL);
}

enum db_status load_job_get(struct db *db, struct arena *a, const char *id,
                            struct load_job_row *out)
{
    return store_get(db, a, sizeof(*out), "SELECT " LOAD_JOB_COLUMNS " FROM load_jobs WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_load_job, out);
}

/* A user's load jobs newest first, all or one job_type: each variant has
 * its own statements, served by its own index (load_jobs_user_list,
 * load_jobs_user_type_list), read in index order from where the page starts
 * (store_keyset_rows, as jobs are). */
#define LOAD_JOB_KEYSET(where) STORE_KEYSET_NEWEST(LOAD_JOB_COLUMNS, "load_jobs", where)
static const struct store_keyset load_jobs_all = LOAD_JOB_KEYSET("user_id = ?");
static const struct store_keyset load_jobs_typed = LOAD_JOB_KEYSET("user_id = ? AND job_type = ?");

enum db_status load_job_list(struct db *db, struct arena *a, const char *user_id,
                             const char *job_type, long long skip, long long limit,
                             const char *const *after,
                             void (*fn)(void *ctx, const struct load_job_row *j), void *ctx,
                             long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct load_job_row);
    bool more = false;
    enum db_status st;
    *next = NULL;
    /* A COUNT: a user keeps few load jobs (named definitions, like
     * pipelines); their runs, which grow with use, are counted by
     * load_job_totals. */
    if (job_type == NULL) {
        st = db_query_int(db, "SELECT COUNT(*) FROM load_jobs WHERE user_id = ?",
                          DB_PARAMS(P_STR(user_id)), total);
        if (st == DB_OK)
            st = store_keyset_rows(db, a, &load_jobs_all, DB_PARAMS(P_STR(user_id)), skip, limit,
                                   after, take_load_job, &rows, &more);
    } else {
        st = db_query_int(db, "SELECT COUNT(*) FROM load_jobs WHERE user_id = ? AND job_type = ?",
                          DB_PARAMS(P_STR(user_id), P_STR(job_type)), total);
        if (st == DB_OK)
            st = store_keyset_rows(db, a, &load_jobs_typed,
                                   DB_PARAMS(P_STR(user_id), P_STR(job_type)), skip, limit, after,
                                   take_load_job, &rows, &more);
    }
    for (size_t i = 0; st == DB_OK && i < rows.n; i++)
        fn(ctx, (struct load_job_row *)rows.items + i);
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct load_job_row, created_at, id);
    return st;
}

/* The current run is queued or active: another may not start. */
static enum db_status current_busy(struct db *db, const char *id, const char *lock, bool *busy)
{
    long long n = 0;
    enum db_status st = db_query_int(
        db, lock, DB_PARAMS(P_STR(id)), &n);
    *busy = st == DB_OK && n > 0;
    return st == DB_NO_ROW ? DB_OK : st;
}

static const char busy_sql[] =
    "SELECT COUNT(*) FROM load_jobs l JOIN jobs j ON j.id = l.current_job_id WHERE l.id = ?"
    " AND j.status IN ('PENDING', 'QUEUED', 'RUNNING', 'CANCELLATION_REQUESTED') FOR UPDATE";

static enum db_status queue_run(struct db *db, const char *id, const char *user_id,
                                const char *job_id, const char *config)
{
    char now[DB_TIME_LEN + 1];
    time_db(time_now_ms(), now);
    enum db_status st = job_queue_task(db, job_id, user_id, "dataset_load", id, config, now);
    if (st == DB_OK)
        st = db_exec(db,
                     "UPDATE load_jobs SET current_job_id = ?, last_run_at = UTC_TIMESTAMP(3),"
                     " updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
                     DB_PARAMS(P_STR(job_id), P_STR(id)), NULL);
    return st;
}

enum db_status load_job_start(struct db *db, const char *id, const char *user_id,
                              const char *job_id, const char *config, bool *busy)
{
    long long exists = 0;
    *busy = false;
    enum db_status st = db_begin(db);
    if (st == DB_OK)
        st = db_query_int(db, "SELECT COUNT(*) FROM load_jobs WHERE id = ? FOR UPDATE",
                          DB_PARAMS(P_STR(id)), &exists);
    if (st == DB_OK && exists == 0)
        st = DB_NO_ROW;
    if (st == DB_OK)
        st = current_busy(db, id, busy_sql, busy);
    if (st == DB_OK && !*busy)
        st = queue_run(db, id, user_id, job_id, config);
    if (st == DB_OK && !*busy)
        return db_commit(db);
    db_rollback(db);
    return st;
}

enum db_status load_job_continue(struct db *db, const char *id, const char *user_id,
                                 const char *from_job_id, const char *job_id,
                                 const char *config, bool *won)
{
    long long current = 0;
    *won = false;
    enum db_status st = db_begin(db);
    if (st == DB_OK)
        st = db_query_int(db,
                          "SELECT COUNT(*) FROM load_jobs WHERE id = ? AND current_job_id = ?"
                          " FOR UPDATE",
                          DB_PARAMS(P_STR(id), P_STR(from_job_id)), &current);
    if (st == DB_OK && current == 1)
        st = queue_run(db, id, user_id, job_id, config);
    if (st == DB_OK && current == 1) {
        st = db_commit(db);
        *won = st == DB_OK;
        return st;
    }
    db_rollback(db);
    return st;
}

enum db_status load_job_set_dataset(struct db *db, const char *id, const char *dataset_id)
{
    return db_exec(db,
                   "UPDATE load_jobs SET dataset_id = ?, updated_at = UTC_TIMESTAMP(3)"
                   " WHERE id = ?",
                   DB_PARAMS(P_STR(dataset_id), P_STR(id)), NULL);
}

enum db_status load_job_delete(struct db *db, const char *id, bool *busy)
{
    long long affected = 0;
    enum db_status st = db_begin(db);
    if (st == DB_OK)
        st = current_busy(db, id, busy_sql, busy);
    if (st == DB_OK && !*busy)
        st = db_exec(db, "DELETE FROM load_jobs WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK && !*busy) {
        st = db_commit(db);
        return st == DB_OK && affected == 0 ? DB_NO_ROW : st;
    }
    db_rollback(db);
    return st;
}

/* The two texts of a watermark row into a pair added to the rows (ctx). */
static int take_watermark(void *ctx, const struct db_row *row)
{
    const char **pair = store_rows_add(ctx);
    store_row_read(ctx, row, (const char **const[]){&pair[0], &pair[1]}, 2, NULL, 0);
    return 1;
}

enum db_status load_job_watermark(struct db *db, struct arena *a, const char *id,
                                  const char **value, const char **key)
{
    struct store_rows rows = STORE_ROWS(a, const char *[2]);
    const char *pair[2] = {NULL, NULL};
    enum db_status st =
        db_query(db, "SELECT watermark_value, watermark_key FROM load_jobs WHERE id = ?",
                 DB_PARAMS(P_STR(id)), take_watermark, &rows);
    st = store_rows_one(st, &rows, pair);
    *value = pair[0];
    *key = pair[1];
    return st;
}

enum db_status load_job_set_watermark(struct db *db, const char *id, const char *value,
                                      const char *key)
{
    return db_exec(db,
                   "UPDATE load_jobs SET watermark_value = ?, watermark_key = ?,"
                   " updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
                   DB_PARAMS(P_STR(value), P_STR(key), P_STR(id)), NULL);
}

/* A run row into a struct load_run added to the rows (ctx). */
static int take_run(void *ctx, const struct db_row *row)
{
    struct load_run *run = store_rows_add(ctx);
    const char **const text[] = {&run->job_id, &run->status, &run->started_at, &run->finished_at,
                                 &run->error_message};
    long long *const ints[] = {&run->records_processed, &run->records_written};
    STORE_ROW_READ(ctx, row, text, ints);
    return 0;
}

enum db_status load_job_runs(struct db *db, struct arena *a, const char *id, long long limit,
                             void (*fn)(void *ctx, const struct load_run *r), void *ctx)
{
    struct store_rows rows = STORE_ROWS(a, struct load_run);
    enum db_status st =
        db_query(db,
                 "SELECT j.id, j.status, j.started_at, j.finished_at, j.error_message,"
                 " (SELECT COALESCE(SUM(c.rows_inserted + c.rows_updated + c.rows_unchanged),"
                 " 0) FROM dataset_commits c WHERE c.job_id = j.id),"
                 " (SELECT COALESCE(SUM(c.rows_inserted + c.rows_updated), 0)"
                 " FROM dataset_commits c WHERE c.job_id = j.id)"
                 " FROM jobs j WHERE j.subject_id = ? AND j.kind = 'dataset_load'"
                 " ORDER BY j.created_at DESC, j.id DESC LIMIT ?",
                 DB_PARAMS(P_STR(id), P_INT(limit)), take_run, &rows);
    for (size_t i = 0; st == DB_OK && i < rows.n; i++)
        fn(ctx, (struct load_run *)rows.items + i);
    return st;
}

static int take_metrics(void *ctx, const struct db_row *row)
{
    struct load_metrics *m = ctx;
    m->total = db_row_int(row, 0);
    m->succeeded = db_row_int(row, 1);
    m->failed = db_row_int(row, 2);
    m->average_seconds = row->values[3] ? strtod(row->values[3], NULL) : 0;
    m->records = db_row_int(row, 4);
    return 1;
}

enum db_status load_job_metrics(struct db *db, const char *id, struct load_metrics *m)
{
    memset(m, 0, sizeof(*m));
    /* Kept by triggers on jobs and dataset_commits (load_job_totals,
     * sql/009_merged_list_costs.sql): aggregating the runs and their commits
     * read every one of them. No row: no run yet. */
    return db_query(db,
                    "SELECT runs, succeeded, failed, duration_us / NULLIF(timed_runs, 0) / 1000000,"
                    " records FROM load_job_totals WHERE load_job_id = ?",
                    DB_PARAMS(P_STR(id)), take_metrics, m);
}
