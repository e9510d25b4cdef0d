#include "api/job_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ids.h"

#define JOB_COLUMNS                                                                                \
    "id, user_id, file_id, file_name, processing_steps, processing_config, input_format,"         \
    " output_format, created_at, updated_at, queued_at, started_at, finished_at,"                \
    " input_object_key, output_object_key, error_message, stage, estimated_completion,"          \
    " upload_url_expires_at, metrics, processing_metadata, original_file_size_bytes,"            \
    " total_records, processed_records, failed_records, warn_records, input_size_bytes,"          \
    " output_size_bytes, percentage, status"

struct job_rows {
    struct arena *arena;
    struct job *one;
    void (*fn)(void *ctx, const struct job *job);
    void *ctx;
    bool found;
};

static int take_job(void *ctx, const struct db_row *row)
{
    struct job_rows *r = ctx;
    struct job j;
    const char **const text[] = {&j.id, &j.user_id, &j.file_id, &j.file_name,
                           &j.processing_steps, &j.processing_config, &j.input_format,
                           &j.output_format, &j.created_at, &j.updated_at, &j.queued_at,
                           &j.started_at, &j.finished_at, &j.input_object_key,
                           &j.output_object_key, &j.error_message, &j.stage,
                           &j.estimated_completion, &j.upload_url_expires_at, &j.metrics,
                           &j.processing_metadata};
    size_t ntext = sizeof(text) / sizeof(text[0]);
    db_row_texts(row, r->arena, text, ntext);
    int n = (int)ntext;
    j.original_file_size_bytes = db_row_int(row, n);
    j.total_records = db_row_int(row, n + 1);
    j.processed_records = db_row_int(row, n + 2);
    j.failed_records = db_row_int(row, n + 3);
    j.warn_records = db_row_int(row, n + 4);
    j.input_size_bytes = db_row_int(row, n + 5);
    j.output_size_bytes = db_row_int(row, n + 6);
    j.percentage = row->values[n + 7] ? strtod(row->values[n + 7], NULL) : 0;
    j.status = job_status_of_row(row->values[n + 8]);
    r->found = true;
    if (r->one != NULL) {
        *r->one = j;
        return 1;
    }
    r->fn(r->ctx, &j);
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

enum db_status job_get(struct db *db, struct arena *a, const char *id, struct job *out)
{
    struct job_rows r = {a, out, NULL, NULL, false};
    enum db_status st = db_query(db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?",
                                 DB_PARAMS(P_STR(id)), take_job, &r);
    return st != DB_OK ? st : r.found ? DB_OK : DB_NO_ROW;
}

enum db_status job_list(struct db *db, struct arena *a, const struct job_list_query *q,
                        void (*fn)(void *ctx, const struct job *job), void *ctx, long long *total)
{
    struct job_rows r = {a, NULL, fn, ctx, false};
    enum db_status st;
    /* Two fixed statements rather than SQL assembled at run time. */
    if (q->by_status) {
        const char *status = job_status_name(q->status);
        st = db_query_int(db, "SELECT COUNT(*) FROM jobs WHERE user_id = ? AND status = ?",
                          DB_PARAMS(P_STR(q->user_id), P_STR(status)), total);
        if (st == DB_OK)
            st = db_query(db,
                          "SELECT " JOB_COLUMNS " FROM jobs WHERE user_id = ? AND status = ?"
                          " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                          DB_PARAMS(P_STR(q->user_id), P_STR(status), P_INT(q->limit),
                                    P_INT(q->skip)),
                          take_job, &r);
    } else {
        st = db_query_int(db, "SELECT COUNT(*) FROM jobs WHERE user_id = ?",
                          DB_PARAMS(P_STR(q->user_id)), total);
        if (st == DB_OK)
            st = db_query(db,
                          "SELECT " JOB_COLUMNS " FROM jobs WHERE user_id = ?"
                          " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                          DB_PARAMS(P_STR(q->user_id), P_INT(q->limit), P_INT(q->skip)),
                          take_job, &r);
    }
    return st;
}

static enum db_status exec_guarded(struct db *db, const char *sql, const struct db_param *p,
                                   int n, bool *changed)
{
    long long affected = 0;
    enum db_status st = db_exec(db, sql, p, n, &affected);
    *changed = st == DB_OK && affected == 1;
    return st;
}

enum db_status job_set_upload_url(struct db *db, const char *id, const char *object_key,
                                  const char *expires_db, const char *now_db, bool *changed)
{
    return exec_guarded(db,
                        "UPDATE jobs SET input_object_key = ?, upload_url_expires_at = ?,"
                        " updated_at = ? WHERE id = ? AND status = 'PENDING'"
                        " AND (upload_url_expires_at IS NULL OR upload_url_expires_at < ?)",
                        DB_PARAMS(P_STR(object_key), P_STR(expires_db), P_STR(now_db), P_STR(id),
                                  P_STR(now_db)),
                        changed);
}

enum db_status job_mark_uploaded(struct db *db, const char *id, long long size, const char *mime,
                                 const char *format, const char *now_db, bool *changed)
{
    return exec_guarded(db,
                        "UPDATE jobs SET status = 'QUEUED', stage = 'file_processing',"
                        " input_size_bytes = ?, input_mime_type = ?, input_format = ?,"
                        " queued_at = ?, updated_at = ? WHERE id = ? AND status = 'PENDING'",
                        DB_PARAMS(P_INT(size), P_STR(mime), P_STR(format), P_STR(now_db),
                                  P_STR(now_db), P_STR(id)),
                        changed);
}

