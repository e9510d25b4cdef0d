#ifndef QUARRY_API_REQUEST_H
#define QUARRY_API_REQUEST_H
/* One FastCGI request as the handlers see it: method, decoded path segments,
 * query, headers, the body (read on demand, capped), the caller, the arena. */
#include <fcgiapp.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/app.h"
#include "common/arena.h"
#include "common/ids.h"

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
    struct response_header *headers, *headers_last; /* in the order added */
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

/* Value of name in an application/x-www-form-urlencoded string (a query or a
 * form body), decoded into the arena; NULL if absent. */
const char *form_value(struct arena *a, const char *form, const char *name);
/* Percent-decodes s[0..n) into the arena ('+' stays '+' unless plus_is_space). */
char *url_decode(struct arena *a, const char *s, size_t n, bool plus_is_space);
/* Query helpers: integer with default and bounds; -1 and a 422 answer when malformed. */
int query_int(struct request *req, const char *name, long long def, long long min, long long max,
              long long *out);

#endif
