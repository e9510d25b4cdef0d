#include "api/response.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/ids.h"
#include "common/log.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 460: return "Checksum Mismatch";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

void respond_header(struct request *req, const char *name, const char *value)
{
    /* A header value never carries CR or LF: nothing a user sends can split the response. */
    if (strpbrk(value, "\r\n") != NULL) {
        log_warn("header %s dropped: its value holds a line break", name);
        return;
    }
    struct response_header *h = arena_alloc(req->arena, sizeof(*h));
    h->line = arena_printf(req->arena, "%s: %s\r\n", name, value);
    if (req->headers_last != NULL)
        req->headers_last->next = h;
    else
        req->headers = h;
    req->headers_last = h;
}

static void send_head(struct request *req, int status, const char *content_type, size_t length)
{
    FCGX_Stream *out = req->fcgx->out;
    FCGX_FPrintF(out, "Status: %d %s\r\n", status, reason(status));
    if (content_type != NULL)
        FCGX_FPrintF(out, "Content-Type: %s\r\nContent-Length: %zu\r\n", content_type, length);
    FCGX_FPrintF(out, "Cache-Control: no-store\r\nX-Request-Id: %s\r\n", req->request_id);
    for (const struct response_header *h = req->headers; h != NULL; h = h->next)
        FCGX_PutS(h->line, out);
    FCGX_PutS("\r\n", out);
    req->status = status;
    req->responded = true;
}

void respond_text(struct request *req, int status, const char *content_type, const char *body,
                  size_t len)
{
    if (req->responded)
        return;
    send_head(req, status, content_type, len);
    if (len > 0)
        FCGX_PutStr(body, (int)len, req->fcgx->out);
}

void respond_json(struct request *req, int status, json_object *body)
{
    size_t len;
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    respond_text(req, status, "application/json; charset=utf-8", text, len);
}

void respond_json_put(struct request *req, int status, json_object *body)
{
    if (body == NULL) {
        respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
        return;
    }
    respond_json(req, status, body);
    json_object_put(body);
}

void respond_error(struct request *req, int status, const char *code, const char *message,
                   const char *field)
{
    char when[ISO_TIME_LEN + 1];
    time_iso(time_now_ms(), when);
    json_object *err = json_object_new_object();
    json_object_object_add(err, "code", json_object_new_string(code));
    json_object_object_add(err, "message", json_object_new_string(message));
    json_object_object_add(err, "timestamp", json_object_new_string(when));
    if (field != NULL)
        json_object_object_add(err, "field", json_object_new_string(field));
    json_object *body = json_object_new_object();
    json_object_object_add(body, "error", err);
    json_object_object_add(body, "detail", json_object_new_string(message));
    if (status == 401)
        respond_header(req, "WWW-Authenticate", "Bearer");
    respond_json_put(req, status, body);
}

void respond_invalid(struct request *req, const char *field, const char *message)
{
    respond_error(req, 422, "VALIDATION_ERROR", message, field);
}

void respond_empty(struct request *req, int status)
{
    if (req->responded)
        return;
    send_head(req, status, NULL, 0);
}

void respond_db_error(struct request *req, int db_status)
{
    if (db_status == DB_UNAVAILABLE) {
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "The database is not reachable; try again",
                      NULL);
        return;
    }
    log_error("database error: %s", db_last_error(req->app->db));
    respond_error(req, 500, "DATABASE_ERROR", "A database error occurred", NULL);
}

int respond_unless_ok(struct request *req, int db_status)
{
    if (db_status == DB_OK)
        return 0;
    respond_db_error(req, db_status);
    return -1;
}

int respond_unless_changed(struct request *req, int db_status, bool changed,
                           const char *message)
{
    if (respond_unless_ok(req, db_status) != 0)
        return -1;
    if (changed)
        return 0;
    respond_error(req, 400, "INVALID_STATE", message, NULL);
    return -1;
}

/* Whether the query item item[0..len) has one of the keys a next page replaces. */
static bool replaced_by_next(struct arena *a, const char *item, size_t len)
{
    static const char *const keys[] = {"skip", "offset", "after"};
    const char *eq = memchr(item, '=', len);
    const char *key = url_decode(a, item, eq ? (size_t)(eq - item) : len, true);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return len == 0;
}

void respond_next(struct request *req, const char *cursor)
{
    if (cursor == NULL)
        return;
    /* The same request, its other query items as they came, after the cursor. */
    size_t cap = strlen(req->path) + strlen(req->query) + strlen(cursor) + 32;
    char *link = arena_alloc(req->arena, cap), *p = link;
    p += sprintf(p, "<%s?", req->path);
    for (const char *q = req->query; *q != '\0';) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (!replaced_by_next(req->arena, q, len)) {
            memcpy(p, q, len);
            p += len;
            *p++ = '&';
        }
        q += len + (end != NULL);
    }
    sprintf(p, "after=%s>; rel=\"next\"", cursor);
    respond_header(req, "Link", link);
}

void respond_list(struct request *req, int db_status, json_object *page, long long total)
{
    if (db_status != DB_OK) {
        json_object_put(page);
        respond_db_error(req, db_status);
        return;
    }
    respond_header(req, "X-Total-Count", arena_printf(req->arena, "%lld", total));
    respond_json_put(req, 200, page);
}

void respond_list_object(struct request *req, int db_status, const char *key, json_object *items,
                         long long total, const struct page *page, const char *next)
{
    respond_next(req, next);
    json_object *o = json_object_new_object();
    json_object_object_add(o, key, items);
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "limit", json_object_new_int64(page->limit));
    json_object_object_add(o, "offset", json_object_new_int64(page->skip));
    respond_list(req, db_status, o, total);
}

void respond_written(struct request *req, int status, const struct jsonw *body)
{
    size_t len;
    const char *text = jsonw_text(body, &len);
    respond_text(req, status, "application/json; charset=utf-8", text, len);
}

void respond_list_written(struct request *req, int db_status, const struct jsonw *page,
                          long long total)
{
    if (respond_unless_ok(req, db_status) != 0)
        return;
    respond_header(req, "X-Total-Count", arena_printf(req->arena, "%lld", total));
    respond_written(req, 200, page);
}

int respond_unless_owned(struct request *req, int db_status, const char *owner_id,
                         const char *not_found_code, const char *what)
{
    if (db_status == DB_NO_ROW) {
        char *msg = arena_printf(req->arena, "%s not found", what);
        msg[0] = (char)toupper((unsigned char)msg[0]);
        respond_error(req, 404, not_found_code, msg, NULL);
        return -1;
    }
    if (db_status != DB_OK) {
        respond_db_error(req, db_status);
        return -1;
    }
    if (strcmp(owner_id, req->user.id) != 0) {
        respond_error(req, 403, "FORBIDDEN",
                      arena_printf(req->arena, "Not allowed to access this %s", what), NULL);
        return -1;
    }
    return 0;
}
