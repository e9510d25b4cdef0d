#include "common/job_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/error_class.h"
#include "common/pipeline_queue.h"
#include "common/store.h"
#include "common/webhook_queue.h"

#define ACTIVE_COLUMNS                                                                             \
    "id, status, worker_host, attempts, worker_pid, "                                              \
    "TIMESTAMPDIFF(MICROSECOND, started_at, UTC_TIMESTAMP(6)) / 1000000, processing_config"

/* Column sizes of job_errors (sql/001_init.sql), in bytes to stay safe. */
#define ERROR_COLUMN_MAX 255
#define ERROR_CODE_MAX 64
#define ERROR_SEVERITY_MAX 8
#define ERROR_MESSAGE_MAX 2000

/* *out = a malloc'ed copy of s (owned by the caller), NULL for NULL; false
 * only when out of memory. */
static bool dup_text(char **out, const char *s)
{
    *out = s != NULL ? strdup(s) : NULL;
    return s == NULL || *out != NULL;
}

/* The caller's callback and its context, handed through db_query to the
 * reader that makes what the callback takes out of each row. */
struct relay {
    union {
        job_active_fn active;
        job_id_fn id;
        dispatcher_fn dispatcher;
    } fn;
    void *ctx;
};

/* ---- claim ---- */

struct claim_ctx {
    struct db *db;
    const char *host;
    struct job_claim *out;
    int spread;
    /* The oldest queued jobs this try locked (skipping those locked elsewhere). */
    char ids[JOB_CLAIM_SPREAD][UUID_LEN + 1];
    long long attempts[JOB_CLAIM_SPREAD];
    int n;
    bool no_memory;
};

static int take_candidate(void *ctx, const struct db_row *row)
{
    struct claim_ctx *c = ctx;
    if (c->n >= JOB_CLAIM_SPREAD || row->values[0] == NULL || strlen(row->values[0]) != UUID_LEN)
        return 0;
    memcpy(c->ids[c->n], row->values[0], UUID_LEN + 1);
    c->attempts[c->n] = db_row_int(row, 1);
    c->n++;
    return 0;
}

static int take_config(void *ctx, const struct db_row *row)
{
    struct claim_ctx *c = ctx;
    c->no_memory = !dup_text(&c->out->processing_config, row->values[0]);
    return 1;
}

int job_claim_pick(int n, unsigned int rnd)
{
    if (n <= 1)
        return 0;
    /* The oldest of the candidates half the time, else any of them: the
     * queue stays close to its order and dispatchers of other nodes, which
     * locked the same rows on their own node, mostly pick different ones. */
    if (rnd % 2 == 0)
        return 0;
    return (int)((rnd / 2) % (unsigned int)n);
}

/* One try; run again whole by db_transaction when it lost a conflict. */
static enum db_status claim_once(struct db *db, void *arg)
{
    static const char select_sql[] =
        "SELECT id, attempts FROM jobs WHERE status = 'QUEUED' "
        "ORDER BY queued_at LIMIT ? FOR UPDATE SKIP LOCKED";
    static const char update_sql[] =
        "UPDATE jobs SET status = 'RUNNING', started_at = UTC_TIMESTAMP(3), "
        "updated_at = UTC_TIMESTAMP(3), attempts = attempts + 1, worker_host = ?, "
        "worker_pid = NULL, stage = 'file_processing', finished_at = NULL, error_message = NULL, "
        "total_records = 0, processed_records = 0, failed_records = 0, warn_records = 0, "
        "percentage = 0, estimated_completion = NULL WHERE id = ? AND status = 'QUEUED'";
    struct claim_ctx *c = arg;
    struct job_claim *out = c->out;
    long long affected = 0;
    free(out->processing_config);
    memset(out, 0, sizeof(*out));
    c->n = 0;
    c->no_memory = false;
    enum db_status st = db_query(db, select_sql, DB_PARAMS(P_INT(c->spread)), take_candidate, c);
    if (st != DB_OK)
        return st;
    if (c->n == 0)
        return DB_NO_ROW;
    int i = job_claim_pick(c->n, db_random(db));
    memcpy(out->id, c->ids[i], UUID_LEN + 1);
    out->attempts = c->attempts[i];
    st = db_exec(db, update_sql, DB_PARAMS(P_STR(c->host), P_STR(out->id)), &affected);
    if (st == DB_OK && affected != 1)
        return DB_NO_ROW; /* the row is locked by us: only a bug gets here */
    if (st == DB_OK)
        st = db_query(db, "SELECT processing_config FROM jobs WHERE id = ?",
                      DB_PARAMS(P_STR(out->id)), take_config, c);
    if (st == DB_OK && c->no_memory)
        st = DB_ERROR;
    if (st == DB_OK)
        st = pipeline_execution_started(db, out->id);
    return st;
}

