#include "common/pipeline_queue.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error_class.h"
#include "common/log.h"
#include "common/webhook_queue.h"

/* Children (and edges of one child) looked at per execution end. */
#define TRIGGER_BATCH 256
#define MESSAGE_MAX 2000

/* ---- queueing ---- */

enum db_status pipeline_execution_insert(struct db *db, const struct execution_request *r,
                                         char execution_id[UUID_LEN + 1],
                                         char job_id[UUID_LEN + 1])
{
    static const char execution_sql[] =
        "INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status, trigger_type,"
        " parameters, upstream_execution_id, scheduled_for, fired_by, created_at)"
        " SELECT ?, id, user_id, ?, 'PENDING', ?, ?, ?, ?, ?, UTC_TIMESTAMP(3)"
        " FROM pipelines WHERE id = ?";
    static const char job_sql[] =
        "INSERT INTO jobs (id, user_id, file_name, original_file_size_bytes, status,"
        " processing_steps, processing_config, output_format, created_at, updated_at, queued_at,"
        " stage, execution_id)"
        " SELECT ?, user_id, job_name, 0, 'QUEUED', compiled_steps, processing_config,"
        " output_format, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'file_processing', ?"
        " FROM pipelines WHERE id = ?";
    long long affected = 0;
    id_uuid4(execution_id);
    id_uuid4(job_id);
    enum db_status st =
        db_exec(db, execution_sql,
                DB_PARAMS(P_STR(execution_id), P_STR(job_id), P_STR(r->trigger),
                          P_STR(r->parameters ? r->parameters : "{}"),
                          P_STR(r->upstream_execution_id), P_STR(r->scheduled_for),
                          P_STR(r->fired_by), P_STR(r->pipeline_id)),
                &affected);
    if (st == DB_OK && affected != 1)
        return DB_NO_ROW;
    if (st == DB_OK)
        st = db_exec(db, job_sql, DB_PARAMS(P_STR(job_id), P_STR(execution_id),
                                           P_STR(r->pipeline_id)),
                     &affected);
    return st == DB_OK && affected != 1 ? DB_NO_ROW : st;
}

struct queue_ctx {
    const struct execution_request *r;
    char *execution_id, *job_id;
};

static enum db_status queue_once(struct db *db, void *arg)
{
    struct queue_ctx *q = arg;
    return pipeline_execution_insert(db, q->r, q->execution_id, q->job_id);
}

enum db_status pipeline_execution_queue(struct db *db, const struct execution_request *r,
                                        char execution_id[UUID_LEN + 1],
                                        char job_id[UUID_LEN + 1])
{
    struct queue_ctx q = {r, execution_id, job_id};
    return db_transaction(db, DB_REPEATABLE_READ, queue_once, &q);
}

enum db_status pipeline_execution_started(struct db *db, const char *job_id)
{
    return db_exec(db,
                   "UPDATE pipeline_executions SET status = 'RUNNING',"
                   " start_time = UTC_TIMESTAMP(3) WHERE job_id = ? AND status = 'PENDING'",
                   DB_PARAMS(P_STR(job_id)), NULL);
}

enum db_status pipeline_execution_requeued(struct db *db, const char *job_id)
{
    return db_exec(db,
                   "UPDATE pipeline_executions SET status = 'PENDING', start_time = NULL"
                   " WHERE job_id = ? AND status = 'RUNNING'",
                   DB_PARAMS(P_STR(job_id)), NULL);
}

/* ---- error rows ---- */

static char *copy_cut(char *buf, size_t size, const char *s)
{
    size_t n = strlen(s != NULL ? s : "");
    if (n > size - 1) {
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, s != NULL ? s : "", n);
    buf[n] = '\0';
    return buf;
}

enum db_status pipeline_error_insert(struct db *db, const char *execution_id, const char *type,
                                     const char *severity, const char *code, const char *message,
                                     long long line, const char *column)
{
    static const char sql[] =
        "INSERT INTO pipeline_errors (id, execution_id, pipeline_id, user_id, error_type,"
        " error_severity, error_code, error_message, line, col, occurred_at)"
        " SELECT ?, id, pipeline_id, user_id, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3)"
        " FROM pipeline_executions WHERE id = ?";
    char id[UUID_LEN + 1], text[MESSAGE_MAX + 1], code_buf[65], column_buf[256];
    id_uuid4(id);
    return db_exec(db, sql,
                   DB_PARAMS(P_STR(id), P_STR(type), P_STR(severity),
                             P_STR(copy_cut(code_buf, sizeof(code_buf), code)),
                             P_STR(copy_cut(text, sizeof(text), message)),
                             line >= 0 ? P_INT(line) : P_NULL,
                             P_STR(column ? copy_cut(column_buf, sizeof(column_buf), column)
                                          : NULL),
                             P_STR(execution_id)),
                   NULL);
}

