#include "api/job_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "common/store.h"
#include "common/ids.h"
#include "common/job_queue.h"

#define JOB_COLUMNS                                                                                \
    "id, user_id, file_id, file_name, processing_steps, processing_config, input_format,"         \
    " output_format, created_at, updated_at, queued_at, started_at, finished_at,"                \
    " input_object_key, output_object_key, error_message, stage, estimated_completion,"          \
    " upload_url_expires_at, metrics, processing_metadata, original_file_size_bytes,"            \
    " total_records, processed_records, failed_records, warn_records, input_size_bytes,"          \
    " output_size_bytes, percentage, status"

/* A row of JOB_COLUMNS into a struct job added to the rows (ctx). */
static int take_job(void *ctx, const struct db_row *row)
{
    struct job *j = store_rows_add(ctx);
    const char **const text[] = {&j->id, &j->user_id, &j->file_id, &j->file_name,
                                 &j->processing_steps, &j->processing_config, &j->input_format,
                                 &j->output_format, &j->created_at, &j->updated_at,
                                 &j->queued_at, &j->started_at, &j->finished_at,
                                 &j->input_object_key, &j->output_object_key, &j->error_message,
                                 &j->stage, &j->estimated_completion, &j->upload_url_expires_at,
                                 &j->metrics, &j->processing_metadata};
    long long *const ints[] = {&j->original_file_size_bytes, &j->total_records,
                               &j->processed_records, &j->failed_records, &j->warn_records,
                               &j->input_size_bytes, &j->output_size_bytes};
    int n = STORE_ROW_READ(ctx, row, text, ints);
    j->percentage = row->values[n] ? strtod(row->values[n], NULL) : 0;
    j->status = job_status_of_row(row->values[n + 1]);
    return 0;
}

enum db_status job_insert(struct db *db, const struct job *j)
{
    return db_exec(db,
                   "INSERT INTO jobs (id, user_id, file_id, file_name, original_file_size_bytes,"
                   " status, processing_steps, processing_config, input_format, output_format,"
                   " created_at, updated_at, queued_at, input_object_key, input_size_bytes, stage)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(j->id), P_STR(j->user_id), P_STR(j->file_id),
                             P_STR(j->file_name), P_INT(j->original_file_size_bytes),
                             P_STR(job_status_name(j->status)), P_STR(j->processing_steps),
                             P_STR(j->processing_config), P_STR(j->input_format),
                             P_STR(j->output_format), P_STR(j->created_at),
                             P_STR(j->updated_at), P_STR(j->queued_at),
                             P_STR(j->input_object_key),
                             j->input_size_bytes ? P_INT(j->input_size_bytes) : P_NULL,
                             P_STR(j->stage)),
                   NULL);
}

struct task_state {
    struct arena *arena;
    enum job_status *status;
    const char **result, **error;
    bool found;
};

static int take_task_state(void *ctx, const struct db_row *row)
{
    struct task_state *t = ctx;
    *t->status = job_status_of_row(row->values[0]);
    *t->result = arena_strdup(t->arena, row->values[1]);
    *t->error = arena_strdup(t->arena, row->values[2]);
    t->found = true;
    return 1;
}

enum db_status job_task_state(struct db *db, struct arena *a, const char *id,
                              enum job_status *status, const char **result, const char **error)
{
    struct task_state t = {a, status, result, error, false};
    enum db_status st = db_query(
        db, "SELECT status, processing_metadata, error_message FROM jobs WHERE id = ?",
        DB_PARAMS(P_STR(id)), take_task_state, &t);
    return st != DB_OK ? st : t.found ? DB_OK : DB_NO_ROW;
}

