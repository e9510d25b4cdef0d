/* Direct uploads: POST /files/upload streams a multipart body to the storage
 * disk (never into memory), then the file can be processed (a job is queued
 * on it), looked at, its schema inferred, listed and deleted. A user only
 * ever sees their own files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/file_store.h"
#include "api/handlers.h"
#include "api/limits.h"
#include "api/job_store.h"
#include "api/multipart.h"
#include "api/objects.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/tasks.h"
#include "common/validate.h"
#include "common/log.h"
#include "common/signing.h"
#include "common/wake.h"
#include "process/engine.h"

/* Room for the part headers and delimiters around a file of the largest size. */
#define MULTIPART_OVERHEAD (1024 * 1024)
#define SCHEMA_SAMPLE_DEFAULT 1000
#define SCHEMA_SAMPLE_MAX 100000
/* How long GET /files/{id}/schema waits for quarry-process's answer. */
#define SCHEMA_WAIT_SECONDS 30

/* ------------------------------------------------------------ the body */

/* The body comes from the file nginx spooled it to (REQUEST_BODY_FILE: nginx
 * then does not stream it to the worker at all, one copy of every byte
 * fewer), or from the FastCGI stream when there is no such file. */
struct upload_body {
    FCGX_Stream *in;
    int fd;         /* the spooled file, or -1 */
    long long left; /* of CONTENT_LENGTH */
};