static int take_text(void *ctx, const struct db_row *row)
{
    char *buf = ctx;
    if (row->values[0] != NULL && strlen(row->values[0]) == UUID_LEN)
        memcpy(buf, row->values[0], UUID_LEN + 1);
    return 1;
}

enum db_status pipeline_execution_of_job(struct db *db, const char *job_id, char *buf)
{
    buf[0] = '\0';
    return db_query(db, "SELECT id FROM pipeline_executions WHERE job_id = ?",
                    DB_PARAMS(P_STR(job_id)), take_text, buf);
}

/* ---- dependencies ---- */

bool dependency_met(const char *type, const char *last_status, long long last_records)
{
    if (last_status == NULL)
        return false;
    if (strcmp(type, "COMPLETION") == 0)
        return strcmp(last_status, "SUCCESS") == 0 || strcmp(last_status, "FAILED") == 0;
    if (strcmp(type, "DATA_AVAILABILITY") == 0)
        return strcmp(last_status, "SUCCESS") == 0 && last_records > 0;
    return strcmp(last_status, "SUCCESS") == 0;
}

/* ---- the end of an execution ---- */

struct ended {
    bool found;
    char id[UUID_LEN + 1], pipeline_id[UUID_LEN + 1];
    char job_status[32];
    char error[MESSAGE_MAX + 1];
    bool has_error;
};

static int take_ended(void *ctx, const struct db_row *row)
{
    struct ended *e = ctx;
    const char *const *v = row->values;
    if (v[0] == NULL || v[1] == NULL || strlen(v[0]) != UUID_LEN || strlen(v[1]) != UUID_LEN)
        return 1;
    e->found = true;
    memcpy(e->id, v[0], UUID_LEN + 1);
    memcpy(e->pipeline_id, v[1], UUID_LEN + 1);
    snprintf(e->job_status, sizeof(e->job_status), "%s", v[2] ? v[2] : "FAILED");
    e->has_error = v[3] != NULL;
    copy_cut(e->error, sizeof(e->error), v[3]);
    return 1;
}

static const char *execution_status_of(const char *job_status)
{
    if (strcmp(job_status, "COMPLETED") == 0)
        return "SUCCESS";
    if (strcmp(job_status, "CANCELLED") == 0)
        return "CANCELLED";
    return "FAILED";
}

/* The seed's performance_metrics from the job's metrics: records/s, peak
 * memory in MB, CPU time over wall time in per cent. NULL when unknown. */
static char *performance_metrics(const char *metrics_json)
{
    json_object *m = metrics_json ? json_tokener_parse(metrics_json) : NULL, *v;
    if (m == NULL)
        return NULL;
    double rps = 0, rss_kb = 0, cpu = 0, wall = 0;
    if (json_object_object_get_ex(m, "records_per_second", &v))
        rps = json_object_get_double(v);
    if (json_object_object_get_ex(m, "peak_rss_kb", &v))
        rss_kb = json_object_get_double(v);
    if (json_object_object_get_ex(m, "cpu_seconds", &v))
        cpu = json_object_get_double(v);
    if (json_object_object_get_ex(m, "wall_seconds", &v))
        wall = json_object_get_double(v);
    json_object_put(m);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "records_per_second", json_object_new_double(round(rps * 10) / 10));
    json_object_object_add(p, "memory_usage_mb",
                           json_object_new_double(round(rss_kb / 1024.0 * 10) / 10));
    json_object_object_add(p, "cpu_usage_percent",
                           json_object_new_double(wall > 0 ? round(cpu / wall * 1000) / 10 : 0));
    json_object_object_add(p, "cpu_seconds", json_object_new_double(round(cpu * 1000) / 1000));
    json_object_object_add(p, "wall_seconds", json_object_new_double(round(wall * 1000) / 1000));
    char *text = strdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
    json_object_put(p);
    return text;
}

struct id_batch {
    char ids[TRIGGER_BATCH][UUID_LEN + 1];
    int n;
};

static int take_id(void *ctx, const struct db_row *row)
{
    struct id_batch *b = ctx;
    if (b->n < TRIGGER_BATCH && row->values[0] != NULL && strlen(row->values[0]) == UUID_LEN)
        memcpy(b->ids[b->n++], row->values[0], UUID_LEN + 1);
    return 0;
}

struct edge {
    char id[UUID_LEN + 1], last_execution[UUID_LEN + 1];
    bool ready;
};

