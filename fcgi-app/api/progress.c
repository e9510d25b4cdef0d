/* Progress reported by external workers, per client and filename. Members
 * of a client post and read; only a record's creator adds to it, and a
 * completed record takes nothing more. */
#include <stdio.h>
#include <string.h>

#include "api/client_store.h"
#include "api/handlers.h"
#include "api/progress_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/user_store.h"
#include "api/validate.h"
#include "common/log.h"

#define COUNT_MAX 1000000000000000LL /* 10^15: sums stay far from overflow */
#define MESSAGES_PER_POST 10000
#define MESSAGE_MAX 4096

enum { POST_FILENAME, POST_COUNTS, POST_TOTAL, POST_IS_LAST, POST_ERRORS, POST_WARNINGS,
       POST__MAX };
static const struct field_spec post_fields[POST__MAX] = {
    [POST_FILENAME] = {"filename", FIELD_STRING, true, 1, 512},
    [POST_COUNTS] = {"counts", FIELD_OBJECT, true, 0, 0},
    [POST_TOTAL] = {"total", FIELD_INT, false, 0, COUNT_MAX},
    [POST_IS_LAST] = {"isLast", FIELD_BOOL, false, 0, 0},
    [POST_ERRORS] = {"errors", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
    [POST_WARNINGS] = {"warnings", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
};

enum { COUNT_DONE, COUNT_WARN, COUNT_FAILED, COUNT__MAX };
static const struct field_spec count_fields[COUNT__MAX] = {
    [COUNT_DONE] = {"done", FIELD_INT, false, 0, COUNT_MAX},
    [COUNT_WARN] = {"warn", FIELD_INT, false, 0, COUNT_MAX},
    [COUNT_FAILED] = {"failed", FIELD_INT, false, 0, COUNT_MAX},
};

/* An item of errors or warnings: {line?, message}, or a bare message string. */
enum { MESSAGE_LINE, MESSAGE_TEXT, MESSAGE__MAX };
static const struct field_spec message_fields[MESSAGE__MAX] = {
    [MESSAGE_LINE] = {"line", FIELD_INT, false, 0, COUNT_MAX},
    [MESSAGE_TEXT] = {"message", FIELD_STRING, true, 1, MESSAGE_MAX},
};

static long long int_or_zero(json_object *v)
{
    return v != NULL ? json_object_get_int64(v) : 0;
}

/* Reads the items of errors or warnings (array may be NULL) into an array in
 * the arena (*out; the texts stay borrowed from array). -1 after answering 422. */
static int read_messages(struct request *req, json_object *array, const char *name,
                         const struct progress_message **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (array == NULL)
        return 0;
    size_t len = json_object_array_length(array);
    struct progress_message *m = arena_alloc(req->arena, (len ? len : 1) * sizeof(*m));
    for (size_t i = 0; i < len; i++) {
        json_object *item = json_object_array_get_idx(array, i), *v[MESSAGE__MAX] = {NULL};
        const char *path = arena_printf(req->arena, "%s[%zu]", name, i);
        if (json_object_is_type(item, json_type_string)) {
            if (request_value(req, item, path, &message_fields[MESSAGE_TEXT]) != 0)
                return -1;
            v[MESSAGE_TEXT] = item;
        } else if (!json_object_is_type(item, json_type_object)) {
            respond_invalid(req, path,
                            arena_printf(req->arena, "%s items must be objects {line, message}",
                                         name));
            return -1;
        } else if (request_fields_at(req, item, path, message_fields, MESSAGE__MAX, v) != 0) {
            return -1;
        }
        m[i].has_line = v[MESSAGE_LINE] != NULL;
        m[i].line = int_or_zero(v[MESSAGE_LINE]);
        m[i].message = json_object_get_string(v[MESSAGE_TEXT]);
    }
    *out = m;
    *n = (int)len;
    return 0;
}

/* Validates the body into post (its strings borrowed from body); -1 after answering 422. */
static int read_post(struct request *req, json_object *body, struct progress_post *post)
{
    json_object *v[POST__MAX], *c[COUNT__MAX];
    if (request_fields(req, body, post_fields, POST__MAX, v) != 0 ||
        request_fields_at(req, v[POST_COUNTS], "counts", count_fields, COUNT__MAX, c) != 0)
        return -1;
    post->filename = json_object_get_string(v[POST_FILENAME]);
    post->done = int_or_zero(c[COUNT_DONE]);
    post->warn = int_or_zero(c[COUNT_WARN]);
    post->failed = int_or_zero(c[COUNT_FAILED]);
    post->has_total = v[POST_TOTAL] != NULL;
    post->total = int_or_zero(v[POST_TOTAL]);
    post->is_last = v[POST_IS_LAST] ? json_object_get_boolean(v[POST_IS_LAST]) : false;
    if (read_messages(req, v[POST_ERRORS], "errors", &post->errors, &post->nerrors) != 0 ||
        read_messages(req, v[POST_WARNINGS], "warnings", &post->warnings, &post->nwarnings) != 0)
        return -1;
    return 0;
}

static json_object *record_json(const struct progress_record *r, const char *krn,
                                json_object *errors, json_object *warnings)
{
    json_object *o = progress_to_json(r, krn);
    json_object_object_add(o, "errors", errors);
    json_object_object_add(o, "warnings", warnings);
    return o;
}

void progress_report(struct request *req)
{
    json_object *body = NULL, *errors = NULL, *warnings = NULL;
    struct client c;
    struct progress_post post = {0};
    struct progress_record rec;
    enum progress_outcome outcome = PROGRESS_UPDATED;
    if (request_json_body(req, &body) != 0)
        return;
    if (client_load_member(req, &c) != 0 || read_post(req, body, &post) != 0)
        goto out;
    post.client_id = c.id;
    post.user_id = req->user.id;
    post.keep = req->app->cfg.max_line_errors;
    errors = json_object_new_array();
    warnings = json_object_new_array();
    enum db_status st =
        progress_post(req->app->db, req->arena, &post, &outcome, &rec, errors, warnings);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (outcome == PROGRESS_NOT_CREATOR) {
        respond_error(req, 403, "FORBIDDEN",
                      "Only the original creator can update this file's progress", NULL);
        goto out;
    }
    if (outcome == PROGRESS_COMPLETED) {
        respond_error(req, 409, "CONFLICT", "This file processing has already been completed",
                      NULL);
        goto out;
    }
    bool created = outcome == PROGRESS_CREATED;
    json_object *o = record_json(&rec, c.krn, errors, warnings);
    errors = warnings = NULL;
    json_object_object_add(o, "result", json_object_new_string(created ? "created" : "updated"));
    respond_json_put(req, created ? 201 : 200, o);
out:
    json_object_put(errors);
    json_object_put(warnings);
    json_object_put(body);
}

static void respond_one(struct request *req, const struct client *c, const char *filename)
{
    struct progress_record rec;
    enum db_status st = progress_get(req->app->db, req->arena, c->id, filename, &rec);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "PROGRESS_NOT_FOUND", "No progress record for this filename",
                      "filename");
        return;
    }
    json_object *errors = json_object_new_array(), *warnings = json_object_new_array();
    long long keep = req->app->cfg.max_line_errors;
    if (st == DB_OK)
        st = progress_messages(req->app->db, rec.id, "error", keep, errors);
    if (st == DB_OK)
        st = progress_messages(req->app->db, rec.id, "warning", keep, warnings);
    if (st != DB_OK) {
        json_object_put(errors);
        json_object_put(warnings);
        respond_db_error(req, st);
        return;
    }
    respond_json_put(req, 200, record_json(&rec, c->krn, errors, warnings));
}