/* Reads exactly CONTENT_LENGTH bytes, never more: no source is trusted to end. */
static long long read_body(void *ctx, char *buf, size_t len)
{
    struct upload_body *b = ctx;
    if (b->left == 0)
        return 0;
    size_t want = (long long)len < b->left ? len : (size_t)b->left;
    long long n;
    if (b->fd >= 0) {
        do
            n = read(b->fd, buf, want);
        while (n < 0 && errno == EINTR);
    } else {
        n = FCGX_GetStr(buf, (int)want, b->in);
    }
    if (n <= 0)
        return -1;
    b->left -= n;
    return n;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

/* A name fit for JSON and logs: the client's if it is clean UTF-8 text, else
 * its sanitized form. */
static const char *display_name(struct request *req, const struct multipart_part *part)
{
    const char *name = part->has_filename && part->filename[0] ? part->filename : "upload";
    bool clean = validate_utf8(name, strlen(name));
    for (const char *p = name; clean && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            clean = false;
    if (clean)
        return name;
    char *safe = arena_alloc(req->arena, 160);
    signing_sanitize_name(name, safe, 160);
    return safe;
}

static void refuse_upload(struct request *req, enum multipart_status st)
{
    switch (st) {
    case MP_TOO_LARGE:
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", multipart_status_message(st), "file");
        break;
    case MP_NO_SPACE:
        log_warn("upload: %s", multipart_status_message(st));
        respond_store_failure(req, ENOSPC, NULL);
        break;
    case MP_IO_ERROR:
    case MP_NO_MEMORY:
        log_error("upload: %s: %s", multipart_status_message(st), strerror(errno));
        respond_error(req, 500, "INTERNAL_ERROR", multipart_status_message(st), NULL);
        break;
    default:
        respond_error(req, 400, "INVALID_MULTIPART", multipart_status_message(st), "file");
        break;
    }
}

/* Moves the received file to files/<id>/<safe name> and records it. */
static void store_upload(struct request *req, struct multipart_upload *up)
{
    const struct config *cfg = &req->app->cfg;
    char id[UUID_LEN + 1], safe[160], now[DB_TIME_LEN + 1];
    char format[16] = "", mime[128] = "";
    const char *name = display_name(req, &up->part);
    if (detect_format(up->tmp_path, name, format, sizeof(format), mime, sizeof(mime)) != 0) {
        unlink(up->tmp_path);
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                      mime[0] ? arena_printf(req->arena, "Files of type %s cannot be processed", mime)
                              : "This type of file cannot be processed",
                      "file");
        return;
    }
    id_uuid4(id);
    signing_sanitize_name(name, safe, sizeof(safe));
    const char *key = arena_printf(req->arena, "files/%s/%s", id, safe);
    const char *dir = arena_printf(req->arena, "%s/files/%s", cfg->storage_dir, id);
    const char *path = object_path(req, key);
    if (path == NULL || make_dir(dir) != 0 || rename(up->tmp_path, path) != 0) {
        int err = errno;
        log_error("upload: cannot store %s: %s", key, strerror(err));
        unlink(up->tmp_path);
        rmdir(dir);
        respond_store_failure(req, err, "The file could not be stored");
        return;
    }
    time_db(time_now_ms(), now);
    struct file_row f = {0};
    f.id = id;
    f.user_id = req->user.id;
    f.filename = name;
    f.object_key = key;
    f.file_type = format;
    f.mime_type = mime;
    f.file_size = up->size;
    f.sha256 = up->sha256;
    f.processing_status = "PENDING";
    f.uploaded_at = now;
    f.retention_from = now;
    enum db_status st = file_insert(req->app->db, &f);
    if (st != DB_OK) {
        object_remove(req, key);
        respond_db_error(req, st);
        return;
    }
    log_info("file uploaded id=%s size=%lld type=%s", id, up->size, format);
    respond_json_put(req, 201, file_to_json(&f, cfg->file_retention_hours));
}

void files_upload(struct request *req)
{
    const struct config *cfg = &req->app->cfg;
    struct upload_body body = {req->fcgx->in, -1, 0};
    const char *cl = request_param(req, "CONTENT_LENGTH");
    char *end = NULL;
    if (cl != NULL && *cl != '\0') {
        errno = 0;
        body.left = strtoll(cl, &end, 10);
        if (errno != 0 || *end != '\0' || body.left < 0)
            body.left = 0;
    }
    if (body.left == 0) {
        respond_error(req, 400, "INVALID_MULTIPART", "The request has no body", "file");
        return;
    }
    if (rate_limit_take(req, LIMIT_UPLOADS) != 0)
        return;
    /* Refused before reading a byte; nginx's own cap normally answers first. */
    if (body.left > cfg->upload_max_bytes + MULTIPART_OVERHEAD) {
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "The file is larger than allowed", "file");
        return;
    }
    /* The body's length bounds the file's: checked before a byte is read
     * (nginx's token check has refused most such uploads already). */
    if (quota_take(req, body.left) != 0)
        return;
    const char *files_dir = arena_printf(req->arena, "%s/files", cfg->storage_dir);
    const char *tmp_dir = arena_printf(req->arena, "%s/files/.tmp", cfg->storage_dir);
    if (make_dir(files_dir) != 0 || make_dir(tmp_dir) != 0) {
        int err = errno;
        log_error("upload: cannot create %s: %s", tmp_dir, strerror(err));
        respond_store_failure(req, err, "The file could not be stored");
        return;
    }
    struct multipart_upload up = {0};
    up.field = "file";
    up.tmp_dir = tmp_dir;
    up.max_bytes = cfg->upload_max_bytes;
    /* A refusal is answered at once, the rest of the body unread: nginx
     * delivers an early answer and closes the connection. */
    body.fd = object_spooled_body(req, body.left);
    up.body_is_file = body.fd >= 0;
    up.body_fd = body.fd;
    enum multipart_status st =
        multipart_receive(request_param(req, "CONTENT_TYPE"), read_body, &body, &up);
    if (body.fd >= 0)
        close(body.fd);
    if (st != MP_OK) {
        refuse_upload(req, st);
        return;
    }
    store_upload(req, &up);
}

/* ------------------------------------------------------------ one file */

/* Loads the caller's file named in the path, or answers 404 / 403 and returns -1. */
static int file_load_own(struct request *req, struct file_row *f)
{
    const char *id = req->params[0];
    enum db_status st = id_is_uuid(id) ? file_get(req->app->db, req->arena, id, f) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? f->user_id : "", "FILE_NOT_FOUND", "file");
}

void files_get(struct request *req)
{
    struct file_row f;
    if (file_load_own(req, &f) == 0)
        respond_json_put(req, 200, file_to_json(&f, req->app->cfg.file_retention_hours));
}

enum { PIN_PINNED, PIN__MAX };
static const struct field_spec pin_fields[PIN__MAX] = {
    [PIN_PINNED] = {"pinned", FIELD_BOOL, true, 0, 0},
};

/* PATCH /files/{id} {"pinned": true|false}: a pinned file never expires; a
 * pin change starts the file's retention again. */
