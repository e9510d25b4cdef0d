/* The jobs API: create, list, show, upload URL, mark uploaded, download URL,
 * download, cancel, line errors. A user only ever sees their own jobs. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/limits.h"
#include "api/job_store.h"
#include "api/objects.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/validate.h"
#include "common/log.h"
#include "common/signing.h"
#include "common/wake.h"
#include "process/engine.h"

/* Loads the job named in the path if it is the caller's (strings in the
 * request's arena). Otherwise answers 404 (no such job) or 403 (someone
 * else's) with the given code, returns -1. */
static int job_load_own(struct request *req, const char *id, struct job *job, const char *not_found_code)
{
    enum db_status st = id_is_uuid(id) ? job_get(req->app->db, req->arena, id, job) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? job->user_id : "", not_found_code, "job");
}

/* Answers the job, or 304 when the client's copy is current. */
static void respond_job(struct request *req, int status, const struct job *job)
{
    const char *etag = job_etag(req->arena, job);
    const char *inm = request_param(req, "HTTP_IF_NONE_MATCH");
    respond_header(req, "ETag", etag);
    if (status == 200 && inm != NULL && strstr(inm, etag) != NULL) {
        respond_empty(req, 304);
        return;
    }
    struct jsonw w;
    jsonw_init(&w, req->arena, 1024);
    job_write_json(&w, job);
    respond_written(req, status, &w);
}

static int reload_and_respond(struct request *req, const char *id, int status)
{
    struct job job;
    enum db_status st = job_get(req->app->db, req->arena, id, &job);
    if (respond_unless_ok(req, st) != 0)
        return -1;
    respond_job(req, status, &job);
    return 0;
}

const struct field_spec job_spec_fields[JOB_SPEC__MAX] = {
    [JOB_SPEC_STEPS] = {"processing_steps", FIELD_ARRAY, false, 0, 100},
    [JOB_SPEC_CONFIG] = {"processing_config", FIELD_OBJECT, false, 0, 0},
    [JOB_SPEC_FORMAT] = {"output_format", FIELD_STRING, false, 1, 16},
};

