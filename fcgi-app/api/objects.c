/* Signed object URLs and the internal check nginx makes before it serves one:
 * GET/HEAD of output objects, PUT of a PENDING job's input object. */
#include "api/objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "api/handlers.h"
#include "api/job_store.h"
#include "api/limits.h"
#include "api/response.h"
#include "api/session.h"
#include "common/log.h"
#include "common/signing.h"
#include "process/engine.h"

/* Seconds of clock difference forgiven between the signer and the checker. */
#define CLOCK_SKEW_SECONDS 30

char *object_url(struct request *req, const char *method, const char *object_key,
                 long long expires, long long max_bytes)
{
    char sig[SIGNATURE_B64_LEN + 1];
    signing_sign(req->app->cfg.url_key, method, object_key, expires, max_bytes, sig);
    if (max_bytes >= 0)
        return arena_printf(req->arena, "%s/objects/%s?expires=%lld&max=%lld&sig=%s",
                            req->app->cfg.public_url, object_key, expires, max_bytes, sig);
    return arena_printf(req->arena, "%s/objects/%s?expires=%lld&sig=%s", req->app->cfg.public_url,
                        object_key, expires, sig);
}

char *object_path(struct request *req, const char *object_key)
{
    if (!signing_key_is_safe(object_key))
        return NULL;
    return arena_printf(req->arena, "%s/%s", req->app->cfg.storage_dir, object_key);
}

