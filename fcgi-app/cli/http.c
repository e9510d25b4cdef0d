/* quarry-cli's HTTP calls: one libcurl handle for the run (its connection
 * is kept between calls: an upload's chunks go over one TLS session), JSON
 * in and out, the API's one error shape turned into a message and an exit
 * code. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"

static CURL *handle;

int http_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    handle = curl_easy_init();
    return handle != NULL ? 0 : -1;
}

void http_cleanup(void)
{
    if (handle != NULL)
        curl_easy_cleanup(handle);
    handle = NULL;
    curl_global_cleanup();
}

void http_answer_free(struct http_answer *a)
{
    free(a->body);
    a->body = NULL;
    a->len = 0;
}

struct call {
    const struct http_request *r;
    struct http_answer *a;
    size_t cap;
    long long left; /* of a raw_file body */
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct call *k = ctx;
    size_t len = size * n;
    if (k->r->sink != NULL)
        return fwrite(data, 1, len, k->r->sink);
    if (k->a->len + len + 1 > k->cap) {
        size_t cap = (k->cap ? k->cap * 2 : 4096);
        while (cap < k->a->len + len + 1)
            cap *= 2;
        char *grown = realloc(k->a->body, cap);
        if (grown == NULL)
            return 0;
        k->a->body = grown;
        k->cap = cap;
    }
    memcpy(k->a->body + k->a->len, data, len);
    k->a->len += len;
    k->a->body[k->a->len] = '\0';
    return len;
}

/* Keeps the value of a header the caller wants. */
static void keep_header(const char *line, size_t len, const char *name, char *out, size_t out_len)
{
    size_t n = strlen(name);
    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return;
    const char *v = line + n + 1;
    size_t vlen = len - n - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (vlen < out_len) {
        memcpy(out, v, vlen);
        out[vlen] = '\0';
    }
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
    struct call *k = ctx;
    size_t len = size * n;
    keep_header(line, len, "Location", k->a->location, sizeof(k->a->location));
    keep_header(line, len, "Upload-Offset", k->a->upload_offset, sizeof(k->a->upload_offset));
    keep_header(line, len, "Quarry-File-Id", k->a->file_id, sizeof(k->a->file_id));
    keep_header(line, len, "Quarry-Job-Id", k->a->job_id, sizeof(k->a->job_id));
    return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
    struct call *k = ctx;
    size_t want = size * n;
    if ((long long)want > k->left)
        want = (size_t)k->left;
    size_t got = want > 0 ? fread(buf, 1, want, k->r->raw_file) : 0;
    if (got == 0 && want > 0)
        return CURL_READFUNC_ABORT;
    k->left -= (long long)got;
    return got;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct call *k = ctx;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    if (k->r->progress != NULL)
        k->r->progress(k->r->progress_ctx, (long long)ulnow);
    return 0;
}

int http_call(const struct cli *c, const struct http_request *r, struct http_answer *a)
{
    char url[2048], errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    struct call k = {r, a, 0, r->raw_len};
    char *auth = NULL;
    memset(a, 0, sizeof(*a));
    if (strncmp(r->path, "https://", 8) == 0 || strncmp(r->path, "http://", 7) == 0)
        snprintf(url, sizeof(url), "%s", r->path);
    else if (strncmp(r->path, "/api/", 5) == 0)
        snprintf(url, sizeof(url), "%s%s", c->url, r->path);
    else
        snprintf(url, sizeof(url), "%s/api/v1%s", c->url, r->path);
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A connection that moves nothing for a minute is a lost one. */
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "quarry-cli/" PACKAGE_VERSION);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &k);
    if (c->cacert[0] != '\0')
        curl_easy_setopt(handle, CURLOPT_CAINFO, c->cacert);
    if (c->insecure) {
        curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (r->auth && c->token[0] != '\0') {
        size_t len = strlen(c->token) + 32;
        auth = malloc(len);
        if (auth != NULL) {
            snprintf(auth, len, "Authorization: Bearer %s", c->token);
            headers = curl_slist_append(headers, auth);
        }
    }
    for (const char *const *h = r->headers; h != NULL && *h != NULL; h++)
        headers = curl_slist_append(headers, *h);
    const char *method = r->method ? r->method : "GET";
    if (r->json != NULL || r->form != NULL) {
        const char *text = r->json ? json_object_to_json_string_ext(r->json, JSON_C_TO_STRING_PLAIN)
                                   : r->form;
        headers = curl_slist_append(headers, r->json ? "Content-Type: application/json"
                                                     : "Content-Type: application/x-www-form-urlencoded");
        curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, text);
    } else if (r->raw_file != NULL) {
        curl_easy_setopt(handle, CURLOPT_POST, 1L);
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(handle, CURLOPT_READDATA, &k);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->raw_len);
    } else if (r->raw != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, r->raw ? (const char *)r->raw : "");
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->raw ? r->raw_len : 0));
    }
    if (r->content_type != NULL) {
        char line[256];
        snprintf(line, sizeof(line), "Content-Type: %s", r->content_type);
        headers = curl_slist_append(headers, line);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    if (r->progress != NULL) {
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &k);
    }
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(handle);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &a->status);
    if (rc != CURLE_OK) {
        snprintf(a->error, sizeof(a->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        a->status = 0;
    }
    curl_slist_free_all(headers);
    free(auth);
    return rc == CURLE_OK ? 0 : -1;
}

int http_fail(const struct cli *c, const struct http_answer *a, const char *doing)
{
    if (a->status == 0) {
        fprintf(stderr, "quarry-cli: %s: no answer from %s: %s\n", doing, c->url, a->error);
        return EXIT_NETWORK;
    }
    json_object *body = a->body ? json_tokener_parse(a->body) : NULL, *err = NULL, *v;
    const char *code = "", *message = "", *field = NULL;
    if (body != NULL && json_object_object_get_ex(body, "error", &err)) {
        if (json_object_object_get_ex(err, "code", &v))
            code = json_object_get_string(v);
        if (json_object_object_get_ex(err, "message", &v))
            message = json_object_get_string(v);
        if (json_object_object_get_ex(err, "field", &v) && v != NULL)
            field = json_object_get_string(v);
    }
    int rc = a->status == 401 ? EXIT_AUTH : a->status >= 500 ? EXIT_NETWORK : EXIT_REFUSED;
    if (a->status == 401)
        fprintf(stderr, "quarry-cli: %s: %s: log in again (quarry-cli login)\n", doing,
                message[0] ? message : "not logged in");
    else
        fprintf(stderr, "quarry-cli: %s: %ld %s%s%s%s%s\n", doing, a->status, message[0] ? message : "refused",
                code[0] ? " (" : "", code, field ? ", field " : "", field ? field : "");
    if (code[0] && a->status != 401 && !field)
        fputs("", stderr);
    json_object_put(body);
    return rc;
}

int http_json(const struct cli *c, const char *method, const char *path, json_object *body,
              json_object **out)
{
    struct http_answer a;
    struct http_request r = {.method = method, .path = path, .json = body, .auth = true};
    *out = NULL;
    http_call(c, &r, &a);
    if (a.status < 200 || a.status >= 300) {
        char doing[300];
        snprintf(doing, sizeof(doing), "%s %s", method, path);
        int rc = http_fail(c, &a, doing);
        http_answer_free(&a);
        return rc;
    }
    *out = a.body ? json_tokener_parse(a.body) : NULL;
    if (*out == NULL)
        *out = json_object_new_object();
    http_answer_free(&a);
    return 0;
}
