#include "common/issuers.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define ISSUERS_MAX 32
#define ISSUERS_FILE_MAX (64 * 1024)
#define REFRESH_DEFAULT_SECONDS 60
#define FETCH_TIMEOUT_DEFAULT_MS 2000

/* Reads a whole small file (at most max bytes) into a malloc'd, NUL-ended
 * buffer; NULL with err. */
static char *read_file(const char *path, size_t max, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > max) {
        snprintf(err, err_len, "%s is larger than %zu bytes", path, max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Copies the optional string member name of o into dst; -1 when it is there
 * but not a string or too long. */
static int take_text(json_object *o, const char *name, char *dst, size_t size, char *err,
                     size_t err_len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
        return 0;
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (s == NULL || strlen(s) >= size) {
        snprintf(err, err_len, "issuer %s: must be a string of less than %zu bytes", name, size);
        return -1;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int take_issuer(json_object *o, struct issuer *is, char *err, size_t err_len)
{
    struct {
        const char *name;
        char *dst;
        size_t size;
    } fields[] = {
        {"name", is->name, sizeof(is->name)},
        {"issuer", is->iss, sizeof(is->iss)},
        {"jwks_uri", is->jwks_uri, sizeof(is->jwks_uri)},
        {"jwks_file", is->jwks_file, sizeof(is->jwks_file)},
        {"jwks_ca_file", is->ca_file, sizeof(is->ca_file)},
        {"audience", is->audience, sizeof(is->audience)},
        {"client_id", is->client_id, sizeof(is->client_id)},
        {"token_use", is->token_use, sizeof(is->token_use)},
        {"email_claim", is->email_claim, sizeof(is->email_claim)},
    };
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, err_len, "each issuer must be a JSON object");
        return -1;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (take_text(o, fields[i].name, fields[i].dst, fields[i].size, err, err_len) != 0)
            return -1;
    if (is->name[0] == '\0' || is->iss[0] == '\0') {
        snprintf(err, err_len, "each issuer needs a name and an issuer (its iss)");
        return -1;
    }
    if ((is->jwks_uri[0] == '\0') == (is->jwks_file[0] == '\0')) {
        snprintf(err, err_len, "issuer %s: give jwks_uri or jwks_file (one of them)", is->name);
        return -1;
    }
    if (is->jwks_uri[0] != '\0' && strncmp(is->jwks_uri, "https://", 8) != 0) {
        snprintf(err, err_len, "issuer %s: jwks_uri must be an https URL", is->name);
        return -1;
    }
    /* A token meant for another application must not open this one. */
    if (is->audience[0] == '\0' && is->client_id[0] == '\0') {
        snprintf(err, err_len, "issuer %s: give audience or client_id", is->name);
        return -1;
    }
    if (is->email_claim[0] == '\0')
        snprintf(is->email_claim, sizeof(is->email_claim), "email");
    return 0;
}

static long long number_member(json_object *o, const char *name, long long fallback)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
        return fallback;
    long long n = json_object_get_int64(v);
    return n >= 0 ? n : fallback;
}

int issuers_load(const char *path, struct issuers *out, char *err, size_t err_len)
{
    size_t len = 0;
    json_object *doc = NULL, *list = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    out->refresh_seconds = REFRESH_DEFAULT_SECONDS;
    out->fetch_timeout_ms = FETCH_TIMEOUT_DEFAULT_MS;
    if (path == NULL || *path == '\0')
        return 0;
    char *text = read_file(path, ISSUERS_FILE_MAX, &len, err, err_len);
    if (text == NULL)
        return -1;
    doc = json_tokener_parse(text);
    free(text);
    /* Either the list itself, or {"issuers": [...], "refresh_seconds": N,
     * "fetch_timeout_ms": N}. */
    if (json_object_is_type(doc, json_type_array)) {
        list = doc;
    } else if (json_object_is_type(doc, json_type_object) &&
               json_object_object_get_ex(doc, "issuers", &list) &&
               json_object_is_type(list, json_type_array)) {
        out->refresh_seconds = number_member(doc, "refresh_seconds", REFRESH_DEFAULT_SECONDS);
        out->fetch_timeout_ms = number_member(doc, "fetch_timeout_ms", FETCH_TIMEOUT_DEFAULT_MS);
    } else {
        snprintf(err, err_len, "%s: expected a JSON list of issuers", path);
        goto out;
    }
    size_t n = json_object_array_length(list);
    if (n > ISSUERS_MAX) {
        snprintf(err, err_len, "%s: at most %d issuers", path, ISSUERS_MAX);
        goto out;
    }
    out->list = calloc(n ? n : 1, sizeof(*out->list));
    if (out->list == NULL) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (take_issuer(json_object_array_get_idx(list, i), &out->list[i], err, err_len) != 0)
            goto out;
        out->n++;
        for (int j = 0; j < out->n - 1; j++)
            if (strcmp(out->list[j].iss, out->list[i].iss) == 0 ||
                strcmp(out->list[j].name, out->list[i].name) == 0) {
                snprintf(err, err_len, "%s: issuer %s is listed twice", path, out->list[i].name);
                goto out;
            }
    }
    for (int i = 0; i < out->n && !out->curl_ready; i++)
        if (out->list[i].jwks_uri[0] != '\0')
            out->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    rc = 0;
out:
    json_object_put(doc);
    return rc;
}

void issuers_free(struct issuers *set)
{
    for (int i = 0; i < set->n; i++)
        jwks_clear(&set->list[i].keys);
    free(set->list);
    if (set->curl_ready)
        curl_global_cleanup();
    memset(set, 0, sizeof(*set));
}

struct issuer *issuers_find(struct issuers *set, const char *iss)
{
    if (iss == NULL)
        return NULL;
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->list[i].iss, iss) == 0)
            return &set->list[i];
    return NULL;
}