struct edges {
    struct edge list[TRIGGER_BATCH];
    int n;
    bool all_ready;
};

/* One dependency of the child: ready when the parent's latest finished
 * execution is one the child has not used yet and meets the type. */
static int take_edge(void *ctx, const struct db_row *row)
{
    struct edges *e = ctx;
    const char *const *v = row->values; /* id, type, consumed, last id, last status, last records */
    if (e->n == TRIGGER_BATCH || v[0] == NULL) {
        e->all_ready = false;
        return 1;
    }
    struct edge *d = &e->list[e->n++];
    snprintf(d->id, sizeof(d->id), "%s", v[0]);
    snprintf(d->last_execution, sizeof(d->last_execution), "%s", v[3] ? v[3] : "");
    bool fresh = v[3] != NULL && (v[2] == NULL || strcmp(v[2], v[3]) != 0);
    d->ready = fresh && dependency_met(v[1] ? v[1] : "SUCCESS", v[4], db_row_int(row, 5));
    if (!d->ready)
        e->all_ready = false;
    return 0;
}

/* Queues child when this end completes its dependencies. The child's row
 * is locked first: the ends of two parents of one child take turns here,
 * and the later one sees the earlier one's end (READ COMMITTED). */
static enum db_status trigger_child(struct db *db, const char *child, const char *upstream)
{
    static _Thread_local struct edges edges;
    long long active = 0;
    char execution_id[UUID_LEN + 1], job_id[UUID_LEN + 1];
    long long locked = 0;
    /* A write, not SELECT ... FOR UPDATE: a Galera cluster certifies it
     * (sql/014_cluster_locks.sql), so the ends of two parents on two nodes
     * take turns too. */
    enum db_status st = db_exec(db, "UPDATE pipelines SET lock_seq = lock_seq + 1 WHERE id = ?",
                                DB_PARAMS(P_STR(child)), &locked);
    if (st == DB_OK && locked == 0)
        return DB_OK;
    if (st == DB_OK)
        st = db_query_int(db, "SELECT is_active FROM pipelines WHERE id = ?",
                          DB_PARAMS(P_STR(child)), &active);
    if (st == DB_NO_ROW || (st == DB_OK && !active))
        return DB_OK;
    if (st != DB_OK)
        return st;
    edges.n = 0;
    edges.all_ready = true;
    st = db_query(db,
                  "SELECT d.id, d.dependency_type, d.consumed_execution_id, p.last_execution_id,"
                  " p.last_execution_status, p.last_execution_records"
                  " FROM pipeline_dependencies d LEFT JOIN pipelines p ON p.id = d.parent_id"
                  " WHERE d.child_id = ?",
                  DB_PARAMS(P_STR(child)), take_edge, &edges);
    if (st != DB_OK || !edges.all_ready || edges.n == 0)
        return st;
    for (int i = 0; i < edges.n && st == DB_OK; i++)
        st = db_exec(db, "UPDATE pipeline_dependencies SET consumed_execution_id = ? WHERE id = ?",
                     DB_PARAMS(P_STR(edges.list[i].last_execution), P_STR(edges.list[i].id)),
                     NULL);
    struct execution_request r = {child, "dependency", "{}", upstream, NULL, NULL};
    if (st == DB_OK)
        st = pipeline_execution_insert(db, &r, execution_id, job_id);
    if (st == DB_OK)
        log_info("pipeline %s: execution %s queued (its dependencies are met)", child,
                 execution_id);
    return st == DB_NO_ROW ? DB_OK : st;
}

static enum db_status trigger_children(struct db *db, const struct ended *e)
{
    static _Thread_local struct id_batch children;
    children.n = 0;
    enum db_status st = db_query(db,
                                 "SELECT child_id FROM pipeline_dependencies WHERE parent_id = ?"
                                 " ORDER BY child_id",
                                 DB_PARAMS(P_STR(e->pipeline_id)), take_id, &children);
    for (int i = 0; i < children.n && st == DB_OK; i++)
        st = trigger_child(db, children.ids[i], e->id);
    return st;
}

/* A DATETIME(3) column as the API's times (2026-01-09T10:00:00.000Z), NULL stays NULL. */
#define ISO_MS(col)                                                                                \
    "CONCAT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.'), LPAD(MICROSECOND(" col ") DIV 1000, 3, '0'),"  \
    " 'Z')"

struct ended_event {
    char user_id[UUID_LEN + 1];
    char *data; /* the execution as JSON text (malloc) */
};