long long object_size(struct request *req, const char *object_key)
{
    struct stat st;
    char *path = object_path(req, object_key);
    if (path == NULL || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    return (long long)st.st_size;
}

void object_remove(struct request *req, const char *object_key)
{
    char *path = object_path(req, object_key);
    if (path == NULL)
        return;
    if (unlink(path) != 0 && errno != ENOENT)
        log_warn("cannot remove object %s: %s", object_key, strerror(errno));
    char *slash = strrchr(path, '/');
    if (slash != NULL) {
        *slash = '\0';
        rmdir(path); /* only succeeds when empty */
    }
}

bool object_storage_has_room(struct request *req, long long bytes)
{
    struct statvfs fs;
    if (bytes <= 0 || statvfs(req->app->cfg.storage_dir, &fs) != 0)
        return true;
    return (unsigned long long)bytes <= (unsigned long long)fs.f_bavail * fs.f_frsize;
}

bool object_errno_is_full(int err)
{
    return err == ENOSPC || err == EDQUOT;
}

void respond_store_failure(struct request *req, int err, const char *message)
{
    if (object_errno_is_full(err))
        respond_error(req, 507, "INSUFFICIENT_STORAGE", "The storage is full", NULL);
    else
        respond_error(req, 500, "INTERNAL_ERROR", message, NULL);
}

static void deny(struct request *req, const char *code)
{
    respond_header(req, "X-Quarry-Error", code);
    respond_error(req, 403, code,
                  strcmp(code, "SIGNATURE_EXPIRED") == 0      ? "The signed URL has expired"
                  : strcmp(code, "PAYLOAD_TOO_LARGE") == 0    ? "The upload is larger than allowed"
                  : strcmp(code, "LENGTH_REQUIRED") == 0      ? "Content-Length required"
                  : strcmp(code, "INSUFFICIENT_STORAGE") == 0 ? "The storage is full"
                                                              : "The signature is not valid",
                  NULL);
}

static bool parse_ll(const char *s, long long *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Only PUT to the input object of a job that still waits for it. */
static bool upload_target_open(struct request *req, const char *object_key)
{
    char id[UUID_LEN + 1];
    bool open = false;
    memcpy(id, object_key + strlen("input/"), UUID_LEN);
    id[UUID_LEN] = '\0';
    job_awaits_upload(req->app->db, id, object_key, &open);
    return open;
}

/* RFC 6266: attachment; filename="<the key's name, ASCII>";
 * filename*=UTF-8''<the output's own name, percent-encoded> (RFC 8187). The
 * own name comes from the job's input name; the key's name is its URL-safe
 * form (engine_output_key_name). */
static const char *output_disposition(struct request *req, const char *key)
{
    static const char attr_char[] = "!#$&+-.^_`|~";
    const char *key_name = strrchr(key, '/') + 1;
    char id[UUID_LEN + 1], shown[256], ascii[256];
    struct job job;
    memcpy(id, key + strlen("output/"), UUID_LEN);
    id[UUID_LEN] = '\0';
    snprintf(shown, sizeof(shown), "%s", key_name);
    if (job_get(req->app->db, req->arena, id, &job) == DB_OK && job.output_object_key != NULL &&
        strcmp(job.output_object_key, key) == 0)
        engine_output_display_name(job.file_name, key_name, shown, sizeof(shown));
    char *encoded = arena_alloc(req->arena, strlen(shown) * 3 + 1), *o = encoded;
    for (const unsigned char *p = (const unsigned char *)shown; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(attr_char, *p) != NULL) {
            *o++ = (char)*p;
        } else {
            snprintf(o, 4, "%%%02X", *p);
            o += 3;
        }
    }
    *o = '\0';
    engine_output_key_name(key_name, ascii, sizeof(ascii));
    return arena_printf(req->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii,
                        encoded);
}

/* Returns NULL when the request may pass, else the refusal's code. */
static const char *object_check(struct request *req)
{
    const char *uri = request_param(req, "X_ORIGINAL_URI");
    const char *method = request_param(req, "X_ORIGINAL_METHOD");
    if (uri == NULL || method == NULL || strncmp(uri, "/objects/", 9) != 0)
        return "SIGNATURE_INVALID";
    const char *q = strchr(uri, '?');
    if (q == NULL)
        return "SIGNATURE_INVALID";
    /* Keys never need percent-encoding, so an encoded byte means a URL we did not make;
     * refusing it keeps nginx's decoded path equal to the key that was signed. */
    char *key = arena_strndup(req->arena, uri + 9, (size_t)(q - uri - 9));
    if (strchr(key, '%') != NULL || !signing_key_is_safe(key))
        return "SIGNATURE_INVALID";
    const char *sig = form_value(req->arena, q + 1, "sig");
    long long expires, max_bytes = -1;
    if (!parse_ll(form_value(req->arena, q + 1, "expires"), &expires))
        return "SIGNATURE_INVALID";
    bool upload = strcmp(method, "PUT") == 0;
    bool download = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!upload && !download)
        return "SIGNATURE_INVALID";
    if (upload && !parse_ll(form_value(req->arena, q + 1, "max"), &max_bytes))
        return "SIGNATURE_INVALID";
    switch (signing_verify(req->app->cfg.url_key, upload ? "PUT" : "GET", key, expires, max_bytes,
                           sig, (long long)time(NULL), CLOCK_SKEW_SECONDS)) {
    case SIGN_OK:
        break;
    case SIGN_EXPIRED:
        return "SIGNATURE_EXPIRED";
    default:
        return "SIGNATURE_INVALID";
    }
    if (upload) {
        long long length;
        if (strncmp(key, "input/", 6) != 0 || !upload_target_open(req, key))
            return "SIGNATURE_INVALID";
        /* nginx refuses a PUT without Content-Length itself (411); a body
         * of unknown length could pass the signed cap. */
        if (!parse_ll(request_param(req, "X_ORIGINAL_LENGTH"), &length))
            return "LENGTH_REQUIRED";
        if (length > max_bytes)
            return "PAYLOAD_TOO_LARGE";
        /* nginx writes the body to the storage disk, then renames it into place. */
        if (!object_storage_has_room(req, length))
            return "INSUFFICIENT_STORAGE";
    } else {
        if (strncmp(key, "output/", 7) != 0)
            return "SIGNATURE_INVALID";
        respond_header(req, "X-Quarry-Disposition", output_disposition(req, key));
    }
    return NULL;
}