enum db_status job_transition(struct db *db, const char *id, enum job_status from,
                              enum job_status to, const char *now_db, bool *changed)
{
    const char *from_status = job_status_name(from), *to_status = job_status_name(to);
    return exec_guarded(db,
                        "UPDATE jobs SET status = ?, updated_at = ?,"
                        " finished_at = IF(? = 'CANCELLED', ?, finished_at)"
                        " WHERE id = ? AND status = ?",
                        DB_PARAMS(P_STR(to_status), P_STR(now_db), P_STR(to_status),
                                  P_STR(now_db), P_STR(id), P_STR(from_status)),
                        changed);
}

static int take_error(void *ctx, const struct db_row *row)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "line", json_object_new_int64(db_row_int(row, 0)));
    if (row->values[1] != NULL)
        json_object_object_add(e, "column", json_object_new_string(row->values[1]));
    json_object_object_add(e, "severity", json_object_new_string(row->values[2]));
    json_object_object_add(e, "code", json_object_new_string(row->values[3]));
    json_object_object_add(e, "message", json_object_new_string(row->values[4]));
    json_object_array_add(ctx, e);
    return 0;
}

enum db_status job_errors_list(struct db *db, const struct job_error_query *q, json_object *array,
                               long long *total)
{
    enum db_status st;
    if (q->severity != NULL) {
        st = db_query_int(db, "SELECT COUNT(*) FROM job_errors WHERE job_id = ? AND severity = ?",
                          DB_PARAMS(P_STR(q->job_id), P_STR(q->severity)), total);
        if (st == DB_OK)
            st = db_query(db,
                          "SELECT line, col, severity, code, message FROM job_errors"
                          " WHERE job_id = ? AND severity = ? ORDER BY line, id LIMIT ? OFFSET ?",
                          DB_PARAMS(P_STR(q->job_id), P_STR(q->severity), P_INT(q->limit),
                                    P_INT(q->skip)),
                          take_error, array);
    } else {
        st = db_query_int(db, "SELECT COUNT(*) FROM job_errors WHERE job_id = ?",
                          DB_PARAMS(P_STR(q->job_id)), total);
        if (st == DB_OK)
            st = db_query(db,
                          "SELECT line, col, severity, code, message FROM job_errors"
                          " WHERE job_id = ? ORDER BY line, id LIMIT ? OFFSET ?",
                          DB_PARAMS(P_STR(q->job_id), P_INT(q->limit), P_INT(q->skip)),
                          take_error, array);
    }
    return st;
}

static json_object *time_or_null(const char *db_time)
{
    char iso[ISO_TIME_LEN + 1];
    if (db_time == NULL || !time_db_to_iso(db_time, iso))
        return NULL;
    return json_object_new_string(iso);
}

static json_object *string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *parsed_or(const char *text, json_object *fallback)
{
    json_object *o = text ? json_tokener_parse(text) : NULL;
    if (o == NULL)
        return fallback;
    json_object_put(fallback);
    return o;
}

json_object *job_to_json(const struct job *j)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(j->id));
    json_object_object_add(o, "user_id", json_object_new_string(j->user_id));
    if (j->file_id)
        json_object_object_add(o, "file_id", json_object_new_string(j->file_id));
    json_object_object_add(o, "file_name", json_object_new_string(j->file_name));
    json_object_object_add(o, "original_file_size_bytes",
                           json_object_new_int64(j->original_file_size_bytes));
    json_object_object_add(o, "status", json_object_new_string(job_status_name(j->status)));
    json_object_object_add(o, "processing_steps",
                           parsed_or(j->processing_steps, json_object_new_array()));
    json_object_object_add(o, "processing_config",
                           parsed_or(j->processing_config, json_object_new_object()));
    json_object_object_add(o, "input_format", string_or_null(j->input_format));
    json_object_object_add(o, "output_format", string_or_null(j->output_format));
    json_object_object_add(o, "created_at", time_or_null(j->created_at));
    json_object_object_add(o, "updated_at", time_or_null(j->updated_at));
    json_object_object_add(o, "queued_at", time_or_null(j->queued_at));
    json_object_object_add(o, "started_at", time_or_null(j->started_at));
    json_object_object_add(o, "finished_at", time_or_null(j->finished_at));
    json_object_object_add(o, "input_object_key", string_or_null(j->input_object_key));
    json_object_object_add(o, "output_object_key", string_or_null(j->output_object_key));
    json_object_object_add(o, "error_message", string_or_null(j->error_message));
    json_object *p = json_object_new_object();
    json_object_object_add(p, "stage", string_or_null(j->stage));
    json_object_object_add(p, "total_records", json_object_new_int64(j->total_records));
    json_object_object_add(p, "processed_records", json_object_new_int64(j->processed_records));
    json_object_object_add(p, "failed_records", json_object_new_int64(j->failed_records));
    json_object_object_add(p, "warn_records", json_object_new_int64(j->warn_records));
    json_object_object_add(p, "percentage", json_object_new_double(j->percentage));
    json_object_object_add(p, "estimated_completion", time_or_null(j->estimated_completion));
    json_object_object_add(o, "progress", p);
    json_object_object_add(o, "metrics", parsed_or(j->metrics, NULL));
    json_object_object_add(o, "processing_metadata", parsed_or(j->processing_metadata, NULL));
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