/* JSON text of v in the arena, or fallback when v is NULL. */
static const char *json_text(struct request *req, json_object *v, const char *fallback)
{
    if (v == NULL)
        return fallback;
    return arena_strdup(req->arena, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

int job_spec_parse(struct request *req, json_object *body, struct job *job)
{
    json_object *v[JOB_SPEC__MAX];
    char path[128], msg[256];
    if (request_fields(req, body, job_spec_fields, JOB_SPEC__MAX, v) != 0)
        return -1;
    if ((v[JOB_SPEC_STEPS] && engine_validate_steps(v[JOB_SPEC_STEPS], path, sizeof(path), msg,
                                                sizeof(msg)) != 0) ||
        (v[JOB_SPEC_CONFIG] && engine_validate_config(v[JOB_SPEC_CONFIG], path, sizeof(path), msg,
                                                  sizeof(msg)) != 0)) {
        respond_invalid(req, path, msg);
        return -1;
    }
    const char *format = v[JOB_SPEC_FORMAT] ? json_object_get_string(v[JOB_SPEC_FORMAT]) : "csv";
    if (engine_validate_output_format(format, msg, sizeof(msg)) != 0) {
        respond_invalid(req, "output_format", msg);
        return -1;
    }
    char *id = arena_alloc(req->arena, UUID_LEN + 1), *now = arena_alloc(req->arena, DB_TIME_LEN + 1);
    id_uuid4(id);
    time_db(time_now_ms(), now);
    memset(job, 0, sizeof(*job));
    job->id = id;
    job->user_id = req->user.id;
    job->processing_steps = json_text(req, v[JOB_SPEC_STEPS], "[]");
    job->processing_config = json_text(req, v[JOB_SPEC_CONFIG], "{}");
    job->output_format = arena_strdup(req->arena, format);
    job->created_at = job->updated_at = now;
    return 0;
}

enum { CREATE_FILE_NAME, CREATE_SIZE, CREATE__MAX };
static const struct field_spec create_fields[CREATE__MAX] = {
    [CREATE_FILE_NAME] = {"file_name", FIELD_LINE, true, 1, 255},
    [CREATE_SIZE] = {"original_file_size_bytes", FIELD_INT, false, 0, (1LL << 62)},
};

void jobs_create(struct request *req)
{
    json_object *body = NULL, *v[CREATE__MAX];
    struct job job;
    if (request_json_body(req, &body) != 0)
        return;
    /* The ETL seed's POST /jobs {job_name, …} defines a pipeline; Karyaksham's
     * {file_name, …} a job: the body decides. */
    if (json_object_object_get_ex(body, "job_name", NULL) &&
        !json_object_object_get_ex(body, "file_name", NULL)) {
        pipelines_create_from(req, body);
        goto out;
    }
    if (request_fields(req, body, create_fields, CREATE__MAX, v) != 0 ||
        job_spec_parse(req, body, &job) != 0)
        goto out;
    long long size = v[CREATE_SIZE] ? json_object_get_int64(v[CREATE_SIZE]) : 0;
    if (size > req->app->cfg.upload_max_bytes) {
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "The declared file size is over the limit",
                      "original_file_size_bytes");
        goto out;
    }
    job.file_name = json_object_get_string(v[CREATE_FILE_NAME]);
    job.original_file_size_bytes = size;
    job.status = JOB_PENDING;
    job.stage = "file_upload";
    enum db_status st = job_insert(req->app->db, &job);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("job created id=%s", job.id);
    /* The answer is the row as written: every column the insert does not
     * name is its default (NULL, 0, the zeroed struct), and the stored text
     * is the text sent (DATETIME(3) keeps time_db's milliseconds), so a
     * second read of it would return the same job. */
    respond_job(req, 201, &job);
out:
    json_object_put(body);
}

enum { LIST_STATUS, LIST_JOB_TYPE, LIST_ENABLED, LIST__MAX };
static const struct field_spec list_query[LIST__MAX] = {
    [LIST_STATUS] = {"status", FIELD_STRING, false, 1, 32},
    /* The Morphix seed lists its batch and stream jobs here (load_jobs.c). */
    [LIST_JOB_TYPE] = {"job_type", FIELD_STRING, false, 1, 16},
    [LIST_ENABLED] = {"enabled", FIELD_STRING, false, 1, 8},
};

static const enum cursor_part job_cursor[] = {CURSOR_TIME, CURSOR_ID};

void jobs_list(struct request *req)
{
    json_object *v[LIST__MAX];
    struct page page = PAGE_WITH_CURSOR(job_cursor);
    /* The ETL seed lists its pipelines as GET /jobs?status=active|inactive. */
    const char *status = form_value(req->arena, req->query, "status");
    if (status != NULL && (strcmp(status, "active") == 0 || strcmp(status, "inactive") == 0)) {
        pipelines_list(req);
        return;
    }
    if (request_query(req, list_query, LIST__MAX, v, &page) != 0)
        return;
    if (v[LIST_JOB_TYPE] != NULL) {
        load_jobs_seed_list(req, json_object_get_string(v[LIST_JOB_TYPE]),
                            v[LIST_ENABLED] ? json_object_get_string(v[LIST_ENABLED]) : NULL,
                            &page);
        return;
    }
    struct job_list_query q = {req->user.id, false, JOB_PENDING, page.skip, page.limit, page.after};
    q.by_status = v[LIST_STATUS] != NULL;
    if (q.by_status && !job_status_parse(json_object_get_string(v[LIST_STATUS]), &q.status)) {
        respond_invalid(req, "status", "status is not a job status");
        return;
    }
    struct jsonw jobs;
    long long total = 0;
    const char *next = NULL;
    enum db_status st = job_list(req->app->db, req->arena, &q, &jobs, &total, &next);
    respond_next(req, next);
    respond_list_written(req, st, &jobs, total);
}

void jobs_get(struct request *req)
{
    struct job job;
    if (job_load_own(req, req->params[0], &job, "JOB_NOT_FOUND") == 0)
        respond_job(req, 200, &job);
}

/* The most an upload of the job may hold: its declared size and a little
 * slack, never more than the global cap. */
long long job_upload_cap(const struct request *req, const struct job *job)
{
    const struct config *cfg = &req->app->cfg;
    long long cap = job->original_file_size_bytes > 0
                        ? job->original_file_size_bytes + cfg->upload_slack_bytes
                        : cfg->upload_max_bytes;
    return cap < cfg->upload_max_bytes ? cap : cfg->upload_max_bytes;
}

void jobs_upload_url(struct request *req)
{
    struct job job;
    json_object *body = NULL;
    char safe[160], now[DB_TIME_LEN + 1], until[DB_TIME_LEN + 1], iso[ISO_TIME_LEN + 1];
    if (request_json_body(req, &body) != 0)
        return;
    json_object_put(body);
    if (job_load_own(req, req->params[0], &job, "JOB_NOT_FOUND") != 0)
        return;
    if (job.status != JOB_PENDING) {
        respond_error(req, 400, "INVALID_STATE", "Job is not waiting for an upload", NULL);
        return;
    }
    if (rate_limit_take(req, LIMIT_UPLOADS) != 0)
        return;
    /* The declared size must fit in the user's quota (an undeclared one: the
     * user must not be over it already). */
    if (quota_take(req, job.original_file_size_bytes > 0 ? job.original_file_size_bytes : 0) != 0)
        return;
    long long now_ms = time_now_ms(), expires = now_ms / 1000 + req->app->cfg.url_ttl_seconds;
    signing_sanitize_name(job.file_name, safe, sizeof(safe));
    const char *key = arena_printf(req->arena, "input/%s/%s", job.id, safe);
    time_db(now_ms, now);
    time_db(expires * 1000, until);
    bool changed = false;
    enum db_status st = job_set_upload_url(req->app->db, job.id, key, until, now, &changed);
    if (respond_unless_changed(req, st, changed,
                               "Job already has an upload URL that has not expired") != 0)
        return;
    long long cap = job_upload_cap(req, &job);
    time_iso(expires * 1000, iso);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "upload_url",
                           json_object_new_string(object_url(req, "PUT", key, expires, cap)));
    json_object_object_add(o, "method", json_object_new_string("PUT"));
    json_object_object_add(o, "object_key", json_object_new_string(key));
    json_object_object_add(o, "expires_at", json_object_new_string(iso));
    json_object_object_add(o, "max_bytes", json_object_new_int64(cap));
    respond_json_put(req, 200, o);
}

