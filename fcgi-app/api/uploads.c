/* Resumable uploads: the tus 1.0 protocol (core, creation,
 * creation-with-upload, termination, checksum, expiration) at
 * /api/v1/uploads. An upload is bound to a PENDING job (metadata job_id:
 * when it completes the job is QUEUED, as after mark-uploaded) or becomes a
 * new file (as POST /files/upload makes one).
 *
 * nginx spools each PATCH body to a file on the storage disk first (the
 * uploads location, like the direct upload's), so a worker never holds a
 * body and a connection lost mid-PATCH never reaches a worker: the upload's
 * offset stays where the last whole PATCH left it, and the client resumes
 * there. The worker appends the spooled file at the upload's offset with
 * copy_file_range, under the upload's row lock, and commits the new offset
 * only after the bytes are on disk (fdatasync). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/file_store.h"
#include "api/handlers.h"
#include "api/limits.h"
#include "api/job_store.h"
#include "api/objects.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/tus.h"
#include "api/upload_store.h"
#include "common/log.h"
#include "common/signing.h"
#include "common/wake.h"
#include "process/detect.h"

#define COPY_BUFFER (1 << 20)
/* Unfinished uploads one user may have at once. */
#define UPLOADS_PER_USER 50
#define SHA_STATE_HEX (2 * sizeof(crypto_hash_sha256_state) + 1)

/* ------------------------------------------------------------ protocol */

static void tus_header(struct request *req)
{
    respond_header(req, "Tus-Resumable", TUS_VERSION);
}

/* Every request but OPTIONS says which version it speaks: 412 otherwise. */
static int require_tus(struct request *req)
{
    const char *v = request_param(req, "HTTP_TUS_RESUMABLE");
    tus_header(req);
    if (v != NULL && strcmp(v, TUS_VERSION) == 0)
        return 0;
    respond_header(req, "Tus-Version", TUS_VERSION);
    respond_error(req, 412, "PRECONDITION_FAILED", "Send Tus-Resumable: " TUS_VERSION, NULL);
    return -1;
}

static void expires_header(struct request *req, const char *expires_db)
{
    char date[40];
    long long ms = expires_db ? time_db_to_ms(expires_db) : -1;
    if (ms < 0)
        return;
    tus_http_date((time_t)(ms / 1000), date, sizeof(date));
    respond_header(req, "Upload-Expires", date);
}

static const char *upload_dir(struct request *req, const char *id)
{
    return arena_printf(req->arena, "%s/uploads/%s", req->app->cfg.storage_dir, id);
}

static const char *data_path(struct request *req, const char *id)
{
    return arena_printf(req->arena, "%s/uploads/%s/data", req->app->cfg.storage_dir, id);
}