void object_auth(struct request *req)
{
    const char *refusal = object_check(req);
    if (refusal != NULL)
        deny(req, refusal);
    else
        respond_empty(req, 204);
}

/* A refusal of the token check: nginx keeps only the status (401 or 403)
 * and X-Quarry-Error, and answers in the error shape itself. */
static void token_refuse(struct request *req, int status, const char *code, const char *message)
{
    respond_header(req, "X-Quarry-Error", code);
    respond_error(req, status, code, message, NULL);
}

void token_auth(struct request *req)
{
    const char *method = request_param(req, "X_ORIGINAL_METHOD");
    const char *code, *message;
    /* tus's OPTIONS (the server's capabilities) is public. */
    if (method != NULL && strcmp(method, "OPTIONS") == 0) {
        respond_empty(req, 204);
        return;
    }
    switch (session_check(req, &code, &message)) {
    case 0:
        break;
    case 401:
        token_refuse(req, 401, code, message);
        return;
    default:
        token_refuse(req, 403, code, message);
        return;
    }
    if (req->is_service) {
        token_refuse(req, 403, "FORBIDDEN", "A service account may only report and read progress");
        return;
    }
    /* The bytes the request asks to add: a direct upload's body, a new
     * resumable upload's declared length (its PATCHes are counted already). */
    long long more = 0;
    const char *uri = request_param(req, "X_ORIGINAL_URI");
    bool creates = method != NULL && strcmp(method, "POST") == 0;
    if (creates && uri != NULL && strncmp(uri, "/api/v1/uploads", 15) == 0)
        parse_ll(request_param(req, "X_ORIGINAL_UPLOAD_LENGTH"), &more);
    else if (creates)
        parse_ll(request_param(req, "X_ORIGINAL_LENGTH"), &more);
    long long quota = req->app->cfg.user_quota_bytes, used = 0;
    if (quota > 0 && more > 0) {
        if (quota_used(req, &used) != DB_OK) {
            token_refuse(req, 403, "SERVICE_UNAVAILABLE", "Service unavailable");
            return;
        }
        if (more > quota || used > quota - more) {
            log_info("user %s over the storage quota (%lld + %lld > %lld bytes), refused "
                     "before the body", req->user.id, used, more, quota);
            token_refuse(req, 403, "QUOTA_EXCEEDED", "Storage quota exceeded");
            return;
        }
    }
    /* nginx spools the body to the storage disk before the API reads it. */
    long long length = 0;
    if (parse_ll(request_param(req, "X_ORIGINAL_LENGTH"), &length) &&
        !object_storage_has_room(req, length)) {
        log_warn("storage full: an upload of %lld bytes refused before its body", length);
        token_refuse(req, 403, "INSUFFICIENT_STORAGE", "The storage is full");
        return;
    }
    respond_empty(req, 204);
}

void upload_failed(struct request *req)
{
    long long length = 0;
    bool full = parse_ll(request_param(req, "X_ORIGINAL_LENGTH"), &length) &&
                !object_storage_has_room(req, length);
    if (full)
        log_warn("storage full: nginx could not write an upload of %lld bytes", length);
    else
        log_error("nginx could not take an upload of %s bytes",
                  length > 0 ? arena_printf(req->arena, "%lld", length) : "unknown");
    respond_store_failure(req, full ? ENOSPC : EIO, "The upload could not be stored");
}

int object_spooled_body(struct request *req, long long length)
{
    const char *path = request_param(req, "REQUEST_BODY_FILE");
    const char *tmp = arena_printf(req->arena, "%s/.tmp/", req->app->cfg.storage_dir);
    struct stat st;
    if (path == NULL || strncmp(path, tmp, strlen(tmp)) != 0 ||
        strchr(path + strlen(tmp), '/') != NULL)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (long long)st.st_size != length) {
        close(fd);
        return -1;
    }
    return fd;
}