enum db_status job_claim_next(struct db *db, const char *host, int spread, struct job_claim *out)
{
    struct claim_ctx c = {.db = db, .host = host, .out = out};
    c.spread = spread < 1 ? 1 : spread > JOB_CLAIM_SPREAD ? JOB_CLAIM_SPREAD : spread;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_transaction(db, DB_REPEATABLE_READ, claim_once, &c);
    if (st == DB_OK) {
        out->attempts += 1;
    } else {
        free(out->processing_config);
        out->processing_config = NULL;
    }
    return st;
}

enum db_status job_queue_task(struct db *db, const char *id, const char *user_id,
                              const char *kind, const char *subject_id, const char *config,
                              const char *now_db)
{
    return db_exec(db,
                   "INSERT INTO jobs (id, user_id, kind, subject_id, file_name, status,"
                   " processing_steps, processing_config, output_format, created_at, updated_at,"
                   " queued_at, stage) VALUES (?, ?, ?, ?, ?, 'QUEUED', '[]', ?, 'json', ?, ?, ?,"
                   " 'file_processing')",
                   DB_PARAMS(P_STR(id), P_STR(user_id), P_STR(kind), P_STR(subject_id),
                             P_STR(kind), P_STR(config), P_STR(now_db), P_STR(now_db),
                             P_STR(now_db)),
                   NULL);
}

/* ---- the process's view ---- */

struct load_ctx {
    struct job_row *row;
    bool found, no_memory;
};

/* The texts of a job_row, in the order job_load selects them (from column 3). */
#define JOB_ROW_TEXTS 11
static void job_row_texts(struct job_row *row, char **out[JOB_ROW_TEXTS])
{
    char **const texts[JOB_ROW_TEXTS] = {&row->file_id, &row->file_name,
                                         &row->input_object_key, &row->processing_steps,
                                         &row->processing_config, &row->output_format,
                                         &row->execution_id, &row->quality_check_id,
                                         &row->kind, &row->subject_id, &row->user_id};
    memcpy(out, texts, sizeof(texts));
}

static int take_job_row(void *ctx, const struct db_row *r)
{
    struct load_ctx *c = ctx;
    struct job_row *row = c->row;
    const char *const *v = r->values;
    c->found = true;
    row->status = job_status_of_row(v[0]);
    row->attempts = v[1] ? strtoll(v[1], NULL, 10) : 0;
    row->input_size_bytes = v[2] ? strtoll(v[2], NULL, 10) : -1;
    char **fields[JOB_ROW_TEXTS];
    job_row_texts(row, fields);
    for (int i = 0; i < JOB_ROW_TEXTS; i++) {
        if (!dup_text(fields[i], v[3 + i]))
            c->no_memory = true;
    }
    return 1;
}

enum db_status job_load(struct db *db, const char *id, struct job_row *row)
{
    static const char sql[] =
        "SELECT status, attempts, input_size_bytes, file_id, file_name, input_object_key, "
        "processing_steps, processing_config, output_format, execution_id, quality_check_id, "
        "kind, subject_id, user_id "
        "FROM jobs WHERE id = ?";
    struct load_ctx c = {row, false, false};
    memset(row, 0, sizeof(*row));
    enum db_status st = db_query(db, sql, DB_PARAMS(P_STR(id)), take_job_row, &c);
    if (st != DB_OK)
        return st;
    if (c.no_memory)
        return DB_ERROR;
    return c.found ? DB_OK : DB_NO_ROW;
}

void job_row_free(struct job_row *row)
{
    char **fields[JOB_ROW_TEXTS];
    job_row_texts(row, fields);
    for (int i = 0; i < JOB_ROW_TEXTS; i++)
        free(*fields[i]);
    memset(row, 0, sizeof(*row));
}