enum { MARK_OBJECT_KEY, MARK__MAX };
static const struct field_spec mark_fields[MARK__MAX] = {
    [MARK_OBJECT_KEY] = {"object_key", FIELD_STRING, true, 1, 512},
};

void jobs_mark_uploaded(struct request *req)
{
    struct job job;
    json_object *body = NULL, *v[MARK__MAX];
    char now[DB_TIME_LEN + 1];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, mark_fields, MARK__MAX, v) != 0)
        goto out;
    if (job_load_own(req, req->params[0], &job, "JOB_NOT_FOUND") != 0)
        goto out;
    if (job.status != JOB_PENDING) {
        respond_error(req, 400, "INVALID_STATE", "Job is not waiting for an upload", NULL);
        goto out;
    }
    const char *key = json_object_get_string(v[MARK_OBJECT_KEY]);
    if (job.input_object_key == NULL || strcmp(key, job.input_object_key) != 0) {
        respond_error(req, 400, "INVALID_OBJECT_KEY", "object_key is not this job's upload",
                      "object_key");
        goto out;
    }
    long long size = object_size(req, key);
    if (size < 0) {
        respond_error(req, 400, "OBJECT_NOT_FOUND", "The file has not been uploaded", "object_key");
        goto out;
    }
    if (size > job_upload_cap(req, &job)) {
        object_remove(req, key);
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "The uploaded file is larger than declared",
                      "object_key");
        goto out;
    }
    char format[16] = "", mime[128] = "";
    if (detect_format(object_path(req, key), job.file_name, format, sizeof(format), mime,
                      sizeof(mime)) != 0) {
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                      mime[0] ? arena_printf(req->arena, "Files of type %s cannot be processed", mime)
                              : "This type of file cannot be processed",
                      "object_key");
        goto out;
    }
    time_db(time_now_ms(), now);
    bool changed = false;
    enum db_status st = job_mark_uploaded(req->app->db, job.id, size, mime, format, now, &changed);
    if (respond_unless_changed(req, st, changed, "Job is not waiting for an upload") != 0)
        goto out;
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("job queued id=%s size=%lld format=%s", job.id, size, format);
    /* The job as this transition left it (QUEUED), not as read again: a
     * dispatcher woken above may already have claimed it. */
    job.status = JOB_QUEUED;
    job.stage = "file_processing";
    job.input_size_bytes = size;
    job.input_format = format;
    job.queued_at = job.updated_at = now;
    respond_job(req, 200, &job);
