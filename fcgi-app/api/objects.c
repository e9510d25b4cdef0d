/* Signed object URLs and the internal check nginx makes before it serves one:
 * GET/HEAD of output objects, PUT of a PENDING job's input object. */
#include "api/objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/handlers.h"
#include "api/job_store.h"
#include "api/response.h"
#include "common/log.h"
#include "common/signing.h"

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

static void deny(struct request *req, const char *code)
{
    respond_header(req, "X-Quarry-Error", code);
    respond_error(req, 403, code,
                  strcmp(code, "SIGNATURE_EXPIRED") == 0   ? "The signed URL has expired"
                  : strcmp(code, "PAYLOAD_TOO_LARGE") == 0 ? "The upload is larger than allowed"
                  : strcmp(code, "LENGTH_REQUIRED") == 0   ? "Content-Length required"
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
    } else {
        if (strncmp(key, "output/", 7) != 0)
            return "SIGNATURE_INVALID";
        const char *name = strrchr(key, '/') + 1;
        respond_header(req, "X-Quarry-Disposition",
                       arena_printf(req->arena, "attachment; filename=\"%s\"", name));
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