enum db_status job_file_mark_processing(struct db *db, const char *id)
{
    static const char sql[] =
        "UPDATE files f JOIN jobs j ON j.file_id = f.id SET f.processing_status = 'PROCESSING' "
        "WHERE j.id = ?";
    return db_exec(db, sql, DB_PARAMS(P_STR(id)), NULL);
}

enum db_status job_set_worker_pid(struct db *db, const char *id, long long attempts, long pid)
{
    static const char sql[] =
        "UPDATE jobs SET worker_pid = ? WHERE id = ? AND attempts = ? "
        "AND status IN ('RUNNING', 'CANCELLATION_REQUESTED')";
    return db_exec(db, sql, DB_PARAMS(P_INT(pid), P_STR(id), P_INT(attempts)), NULL);
}

struct status_ctx {
    enum job_status status;
    long long attempts;
    bool found;
};

static int take_status(void *ctx, const struct db_row *row)
{
    struct status_ctx *c = ctx;
    c->status = job_status_of_row(row->values[0]);
    c->attempts = db_row_int(row, 1);
    c->found = true;
    return 1;
}

enum db_status job_current_status(struct db *db, const char *id, enum job_status *status,
                                  long long *attempts)
{
    struct status_ctx c = {JOB_FAILED, 0, false};
    enum db_status st = db_query(db, "SELECT status, attempts FROM jobs WHERE id = ?",
                                 DB_PARAMS(P_STR(id)), take_status, &c);
    if (st != DB_OK)
        return st;
    if (!c.found)
        return DB_NO_ROW;
    *status = c.status;
    if (attempts != NULL)
        *attempts = c.attempts;
    return DB_OK;
}

enum db_status job_progress_update(struct db *db, const char *id, long long attempts,
                                   const struct job_progress *p)
{
    static const char sql[] =
        "UPDATE jobs SET stage = ?, total_records = ?, processed_records = ?, "
        "failed_records = ?, warn_records = ?, percentage = ?, estimated_completion = ?, "
        "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND attempts = ? "
        "AND status IN ('RUNNING', 'CANCELLATION_REQUESTED')";
    char eta[DB_TIME_LEN + 1];
    long long affected = 0;
    if (p->estimated_completion_ms > 0)
        time_db(p->estimated_completion_ms, eta);
    enum db_status st =
        db_exec(db, sql,
                DB_PARAMS(P_STR(p->stage), P_INT(p->total), P_INT(p->processed), P_INT(p->failed),
                          P_INT(p->warned), P_REAL(p->percentage),
                          P_STR(p->estimated_completion_ms > 0 ? eta : NULL), P_STR(id),
                          P_INT(attempts)),
                &affected);
    if (st != DB_OK || affected == 1)
        return st;
    /* MariaDB counts changed rows: an update that changed nothing (same
     * millisecond, same counts) also reports 0. Only the row can tell. */
    enum job_status status;
    long long now_attempts = 0;
    st = job_current_status(db, id, &status, &now_attempts);
    if (st != DB_OK)
        return st;
    bool ours = now_attempts == attempts && job_status_active(status);
    return ours ? DB_OK : DB_NO_ROW;
}

/* ---- line errors ---- */

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static char *copy_cut(char *buf, size_t size, const char *s)
{
    size_t n = utf8_cut(s != NULL ? s : "", size - 1);
    memcpy(buf, s != NULL ? s : "", n);
    buf[n] = '\0';
    return buf;
}

enum db_status job_errors_clear(struct db *db, const char *id)
{
    return db_exec(db, "DELETE FROM job_errors WHERE job_id = ?", DB_PARAMS(P_STR(id)), NULL);
}

struct error_batch {
    const char *id, *execution_id;
    const struct job_line_error *errs;
    int n;
};

static enum db_status error_insert_once(struct db *db, void *arg);

enum db_status job_error_insert(struct db *db, const char *id, const char *execution_id,
                                const struct job_line_error *errs, int n)
{
    if (n <= 0)
        return DB_OK;
    /* One transaction: one log flush for the batch instead of one per error. */
    struct error_batch b = {id, execution_id, errs, n};
    return db_transaction(db, DB_REPEATABLE_READ, error_insert_once, &b);
}