enum db_status job_get(struct db *db, struct arena *a, const char *id, struct job *out)
{
    return store_get(db, a, sizeof(*out), "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_job, out);
}

/* A user's jobs newest first, all or one status: each variant has its own
 * statements, served by its own index (jobs_user_list, jobs_user_status_list;
 * a catch-all "? IS NULL OR status = ?" made every count and page read each
 * of the user's rows). Every page is read in index order from where it
 * starts: the first page from the top, a page after a cursor from the
 * cursor, a page by offset from the row before it, found in the index alone
 * (store_keyset_rows). The list's total stands beside every row of its page,
 * from the kept counts (store_count's statement as a subquery, run once per
 * statement): the page and its total in one round trip. */
#define JOB_TOTAL(part)                                                                            \
    ", (SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE list = 'jobs' AND owner = ?" part ")"
#define JOB_NCOLUMNS 30 /* of JOB_COLUMNS: the total is the column after */
static const struct store_keyset jobs_all =
    STORE_KEYSET_NEWEST_WITH(JOB_COLUMNS, JOB_TOTAL(""), 1, "jobs", "user_id = ?");
static const struct store_keyset jobs_of_status = STORE_KEYSET_NEWEST_WITH(
    JOB_COLUMNS, JOB_TOTAL(" AND part = ?"), 2, "jobs", "user_id = ? AND status = ?");

/* The rows of a page, and the total their last column holds. */
struct counted_rows {
    struct store_rows *rows;
    long long total;
    bool counted;
};

static int take_counted_job(void *ctx, const struct db_row *row)
{
    struct counted_rows *c = ctx;
    c->total = db_row_int(row, JOB_NCOLUMNS);
    c->counted = true;
    return take_job(c->rows, row);
}

static enum db_status job_page(struct db *db, struct arena *a, const struct job_list_query *q,
                               struct counted_rows *rows, bool *more)
{
    if (!q->by_status)
        return store_keyset_rows(db, a, &jobs_all, DB_PARAMS(P_STR(q->user_id), P_STR(q->user_id)),
                                 q->skip, q->limit, q->after, take_counted_job, rows, more);
    const char *status = job_status_name(q->status);
    return store_keyset_rows(
        db, a, &jobs_of_status,
        DB_PARAMS(P_STR(q->user_id), P_STR(status), P_STR(q->user_id), P_STR(status)), q->skip,
        q->limit, q->after, take_counted_job, rows, more);
}

enum db_status job_list(struct db *db, struct arena *a, const struct job_list_query *q,
                        struct jsonw *page, long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct job);
    struct counted_rows counted = {&rows, 0, false};
    bool more = false;
    *next = NULL;
    *total = 0;
    enum db_status st = job_page(db, a, q, &counted, &more);
    /* A page with no row has no total on it: the counts are read apart. */
    if (st == DB_OK && counted.counted)
        *total = counted.total;
    else if (st == DB_OK)
        st = store_count(db, "jobs", q->user_id, q->by_status ? job_status_name(q->status) : NULL,
                         total);
    /* About 700 bytes a job. */
    jsonw_init(page, a, 1024 + rows.n * 1024);
    jsonw_open_array(page);
    for (size_t i = 0; i < rows.n; i++)
        job_write_json(page, (struct job *)rows.items + i);
    jsonw_close_array(page);
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct job, created_at, id);
    return st;
}

enum db_status job_set_upload_url(struct db *db, const char *id, const char *object_key,
                                  const char *expires_db, const char *now_db, bool *changed)
{
    return store_exec_changed(
        db,
        "UPDATE jobs SET input_object_key = ?, upload_url_expires_at = ?,"
        " updated_at = ? WHERE id = ? AND status = 'PENDING'"
        " AND (upload_url_expires_at IS NULL OR upload_url_expires_at < ?)",
        DB_PARAMS(P_STR(object_key), P_STR(expires_db), P_STR(now_db), P_STR(id), P_STR(now_db)),
        changed);
}

enum db_status job_set_input_key(struct db *db, const char *id, const char *object_key,
                                 const char *now_db, bool *changed)
{
    return store_exec_changed(db,
                              "UPDATE jobs SET input_object_key = ?, updated_at = ?"
                              " WHERE id = ? AND status = 'PENDING'",
                              DB_PARAMS(P_STR(object_key), P_STR(now_db), P_STR(id)), changed);
}

enum db_status job_mark_uploaded(struct db *db, const char *id, long long size, const char *mime,
                                 const char *format, const char *now_db, bool *changed)
{
    return store_exec_changed(
        db,
        "UPDATE jobs SET status = 'QUEUED', stage = 'file_processing',"
        " input_size_bytes = ?, input_mime_type = ?, input_format = ?,"
        " queued_at = ?, updated_at = ? WHERE id = ? AND status = 'PENDING'",
        DB_PARAMS(P_INT(size), P_STR(mime), P_STR(format), P_STR(now_db), P_STR(now_db), P_STR(id)),
        changed);
}

