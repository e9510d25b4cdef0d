#ifndef QUARRY_API_REQUEST_H
#define QUARRY_API_REQUEST_H
/* One FastCGI request as the handlers see it: method, decoded path segments,
 * query, headers, the body (read on demand, capped), the caller, the arena.
 *
 * How a handler reads its input: it declares its fields in a table indexed
 * by an enum (kcgi's keys[KEY__MAX]) and reads the values by that enum.
 *
 *     enum { CREATE_NAME, CREATE_SIZE, CREATE__MAX };
 *     static const struct field_spec create_fields[CREATE__MAX] = {
 *         [CREATE_NAME] = {"file_name", FIELD_LINE, true, 1, 255},
 *         [CREATE_SIZE] = {"size", FIELD_INT, false, 0, 1LL << 40},
 *     };
 *     json_object *body, *v[CREATE__MAX];
 *     if (request_json_body(req, &body) != 0)        answered 413, 415 or 422
 *         return;
 *     if (request_fields(req, body, create_fields, CREATE__MAX, v) != 0)
 *         goto out;                                  answered 422 naming the field
 *     name = json_object_get_string(v[CREATE_NAME]); NULL when optional and absent
 *
 * Query parameters are declared the same way (request_query); a list also
 * passes a struct page and gets skip (or its synonym offset) and limit. A
 * query key the endpoint does not declare is a 422 naming it; a handler that
 * reads a query is listed in api_query_handlers (routes.c), and every other
 * route refuses any query before its handler runs. A check no
 * table can express (a value from a set, a format) answers with
 * respond_invalid(): the same 422 in the same shape. */
#include <fcgiapp.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/app.h"
#include "common/validate.h"
#include "common/arena.h"
#include "common/ids.h"
#include "common/store.h"

#define REQUEST_MAX_PARAMS 4

struct user {
    char id[UUID_LEN + 1];
    char email[256];
    char username[72];
    char full_name[208];
    bool is_active;
    bool is_superuser;
    char created_at[ISO_TIME_LEN + 1];
};

/* A header of the answer, kept on the request until it is sent (nginx's
 * r->headers_out): as many as the handler adds, all freed with the arena. */
struct response_header {
    struct response_header *next;
    const char *line; /* "Name: value\r\n" */
};

struct request {
    FCGX_Request *fcgx;
    struct app *app;
    struct arena *arena;
    const char *method;
    const char *path;         /* raw path, without the query */
    const char *query;        /* raw query string, "" if none */
    const char *request_id;   /* nginx's $request_id, or "-" */
    const char *route;        /* the route pattern that matched, for metrics */
    const char *params[REQUEST_MAX_PARAMS]; /* decoded {name} segments, in order */
    int nparams;
    bool has_user;
    struct user user;
    /* A service account's token: the account, and the one client it may act
     * in (user is then the account's own users row). */
    bool is_service;
    char service_id[UUID_LEN + 1], service_client_id[UUID_LEN + 1];
    struct response_header *headers, *headers_last; /* in the order added */
    json_object *query_values; /* request_query's values live here; released at the end */
    int status;               /* set when the response is sent */
    bool responded;
    long long started_ms;
};

/* A header or FastCGI parameter: "HTTP_IF_NONE_MATCH", "CONTENT_TYPE", …; NULL if absent. */
const char *request_param(const struct request *req, const char *name);
/* True when the Content-Type's media type is mime (parameters ignored). */
bool request_content_type_is(const struct request *req, const char *mime);

enum body_status { BODY_OK = 0, BODY_TOO_LARGE, BODY_IO_ERROR };
/* Reads the whole body (at most max bytes) into the arena; *body is NUL-terminated. */
enum body_status request_read_body(struct request *req, long long max, char **body, size_t *len);

/* Parses the JSON body into *out (owned by the caller: json_object_put).
 * An empty body is an empty object. On failure it has already answered
 * (413, 415 or 422) and returns -1. */
int request_json_body(struct request *req, json_object **out);
/* An application/x-www-form-urlencoded body as a JSON object of the n
 * declared keys (FIELD_INT values that are integers as numbers, the rest as
 * strings; empty values absent; other keys ignored), owned by the caller.
 * On failure it has already answered (413 or 400) and returns -1. */
int request_form_body(struct request *req, const struct field_spec *specs, size_t n,
                      json_object **out);