void files_update(struct request *req)
{
    json_object *body = NULL, *v[PIN__MAX];
    struct file_row f;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, pin_fields, PIN__MAX, v) != 0 || file_load_own(req, &f) != 0)
        goto out;
    bool pinned = json_object_get_boolean(v[PIN_PINNED]);
    enum db_status st = file_set_pinned(req->app->db, f.id, pinned);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "FILE_NOT_FOUND", "File not found", NULL);
        goto out;
    }
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("file %s %s", f.id, pinned ? "pinned" : "unpinned");
    st = file_get(req->app->db, req->arena, f.id, &f);
    if (st == DB_NO_ROW)
        respond_error(req, 404, "FILE_NOT_FOUND", "File not found", NULL);
    else if (respond_unless_ok(req, st) == 0)
        respond_json_put(req, 200, file_to_json(&f, req->app->cfg.file_retention_hours));
out:
    json_object_put(body);
}

void files_list(struct request *req)
{
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0)
        return;
    json_object *array;
    enum db_status st =
        file_list(req->app->db, req->arena, req->user.id, &page,
                  req->app->cfg.file_retention_hours, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

void files_delete(struct request *req)
{
    struct file_row f;
    const char **outputs;
    int noutputs;
    bool busy;
    if (file_load_own(req, &f) != 0)
        return;
    enum db_status st = file_delete(req->app->db, req->arena, f.id, &outputs, &noutputs, &busy);
    if (busy) {
        respond_error(req, 409, "CONFLICT",
                      "The file is being processed; cancel its job before deleting it", NULL);
        return;
    }
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "FILE_NOT_FOUND", "File not found", NULL);
        return;
    }
    if (respond_unless_ok(req, st) != 0)
        return;
    /* The rows are gone first: an object without a row is only litter, a row without its object a broken file. */
    object_remove(req, f.object_key);
    for (int i = 0; i < noutputs; i++)
        object_remove(req, outputs[i]);
    log_info("file deleted id=%s jobs_outputs=%d", f.id, noutputs);
    respond_empty(req, 204);
}

/* ------------------------------------------------------------ processing */

void files_process(struct request *req)
{
    json_object *body = NULL;
    struct job job;
    struct file_row f;
    if (request_json_body(req, &body) != 0)
        return;
    if (job_spec_parse(req, body, &job) != 0 || file_load_own(req, &f) != 0)
        goto out;
    if (strcmp(f.processing_status, "PROCESSING") == 0) {
        respond_error(req, 400, "INVALID_STATE", "The file is already being processed", NULL);
        goto out;
    }
    job.file_id = f.id;
    job.file_name = f.filename;
    job.original_file_size_bytes = f.file_size;
    job.input_size_bytes = f.file_size;
    job.status = JOB_QUEUED;
    job.stage = "file_processing";
    job.input_format = f.file_type;
    job.input_object_key = f.object_key;
    job.queued_at = job.created_at;
    bool queued = false;
    enum db_status st = file_queue_job(req->app->db, &job, &queued);
    if (respond_unless_changed(req, st, queued, "The file is already being processed") != 0)
        goto out;
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("file %s: job %s queued", f.id, job.id);
    st = job_get(req->app->db, req->arena, job.id, &job);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    respond_json_put(req, 202, job_to_json(&job));
out:
    json_object_put(body);
}

enum { SCHEMA_SAMPLE_SIZE, SCHEMA_CONFIG, SCHEMA__MAX };
static const struct field_spec schema_query[SCHEMA__MAX] = {
    [SCHEMA_SAMPLE_SIZE] = {"sample_size", FIELD_INT, false, 1, SCHEMA_SAMPLE_MAX},
    [SCHEMA_CONFIG] = {"processing_config", FIELD_STRING, false, 1, 0},
};

/* ?processing_config=<JSON object>: how to read the file (else it is sniffed).
 * Returns 0 with *config (owned by the caller, NULL when absent), or -1 after answering. */
static int schema_config(struct request *req, json_object *text, json_object **config)
{
    char path[128], msg[256];
    *config = NULL;
    if (text == NULL)
        return 0;
    json_object *c = json_tokener_parse(json_object_get_string(text));
    if (c == NULL || !json_object_is_type(c, json_type_object)) {
        json_object_put(c);
        respond_invalid(req, "processing_config", "processing_config must be a JSON object");
        return -1;
    }
    if (engine_validate_config(c, path, sizeof(path), msg, sizeof(msg)) != 0) {
        json_object_put(c);
        respond_invalid(req, path, msg);
        return -1;
    }
    *config = c;
    return 0;
}