enum { SHOW_FILENAME, SHOW_EMAIL, SHOW__MAX };
static const struct field_spec show_query[SHOW__MAX] = {
    [SHOW_FILENAME] = {"filename", FIELD_STRING, false, 1, 512},
    [SHOW_EMAIL] = {"email", FIELD_STRING, false, 1, 254},
};

void progress_show(struct request *req)
{
    struct client c;
    json_object *v[SHOW__MAX];
    struct page page;
    if (request_query(req, show_query, SHOW__MAX, v, &page) != 0)
        return;
    if (client_load_member(req, &c) != 0)
        return;
    if (v[SHOW_FILENAME] != NULL) {
        respond_one(req, &c, json_object_get_string(v[SHOW_FILENAME]));
        return;
    }
    struct progress_list_query q = {c.id, c.krn, NULL, page.skip, page.limit};
    if (v[SHOW_EMAIL] != NULL) {
        char *lower = arena_strdup(req->arena, json_object_get_string(v[SHOW_EMAIL]));
        user_email_lower(lower);
        q.email = lower;
    }
    json_object *array;
    long long total = 0;
    enum db_status st = progress_list(req->app->db, req->arena, &q, &array, &total);
    respond_list(req, st, array, total);
}

const struct route_doc progress_report_doc = {
    .handler = progress_report,
    .summary = "Report a file's progress (counts add up; isLast completes it)",
    .description = "201 when it creates the file's record, 200 when it adds to it; 409 once "
                   "the record is complete; 403 when the caller did not create it.",
    .status = 201,
    .answer = "ProgressRecord",
    .answers = "200 409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, post_fields, POST__MAX},
               {"counts", count_fields, COUNT__MAX},
               {"errors[]", message_fields, MESSAGE__MAX},
               {"warnings[]", message_fields, MESSAGE__MAX}},
    .example = "{\"filename\":\"sales_data_2024.csv\",\"counts\":{\"done\":100,\"warn\":0,"
               "\"failed\":0},\"total\":10000}",
};

const struct route_doc progress_show_doc = {
    .handler = progress_show,
    .summary = "A client's progress records: one file (?filename), one member's (?email) or all",
    .status = 200,
    .answer = "ProgressRecord[]",
    .description = "With ?filename the answer is that one record (an object, with its errors "
                   "and warnings), 404 PROGRESS_NOT_FOUND when there is none.",
    .query = show_query,
    .nquery = SHOW__MAX,
    .paged = true,
};
