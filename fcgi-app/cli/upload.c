/* quarry-cli upload: a resumable upload (tus 1.0) of one file, as a new file
 * or, with --steps/--to/--config, as the input of a new job (queued when the
 * upload completes). Chunks of --chunk-size; a lost connection is retried
 * with growing waits from the offset the server has (HEAD), and a run that
 * is interrupted (killed, the network gone for good) resumes on the next run
 * of the same command: the upload's URL is kept in the state dir under the
 * file's path, size and time until it completes. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define DEFAULT_CHUNK_MIB 16
#define RETRIES 12

static const char upload_usage[] =
    "usage: quarry-cli upload FILE [--steps JSON|@FILE] [--to FORMAT] [--config JSON]\n"
    "                              [--wait] [--chunk-size MIB]\n"
    "  Uploads FILE resumably (tus). Without --steps, --to or --config it becomes a new\n"
    "  file (GET /files/ID); with them, the input of a new job with those processing\n"
    "  steps, output format (csv json jsonl xlsx parquet) and reading options, queued\n"
    "  when the upload completes; --wait then follows the job until it ends.\n"
    "  Interrupted, the same command resumes where the server stands.\n";

static void base64(const char *in, size_t len, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)in[i + 2];
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < len ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

/* The state file of this upload: FNV-1a of what makes it the same upload. */
static int state_path(const char *what, char *buf, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = what; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    char name[64];
    snprintf(name, sizeof(name), "upload-%016llx.json", (unsigned long long)h);
    return session_state_path(name, buf, len);
}

