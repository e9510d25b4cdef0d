#include "api/request.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/response.h"
#include "common/ids.h"

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

/* The body, at most the configured size; -1 after answering 413 or 400. */
static int read_capped_body(struct request *req, char **body, size_t *len)
{
    switch (request_read_body(req, req->app->cfg.max_json_body_bytes, body, len)) {
    case BODY_OK:
        return 0;
    case BODY_TOO_LARGE:
        respond_error(req, 413, "PAYLOAD_TOO_LARGE", "Request body is too large", NULL);
        return -1;
    default:
        respond_error(req, 400, "BAD_REQUEST", "Could not read the request body", NULL);
        return -1;
    }
}

int request_json_body(struct request *req, json_object **out)
{
    char *body;
    size_t len;
    *out = NULL;
    if (read_capped_body(req, &body, &len) != 0)
        return -1;
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
    const char *problem = NULL;
    while (used < len && strchr(" \t\r\n", body[used]))
        used++;
    if (jerr != json_tokener_success || obj == NULL)
        problem = "Request body is not valid JSON";
    else if (used != len)
        problem = "Request body has data after the JSON value";
    else if (!json_object_is_type(obj, json_type_object))
        problem = "Request body must be a JSON object";
    if (problem != NULL) {
        json_object_put(obj);
        respond_invalid(req, "body", problem);
        return -1;
    }
    *out = obj;
    return 0;
}

static const struct field_spec *spec_named(const struct field_spec *specs, size_t n,
                                           const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

static bool parse_ll(const char *s, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return *s != '\0' && errno == 0 && *end == '\0';
}

json_object *form_fields(struct arena *a, const char *form, const struct field_spec *specs,
                         size_t n, const char **unknown)
{
    json_object *obj = json_object_new_object();
    for (const char *p = form; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        const char *key = url_decode(a, p, key_len, true);
        const char *value = eq ? url_decode(a, eq + 1, len - key_len - 1, true) : "";
        const struct field_spec *spec = spec_named(specs, n, key);
        p = end ? end + 1 : NULL;
        if (*key == '\0' || (spec == NULL && unknown == NULL))
            continue;
        if (spec == NULL) {
            *unknown = key;
            break;
        }
        long long number;
        if (*value == '\0' || json_object_object_get_ex(obj, key, NULL))
            continue;
        json_object_object_add(obj, key,
                               spec->type == FIELD_INT && parse_ll(value, &number)
                                   ? json_object_new_int64(number)
                                   : json_object_new_string(value));
    }
    return obj;
}

int request_form_body(struct request *req, const struct field_spec *specs, size_t n,
                      json_object **out)
{
    char *body;
    size_t len;
    *out = NULL;
    if (read_capped_body(req, &body, &len) != 0)
        return -1;
    *out = form_fields(req->arena, body, specs, n, NULL);
    return 0;
}

int request_fields_at(struct request *req, json_object *obj, const char *path,
                      const struct field_spec *specs, size_t n, json_object **values)
{
    const char *field;
    char msg[256];
    if (validate_fields(obj, specs, n, values, &field, msg, sizeof(msg)) == 0)
        return 0;
    if (path == NULL)
        respond_invalid(req, field, msg);
    else
        respond_invalid(req, arena_printf(req->arena, "%s.%s", path, field),
                        arena_printf(req->arena, "%s.%s", path, msg));
    return -1;
}

int request_fields(struct request *req, json_object *obj, const struct field_spec *specs,
                   size_t n, json_object **values)
{
    return request_fields_at(req, obj, NULL, specs, n, values);
}

const char *field_text(json_object *v)
{
    return v != NULL ? json_object_get_string(v) : NULL;
}

int request_value(struct request *req, json_object *v, const char *path,
                  const struct field_spec *spec)
{
    char msg[256];
    if (validate_value(v, spec, path, msg, sizeof(msg)) == 0)
        return 0;
    respond_invalid(req, path, msg);
    return -1;
}

enum { PAGE_SKIP, PAGE_OFFSET, PAGE_LIMIT, PAGE_AFTER, PAGE__MAX };
static const struct field_spec page_fields[PAGE__MAX] = {
    [PAGE_SKIP] = {"skip", FIELD_INT, false, 0, PAGE_SKIP_MAX},
    [PAGE_OFFSET] = {"offset", FIELD_INT, false, 0, PAGE_SKIP_MAX},
    [PAGE_LIMIT] = {"limit", FIELD_INT, false, 1, PAGE_LIMIT_MAX},
    [PAGE_AFTER] = {"after", FIELD_STRING, false, 1, PAGE_CURSOR_TEXT_MAX},
};

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strspn(s, "0123456789");
    return s[n] == '\0' && n >= min && n <= max;
}