static enum db_status error_insert_once(struct db *db, void *arg)
{
    static const char sql[] =
        "INSERT INTO job_errors (job_id, line, col, severity, code, message) "
        "VALUES (?, ?, ?, ?, ?, ?)";
    char column[ERROR_COLUMN_MAX + 1], code[ERROR_CODE_MAX + 1], severity[ERROR_SEVERITY_MAX + 1];
    char message[ERROR_MESSAGE_MAX + 1];
    const struct error_batch *b = arg;
    const char *id = b->id, *execution_id = b->execution_id;
    const struct job_line_error *errs = b->errs;
    int n = b->n;
    enum db_status st = DB_OK;
    for (int i = 0; i < n && st == DB_OK; i++) {
        const struct job_line_error *e = &errs[i];
        st = db_exec(db, sql,
                     DB_PARAMS(P_STR(id), P_INT(e->line),
                               P_STR(e->column ? copy_cut(column, sizeof(column), e->column) : NULL),
                               P_STR(copy_cut(severity, sizeof(severity), e->severity)),
                               P_STR(copy_cut(code, sizeof(code), e->code)),
                               P_STR(copy_cut(message, sizeof(message), e->message))),
                     NULL);
        if (st == DB_OK && execution_id != NULL) {
            struct error_class c = error_class_of_row(e->code, e->severity);
            st = pipeline_error_insert(db, execution_id, c.type, c.severity, e->code, e->message,
                                       e->line, e->column);
        }
    }
    return st;
}

/* ---- ending a run ---- */

/* The two states (the same one twice for a single state) a run may end from. */
static void from_statuses(enum job_from from, const char **a, const char **b)
{
    enum job_status first = from == JOB_FROM_CANCEL_REQUESTED ? JOB_CANCELLATION_REQUESTED
                                                               : JOB_RUNNING;
    enum job_status second = from == JOB_FROM_RUNNING ? JOB_RUNNING : JOB_CANCELLATION_REQUESTED;
    *a = job_status_name(first);
    *b = job_status_name(second);
}

static const char *file_status_for(enum job_status end)
{
    /* A cancelled run did not process the file: the file shows FAILED. */
    return end == JOB_COMPLETED ? "COMPLETED" : "FAILED";
}

struct finish_ctx {
    const char *id;
    long long attempts;
    enum job_from from;
    const struct job_end *end;
    long long affected;
};