void files_schema(struct request *req)
{
    struct file_row f;
    json_object *v[SCHEMA__MAX], *config = NULL, *result = NULL, *ok = NULL, *message = NULL;
    if (request_query(req, schema_query, SCHEMA__MAX, v, NULL) != 0 ||
        schema_config(req, v[SCHEMA_CONFIG], &config) != 0)
        return;
    long long sample =
        v[SCHEMA_SAMPLE_SIZE] ? json_object_get_int64(v[SCHEMA_SAMPLE_SIZE]) : SCHEMA_SAMPLE_DEFAULT;
    if (file_load_own(req, &f) != 0)
        goto out;
    if (object_path(req, f.object_key) == NULL) {
        respond_error(req, 422, "SCHEMA_INFERENCE_FAILED", "The file has no stored object", NULL);
        goto out;
    }
    /* The file is parsed by quarry-process (a task), never in this worker. */
    json_object *task = json_object_new_object();
    json_object_object_add(task, "object_key", json_object_new_string(f.object_key));
    json_object_object_add(task, "file_name", json_object_new_string(f.filename ? f.filename : ""));
    json_object_object_add(task, "sample_size", json_object_new_int64(sample));
    if (config != NULL)
        json_object_object_add(task, "processing_config", json_object_get(config));
    if (task_call(req, "file_schema", f.id, task, SCHEMA_WAIT_SECONDS, &result) != 0)
        goto out;
    json_object_object_get_ex(result, "ok", &ok);
    if (ok == NULL || !json_object_get_boolean(ok)) {
        json_object_object_get_ex(result, "message", &message);
        const char *why = message ? json_object_get_string(message) : "";
        respond_error(req, 422, "SCHEMA_INFERENCE_FAILED",
                      why[0] ? arena_printf(req->arena, "%s", why)
                             : "The file's schema could not be inferred",
                      NULL);
        json_object_put(result);
        goto out;
    }
    json_object_object_del(result, "ok");
    json_object_object_add(result, "file_id", json_object_new_string(f.id));
    respond_json_put(req, 200, result);
out:
    json_object_put(config);
}

const struct route_doc files_upload_doc = {
    .handler = files_upload,
    .summary = "Upload a file directly (multipart, streamed to disk)",
    .description = "For large files over unreliable networks, upload resumably with tus at "
                   "/uploads instead: the result is the same file.",
    .status = 201,
    .answer = "File",
    .answers = "400",
    .body = DOC_BODY_MULTIPART,
};

const struct route_doc files_list_doc = {
    .handler = files_list,
    .summary = "The caller's files",
    .status = 200,
    .answer = "File[]",
    .paged = true,
};

const struct route_doc files_get_doc = {
    .handler = files_get,
    .summary = "One file, with its processing status and metadata",
    .status = 200,
    .answer = "File",
};

const struct route_doc files_update_doc = {
    .handler = files_update,
    .summary = "Pin or unpin a file",
    .description = "An unpinned file is removed with its jobs file_retention_hours after its "
                   "upload, its last pin change or the last job queued on it (expires_at), "
                   "unless a pipeline names it or a job still reads it; a pinned file stays "
                   "until deleted.",
    .status = 200,
    .answer = "File",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, pin_fields, PIN__MAX}},
    .example = "{\"pinned\":true}",
};

const struct route_doc files_delete_doc = {
    .handler = files_delete,
    .summary = "Delete a file, its object and its jobs' outputs",
    .status = 204,
    .answers = "409",
};

const struct route_doc files_process_doc = {
    .handler = files_process,
    .summary = "Process a file: queues a job on it",
    .status = 202,
    .answer = "Job",
    .answers = "400",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, job_spec_fields, JOB_SPEC__MAX}},
    .example = "{\"processing_config\":{\"delimiter\":\",\",\"has_header\":true},"
               "\"processing_steps\":[{\"type\":\"transform\",\"params\":{\"column\":\"name\","
               "\"function\":\"uppercase\"}}],\"output_format\":\"json\"}",
};

const struct route_doc files_schema_doc = {
    .handler = files_schema,
    .summary = "Infer a file's schema from a sample",
    .status = 200,
    .answer = "FileSchema",
    .answers = "422 504",
    .query = schema_query,
    .nquery = SCHEMA__MAX,
};