static int make_dir(const char *path)
{
    return mkdir(path, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

/* Removes an upload's folder and what is in it (data, nothing else). */
static void remove_bytes(struct request *req, const char *id)
{
    unlink(data_path(req, id));
    rmdir(upload_dir(req, id));
}

/* The caller's upload named in the path: 404, 403, or 410 once it expired. */
static int upload_load_own(struct request *req, struct upload_row *u)
{
    const char *id = req->params[0];
    enum db_status st = id_is_uuid(id) ? upload_get(req->app->db, req->arena, id, u) : DB_NO_ROW;
    if (respond_unless_owned(req, st, st == DB_OK ? u->user_id : "", "UPLOAD_NOT_FOUND",
                             "upload") != 0)
        return -1;
    if (u->expired && strcmp(u->status, "COMPLETED") != 0) {
        respond_error(req, 410, "UPLOAD_EXPIRED", "The upload expired and was removed", NULL);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the running hash */

/* A new file's SHA-256 runs across the PATCHes: its state (libsodium's,
 * a plain struct) is kept in the row as hex between them. */
static int sha_state_read(const char *hex, crypto_hash_sha256_state *st)
{
    size_t len = 0;
    return hex != NULL && sodium_hex2bin((unsigned char *)st, sizeof(*st), hex, strlen(hex), NULL,
                                         &len, NULL) == 0 && len == sizeof(*st)
               ? 0
               : -1;
}

static const char *sha_state_text(struct request *req, const crypto_hash_sha256_state *st)
{
    char *hex = arena_alloc(req->arena, SHA_STATE_HEX);
    sodium_bin2hex(hex, SHA_STATE_HEX, (const unsigned char *)st, sizeof(*st));
    return hex;
}

/* ------------------------------------------------------------ appending */

/* What a PATCH (or a POST with its first bytes) brings. */
struct chunk {
    long long len;
    int fd;            /* nginx's spooled body, or -1: the FastCGI stream */
    FCGX_Stream *in;
    bool checksum;     /* Upload-Checksum came */
    enum tus_algorithm algo;
    unsigned char digest[64];
    size_t digest_len;
};

static const EVP_MD *evp_of(enum tus_algorithm algo)
{
    switch (algo) {
    case TUS_SHA1: return EVP_sha1();
    case TUS_MD5: return EVP_md5();
    default: return EVP_sha256();
    }
}

static int write_all(int fd, const char *buf, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

/* Up to want bytes of the chunk from its byte at on. */
static long long chunk_read(const struct chunk *c, char *buf, size_t want, long long at)
{
    if (c->fd < 0)
        return FCGX_GetStr(buf, (int)want, c->in);
    ssize_t n;
    do
        n = pread(c->fd, buf, want, (off_t)at);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Puts the chunk at offset of the data file: the spooled body by the kernel
 * (copy_file_range, as the direct upload copies its file part) when no
 * digest needs its bytes; else, and for a body on the FastCGI stream,
 * through one buffer that also feeds the chunk's checksum (check) and a new
 * file's running hash (run), either NULL. 0, or -1. */
static int append_bytes(const struct chunk *c, int data_fd, long long offset, EVP_MD_CTX *check,
                        crypto_hash_sha256_state *run)
{
    long long done = 0;
    if (c->fd >= 0 && check == NULL && run == NULL) {
        loff_t in = 0, out = offset;
        while (done < c->len) {
            ssize_t n = copy_file_range(c->fd, &in, data_fd, &out, (size_t)(c->len - done), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* not on this file system: the buffer does the rest */
            done += n;
        }
    }
    if (done == c->len)
        return 0;
    char *buf = malloc(COPY_BUFFER);
    if (buf == NULL)
        return -1;
    while (done < c->len) {
        size_t want = c->len - done < COPY_BUFFER ? (size_t)(c->len - done) : COPY_BUFFER;
        long long n = chunk_read(c, buf, want, done);
        if (n <= 0 || (check != NULL && EVP_DigestUpdate(check, buf, (size_t)n) != 1) ||
            write_all(data_fd, buf, (size_t)n, (off_t)(offset + done)) != 0) {
            free(buf);
            return -1;
        }
        if (run != NULL)
            crypto_hash_sha256_update(run, (const unsigned char *)buf, (unsigned long long)n);
        done += n;
    }
    free(buf);
    return 0;
}

/* The chunk's headers: Upload-Checksum, and the body's length and source.
 * 0, or -1 after answering. */
static int chunk_open(struct request *req, struct chunk *c)
{
    const char *cl = request_param(req, "CONTENT_LENGTH");
    const char *sum = request_param(req, "HTTP_UPLOAD_CHECKSUM");
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->in = req->fcgx->in;
    if (cl != NULL && *cl != '\0' && tus_parse_size(cl, &c->len) != 0) {
        respond_error(req, 400, "BAD_REQUEST", "Content-Length is not a size", NULL);
        return -1;
    }
    if (sum != NULL) {
        int rc = tus_checksum_parse(sum, &c->algo, c->digest, &c->digest_len);
        if (rc != 0) {
            respond_error(req, 400, rc == -2 ? "CHECKSUM_ALGORITHM_UNSUPPORTED" : "BAD_REQUEST",
                          rc == -2 ? "Upload-Checksum: use sha1, md5 or sha256"
                                   : "Upload-Checksum must be '<algorithm> <base64 digest>'",
                          "Upload-Checksum");
            return -1;
        }
        c->checksum = true;
    }
    if (c->len > 0)
        c->fd = object_spooled_body(req, c->len);
    return 0;
}

static void chunk_close(struct chunk *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* ------------------------------------------------------------ completing */

/* The finished bytes become a new file (as POST /files/upload makes one).
 * Inside the append's transaction; 0, or -1 after answering (the upload is
 * then removed: its bytes can never become a file). */
static int complete_as_file(struct request *req, struct upload_row *u, crypto_hash_sha256_state *run)
{
    const struct config *cfg = &req->app->cfg;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char id[UUID_LEN + 1], safe[160], now[DB_TIME_LEN + 1], sha[65];
    char format[16] = "", mime[128] = "";
    const char *from = data_path(req, u->id);
    if (detect_format(from, u->filename, format, sizeof(format), mime, sizeof(mime)) != 0) {
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                      mime[0] ? arena_printf(req->arena, "Files of type %s cannot be processed", mime)
                              : "This type of file cannot be processed",
                      NULL);
        return -1;
    }
    crypto_hash_sha256_final(run, digest);
    sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
    id_uuid4(id);
    signing_sanitize_name(u->filename, safe, sizeof(safe));
    const char *key = arena_printf(req->arena, "files/%s/%s", id, safe);
    const char *dir = arena_printf(req->arena, "%s/files/%s", cfg->storage_dir, id);
    const char *to = object_path(req, key);
    if (to == NULL || make_dir(arena_printf(req->arena, "%s/files", cfg->storage_dir)) != 0 ||
        make_dir(dir) != 0 || rename(from, to) != 0) {
        log_error("upload %s: cannot store it as %s: %s", u->id, key, strerror(errno));
        rmdir(dir);
        respond_error(req, 500, "INTERNAL_ERROR", "The file could not be stored", NULL);
        return -1;
    }
    time_db(time_now_ms(), now);
    struct file_row f = {0};
    f.id = id;
    f.user_id = u->user_id;
    f.filename = u->filename;
    f.object_key = key;
    f.file_type = format;
    f.mime_type = mime;
    f.file_size = u->length;
    f.sha256 = sha;
    f.processing_status = "PENDING";
    f.uploaded_at = now;
    enum db_status st = file_insert(req->app->db, &f);
    if (st == DB_OK)
        st = upload_complete(req->app->db, u->id, id);
    if (st != DB_OK) {
        rename(to, from);
        rmdir(dir);
        respond_db_error(req, st);
        return -1;
    }
    u->file_id = arena_strdup(req->arena, id);
    log_info("upload %s: file %s (%lld bytes, %s)", u->id, id, u->length, format);
    return 0;
}

/* The finished bytes are the job's input: the job is QUEUED, as after
 * mark-uploaded. Inside the append's transaction; 0, or -1 after answering
 * (409 when the job is no longer waiting for them). */
static int complete_as_job_input(struct request *req, struct upload_row *u)
{
    struct job job;
    char safe[160], now[DB_TIME_LEN + 1], format[16] = "", mime[128] = "";
    enum db_status st = job_get(req->app->db, req->arena, u->job_id, &job);
    if (st == DB_NO_ROW || (st == DB_OK && job.status != JOB_PENDING)) {
        respond_error(req, 409, "CONFLICT", "The job is no longer waiting for an upload", NULL);
        return -1;
    }
    if (respond_unless_ok(req, st) != 0)
        return -1;
    const char *from = data_path(req, u->id);
    if (detect_format(from, job.file_name, format, sizeof(format), mime, sizeof(mime)) != 0) {
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                      mime[0] ? arena_printf(req->arena, "Files of type %s cannot be processed", mime)
                              : "This type of file cannot be processed",
                      NULL);
        return -1;
    }
    signing_sanitize_name(job.file_name, safe, sizeof(safe));
    const char *key = arena_printf(req->arena, "input/%s/%s", job.id, safe);
    const char *dir = arena_printf(req->arena, "%s/input/%s", req->app->cfg.storage_dir, job.id);
    const char *to = object_path(req, key);
    if (to == NULL || make_dir(arena_printf(req->arena, "%s/input", req->app->cfg.storage_dir)) != 0 ||
        make_dir(dir) != 0 || rename(from, to) != 0) {
        log_error("upload %s: cannot store it as %s: %s", u->id, key, strerror(errno));
        respond_error(req, 500, "INTERNAL_ERROR", "The file could not be stored", NULL);
        return -1;
    }
    time_db(time_now_ms(), now);
    bool keyed = false, queued = false;
    st = job_set_input_key(req->app->db, job.id, key, now, &keyed);
    if (st == DB_OK && keyed)
        st = job_mark_uploaded(req->app->db, job.id, u->length, mime, format, now, &queued);
    if (st == DB_OK && queued)
        st = upload_complete(req->app->db, u->id, NULL);
    if (st != DB_OK || !queued) {
        rename(to, from);
        if (st != DB_OK)
            respond_db_error(req, st);
        else
            respond_error(req, 409, "CONFLICT", "The job is no longer waiting for an upload", NULL);
        return -1;
    }
    log_info("upload %s: job %s queued (%lld bytes, %s)", u->id, job.id, u->length, format);
    return 0;
}

/* ------------------------------------------------------------ one append */

/* Appends the request's body at offset (the client's Upload-Offset), in one
 * transaction holding the upload's row; completes the upload when it is
 * whole. Answers 204 (or the POST's 201 when created) with the new offset,
 * or the error. Returns 0 when it appended. */
static int append(struct request *req, const char *id, long long offset, int ok_status)
{
    struct upload_row u;
    struct chunk c;
    crypto_hash_sha256_state run;
    EVP_MD_CTX *check = NULL;
    int data_fd = -1, rc = -1;
    bool completed = false, in_tx = false;
    if (chunk_open(req, &c) != 0)
        return -1;
    enum db_status st = db_begin(req->app->db);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    in_tx = true;
    st = upload_lock(req->app->db, req->arena, id, &u);
    if (respond_unless_owned(req, st, st == DB_OK ? u.user_id : "", "UPLOAD_NOT_FOUND", "upload") != 0)
        goto out;
    if (u.expired && strcmp(u.status, "COMPLETED") != 0) {
        respond_error(req, 410, "UPLOAD_EXPIRED", "The upload expired and was removed", NULL);
        goto out;
    }
    if (offset != u.offset) {
        respond_header(req, "Upload-Offset", arena_printf(req->arena, "%lld", u.offset));
        respond_error(req, 409, "OFFSET_MISMATCH",
                      arena_printf(req->arena, "Upload-Offset is %lld: the upload has %lld bytes",
                                   offset, u.offset),
                      "Upload-Offset");
        goto out;
    }
    if (c.len == 0) {
        /* Nothing to append: where it stands (a retried last PATCH too). */
        respond_header(req, "Upload-Offset", arena_printf(req->arena, "%lld", u.offset));
        respond_empty(req, ok_status);
        rc = 0;
        goto out;
    }
    if (strcmp(u.status, "COMPLETED") == 0 || c.len > u.length - u.offset) {
        respond_error(req, 413, "PAYLOAD_TOO_LARGE",
                      arena_printf(req->arena, "The upload takes %lld more bytes", u.length - u.offset),
                      NULL);
        goto out;
    }
    bool new_file = u.job_id == NULL;
    if (new_file && sha_state_read(u.sha256_state, &run) != 0) {
        log_error("upload %s: its running hash cannot be read", u.id);
        respond_error(req, 500, "INTERNAL_ERROR", "The upload's state is damaged", NULL);
        goto out;
    }
    if (c.checksum && ((check = EVP_MD_CTX_new()) == NULL ||
                       EVP_DigestInit_ex(check, evp_of(c.algo), NULL) != 1)) {
        respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
        goto out;
    }
    data_fd = open(data_path(req, u.id), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (data_fd < 0 || append_bytes(&c, data_fd, u.offset, check, new_file ? &run : NULL) != 0 ||
        fdatasync(data_fd) != 0) {
        int err = errno;
        log_error("upload %s: cannot append %lld bytes at %lld: %s", u.id, c.len, u.offset,
                  strerror(err));
        /* The offset is not moved: the bytes written past it are overwritten
         * by the next PATCH. */
        respond_store_failure(req, err, "The bytes could not be stored");
        goto out;
    }
    if (check != NULL) {
        unsigned char got[EVP_MAX_MD_SIZE];
        unsigned int got_len = 0;
        if (EVP_DigestFinal_ex(check, got, &got_len) != 1 || got_len != c.digest_len ||
            sodium_memcmp(got, c.digest, got_len) != 0) {
            /* The bytes past the offset are left to be written over. */
            respond_error(req, 460, "CHECKSUM_MISMATCH",
                          "The body does not match Upload-Checksum: nothing was appended",
                          "Upload-Checksum");
            goto out;
        }
    }
    u.offset += c.len;
    st = upload_advance(req->app->db, u.id, u.offset, new_file ? sha_state_text(req, &run) : NULL,
                        req->app->cfg.upload_expiry_hours);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (u.offset == u.length) {
        if ((new_file ? complete_as_file(req, &u, &run) : complete_as_job_input(req, &u)) != 0) {
            db_rollback(req->app->db);
            in_tx = false;
            /* Whole bytes that can never be used are not kept. */
            upload_delete(req->app->db, u.id);
            remove_bytes(req, u.id);
            goto out;
        }
        completed = true;
    }
    st = db_commit(req->app->db);
    in_tx = false;
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (completed) {
        rmdir(upload_dir(req, u.id));
        if (!new_file)
            jobd_wake(req->app->cfg.jobd_socket);
    }
    struct upload_row now;
    if (upload_get(req->app->db, req->arena, u.id, &now) == DB_OK)
        expires_header(req, now.expires_at);
    respond_header(req, "Upload-Offset", arena_printf(req->arena, "%lld", u.offset));
    if (completed && new_file)
        respond_header(req, "Quarry-File-Id", u.file_id);
    if (completed && !new_file)
        respond_header(req, "Quarry-Job-Id", u.job_id);
    respond_empty(req, ok_status);
    rc = 0;
out:
    if (in_tx)
        db_rollback(req->app->db);
    if (data_fd >= 0)
        close(data_fd);
    EVP_MD_CTX_free(check);
    chunk_close(&c);
    return rc;
}

/* ------------------------------------------------------------ handlers */

void uploads_options(struct request *req)
{
    tus_header(req);
    respond_header(req, "Tus-Version", TUS_VERSION);
    respond_header(req, "Tus-Extension", TUS_EXTENSIONS);
    respond_header(req, "Tus-Max-Size",
                   arena_printf(req->arena, "%lld", req->app->cfg.upload_max_bytes));
    respond_header(req, "Tus-Checksum-Algorithm", TUS_CHECKSUMS);
    respond_empty(req, 204);
}

/* A metadata value as clean one-line UTF-8 text of 1 to max bytes, or NULL. */
static const char *metadata_text(struct request *req, const struct tus_metadata *m,
                                 const char *key, size_t max)
{
    const struct tus_pair *p = tus_metadata_get(m, key);
    if (p == NULL || !p->has_value || p->value_len == 0 || p->value_len > max ||
        strlen(p->value) != p->value_len || !validate_utf8(p->value, p->value_len))
        return NULL;
    for (const char *s = p->value; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return NULL;
    return arena_strdup(req->arena, p->value);
}

/* The upload's job: the caller's, PENDING, big enough, with no other
 * upload going. 0, or -1 after answering. */
static int bind_to_job(struct request *req, const char *job_id, long long length)
{
    struct job job;
    long long busy = 0;
    enum db_status st = id_is_uuid(job_id) ? job_get(req->app->db, req->arena, job_id, &job) : DB_NO_ROW;
    if (respond_unless_owned(req, st, st == DB_OK ? job.user_id : "", "JOB_NOT_FOUND", "job") != 0)
        return -1;
    if (job.status != JOB_PENDING) {
        respond_error(req, 400, "INVALID_STATE", "Job is not waiting for an upload", NULL);
        return -1;
    }
    if (length > job_upload_cap(req, &job)) {
        respond_error(req, 413, "PAYLOAD_TOO_LARGE",
                      "Upload-Length is larger than the job's declared size allows", "Upload-Length");
        return -1;
    }
    st = upload_count_for_job(req->app->db, job.id, &busy);
    if (respond_unless_ok(req, st) != 0)
        return -1;
    if (busy > 0) {
        respond_error(req, 409, "CONFLICT", "The job has an upload going already", NULL);
        return -1;
    }
    return 0;
}

void uploads_create(struct request *req)
{
    const struct config *cfg = &req->app->cfg;
    struct tus_metadata meta = {0};
    struct upload_row u = {0};
    char id[UUID_LEN + 1], until[DB_TIME_LEN + 1];
    const char *why = NULL, *length_text = request_param(req, "HTTP_UPLOAD_LENGTH");
    const char *meta_text = request_param(req, "HTTP_UPLOAD_METADATA");
    if (require_tus(req) != 0)
        return;
    if (request_param(req, "HTTP_UPLOAD_DEFER_LENGTH") != NULL) {
        respond_error(req, 400, "BAD_REQUEST", "Upload-Defer-Length is not supported: send Upload-Length",
                      "Upload-Defer-Length");
        return;
    }
    if (tus_parse_size(length_text, &u.length) != 0 || u.length == 0) {
        respond_error(req, 400, "BAD_REQUEST", "Upload-Length must be a size of at least 1 byte",
                      "Upload-Length");
        return;
    }
    if (u.length > cfg->upload_max_bytes) {
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "Upload-Length is over Tus-Max-Size",
                      "Upload-Length");
        return;
    }
    if (meta_text != NULL && tus_metadata_parse(meta_text, &meta, &why) != 0) {
        respond_error(req, 400, "BAD_REQUEST", why, "Upload-Metadata");
        return;
    }
    const struct tus_pair *fname = tus_metadata_get(&meta, "filename");
    u.filename = metadata_text(req, &meta, "filename", 255);
    if (fname != NULL && u.filename == NULL) {
        respond_error(req, 400, "BAD_REQUEST", "filename must be one line of UTF-8 text, at most 255 bytes",
                      "Upload-Metadata");
        return;
    }
    if (u.filename == NULL)
        u.filename = "upload";
    if (tus_metadata_get(&meta, "job_id") != NULL) {
        u.job_id = metadata_text(req, &meta, "job_id", UUID_LEN);
        if (bind_to_job(req, u.job_id ? u.job_id : "", u.length) != 0)
            return;
    }
    long long active = 0;
    enum db_status st = db_query_int(req->app->db,
                                     "SELECT COUNT(*) FROM uploads WHERE user_id = ? AND status = 'UPLOADING'"
                                     " AND expires_at >= UTC_TIMESTAMP(3)",
                                     DB_PARAMS(P_STR(req->user.id)), &active);
    if (respond_unless_ok(req, st) != 0)
        return;
    if (active >= UPLOADS_PER_USER) {
        respond_error(req, 409, "CONFLICT",
                      arena_printf(req->arena, "At most %d uploads may be unfinished at once",
                                   UPLOADS_PER_USER),
                      NULL);
        return;
    }
    /* Counted at its declared length from now on (in flight), as a file once complete. */
    if (quota_take(req, u.length) != 0)
        return;
    id_uuid4(id);
    u.id = id;
    u.user_id = req->user.id;
    u.metadata = meta_text;
    if (u.job_id == NULL) {
        crypto_hash_sha256_state run;
        crypto_hash_sha256_init(&run);
        u.sha256_state = sha_state_text(req, &run);
    }
    time_db(time_now_ms() + cfg->upload_expiry_hours * 3600000LL, until);
    u.expires_at = until;
    const char *dir = upload_dir(req, id);
    int fd = -1;
    if (make_dir(arena_printf(req->arena, "%s/uploads", cfg->storage_dir)) != 0 ||
        make_dir(dir) != 0 ||
        (fd = open(data_path(req, id), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
        log_error("upload: cannot create %s: %s", dir, strerror(errno));
        rmdir(dir);
        respond_error(req, 500, "INTERNAL_ERROR", "The upload could not be created", NULL);
        return;
    }
    close(fd);
    st = upload_insert(req->app->db, &u);
    if (st != DB_OK) {
        remove_bytes(req, id);
        respond_db_error(req, st);
        return;
    }
    log_info("upload %s created (%lld bytes, %s)", id, u.length, u.job_id ? "for a job" : "a new file");
    /* Relative (tus allows it): the client keeps the host and port it came
     * through, a proxy or a load balancer included. */
    respond_header(req, "Location", arena_printf(req->arena, "/api/v1/uploads/%s", id));
    /* creation-with-upload: the first bytes came with the request. */
    const char *cl = request_param(req, "CONTENT_LENGTH");
    if (cl != NULL && *cl != '\0' && strcmp(cl, "0") != 0) {
        if (!request_content_type_is(req, "application/offset+octet-stream")) {
            upload_delete(req->app->db, id);
            remove_bytes(req, id);
            respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                          "The first bytes must come as application/offset+octet-stream", NULL);
            return;
        }
        if (append(req, id, 0, 201) != 0) {
            /* The client has no Location to resume with: nothing is kept. */
            upload_delete(req->app->db, id);
            remove_bytes(req, id);
        }
        return;
    }
    expires_header(req, until);
    respond_header(req, "Upload-Offset", "0");
    respond_empty(req, 201);
}

void uploads_head(struct request *req)
{
    struct upload_row u;
    if (require_tus(req) != 0 || upload_load_own(req, &u) != 0)
        return;
    respond_header(req, "Upload-Offset", arena_printf(req->arena, "%lld", u.offset));
    respond_header(req, "Upload-Length", arena_printf(req->arena, "%lld", u.length));
    if (u.metadata != NULL)
        respond_header(req, "Upload-Metadata", u.metadata);
    respond_header(req, "Cache-Control", "no-store");
    expires_header(req, u.expires_at);
    respond_empty(req, 200);
}

void uploads_get(struct request *req)
{
    struct upload_row u;
    if (upload_load_own(req, &u) != 0)
        return;
    respond_header(req, "Cache-Control", "no-store");
    respond_json_put(req, 200, upload_to_json(&u));
}

void uploads_patch(struct request *req)
{
    long long offset = 0;
    if (require_tus(req) != 0)
        return;
    if (!request_content_type_is(req, "application/offset+octet-stream")) {
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                      "Content-Type must be application/offset+octet-stream", NULL);
        return;
    }
    if (tus_parse_size(request_param(req, "HTTP_UPLOAD_OFFSET"), &offset) != 0) {
        respond_error(req, 400, "BAD_REQUEST", "Upload-Offset must be a size", "Upload-Offset");
        return;
    }
    if (!id_is_uuid(req->params[0])) {
        respond_error(req, 404, "UPLOAD_NOT_FOUND", "Upload not found", NULL);
        return;
    }
    append(req, req->params[0], offset, 204);
}

void uploads_delete(struct request *req)
{
    struct upload_row u;
    if (require_tus(req) != 0 || upload_load_own(req, &u) != 0)
        return;
    enum db_status st = upload_delete(req->app->db, u.id);
    if (respond_unless_ok(req, st) != 0)
        return;
    remove_bytes(req, u.id);
    log_info("upload %s terminated", u.id);
    respond_empty(req, 204);
}

/* ------------------------------------------------------------ docs */

#define TUS_NOTE " (tus 1.0: send Tus-Resumable: 1.0.0; 412 without it)"

const struct route_doc uploads_options_doc = {
    .handler = uploads_options,
    .summary = "What this tus server supports (Tus-Version, Tus-Extension, Tus-Max-Size, "
               "Tus-Checksum-Algorithm)",
    .status = 204,
};

const struct route_doc uploads_create_doc = {
    .handler = uploads_create,
    .summary = "Create a resumable upload" TUS_NOTE,
    .description =
        "Upload-Length (bytes) and Upload-Metadata (filename, and job_id to make it the input "
        "of a PENDING job: the job is QUEUED when the upload completes; without job_id it "
        "becomes a new file). Answers 201 with Location. The first bytes may come with it "
        "(creation-with-upload, Content-Type application/offset+octet-stream).",
    .status = 201,
    .answers = "400 409 412 413",
    .headers = "Tus-Resumable! Upload-Length! Upload-Metadata Upload-Checksum",
    .body = DOC_BODY_BYTES,
};

const struct route_doc uploads_head_doc = {
    .handler = uploads_head,
    .summary = "Where an upload stands: Upload-Offset and Upload-Length" TUS_NOTE,
    .status = 200,
    .answers = "410 412",
    .headers = "Tus-Resumable!",
};

const struct route_doc uploads_get_doc = {
    .handler = uploads_get,
    .summary = "An upload as JSON: offset, length, and the file or job it became",
    .status = 200,
    .answer = "Upload",
    .answers = "410",
};

const struct route_doc uploads_patch_doc = {
    .handler = uploads_patch,
    .summary = "Append bytes at Upload-Offset" TUS_NOTE,
    .description =
        "Content-Type application/offset+octet-stream; Upload-Offset must be the upload's "
        "offset (409 with the right one otherwise). Upload-Checksum '<sha1|md5|sha256> "
        "<base64>' is checked before anything is kept (460 on a mismatch). A connection lost "
        "mid-request keeps nothing of that request: resume at the offset HEAD gives. The last "
        "bytes complete the upload: Quarry-File-Id or Quarry-Job-Id says what it became.",
    .status = 204,
    .answers = "400 409 410 412 413 460",
    .headers = "Tus-Resumable! Upload-Offset! Upload-Checksum",
    .body = DOC_BODY_BYTES,
};

const struct route_doc uploads_delete_doc = {
    .handler = uploads_delete,
    .summary = "Terminate an upload: its bytes are removed" TUS_NOTE,
    .status = 204,
    .answers = "410 412",
    .headers = "Tus-Resumable!",
};