enum db_status job_transition(struct db *db, const char *id, enum job_status from,
                              enum job_status to, const char *now_db, bool *changed)
{
    /* An end: the job's execution or quality check ends with it. */
    if (to == JOB_CANCELLED)
        return job_cancel_unstarted(db, id, from, changed);
    const char *from_status = job_status_name(from), *to_status = job_status_name(to);
    return store_exec_changed(
        db, "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        DB_PARAMS(P_STR(to_status), P_STR(now_db), P_STR(id), P_STR(from_status)), changed);
}

enum db_status job_awaits_upload(struct db *db, const char *id, const char *object_key,
                                 bool *open)
{
    long long n = 0;
    enum db_status st = db_query_int(db,
                                     "SELECT COUNT(*) FROM jobs WHERE id = ? AND status = 'PENDING'"
                                     " AND input_object_key = ?",
                                     DB_PARAMS(P_STR(id), P_STR(object_key)), &n);
    *open = st == DB_OK && n == 1;
    return st;
}

static int take_count(void *ctx, const struct db_row *row)
{
    long long *counts = ctx;
    enum job_status status;
    if (job_status_parse(row->values[0], &status))
        counts[status] = db_row_int(row, 1);
    return 0;
}

enum db_status job_count_by_status(struct db *db, long long counts[JOB_STATUS__MAX])
{
    memset(counts, 0, JOB_STATUS__MAX * sizeof(counts[0]));
    /* The kept counts (sql/002_list_costs.sql): 4 rows a status, not a row a job. */
    return db_query(db,
                    "SELECT owner, SUM(n) FROM list_counts WHERE list = 'jobs_by_status'"
                    " GROUP BY owner",
                    DB_NO_PARAMS, take_count, counts);
}

static int take_oldest(void *ctx, const struct db_row *row)
{
    *(double *)ctx = row->values[0] ? strtod(row->values[0], NULL) / 1e6 : -1;
    return 1;
}

enum db_status job_queue_depth(struct db *db, long long *queued, double *oldest_seconds)
{
    *queued = 0;
    *oldest_seconds = -1;
    enum db_status st = store_count(db, "jobs_by_status", "QUEUED", NULL, queued);
    if (st != DB_OK)
        return st;
    /* The first entry of jobs_status_queued: one row, however long the queue. */
    return db_query(db,
                    "SELECT TIMESTAMPDIFF(MICROSECOND, MIN(queued_at), UTC_TIMESTAMP(3))"
                    " FROM jobs WHERE status = 'QUEUED'",
                    DB_NO_PARAMS, take_oldest, oldest_seconds);
}

struct error_page {
    json_object *array;
    char last_line[24], last_id[24]; /* the sort key of the last row taken */
};

static int take_error(void *ctx, const struct db_row *row)
{
    struct error_page *p = ctx;
    json_object *e = json_object_new_object();
    json_object_object_add(e, "line", json_object_new_int64(db_row_int(row, 0)));
    if (row->values[1] != NULL)
        json_object_object_add(e, "column", json_object_new_string(row->values[1]));
    json_object_object_add(e, "severity", json_object_new_string(row->values[2]));
    json_object_object_add(e, "code", json_object_new_string(row->values[3]));
    json_object_object_add(e, "message", json_object_new_string(row->values[4]));
    json_object_array_add(p->array, e);
    db_row_copy(row, 0, p->last_line, sizeof(p->last_line));
    db_row_copy(row, 5, p->last_id, sizeof(p->last_id));
    return 0;
}

/* A job's errors in line order, both severities (job_errors_job_line) or
 * one (job_errors_job), from where the page starts as job_page does. */
#define ERROR_COLUMNS "line, col, severity, code, message, id"
#define ERROR_ORDER " ORDER BY line, id"
#define ERROR_KEYSET(where)                                                                        \
    {"SELECT " ERROR_COLUMNS " FROM job_errors WHERE " where ERROR_ORDER " LIMIT ? OFFSET ?",     \
     "SELECT " ERROR_COLUMNS " FROM job_errors WHERE " where                                     \
     " AND (line > ? OR (line = ? AND id > ?))" ERROR_ORDER " LIMIT ? OFFSET ?",                 \
     "SELECT line, id FROM job_errors WHERE " where ERROR_ORDER " LIMIT 1 OFFSET ?",             \
     true,                                                                                       \
     0}
static const struct store_keyset errors_of_job = ERROR_KEYSET("job_id = ?");
static const struct store_keyset errors_of_job_severity =
    ERROR_KEYSET("job_id = ? AND severity = ?");

static enum db_status error_page(struct db *db, struct arena *a, const struct job_error_query *q,
                                 struct error_page *p, bool *more)
{
    if (q->severity == NULL)
        return store_keyset_rows(db, a, &errors_of_job, DB_PARAMS(P_STR(q->job_id)), q->skip,
                                 q->limit, q->after, take_error, p, more);
    return store_keyset_rows(db, a, &errors_of_job_severity,
                             DB_PARAMS(P_STR(q->job_id), P_STR(q->severity)), q->skip, q->limit,
                             q->after, take_error, p, more);
}

enum db_status job_errors_list(struct db *db, struct arena *a, const struct job_error_query *q,
                               json_object *array, long long *total, const char **next)
{
    struct error_page p = {array, "", ""};
    bool more = false;
    *next = NULL;
    enum db_status st = store_count(db, "job_errors", q->job_id, q->severity, total);
    if (st == DB_OK)
        st = error_page(db, a, q, &p, &more);
    if (st == DB_OK && more)
        *next = page_cursor(a, (const char *const[]){p.last_line, p.last_id}, 2);
    return st;
}

/* A column that holds JSON text, written as json-c would rewrite it, or
 * fallback (JSON text) when it is NULL or not JSON. The texts json-c wrote
 * (what the API and quarry-process store) are copied, unparsed. */
static void write_parsed(struct jsonw *w, const char *text, const char *fallback)
{
    if (text != NULL && jsonw_json_copy(w, text))
        return;
    json_object *o = text != NULL ? json_tokener_parse(text) : NULL;
    if (o == NULL) {
        jsonw_raw(w, fallback, strlen(fallback));
        return;
    }
    size_t len;
    const char *out = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    jsonw_raw(w, out, len);
    json_object_put(o);
}

void job_write_json(struct jsonw *w, const struct job *j)
{
    jsonw_open_object(w);
    jsonw_field_string(w, "id", j->id);
    jsonw_field_string(w, "user_id", j->user_id);
    if (j->file_id)
        jsonw_field_string(w, "file_id", j->file_id);
    jsonw_field_string(w, "file_name", j->file_name);
    jsonw_field_int(w, "original_file_size_bytes", j->original_file_size_bytes);
    jsonw_field_string(w, "status", job_status_name(j->status));
    jsonw_key(w, "processing_steps");
    write_parsed(w, j->processing_steps, "[]");
    jsonw_key(w, "processing_config");
    write_parsed(w, j->processing_config, "{}");
    jsonw_field_string(w, "input_format", j->input_format);
    jsonw_field_string(w, "output_format", j->output_format);
    jsonw_field_time(w, "created_at", j->created_at);
    jsonw_field_time(w, "updated_at", j->updated_at);
    jsonw_field_time(w, "queued_at", j->queued_at);
    jsonw_field_time(w, "started_at", j->started_at);
    jsonw_field_time(w, "finished_at", j->finished_at);
    jsonw_field_string(w, "input_object_key", j->input_object_key);
    jsonw_field_string(w, "output_object_key", j->output_object_key);
    jsonw_field_string(w, "error_message", j->error_message);
    jsonw_key(w, "progress");
    jsonw_open_object(w);
    jsonw_field_string(w, "stage", j->stage);
    jsonw_field_int(w, "total_records", j->total_records);
    jsonw_field_int(w, "processed_records", j->processed_records);
    jsonw_field_int(w, "failed_records", j->failed_records);
    jsonw_field_int(w, "warn_records", j->warn_records);
    jsonw_field_double(w, "percentage", j->percentage);
    jsonw_field_time(w, "estimated_completion", j->estimated_completion);
    jsonw_close_object(w);
    jsonw_key(w, "metrics");
    write_parsed(w, j->metrics, "null");
    jsonw_key(w, "processing_metadata");
    write_parsed(w, j->processing_metadata, "null");
    jsonw_close_object(w);
}

json_object *job_to_json(const struct job *j)
{
    struct arena a;
    struct jsonw w;
    arena_init(&a, 4096);
    jsonw_init(&w, &a, 2048);
    job_write_json(&w, j);
    /* The job's own level and the progress object's above its columns' JSON. */
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH + 2);
    size_t len;
    const char *text = jsonw_text(&w, &len);
    json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    json_tokener_free(tok);
    arena_free(&a);
    return o;
}

const char *job_etag(struct arena *a, const struct job *j)
{
    /* updated_at alone could miss two changes in one millisecond: the state and counters join it. */
    char *tag = arena_printf(a, "\"%.8s-%s-%s-%lld-%lld-%lld-%.1f\"", j->id,
                             job_status_name(j->status),
                             j->updated_at ? j->updated_at : "", j->processed_records,
                             j->failed_records, j->warn_records, j->percentage);
    for (char *p = tag; *p; p++)
        if (*p == ' ' || *p == ':')
            *p = '_';
    return tag;
}
