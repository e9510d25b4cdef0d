/* The front end's polling view of a job: GET /status/{uploadId} and its cancel. */
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/limits.h"
#include "api/job_store.h"
#include "api/response.h"
#include "api/route_doc.h"

/* A job's state as the status view names it. */
struct status_view {
    const char *status, *stage;
};

static const struct status_view views[JOB_STATUS__MAX] = {
    [JOB_PENDING] = {"uploading", "file_upload"},
    [JOB_QUEUED] = {"uploaded", "file_processing"},
    [JOB_RUNNING] = {"processing", "batch_processing"},
    [JOB_COMPLETED] = {"completed", "completed"},
    [JOB_FAILED] = {"error", "batch_processing"},
    [JOB_CANCELLATION_REQUESTED] = {"cancelled", "batch_processing"},
    [JOB_CANCELLED] = {"cancelled", "completed"},
};

static bool job_finished(enum job_status s)
{
    return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_CANCELLED;
}

/* The status view's ttl (ms): when retention removes the job's objects once
 * it has finished, and before that when an abandoned upload would be
 * removed (the dispatcher deletes a job still PENDING then). */
static long long status_ttl_ms(const struct request *req, const struct job *job)
{
    const struct config *cfg = &req->app->cfg;
    if (!job_finished(job->status))
        return time_db_to_ms(job->created_at) + cfg->pending_ttl_hours * 3600000LL;
    const char *end = job->finished_at ? job->finished_at : job->updated_at;
    return time_db_to_ms(end) + cfg->retention_hours * 3600000LL;
}

/* Past its ttl, a job that retention removes (still PENDING, or finished)
 * reads as unknown; a queued or running one is never removed. */
static bool status_expired(const struct request *req, const struct job *job)
{
    bool removable = job->status == JOB_PENDING || job_finished(job->status);
    return removable && status_ttl_ms(req, job) < time_now_ms();
}

static long long chunk_size_of(const struct job *job)
{
    long long chunk = 1000;
    /* Most jobs have no configuration: nothing to parse. */
    if (job->processing_config == NULL || strcmp(job->processing_config, "{}") == 0)
        return chunk;
    json_object *cfg = json_tokener_parse(job->processing_config), *v;
    if (cfg && json_object_object_get_ex(cfg, "chunk_size", &v) && json_object_get_int64(v) > 0)
        chunk = json_object_get_int64(v);
    json_object_put(cfg);
    return chunk;
}

/* The records of the file: counted when the run ends; while it runs (the
 * engine streams, nothing counts ahead) estimated from the share of the
 * file read so far, and never less than what was processed. */
static long long total_records_of(const struct job *job)
{
    long long total = job->total_records;
    if (total == 0 && job_status_active(job->status) && job->percentage > 0.0) {
        total = (long long)((double)job->processed_records * 100.0 / job->percentage + 0.5);
        if (total < job->processed_records)
            total = job->processed_records;
    }
    return total;
}

/* The status view, written straight into the answer's buffer (the bytes
 * json-c wrote, key for key in the same order). */