/* Whether s has the shape of kind (cursor parts never reach SQL unchecked). */
const enum cursor_part page_time_id[2] = {CURSOR_TIME, CURSOR_ID};

static bool cursor_part_valid(const char *s, enum cursor_part kind)
{
    static const char time_shape[] = "0000-00-00 00:00:00.000";
    switch (kind) {
    case CURSOR_TIME:
        if (strlen(s) != sizeof(time_shape) - 1)
            return false;
        for (size_t i = 0; s[i]; i++)
            if (time_shape[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != time_shape[i])
                return false;
        return true;
    case CURSOR_ID:
        return id_is_uuid(s);
    case CURSOR_INT:
        return all_digits(s, 1, 18);
    case CURSOR_KEY:
        return *s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789._:-") == strlen(s) && strlen(s) <= 255;
    }
    return false;
}

const char *const *page_cursor_parse(struct arena *a, const char *text, const struct page *page)
{
    size_t len = strlen(text), bin_len = 0;
    unsigned char *bin = arena_alloc(a, len + 1);
    if (page->ncursor < 1 || page->ncursor > PAGE_CURSOR_MAX ||
        sodium_base642bin(bin, len, text, len, NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    bin[bin_len] = '\0';
    if (strlen((char *)bin) != bin_len)
        return NULL;
    const char **parts = arena_alloc(a, (size_t)page->ncursor * sizeof(*parts));
    char *p = (char *)bin;
    for (int i = 0; i < page->ncursor; i++) {
        char *nl = strchr(p, '\n');
        if ((nl == NULL) != (i == page->ncursor - 1))
            return NULL;
        if (nl != NULL)
            *nl = '\0';
        if (!cursor_part_valid(p, page->cursor[i]))
            return NULL;
        parts[i] = p;
        p = nl != NULL ? nl + 1 : p;
    }
    return parts;
}

/* The page from its validated keys; -1 after answering when two of skip,
 * offset and after came, or after is not a cursor of this list. */
static int page_from(struct request *req, json_object *const *v, struct page *page)
{
    if (v[PAGE_SKIP] != NULL && v[PAGE_OFFSET] != NULL) {
        respond_invalid(req, "offset", "offset is another name for skip: give one of them");
        return -1;
    }
    json_object *skip = v[PAGE_SKIP] ? v[PAGE_SKIP] : v[PAGE_OFFSET];
    page->skip = skip ? json_object_get_int64(skip) : 0;
    page->limit = v[PAGE_LIMIT] ? json_object_get_int64(v[PAGE_LIMIT]) : PAGE_LIMIT_DEFAULT;
    page->after = NULL;
    if (v[PAGE_AFTER] == NULL)
        return 0;
    if (skip != NULL) {
        respond_invalid(req, "after", "after continues a list where a page ended: give it or skip");
        return -1;
    }
    page->after = page_cursor_parse(req->arena, json_object_get_string(v[PAGE_AFTER]), page);
    if (page->after == NULL) {
        respond_invalid(req, "after", "after is not a cursor of this list");
        return -1;
    }
    return 0;
}

int request_query(struct request *req, const struct field_spec *specs, size_t n,
                  json_object **values, struct page *page)
{
    /* One table of every key this endpoint takes: its own, then the page's. */
    size_t all_n = n + (page != NULL ? PAGE__MAX : 0);
    struct field_spec *all = arena_alloc(req->arena, (all_n + 1) * sizeof(*all));
    json_object **v = arena_alloc(req->arena, (all_n + 1) * sizeof(*v));
    if (n > 0)
        memcpy(all, specs, n * sizeof(*all));
    if (page != NULL)
        memcpy(all + n, page_fields, sizeof(page_fields));
    const char *unknown = NULL;
    json_object_put(req->query_values);
    req->query_values = form_fields(req->arena, req->query, all, all_n, &unknown);
    if (unknown != NULL) {
        /* Named when it can be shown as it came; a short, clean name always can. */
        if (strlen(unknown) > 64 || !validate_utf8(unknown, strlen(unknown)))
            unknown = "query";
        respond_invalid(req, unknown,
                        arena_printf(req->arena, "%s is not a query parameter of this endpoint",
                                     unknown));
        return -1;
    }
    if (request_fields(req, req->query_values, all, all_n, v) != 0)
        return -1;
    if (page != NULL && page_from(req, v + n, page) != 0)
        return -1;
    if (n > 0)
        memcpy(values, v, n * sizeof(*values));
    return 0;
}


int query_page(struct request *req, struct page *page)
{
    return request_query(req, NULL, 0, NULL, page);
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