static enum db_status finish_once(struct db *db, void *arg)
{
    struct finish_ctx *f = arg;
    const char *id = f->id;
    long long attempts = f->attempts;
    const struct job_end *end = f->end;
    /* MariaDB evaluates SET left to right with the new values: nothing below
     * reads a column that an earlier assignment changed. */
    static const char job_sql[] =
        "UPDATE jobs SET status = ?, error_message = ?, finished_at = UTC_TIMESTAMP(3), "
        "updated_at = UTC_TIMESTAMP(3), estimated_completion = NULL, "
        "stage = IF(? = 'COMPLETED', 'completed', stage), "
        "percentage = IF(? = 'COMPLETED', 100, percentage), "
        "total_records = IF(?, ?, total_records), processed_records = IF(?, ?, processed_records), "
        "failed_records = IF(?, ?, failed_records), warn_records = IF(?, ?, warn_records), "
        "metrics = COALESCE(?, metrics), processing_metadata = COALESCE(?, processing_metadata), "
        "output_size_bytes = IF(? IS NULL, output_size_bytes, ?), "
        "output_object_key = COALESCE(?, output_object_key) "
        "WHERE id = ? AND status IN (?, ?) AND (? < 0 OR attempts = ?)";
    /* One table updated, the job's values read by key: an UPDATE of a join
     * ran the updated rows through a temporary table, on disk for their long
     * text columns, at the end of every job. */
    static const char file_sql[] =
        "UPDATE files SET processing_status = ?, "
        "records_processed = (SELECT processed_records FROM jobs WHERE id = ?), "
        "records_successful = IF(?, ?, (SELECT processed_records - failed_records FROM jobs "
        "WHERE id = ?)), "
        "records_failed = (SELECT failed_records FROM jobs WHERE id = ?), "
        "processing_metadata = COALESCE((SELECT processing_metadata FROM jobs WHERE id = ?), "
        "processing_metadata), "
        "processed_at = UTC_TIMESTAMP(3) WHERE id = (SELECT file_id FROM jobs WHERE id = ?)";
    static const char quality_sql[] =
        "UPDATE quality_checks SET "
        "status = IF((SELECT status FROM jobs WHERE id = ?) = 'COMPLETED', 'completed', 'failed'), "
        "error_message = (SELECT IF(j.status = 'COMPLETED', NULL, "
        "COALESCE(j.error_message, 'cancelled')) FROM jobs j WHERE j.id = ?), "
        "finished_at = UTC_TIMESTAMP(3) WHERE job_id = ? AND status = 'running'";
    const char *from_a, *from_b, *to = job_status_name(end->status);
    long long affected = 0, counts = end->has_counts ? 1 : 0;
    from_statuses(f->from, &from_a, &from_b);
    f->affected = 0;
    enum db_status st = db_exec(db, job_sql,
                 DB_PARAMS(P_STR(to), P_STR(end->error_message), P_STR(to), P_STR(to),
                           P_INT(counts), P_INT(end->total), P_INT(counts),
                           P_INT(end->processed), P_INT(counts), P_INT(end->failed),
                           P_INT(counts), P_INT(end->warned), P_STR(end->metrics),
                           P_STR(end->processing_metadata), P_STR(end->output_object_key),
                           P_INT(end->output_size_bytes), P_STR(end->output_object_key),
                           P_STR(id), P_STR(from_a), P_STR(from_b), P_INT(attempts),
                           P_INT(attempts)),
                 &affected);
    if (st == DB_OK && affected == 1)
        st = db_exec(db, file_sql,
                     DB_PARAMS(P_STR(file_status_for(end->status)), P_STR(id), P_INT(counts),
                               P_INT(end->succeeded), P_STR(id), P_STR(id), P_STR(id),
                               P_STR(id)),
                     NULL);
    if (st == DB_OK && affected == 1)
        st = pipeline_execution_end(db, id, end->has_counts ? end->succeeded : -1, end->metrics);
    if (st == DB_OK && affected == 1)
        st = db_exec(db, quality_sql, DB_PARAMS(P_STR(id), P_STR(id), P_STR(id)), NULL);
    if (st == DB_OK && affected == 1)
        st = job_webhook_emit(db, id);
    f->affected = affected;
    return st;
}

enum db_status job_finish(struct db *db, const char *id, long long attempts, enum job_from from,
                          const struct job_end *end, bool *won)
{
    struct finish_ctx f = {id, attempts, from, end, 0};
    if (won != NULL)
        *won = false;
    /* READ COMMITTED: the auto-trigger of an execution's children must see
     * what the end of another parent committed while this one waited. */
    enum db_status st = db_transaction(db, DB_READ_COMMITTED, finish_once, &f);
    if (st == DB_OK && won != NULL)
        *won = f.affected == 1;
    return st;
}

struct cancel_ctx {
    const char *id;
    enum job_status from;
    long long affected;
};

static enum db_status cancel_once(struct db *db, void *arg)
{
    struct cancel_ctx *c = arg;
    long long affected = 0;
    c->affected = 0;
    enum db_status st = db_exec(db,
                                "UPDATE jobs SET status = 'CANCELLED', updated_at = UTC_TIMESTAMP(3),"
                                " finished_at = UTC_TIMESTAMP(3) WHERE id = ? AND status = ?",
                                DB_PARAMS(P_STR(c->id), P_STR(job_status_name(c->from))),
                                &affected);
    if (st == DB_OK && affected == 1)
        st = pipeline_execution_end(db, c->id, -1, NULL);
    if (st == DB_OK && affected == 1)
        st = db_exec(db,
                     "UPDATE quality_checks SET status = 'failed', error_message = 'cancelled',"
                     " finished_at = UTC_TIMESTAMP(3) WHERE job_id = ? AND status = 'running'",
                     DB_PARAMS(P_STR(c->id)), NULL);
    if (st == DB_OK && affected == 1)
        st = job_webhook_emit(db, c->id);
    c->affected = affected;
    return st;
}