struct progress {
    const struct cli *c;
    const char *label;
    long long base, size;
    double started;
    long long started_at;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void human(long long bytes, char *buf, size_t len)
{
    if (bytes >= 1LL << 30)
        snprintf(buf, len, "%.2f GiB", bytes / 1073741824.0);
    else if (bytes >= 1LL << 20)
        snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
    else
        snprintf(buf, len, "%lld B", bytes);
}

static void on_sent(void *ctx, long long sent)
{
    struct progress *p = ctx;
    long long done = p->base + sent;
    char a[32], b[32], detail[96];
    double secs = now_s() - p->started;
    human(done, a, sizeof(a));
    human(p->size, b, sizeof(b));
    snprintf(detail, sizeof(detail), "%s of %s, %.1f MiB/s", a, b,
             secs > 0 ? (done - p->started_at) / 1048576.0 / secs : 0.0);
    out_bar(p->c, p->label, p->size ? (double)done / (double)p->size : 1.0, detail);
}

/* The upload's offset on the server; -1 when it is gone (or refused). */
static long long server_offset(struct cli *c, const char *url, long *status)
{
    static const char *const tus[] = {"Tus-Resumable: 1.0.0", NULL};
    struct http_answer a;
    struct http_request r = {.method = "HEAD", .path = url, .headers = tus, .auth = true};
    http_call(c, &r, &a);
    *status = a.status;
    long long offset = a.status == 200 ? strtoll(a.upload_offset, NULL, 10) : -1;
    http_answer_free(&a);
    return offset;
}

/* Creates the job the upload is for; its id into job_id. */
static int create_job(struct cli *c, const char *name, long long size, const char *steps,
                      const char *to, const char *config, char *job_id, size_t len)
{
    json_object *body = json_object_new_object(), *job = NULL;
    json_object_object_add(body, "file_name", json_object_new_string(name));
    json_object_object_add(body, "original_file_size_bytes", json_object_new_int64(size));
    if (steps != NULL) {
        json_object *s = steps[0] == '@' ? json_object_from_file(steps + 1) : json_tokener_parse(steps);
        if (s == NULL) {
            fprintf(stderr, "quarry-cli upload: --steps is not JSON (an array, or @FILE)\n");
            json_object_put(body);
            return EXIT_USAGE;
        }
        json_object_object_add(body, "processing_steps", s);
    }
    if (config != NULL) {
        json_object *s = json_tokener_parse(config);
        if (s == NULL) {
            fprintf(stderr, "quarry-cli upload: --config is not JSON\n");
            json_object_put(body);
            return EXIT_USAGE;
        }
        json_object_object_add(body, "processing_config", s);
    }
    if (to != NULL)
        json_object_object_add(body, "output_format", json_object_new_string(to));
    int rc = http_json(c, "POST", "/jobs", body, &job);
    json_object_put(body);
    if (rc != 0)
        return rc;
    json_object *id;
    json_object_object_get_ex(job, "id", &id);
    snprintf(job_id, len, "%s", json_object_get_string(id));
    json_object_put(job);
    return EXIT_OK;
}

int cmd_upload(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"steps", required_argument, NULL, 's'},
                                         {"to", required_argument, NULL, 't'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"wait", no_argument, NULL, 'w'},
                                         {"chunk-size", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *steps = NULL, *to = NULL, *config = NULL;
    bool wait = false;
    long long chunk = DEFAULT_CHUNK_MIB * 1048576LL;
    int o;
    optind = 0; /* glibc: start over, argv[0] is the command */
    while ((o = getopt_long(argc, argv, "s:t:c:wk:h", opts, NULL)) != -1) {
        switch (o) {
        case 's': steps = optarg; break;
        case 't': to = optarg; break;
        case 'c': config = optarg; break;
        case 'w': wait = true; break;
        case 'k': chunk = (long long)(strtod(optarg, NULL) * 1048576.0); break;
        default:
            fputs(upload_usage, o == 'h' ? stdout : stderr);
            return o == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || chunk < 65536) {
        fputs(upload_usage, stderr);
        return EXIT_USAGE;
    }
    const char *file = argv[optind];
    char real[PATH_MAX], key[PATH_MAX + 1024 + 4096 * 2], state[1024], copy[PATH_MAX];
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || realpath(file, real) == NULL) {
        fprintf(stderr, "quarry-cli upload: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_LOCAL;
    }
    snprintf(copy, sizeof(copy), "%s", real);
    const char *name = basename(copy);
    bool for_job = steps || to || config;
    /* Not the server's URL: the upload's address is relative, and a server
     * that does not know it answers 404 to the HEAD, which starts anew. */
    snprintf(key, sizeof(key), "%s|%lld|%lld|%s|%s|%s|%s", real, (long long)st.st_size,
             (long long)st.st_mtime, for_job ? "job" : "file", steps ? steps : "", to ? to : "",
             config ? config : "");
    if (state_path(key, state, sizeof(state)) != 0) {
        fputs("quarry-cli upload: no state dir (set HOME or XDG_STATE_HOME)\n", stderr);
        return EXIT_LOCAL;
    }
    long long size = st.st_size, offset = -1, resumed_from = -1;
    char url[1024] = "", job_id[64] = "";
    long status = 0;
    int rc;
    json_object *saved = json_object_from_file(state);
    if (saved != NULL) {
        json_object *v;
        if (json_object_object_get_ex(saved, "url", &v))
            snprintf(url, sizeof(url), "%s", json_object_get_string(v));
        if (json_object_object_get_ex(saved, "job_id", &v) && v != NULL)
            snprintf(job_id, sizeof(job_id), "%s", json_object_get_string(v));
        json_object_put(saved);
        offset = url[0] ? server_offset(c, url, &status) : -1;
        if (offset < 0 && status == 401)
            return EXIT_AUTH;
        if (offset < 0) {
            unlink(state);
            job_id[0] = '\0';
        } else {
            resumed_from = offset;
        }
    }
    if (offset < 0) {
        if (for_job && (rc = create_job(c, name, size, steps, to, config, job_id, sizeof(job_id))) != 0)
            return rc;
        char meta[1200], enc_name[700], enc_job[100], length[64];
        base64(name, strlen(name), enc_name);
        snprintf(meta, sizeof(meta), "Upload-Metadata: filename %s", enc_name);
        if (job_id[0]) {
            base64(job_id, strlen(job_id), enc_job);
            snprintf(meta + strlen(meta), sizeof(meta) - strlen(meta), ",job_id %s", enc_job);
        }
        snprintf(length, sizeof(length), "Upload-Length: %lld", size);
        const char *headers[] = {"Tus-Resumable: 1.0.0", length, meta, NULL};
        struct http_answer a;
        struct http_request r = {.method = "POST", .path = "/uploads", .headers = headers, .auth = true};
        http_call(c, &r, &a);
        if (a.status != 201 || a.location[0] == '\0') {
            rc = http_fail(c, &a, "upload");
            http_answer_free(&a);
            return rc;
        }
        snprintf(url, sizeof(url), "%s", a.location);
        http_answer_free(&a);
        offset = 0;
        json_object *s = json_object_new_object();
        json_object_object_add(s, "url", json_object_new_string(url));
        json_object_object_add(s, "job_id", job_id[0] ? json_object_new_string(job_id) : NULL);
        json_object_object_add(s, "file", json_object_new_string(real));
        json_object_to_file(state, s);
        chmod(state, 0600);
        json_object_put(s);
    }
    FILE *f = fopen(real, "rb");
    if (f == NULL) {
        fprintf(stderr, "quarry-cli upload: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_LOCAL;
    }
    struct progress p = {c, name, offset, size, now_s(), offset};
    char file_id[64] = "", done_job[64] = "";
    int tries = 0;
    rc = EXIT_OK;
    while (offset < size || (size == 0 && file_id[0] == '\0' && done_job[0] == '\0')) {
        long long len = size - offset < chunk ? size - offset : chunk;
        char at[64];
        snprintf(at, sizeof(at), "Upload-Offset: %lld", offset);
        const char *headers[] = {"Tus-Resumable: 1.0.0", at, NULL};
        struct http_answer a;
        struct http_request r = {.method = "PATCH", .path = url, .headers = headers, .auth = true,
                                 .content_type = "application/offset+octet-stream",
                                 .raw_file = f, .raw_len = len, .progress = on_sent, .progress_ctx = &p};
        p.base = offset;
        if (fseeko(f, (off_t)offset, SEEK_SET) != 0) {
            rc = EXIT_LOCAL;
            break;
        }
        http_call(c, &r, &a);
        if (a.status == 204) {
            offset = strtoll(a.upload_offset, NULL, 10);
            snprintf(file_id, sizeof(file_id), "%s", a.file_id);
            snprintf(done_job, sizeof(done_job), "%s", a.job_id);
            tries = 0;
            http_answer_free(&a);
            if (size == 0)
                break;
            continue;
        }
        bool lost = a.status == 0 || a.status >= 500 || a.status == 409;
        if (!lost || tries == RETRIES) {
            out_bar_done(c);
            rc = http_fail(c, &a, "upload");
            http_answer_free(&a);
            if (!lost)
                unlink(state); /* refused for good: nothing to resume */
            break;
        }
        http_answer_free(&a);
        /* A lost connection: wait, then ask the server where it stands. */
        unsigned wait_ms = 250u << (tries < 6 ? tries : 6);
        tries++;
        usleep(wait_ms * 1000);
        long long there = server_offset(c, url, &status);
        if (there >= 0)
            offset = there;
    }
    fclose(f);
    if (rc != EXIT_OK)
        return rc;
    out_bar_done(c);
    unlink(state);
    double secs = now_s() - p.started;
    if (c->json) {
        json_object *res = json_object_new_object();
        json_object_object_add(res, "upload", json_object_new_string(url));
        json_object_object_add(res, "bytes", json_object_new_int64(size));
        json_object_object_add(res, "seconds", json_object_new_double(secs));
        json_object_object_add(res, "resumed_from", resumed_from >= 0 ? json_object_new_int64(resumed_from) : NULL);
        json_object_object_add(res, file_id[0] ? "file_id" : "job_id",
                               json_object_new_string(file_id[0] ? file_id : done_job));
        if (!wait)
            out_json(res);
        json_object_put(res);
    } else if (!c->quiet) {
        if (file_id[0])
            printf("file %s %s (%lld bytes)\n", file_id, name, size);
        else
            printf("job %s QUEUED %s (%lld bytes)\n", done_job, name, size);
    }
    if (wait && done_job[0])
        return cmd_watch_job(c, done_job);
    return EXIT_OK;
}