out:
    json_object_put(body);
}

/* A fresh signed GET URL for a COMPLETED job's output, or an answer and NULL. */
static char *download_url(struct request *req, struct job *job, long long *expires)
{
    json_object *body = NULL;
    if (strcmp(req->method, "POST") == 0) {
        if (request_json_body(req, &body) != 0)
            return NULL;
        json_object_put(body);
    }
    if (job_load_own(req, req->params[0], job, "JOB_NOT_FOUND") != 0)
        return NULL;
    if (job->status != JOB_COMPLETED || job->output_object_key == NULL) {
        respond_error(req, 400, "INVALID_STATE", "Job has no result to download yet", NULL);
        return NULL;
    }
    *expires = time_now_ms() / 1000 + req->app->cfg.url_ttl_seconds;
    return object_url(req, "GET", job->output_object_key, *expires, -1);
}

void jobs_download_url(struct request *req)
{
    struct job job;
    long long expires;
    char iso[ISO_TIME_LEN + 1];
    char *url = download_url(req, &job, &expires);
    if (url == NULL)
        return;
    time_iso(expires * 1000, iso);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "download_url", json_object_new_string(url));
    json_object_object_add(o, "expires_at", json_object_new_string(iso));
    respond_json_put(req, 200, o);
}

void jobs_download(struct request *req)
{
    struct job job;
    long long expires;
    char *url = download_url(req, &job, &expires);
    if (url == NULL)
        return;
    respond_header(req, "Location", url);
    respond_empty(req, 302);
}

/* Where a cancel takes a job from state: false when it is finished already. */
static bool cancel_target(enum job_status from, enum job_status *to)
{
    switch (from) {
    case JOB_PENDING:
    case JOB_QUEUED: *to = JOB_CANCELLED; return true;
    case JOB_RUNNING:
    case JOB_CANCELLATION_REQUESTED: *to = JOB_CANCELLATION_REQUESTED; return true;
    default: return false;
    }
}

int job_cancel(struct request *req, struct job *job, const char *cannot_code)
{
    char now[DB_TIME_LEN + 1];
    /* Three tries: the job may move on (QUEUED → RUNNING, RUNNING → an end)
     * between reading it and the guarded update. */
    for (int attempt = 0; attempt < 3; attempt++) {
        enum job_status from = job->status, to;
        if (!cancel_target(from, &to)) {
            respond_error(req, 400, cannot_code,
                          arena_printf(req->arena, "Job is already %s", job_status_name(from)),
                          NULL);
            return -1;
        }
        if (from == to)
            return 0; /* asked before: the dispatcher is stopping it */
        bool changed = false;
        time_db(time_now_ms(), now);
        enum db_status st = job_transition(req->app->db, job->id, from, to, now, &changed);
        if (respond_unless_ok(req, st) != 0)
            return -1;
        if (changed) {
            jobd_wake(req->app->cfg.jobd_socket);
            log_info("job %s: %s -> %s", job->id, job_status_name(from), job_status_name(to));
            if (from == JOB_PENDING && job->input_object_key != NULL)
                object_remove(req, job->input_object_key);
            job->status = to;
            return 0;
        }
        st = job_get(req->app->db, req->arena, job->id, job);
        if (respond_unless_ok(req, st) != 0)
            return -1;
    }
    respond_error(req, 409, "CONFLICT", "Job changed while cancelling; try again", NULL);
    return -1;
}

void jobs_cancel(struct request *req)
{
    struct job job;
    json_object *body = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    json_object_put(body);
    if (job_load_own(req, req->params[0], &job, "JOB_NOT_FOUND") != 0)
        return;
    if (job_cancel(req, &job, "INVALID_STATE") == 0)
        reload_and_respond(req, job.id, 200);
}

enum { ERRORS_SEVERITY, ERRORS__MAX };
static const struct field_spec errors_query[ERRORS__MAX] = {
    [ERRORS_SEVERITY] = {"severity", FIELD_STRING, false, 1, 16},
};

static const enum cursor_part error_cursor[] = {CURSOR_INT, CURSOR_INT};