enum db_status job_cancel_unstarted(struct db *db, const char *id, enum job_status from,
                                    bool *changed)
{
    struct cancel_ctx c = {id, from, 0};
    *changed = false;
    enum db_status st = db_transaction(db, DB_READ_COMMITTED, cancel_once, &c);
    if (st == DB_OK)
        *changed = c.affected == 1;
    return st;
}

struct requeue_ctx {
    const char *id, *reason;
    long long attempts, affected;
};

static enum db_status requeue_once(struct db *db, void *arg)
{
    static const char sql[] =
        "UPDATE jobs SET status = 'QUEUED', updated_at = UTC_TIMESTAMP(3), started_at = NULL, "
        "error_message = COALESCE(?, error_message), "
        "worker_host = NULL, worker_pid = NULL, stage = 'file_processing', "
        "total_records = 0, processed_records = 0, failed_records = 0, warn_records = 0, "
        "percentage = 0, estimated_completion = NULL "
        "WHERE id = ? AND status = 'RUNNING' AND attempts = ?";
    struct requeue_ctx *r = arg;
    r->affected = 0;
    enum db_status st = db_exec(db, sql, DB_PARAMS(P_STR(r->reason), P_STR(r->id), P_INT(r->attempts)),
                                &r->affected);
    if (st == DB_OK && r->affected == 1)
        st = pipeline_execution_requeued(db, r->id);
    return st;
}

enum db_status job_requeue(struct db *db, const char *id, long long attempts, const char *reason,
                           bool *won)
{
    struct requeue_ctx r = {id, reason, attempts, 0};
    if (won != NULL)
        *won = false;
    enum db_status st = db_transaction(db, DB_REPEATABLE_READ, requeue_once, &r);
    if (st == DB_OK && won != NULL)
        *won = r.affected == 1;
    return st;
}

/* ---- recovery ---- */

static int take_active(void *ctx, const struct db_row *row)
{
    const struct relay *r = ctx;
    const char *const *v = row->values;
    struct job_active job = {
        .id = v[0],
        .status = job_status_of_row(v[1]),
        .worker_host = v[2],
        .attempts = v[3] ? strtoll(v[3], NULL, 10) : 0,
        .worker_pid = v[4] ? strtol(v[4], NULL, 10) : 0,
        .running_seconds = v[5] ? strtod(v[5], NULL) : 0,
        .processing_config = v[6],
    };
    if (job.id == NULL)
        return 0;
    return r->fn.active(r->ctx, &job);
}

enum db_status job_list_active_on_host(struct db *db, const char *host, job_active_fn fn,
                                       void *ctx)
{
    static const char sql[] =
        "SELECT " ACTIVE_COLUMNS " FROM jobs "
        "WHERE status IN ('RUNNING', 'CANCELLATION_REQUESTED') AND worker_host = ?";
    struct relay c = {.fn.active = fn, .ctx = ctx};
    return db_query(db, sql, DB_PARAMS(P_STR(host)), take_active, &c);
}

enum db_status job_list_active_orphaned(struct db *db, const char *my_host, long long stale_ms,
                                        job_active_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT " ACTIVE_COLUMNS " FROM jobs j "
        "WHERE status IN ('RUNNING', 'CANCELLATION_REQUESTED') "
        "AND (worker_host IS NULL OR worker_host <> ?) "
        "AND NOT EXISTS (SELECT 1 FROM dispatchers d WHERE d.host = j.worker_host "
        "AND d.heartbeat > UTC_TIMESTAMP(3) - INTERVAL ? MICROSECOND)";
    struct relay c = {.fn.active = fn, .ctx = ctx};
    return db_query(db, sql, DB_PARAMS(P_STR(my_host), P_INT(stale_ms * 1000)), take_active, &c);
}