struct fetch_buf {
    char *data;
    size_t len;
};

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    struct fetch_buf *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n > JWKS_MAX_BYTES)
        return 0; /* too large: curl stops with an error */
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* GET url over https with short timeouts, no redirects; the body (malloc'd) or NULL. */
static char *fetch_https(const struct issuers *set, const struct issuer *is, size_t *len,
                         char *err, size_t err_len)
{
    struct fetch_buf b = {NULL, 0};
    long code = 0;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(err, err_len, "curl_easy_init failed");
        return NULL;
    }
    curl_easy_setopt(curl, CURLOPT_URL, is->jwks_uri);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)set->fetch_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)set->fetch_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)JWKS_MAX_BYTES);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "quarry-jwks/1");
    if (is->ca_file[0] != '\0')
        curl_easy_setopt(curl, CURLOPT_CAINFO, is->ca_file);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || code != 200) {
        snprintf(err, err_len, "GET %.200s: %s (HTTP %ld)", is->jwks_uri,
                 rc != CURLE_OK ? curl_easy_strerror(rc) : "unexpected status", code);
        free(b.data);
        return NULL;
    }
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/* Reads the issuer's JWKS again; on success its keys replace the cached ones. */
static void issuer_refresh(struct issuers *set, struct issuer *is, long long now)
{
    char err[1024];
    size_t len = 0;
    struct jwks fresh;
    is->fetched_at = now;
    is->fetches++;
    char *text = is->jwks_file[0] != '\0'
                     ? read_file(is->jwks_file, JWKS_MAX_BYTES, &len, err, sizeof(err))
                     : fetch_https(set, is, &len, err, sizeof(err));
    if (text == NULL) {
        log_warn("issuer %s: keys not refreshed (%d kept): %s", is->name, is->keys.n, err);
        return;
    }
    int n = jwks_parse(text, len, &fresh, err, sizeof(err));
    free(text);
    if (n <= 0) {
        log_warn("issuer %s: keys not refreshed (%d kept): %s", is->name, is->keys.n,
                 n < 0 ? err : "no usable RS256 or ES256 key");
        jwks_clear(&fresh);
        return;
    }
    jwks_clear(&is->keys);
    is->keys = fresh;
    log_info("issuer %s: %d keys loaded", is->name, n);
}

const struct jwk *issuer_key(struct issuers *set, struct issuer *is, const char *kid,
                             long long now)
{
    const struct jwk *k = jwks_find(&is->keys, kid);
    if (k != NULL)
        return k;
    if (is->fetched_at != 0 && now - is->fetched_at < set->refresh_seconds)
        return NULL;
    issuer_refresh(set, is, now);
    return jwks_find(&is->keys, kid);
}
