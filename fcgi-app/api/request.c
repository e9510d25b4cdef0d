#include "api/request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/response.h"

const char *request_param(const struct request *req, const char *name)
{
    return FCGX_GetParam(name, req->fcgx->envp);
}

bool request_content_type_is(const struct request *req, const char *mime)
{
    const char *ct = request_param(req, "CONTENT_TYPE");
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen(mime);
    return strncasecmp(ct, mime, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum body_status request_read_body(struct request *req, long long max, char **body, size_t *len)
{
    const char *cl = request_param(req, "CONTENT_LENGTH");
    long long want = 0;
    if (cl != NULL && *cl != '\0') {
        char *end;
        errno = 0;
        want = strtoll(cl, &end, 10);
        if (errno != 0 || *end != '\0' || want < 0)
            return BODY_IO_ERROR;
    }
    if (want > max)
        return BODY_TOO_LARGE;
    char *buf = arena_alloc(req->arena, (size_t)want + 1);
    /* Read exactly CONTENT_LENGTH bytes: never trust the stream to end. */
    long long got = 0;
    while (got < want) {
        int chunk = want - got > (1 << 20) ? (1 << 20) : (int)(want - got);
        int n = FCGX_GetStr(buf + got, chunk, req->fcgx->in);
        if (n <= 0)
            return BODY_IO_ERROR;
        got += n;
    }
    buf[got] = '\0';
    *body = buf;
    *len = (size_t)got;
    return BODY_OK;
}

int request_json_body(struct request *req, json_object **out)
{
    char *body;
    size_t len;
    *out = NULL;
    switch (request_read_body(req, req->app->cfg.max_json_body_bytes, &body, &len)) {
    case BODY_OK:
        break;
    case BODY_TOO_LARGE:
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "Request body is too large", NULL);
        return -1;
    default:
        respond_error(req, 400, "BAD_REQUEST", "Could not read the request body", NULL);
        return -1;
    }
    size_t start = 0;
    while (start < len && strchr(" \t\r\n", body[start]))
        start++;
    if (start == len) {
        *out = json_object_new_object();
        return 0;
    }
    if (!request_content_type_is(req, "application/json")) {
        respond_error(req, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json",
                      NULL);
        return -1;
    }
    json_tokener *tok = json_tokener_new_ex(64);
    if (tok == NULL) {
        respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
        return -1;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success || obj == NULL) {
        json_object_put(obj);
        respond_error(req, 422, "VALIDATION_ERROR", "Request body is not valid JSON", "body");
        return -1;
    }
    while (used < len && strchr(" \t\r\n", body[used]))
        used++;
    if (used != len) {
        json_object_put(obj);
        respond_error(req, 422, "VALIDATION_ERROR", "Request body has data after the JSON value",
                      "body");
        return -1;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        respond_error(req, 422, "VALIDATION_ERROR", "Request body must be a JSON object", "body");
        return -1;
    }
    *out = obj;
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *url_decode(struct arena *a, const char *s, size_t n, bool plus_is_space)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

const char *form_value(struct arena *a, const char *form, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = form;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        char *key = url_decode(a, p, key_len, true);
        if (strlen(key) == name_len && memcmp(key, name, name_len) == 0) {
            if (eq == NULL)
                return "";
            return url_decode(a, eq + 1, len - key_len - 1, true);
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

int query_int(struct request *req, const char *name, long long def, long long min, long long max,
              long long *out)
{
    const char *v = form_value(req->arena, req->query, name);
    if (v == NULL || *v == '\0') {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max) {
        char *msg = arena_printf(req->arena, "%s must be an integer from %lld to %lld", name, min,
                                 max);
        respond_error(req, 422, "VALIDATION_ERROR", msg, name);
        return -1;
    }
    *out = n;
    return 0;
}