enum db_status job_recover_lost(struct db *db, const struct job_active *job,
                                long long max_attempts, const char *reason,
                                enum job_recovery *result)
{
    char message[400];
    bool won = false;
    enum db_status st;
    *result = JOB_RECOVERED_NONE;
    if (job->status == JOB_CANCELLATION_REQUESTED) {
        struct job_end end = {.status = JOB_CANCELLED};
        st = job_finish(db, job->id, job->attempts, JOB_FROM_CANCEL_REQUESTED, &end, &won);
        if (st == DB_OK && won)
            *result = JOB_RECOVERED_CANCELLED;
        return st;
    }
    if (job->attempts >= max_attempts) {
        snprintf(message, sizeof(message), "abandoned after %lld attempts: %s", job->attempts,
                 reason != NULL ? reason : "its process was lost");
        struct job_end end = {.status = JOB_FAILED, .error_message = message};
        st = job_finish(db, job->id, job->attempts, JOB_FROM_RUNNING, &end, &won);
        if (st == DB_OK && won)
            *result = JOB_RECOVERED_FAILED;
        return st;
    }
    if (reason != NULL) {
        snprintf(message, sizeof(message), "attempt %lld of %lld was interrupted: %s",
                 job->attempts, max_attempts, reason);
        reason = message;
    }
    st = job_requeue(db, job->id, job->attempts, reason, &won);
    if (st == DB_OK && won)
        *result = JOB_RECOVERED_QUEUED;
    return st;
}

/* ---- lists of ids ---- */

static int take_id(void *ctx, const struct db_row *row)
{
    const struct relay *r = ctx;
    return row->values[0] != NULL ? r->fn.id(r->ctx, row->values[0]) : 0;
}

enum db_status job_cancel_requested_list(struct db *db, const char *host, job_id_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT id FROM jobs WHERE status = 'CANCELLATION_REQUESTED' AND worker_host = ?";
    struct relay c = {.fn.id = fn, .ctx = ctx};
    return db_query(db, sql, DB_PARAMS(P_STR(host)), take_id, &c);
}

/* ---- retention ---- */

enum db_status job_list_pending_expired(struct db *db, long long hours, int limit, job_id_fn fn,
                                        void *ctx)
{
    /* A range of jobs_status_created: only the expired rows are read. */
    static const char sql[] =
        "SELECT id FROM jobs WHERE status = 'PENDING' "
        "AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR ORDER BY created_at LIMIT ?";
    struct relay c = {.fn.id = fn, .ctx = ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), take_id, &c);
}

enum db_status job_delete_pending(struct db *db, const char *id, bool *won)
{
    return store_exec_changed(db, "DELETE FROM jobs WHERE id = ? AND status = 'PENDING'",
                              DB_PARAMS(P_STR(id)), won);
}

enum db_status job_list_retention_expired(struct db *db, long long hours, int limit,
                                          job_id_fn fn, void *ctx)
{
    /* objects_held_since (sql/002_list_costs.sql) is that time for a finished
     * job that still has objects, NULL otherwise: a range of its index reads
     * only the expired rows, where the condition spelled out read every
     * finished job at each sweep. */
    static const char sql[] =
        "SELECT id FROM jobs WHERE objects_held_since < UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
        "ORDER BY objects_held_since LIMIT ?";
    struct relay c = {.fn.id = fn, .ctx = ctx};
    return db_query(db, sql, DB_PARAMS(P_INT(hours), P_INT(limit)), take_id, &c);
}

enum db_status job_clear_objects(struct db *db, const char *id, bool *won)
{
    static const char sql[] =
        "UPDATE jobs SET input_object_key = NULL, output_object_key = NULL, "
        "updated_at = UTC_TIMESTAMP(3) "
        "WHERE id = ? AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')";
    return store_exec_changed(db, sql, DB_PARAMS(P_STR(id)), won);
}

/* ---- dispatchers ---- */

enum db_status dispatcher_heartbeat(struct db *db, const char *host, long pid, int running)
{
    static const char sql[] =
        "INSERT INTO dispatchers (host, pid, started_at, heartbeat, running) "
        "VALUES (?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), ?) "
        "ON DUPLICATE KEY UPDATE heartbeat = UTC_TIMESTAMP(3), running = VALUES(running)";
    return db_exec(db, sql, DB_PARAMS(P_STR(host), P_INT(pid), P_INT(running)), NULL);
}

static int take_dispatcher(void *ctx, const struct db_row *row)
{
    const struct relay *r = ctx;
    const char *const *v = row->values;
    struct dispatcher_row d = {
        .host = v[0] ? v[0] : "",
        .pid = (long)db_row_int(row, 1),
        .running = db_row_int(row, 2),
        .heartbeat = v[3],
        .age_seconds = v[4] ? strtod(v[4], NULL) / 1e6 : 0,
    };
    return r->fn.dispatcher(r->ctx, &d);
}

