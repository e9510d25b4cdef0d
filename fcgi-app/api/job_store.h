#ifndef QUARRY_API_JOB_STORE_H
#define QUARRY_API_JOB_STORE_H
/* The API's statements on jobs (the queue side's are in common/job_queue.c).
 * Every state change is one guarded UPDATE: it names the states it may leave,
 * so of two racing requests only one changes the row. */
#include <json-c/json.h>
#include <stdbool.h>

#include "api/json_writer.h"
#include "common/arena.h"
#include "common/db.h"
#include "common/job_status.h"

/* A job row as text, as the database returns it; strings live in the arena. */
struct job {
    enum job_status status;
    const char *id, *user_id, *file_id, *file_name, *processing_steps, *processing_config,
        *input_format, *output_format, *created_at, *updated_at, *queued_at, *started_at,
        *finished_at, *input_object_key, *output_object_key, *error_message, *stage,
        *estimated_completion, *upload_url_expires_at, *metrics, *processing_metadata;
    long long original_file_size_bytes, total_records, processed_records, failed_records,
        warn_records, input_size_bytes, output_size_bytes;
    double percentage;
};

struct job_list_query {
    const char *user_id;
    bool by_status; /* only jobs in status */
    enum job_status status;
    long long skip, limit;
    const char *const *after; /* the cursor's created_at and id, or NULL */
};

enum db_status job_insert(struct db *db, const struct job *job);
/* The job into *out, its strings in a; DB_NO_ROW when there is no such job
 * (whoever owns it). */
enum db_status job_get(struct db *db, struct arena *a, const char *id, struct job *out);
/* The page of jobs, newest first (created_at, then id), written as a JSON
 * array of job objects into page (its buffer in a; an empty array after a
 * failure); *total gets the count of all, *next the cursor after the page
 * (in a), NULL on the last. */
enum db_status job_list(struct db *db, struct arena *a, const struct job_list_query *q,
                        struct jsonw *page, long long *total, const char **next);
/* PENDING job without a live upload URL → records key and expiry. *changed false when the guard failed. */
enum db_status job_set_upload_url(struct db *db, const char *id, const char *object_key,
                                  const char *expires_db, const char *now_db, bool *changed);
/* A PENDING job's input is the object key (a resumable upload that has
 * completed). *changed false when the job is no longer PENDING. */
enum db_status job_set_input_key(struct db *db, const char *id, const char *object_key,
                                 const char *now_db, bool *changed);
/* PENDING → QUEUED with what the upload turned out to be. */
enum db_status job_mark_uploaded(struct db *db, const char *id, long long size, const char *mime,
                                 const char *format, const char *now_db, bool *changed);
/* from → to (CANCELLED sets finished_at). */
enum db_status job_transition(struct db *db, const char *id, enum job_status from,
                              enum job_status to, const char *now_db, bool *changed);

/* Whether job id is PENDING with object_key as its upload (nginx may let a
 * PUT of it through): *open. */
enum db_status job_awaits_upload(struct db *db, const char *id, const char *object_key,
                                 bool *open);
/* How many jobs are in each state, for operations views. */
enum db_status job_count_by_status(struct db *db, long long counts[JOB_STATUS__MAX]);
/* How many jobs wait for a dispatcher, and for how long the oldest has
 * waited (-1 when none). */
enum db_status job_queue_depth(struct db *db, long long *queued, double *oldest_seconds);
/* A task's state, and once it ended its result (processing_metadata) and
 * error message, in the arena (NULL when not set). */
enum db_status job_task_state(struct db *db, struct arena *a, const char *id,
                              enum job_status *status, const char **result, const char **error);

struct job_error_query {
    const char *job_id;
    const char *severity; /* NULL: both */
    long long skip, limit;
    const char *const *after; /* the cursor's line and id, or NULL */
};
/* Appends {line, column?, severity, code, message} objects to array, in line
 * order; *total gets the count of all, *next the cursor after the page (in a)
 * or NULL on the last. */
enum db_status job_errors_list(struct db *db, struct arena *a, const struct job_error_query *q,
                               json_object *array, long long *total, const char **next);

/* The job object of the API, written into w (job_to_json's one source). */
void job_write_json(struct jsonw *w, const struct job *job);
/* The job object of the API: a new object owned by the caller. */
json_object *job_to_json(const struct job *job);
/* A strong validator for the job's visible state (ETag value, quoted), in a. */
const char *job_etag(struct arena *a, const struct job *job);

#endif