void jobs_errors(struct request *req)
{
    struct job job;
    json_object *v[ERRORS__MAX];
    struct page page = PAGE_WITH_CURSOR(error_cursor);
    if (request_query(req, errors_query, ERRORS__MAX, v, &page) != 0)
        return;
    struct job_error_query q = {NULL, NULL, page.skip, page.limit, page.after};
    q.severity = v[ERRORS_SEVERITY] ? json_object_get_string(v[ERRORS_SEVERITY]) : NULL;
    if (q.severity != NULL && strcmp(q.severity, "error") != 0 && strcmp(q.severity, "warning") != 0) {
        respond_invalid(req, "severity", "severity must be error or warning");
        return;
    }
    if (job_load_own(req, req->params[0], &job, "JOB_NOT_FOUND") != 0)
        return;
    q.job_id = job.id;
    json_object *errors = json_object_new_array();
    long long total = 0;
    const char *next = NULL;
    enum db_status st = job_errors_list(req->app->db, req->arena, &q, errors, &total, &next);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "errors", errors);
    json_object_object_add(o, "total", json_object_new_int64(total));
    respond_next(req, next);
    respond_list(req, st, o, total);
}

const struct route_doc jobs_create_doc = {
    .handler = jobs_create,
    .summary = "Create a job (PENDING): then upload its file",
    .description = "Then POST /jobs/{id}/upload-url and PUT the file there (or upload it "
                   "resumably with tus at /uploads with metadata job_id), then "
                   "POST /jobs/{id}/mark-uploaded.",
    .status = 201,
    .answer = "Job",
    .answers = "400",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, create_fields, CREATE__MAX}, {NULL, job_spec_fields, JOB_SPEC__MAX}},
    .example = "{\"file_name\":\"my_large_data.csv\",\"original_file_size_bytes\":1024000000,"
               "\"processing_steps\":[{\"type\":\"filter\",\"params\":{\"column\":\"country\","
               "\"operator\":\"eq\",\"value\":\"India\"}},{\"type\":\"convert_format\","
               "\"params\":{\"to_format\":\"parquet\"}}]}",
};

const struct route_doc jobs_list_doc = {
    .handler = jobs_list,
    .summary = "The caller's jobs, newest first",
    .status = 200,
    .answer = "Job[]",
    .query = list_query,
    .nquery = LIST__MAX,
    .paged = true,
};

const struct route_doc jobs_get_doc = {
    .handler = jobs_get,
    .summary = "One job (ETag; 304 to a matching If-None-Match)",
    .status = 200,
    .answer = "Job",
    .answers = "304",
};

const struct route_doc jobs_upload_url_doc = {
    .handler = jobs_upload_url,
    .summary = "A signed URL to PUT the job's file to",
    .status = 200,
    .answer = "UploadUrl",
    .answers = "400",
    .body = DOC_BODY_JSON,
    .example = "{}",
};

const struct route_doc jobs_mark_uploaded_doc = {
    .handler = jobs_mark_uploaded,
    .summary = "Say the file is uploaded: the job is QUEUED",
    .status = 200,
    .answer = "Job",
    .answers = "400 413 415",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, mark_fields, MARK__MAX}},
    .example = "{\"object_key\":\"input/" DOC_EXAMPLE_ID "/my_large_data.csv\"}",
};

const struct route_doc jobs_download_url_doc = {
    .handler = jobs_download_url,
    .summary = "A signed URL to GET the result from",
    .status = 200,
    .answer = "DownloadUrl",
    .answers = "400",
    .body = DOC_BODY_JSON,
};

const struct route_doc jobs_download_doc = {
    .handler = jobs_download,
    .summary = "Redirect to a fresh signed URL of the result",
    .status = 302,
    .answers = "400",
};

const struct route_doc jobs_cancel_doc = {
    .handler = jobs_cancel,
    .summary = "Cancel (CANCELLED, or CANCELLATION_REQUESTED while it runs)",
    .status = 200,
    .answer = "Job",
    .answers = "400 409",
    .body = DOC_BODY_JSON,
    .example = "{}",
};

const struct route_doc jobs_errors_doc = {
    .handler = jobs_errors,
    .summary = "The job's line errors and warnings",
    .status = 200,
    .answer = "JobErrors",
    .query = errors_query,
    .nquery = ERRORS__MAX,
    .paged = true,
};