enum db_status dispatcher_list(struct db *db, dispatcher_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT host, pid, running, heartbeat, "
        "TIMESTAMPDIFF(MICROSECOND, heartbeat, UTC_TIMESTAMP(3)) "
        "FROM dispatchers ORDER BY heartbeat DESC";
    struct relay c = {.fn.dispatcher = fn, .ctx = ctx};
    return db_query(db, sql, DB_NO_PARAMS, take_dispatcher, &c);
}

enum db_status dispatcher_remove(struct db *db, const char *host, long pid)
{
    return db_exec(db, "DELETE FROM dispatchers WHERE host = ? AND pid = ?",
                   DB_PARAMS(P_STR(host), P_INT(pid)), NULL);
}

enum db_status dispatcher_forget_others(struct db *db, const char *host, long pid)
{
    return db_exec(db, "DELETE FROM dispatchers WHERE host = ? AND pid <> ?",
                   DB_PARAMS(P_STR(host), P_INT(pid)), NULL);
}

/* ---- webhooks ---- */

/* The data of a job's webhook event, read from its row. */
struct job_event {
    char user_id[UUID_LEN + 1];
    enum job_status status;
    json_object *data;
};

static int take_job_event(void *ctx, const struct db_row *row)
{
    static const char *const texts[] = {"id",          "status",        "file_name",
                                        "file_id",     "output_format", "error_message",
                                        "created_at",  "finished_at",   "output_object_key"};
    static const char *const counts[] = {"total_records", "processed_records", "failed_records",
                                         "warn_records"};
    struct job_event *e = ctx;
    const size_t ntexts = sizeof(texts) / sizeof(texts[0]);
    db_row_copy(row, 0, e->user_id, sizeof(e->user_id));
    e->status = job_status_of_row(row->values[2]);
    e->data = json_object_new_object();
    for (size_t i = 0; i < ntexts; i++) {
        const char *v = row->values[1 + i];
        json_object_object_add(e->data, texts[i], v ? json_object_new_string(v) : NULL);
    }
    json_object *c = json_object_new_object();
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        json_object_object_add(c, counts[i], json_object_new_int64(db_row_int(row, 1 + (int)ntexts + (int)i)));
    json_object_object_add(e->data, "progress", c);
    return 0;
}

enum db_status job_webhook_emit(struct db *db, const char *id)
{
    /* Times in the API's form (2026-01-09T10:00:00.000Z). */
    static const char sql[] =
        "SELECT user_id, id, status, file_name, file_id, output_format, error_message, "
        "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), "
        "DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:%s.%fZ'), output_object_key, "
        "total_records, processed_records, failed_records, warn_records FROM jobs WHERE id = ?";
    struct job_event e = {0};
    enum db_status st = db_query(db, sql, DB_PARAMS(P_STR(id)), take_job_event, &e);
    if (st != DB_OK || e.data == NULL) {
        json_object_put(e.data);
        return st;
    }
    /* DATE_FORMAT's %f has six digits: keep three. */
    static const char *const times[] = {"created_at", "finished_at"};
    for (size_t i = 0; i < 2; i++) {
        json_object *t;
        if (json_object_object_get_ex(e.data, times[i], &t) && t != NULL &&
            json_object_get_string_len(t) == 27) {
            char ms[ISO_TIME_LEN + 1];
            snprintf(ms, sizeof(ms), "%.23sZ", json_object_get_string(t));
            json_object_object_add(e.data, times[i], json_object_new_string(ms));
        }
    }
    enum webhook_event ev = e.status == JOB_COMPLETED ? WEBHOOK_JOB_COMPLETED
                            : e.status == JOB_FAILED  ? WEBHOOK_JOB_FAILED
                                                      : WEBHOOK_JOB_CANCELLED;
    if (e.status == JOB_COMPLETED || e.status == JOB_FAILED || e.status == JOB_CANCELLED)
        st = webhook_emit(db, e.user_id, webhook_event_name(ev),
                          json_object_to_json_string_ext(e.data, JSON_C_TO_STRING_PLAIN |
                                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(e.data);
    return st;
}
