#ifndef QUARRY_API_RESPONSE_H
#define QUARRY_API_RESPONSE_H
/* Sending answers: JSON bodies, the one error shape of the API, redirects. */
#include <json-c/json.h>

#include "api/json_writer.h"
#include "api/request.h"

/* Adds a header to the answer (kept on req, in its arena); a value with a
 * line break is dropped. name and value are copied. */
void respond_header(struct request *req, const char *name, const char *value);
/* Sends body (not consumed: the caller still owns it) with the status. */
void respond_json(struct request *req, int status, json_object *body);
/* Sends body and releases it (json_object_put). */
void respond_json_put(struct request *req, int status, json_object *body);
/* {"error":{"code","message","timestamp","field"?},"detail":message} */
void respond_error(struct request *req, int status, const char *code, const char *message,
                   const char *field);
/* 422 VALIDATION_ERROR naming field: for the checks a declared table cannot
 * make (request_fields answers the others the same way). */
void respond_invalid(struct request *req, const char *field, const char *message);
void respond_empty(struct request *req, int status);
void respond_text(struct request *req, int status, const char *content_type, const char *body,
                  size_t len);
/* The answer for a database failure: 503 when the server is gone, 500 otherwise. */
void respond_db_error(struct request *req, int db_status);
/* After a database call the request cannot do without: 0 when db_status is
 * DB_OK, else answers respond_db_error() (DB_NO_ROW too: a row that had to
 * be there) and returns -1. */
int respond_unless_ok(struct request *req, int db_status);
/* After a guarded transition (DESIGN §4): 0 when it ran and changed the row;
 * otherwise answers the database error, or 400 INVALID_STATE with message
 * when the guard let nothing change, and returns -1. */
int respond_unless_changed(struct request *req, int db_status, bool changed,
                           const char *message);
/* Link: <this request, after=cursor>; rel="next" (nothing for a NULL cursor:
 * the last page). Before respond_list. */
void respond_next(struct request *req, const char *cursor);
/* A list (DESIGN §2): the page as the body and the whole count in
 * X-Total-Count, or the database error when db_status is not DB_OK.
 * Takes page (released either way). */
void respond_list(struct request *req, int db_status, json_object *page, long long total);
/* A list answered as an object (the seed's pipelines, executions and
 * checks): {key: items, "total", "limit", "offset"} of the page asked for,
 * with respond_next's Link after next and X-Total-Count. Takes items. */
void respond_list_object(struct request *req, int db_status, const char *key, json_object *items,
                         long long total, const struct page *page, const char *next);
/* The same for a page written with the direct writer (api/json_writer.h). */
void respond_list_written(struct request *req, int db_status, const struct jsonw *page,
                          long long total);
/* 200 or another status with JSON text w wrote. */
void respond_written(struct request *req, int status, const struct jsonw *body);
/* After loading a row the caller must own: 0 when db_status is DB_OK and
 * owner_id is the caller. Otherwise answers 404 not_found_code (no such
 * row), the database error, or 403 (someone else's) and returns -1. what
 * names the thing in messages ("job"). */
int respond_unless_owned(struct request *req, int db_status, const char *owner_id,
                         const char *not_found_code, const char *what);

#endif