/* Checks obj against the n declared fields: values[i] gets field i (borrowed
 * from obj; NULL when optional and absent). 0, or -1 after answering 422
 * with the field's name. */
int request_fields(struct request *req, json_object *obj, const struct field_spec *specs,
                   size_t n, json_object **values);
/* The same for an object nested at path ("counts", "errors[3]"): the answer
 * names "path.field". */
int request_fields_at(struct request *req, json_object *obj, const char *path,
                      const struct field_spec *specs, size_t n, json_object **values);
/* A value request_fields() gave as text; NULL when it is absent. */
const char *field_text(json_object *v);
/* Checks one value (an array item) against spec; the answer names it path. */
int request_value(struct request *req, json_object *v, const char *path,
                  const struct field_spec *spec);

/* A page of a list: skip (offset is a synonym) and limit, or after, the
 * opaque cursor of the row the previous page ended on (keyset pagination:
 * its cost does not grow with the depth, skip's does). A list declares what
 * its cursor holds (its sort key, unique id last) before reading the query:
 *
 *     static const enum cursor_part error_cursor[] = {CURSOR_INT, CURSOR_INT};
 *     struct page page = PAGE_WITH_CURSOR(error_cursor);
 *     (PAGE_BY_TIME_ID for the usual time and id)
 *     if (request_query(req, specs, n, v, &page) != 0) return;
 *     page.after: NULL, or the cursor's parts, each checked against its kind
 */
#define PAGE_LIMIT_DEFAULT 100
#define PAGE_LIMIT_MAX 1000
#define PAGE_SKIP_MAX (1LL << 40)
#define PAGE_CURSOR_MAX 3
#define PAGE_CURSOR_TEXT_MAX 512
enum cursor_part {
    CURSOR_TIME, /* a database time, "YYYY-MM-DD HH:MM:SS.mmm" */
    CURSOR_ID,   /* a UUID */
    CURSOR_INT,  /* a non-negative integer */
    CURSOR_KEY,  /* a name of [A-Za-z0-9._:-] (a krn) */
};
struct page {
    long long skip, limit;
    const enum cursor_part *cursor; /* what the list's cursor holds, in order */
    int ncursor;
    const char *const *after; /* ncursor parts (in the arena), or NULL without a cursor */
};
#define PAGE_WITH_CURSOR(parts)                                                                    \
    ((struct page){0, 0, (parts), (int)(sizeof(parts) / sizeof((parts)[0])), NULL})
/* The cursor of most lists, whose order is a row's time then its id. */
extern const enum cursor_part page_time_id[2];
#define PAGE_BY_TIME_ID PAGE_WITH_CURSOR(page_time_id)
/* page_cursor() (common/store.h, included here) makes the cursor a page ends on. */
/* The parts of a cursor of the list page declares (page->ncursor of them,
 * each of its kind), in the arena; NULL when text is not one. */
const char *const *page_cursor_parse(struct arena *a, const char *text, const struct page *page);
/* Checks the query against the n declared keys (plus skip, offset, limit and
 * after when page is not NULL, which then receives them): values[i] gets key i
 * (borrowed: kept on the request until it ends; NULL when absent or empty).
 * 0, or -1 after answering 422 (a bad value, a cursor that is not one of
 * this list's, after with skip, or a key nobody declared). */
int request_query(struct request *req, const struct field_spec *specs, size_t n,
                  json_object **values, struct page *page);
/* request_query for a list that declares nothing but its page (and its cursor). */
int query_page(struct request *req, struct page *page);

/* The declared keys of a form (a query or a form body) as a JSON object,
 * owned by the caller: FIELD_INT values that are integers as numbers, the
 * rest as strings (decoded into a); the first value of a repeated key
 * counts, an empty value is absent. When unknown is not NULL, the first key
 * not declared goes to *unknown and ends the scan (else such keys are
 * skipped). Values are not validated: request_fields() does that. */
json_object *form_fields(struct arena *a, const char *form, const struct field_spec *specs,
                         size_t n, const char **unknown);
/* Value of name in an application/x-www-form-urlencoded string (a query or a
 * form body), decoded into the arena; NULL if absent. */
const char *form_value(struct arena *a, const char *form, const char *name);
/* Percent-decodes s[0..n) into the arena ('+' stays '+' unless plus_is_space). */
char *url_decode(struct arena *a, const char *s, size_t n, bool plus_is_space);

#endif