static int take_ended_event(void *ctx, const struct db_row *row)
{
    struct ended_event *ev = ctx;
    db_row_copy(row, 0, ev->user_id, sizeof(ev->user_id));
    ev->data = row->values[1] ? strdup(row->values[1]) : NULL;
    return 1;
}

/* execution.succeeded or execution.failed to the pipeline owner's
 * webhooks, in the transaction that writes the execution's end. */
static enum db_status emit_execution_end(struct db *db, const char *execution_id,
                                         const char *status)
{
    const char *event = strcmp(status, "SUCCESS") == 0  ? "execution.succeeded"
                        : strcmp(status, "FAILED") == 0 ? "execution.failed"
                                                        : NULL;
    if (event == NULL)
        return DB_OK;
    struct ended_event ev = {{0}, NULL};
    enum db_status st = db_query(
        db,
        "SELECT e.user_id, JSON_OBJECT('id', e.id, 'pipeline_id', e.pipeline_id,"
        " 'job_id', e.job_id, 'status', e.status, 'trigger_type', e.trigger_type,"
        " 'start_time', " ISO_MS("e.start_time") ", 'end_time', " ISO_MS("e.end_time") ","
        " 'records_processed', e.records_processed, 'records_successful', e.records_successful,"
        " 'records_failed', e.records_failed, 'error_message', e.error_message)"
        " FROM pipeline_executions e WHERE e.id = ?",
        DB_PARAMS(P_STR(execution_id)), take_ended_event, &ev);
    if (st == DB_OK && ev.data != NULL)
        st = webhook_emit(db, ev.user_id, event, ev.data);
    free(ev.data);
    return st;
}

enum db_status pipeline_execution_end(struct db *db, const char *job_id, long long succeeded,
                                      const char *metrics_json)
{
    static _Thread_local struct ended e;
    memset(&e, 0, sizeof(e));
    enum db_status st = db_query(db,
                                 "SELECT e.id, e.pipeline_id, j.status, j.error_message"
                                 " FROM pipeline_executions e JOIN jobs j ON j.id = e.job_id"
                                 " WHERE e.job_id = ? AND e.status IN ('PENDING', 'RUNNING')",
                                 DB_PARAMS(P_STR(job_id)), take_ended, &e);
    if (st != DB_OK || !e.found)
        return st;
    const char *status = execution_status_of(e.job_status);
    char *perf = performance_metrics(metrics_json);
    long long records = 0;
    st = db_exec(db,
                 "UPDATE pipeline_executions e JOIN jobs j ON j.id = e.job_id SET e.status = ?,"
                 " e.start_time = COALESCE(e.start_time, j.started_at),"
                 " e.end_time = COALESCE(j.finished_at, UTC_TIMESTAMP(3)),"
                 " e.records_processed = j.processed_records, e.records_failed = j.failed_records,"
                 " e.records_successful = IF(? >= 0, ?,"
                 " GREATEST(j.processed_records - j.failed_records, 0)),"
                 " e.performance_metrics = ?, e.error_message = j.error_message"
                 " WHERE e.id = ? AND e.status IN ('PENDING', 'RUNNING')",
                 DB_PARAMS(P_STR(status), P_INT(succeeded), P_INT(succeeded), P_STR(perf),
                           P_STR(e.id)),
                 NULL);
    free(perf);
    if (st == DB_OK)
        st = db_query_int(db, "SELECT records_successful FROM pipeline_executions WHERE id = ?",
                          DB_PARAMS(P_STR(e.id)), &records);
    if (st == DB_OK && strcmp(status, "FAILED") == 0) {
        struct error_class c = error_class_of_run(e.has_error ? e.error : NULL);
        st = pipeline_error_insert(db, e.id, c.type, c.severity, "RUN_FAILED",
                                   e.has_error ? e.error : "the execution failed", -1, NULL);
    }
    bool finished = strcmp(status, "CANCELLED") != 0;
    if (st == DB_OK)
        st = db_exec(db,
                     "UPDATE pipelines SET runs_finished = runs_finished + ?,"
                     " runs_succeeded = runs_succeeded + ?, last_execution_id = ?,"
                     " last_execution_status = ?, last_execution_records = ?,"
                     " last_execution_at = (SELECT end_time FROM pipeline_executions"
                     " WHERE id = ?) WHERE id = ?",
                     DB_PARAMS(P_INT(finished), P_INT(strcmp(status, "SUCCESS") == 0),
                               P_STR(e.id), P_STR(status), P_INT(records), P_STR(e.id),
                               P_STR(e.pipeline_id)),
                     NULL);
    if (st == DB_OK)
        st = emit_execution_end(db, e.id, status);
    if (st == DB_OK)
        st = trigger_children(db, &e);
    return st;
}