static void status_write(struct jsonw *w, const struct request *req, const struct job *job)
{
    const struct status_view *m = &views[job->status];
    long long chunk = chunk_size_of(job);
    bool done = job->status == JOB_COMPLETED;
    long long total = total_records_of(job);
    long long processed = job->processed_records;
    long long total_batches = total > 0 ? (total + chunk - 1) / chunk : 0;
    long long completed_batches = done ? total_batches : processed / chunk;
    jsonw_open_object(w);
    jsonw_field_string(w, "uploadId", job->id);
    jsonw_field_string(w, "status", m->status);
    jsonw_field_string(w, "stage", m->stage);
    jsonw_key(w, "progress");
    jsonw_open_object(w);
    jsonw_field_int(w, "totalBatches", total_batches);
    jsonw_field_int(w, "completedBatches", completed_batches);
    jsonw_field_int(w, "totalRecords", total);
    jsonw_field_int(w, "processedRecords", processed);
    /* The Status API's names for the same counts. */
    jsonw_field_int(w, "totalLeads", total);
    jsonw_field_int(w, "processedLeads", processed);
    jsonw_field_double(w, "percentage", done ? 100.0 : job->percentage);
    jsonw_close_object(w);
    jsonw_key(w, "metadata");
    jsonw_open_object(w);
    jsonw_field_string(w, "fileName", job->file_name);
    jsonw_field_int(w, "fileSize",
                    job->input_size_bytes ? job->input_size_bytes : job->original_file_size_bytes);
    jsonw_field_time(w, "startTime", job->started_at ? job->started_at : job->created_at);
    jsonw_field_time(w, "estimatedCompletion", job->estimated_completion);
    jsonw_close_object(w);
    if (job->status == JOB_FAILED) {
        jsonw_key(w, "error");
        jsonw_open_object(w);
        jsonw_field_string(w, "code", "PROCESSING_FAILED");
        jsonw_field_string(w, "message", job->error_message ? job->error_message : "failed");
        jsonw_field_time(w, "timestamp", job->finished_at ? job->finished_at : job->updated_at);
        jsonw_close_object(w);
    }
    jsonw_field_time(w, "createdAt", job->created_at);
    jsonw_field_time(w, "updatedAt", job->updated_at);
    /* A Unix time in seconds, as the Status API's DynamoDB TTL attribute. */
    jsonw_field_int(w, "ttl", status_ttl_ms(req, job) / 1000);
    jsonw_close_object(w);
}

/* Loads the caller's job by upload id; someone else's reads as unknown here. */
static int load_upload(struct request *req, struct job *job)
{
    const char *id = req->params[0];
    if (!id_is_uuid(id)) {
        respond_error(req, 400, "INVALID_UPLOAD_ID", "uploadId must be a UUID", "uploadId");
        return -1;
    }
    enum db_status st = job_get(req->app->db, req->arena, id, job);
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        return -1;
    }
    if (st == DB_NO_ROW || strcmp(job->user_id, req->user.id) != 0 || status_expired(req, job)) {
        respond_error(req, 404, "UPLOAD_NOT_FOUND", "Upload ID not found or has expired", NULL);
        return -1;
    }
    return 0;
}

void status_get(struct request *req)
{
    struct job job;
    if (load_upload(req, &job) != 0 ||
        rate_limit_take_scoped(req, LIMIT_STATUS_POLLS, job.id) != 0)
        return;
    const char *etag = job_etag(req->arena, &job);
    const char *inm = request_param(req, "HTTP_IF_NONE_MATCH");
    respond_header(req, "ETag", etag);
    if (inm != NULL && strstr(inm, etag) != NULL) {
        respond_empty(req, 304);
        return;
    }
    struct jsonw w;
    jsonw_init(&w, req->arena, 1024);
    status_write(&w, req, &job);
    respond_written(req, 200, &w);
}

void status_cancel(struct request *req)
{
    struct job job;
    char now[ISO_TIME_LEN + 1];
    if (load_upload(req, &job) != 0)
        return;
    if (job_cancel(req, &job, "CANNOT_CANCEL") != 0)
        return;
    time_iso(time_now_ms(), now);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "uploadId", json_object_new_string(job.id));
    json_object_object_add(o, "status", json_object_new_string("cancelled"));
    json_object_object_add(o, "message", json_object_new_string("Processing cancellation requested"));
    json_object_object_add(o, "timestamp", json_object_new_string(now));
    respond_json_put(req, 200, o);
}

const struct route_doc status_get_doc = {
    .handler = status_get,
    .summary = "The polling view of a job (ETag; 304 to a matching If-None-Match)",
    .status = 200,
    .answer = "Status",
    .answers = "304 400",
};

const struct route_doc status_cancel_doc = {
    .handler = status_cancel,
    .summary = "Cancel the job behind an upload id",
    .status = 200,
    .answer = "StatusCancel",
    .answers = "400",
};
