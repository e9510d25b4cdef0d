/* Progress reported by external workers, per client and filename. Members
 * of a client post and read; only a record's creator adds to it, and a
 * completed record takes nothing more. */
#include <stdio.h>
#include <string.h>

#include "api/client_store.h"
#include "api/handlers.h"
#include "api/limits.h"
#include "common/progress_post.h"
#include "common/progress_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/user_store.h"
#include "common/validate.h"
#include "common/log.h"

/* Validates the body into post (its strings borrowed from body) and extra;
 * -1 after answering 422 naming the field. */
static int read_post(struct request *req, json_object *body, struct progress_post *post,
                     struct progress_post_extra *extra)
{
    struct progress_post_error err;
    if (progress_post_read(body, req->arena, post, extra, &err) == 0)
        return 0;
    respond_invalid(req, err.field, err.message);
    return -1;
}

static json_object *record_json(const struct progress_record *r, const char *krn,
                                json_object *errors, json_object *warnings)
{
    json_object *o = progress_to_json(r, krn);
    json_object_object_add(o, "errors", errors);
    json_object_object_add(o, "warnings", warnings);
    return o;
}

/* The email of a struct user, or NULL when it may have been cut to fit
 * (the post then reads its record back with the stored one). */
static const char *full_email(const char *email, size_t size)
{
    return strlen(email) + 1 < size ? email : NULL;
}

/* Who a post is for, and their email: the caller, or the member a service
 * account names by email (Pebbles' workers report for the member whose file
 * they process). A user may name only themselves. -1 after answering 403. */
static int reporter(struct request *req, const struct client *c, const char *email,
                    const char **user_id, const char **user_email)
{
    struct user u;
    struct client membership;
    *user_id = req->user.id;
    *user_email = full_email(req->user.email, sizeof(req->user.email));
    if (email == NULL)
        return 0;
    char *lower = arena_strdup(req->arena, email);
    user_email_lower(lower);
    if (!req->is_service) {
        if (strcmp(lower, req->user.email) == 0)
            return 0;
        respond_error(req, 403, "FORBIDDEN", "Only a service account reports for another member",
                      "email");
        return -1;
    }
    enum db_status st = user_find_by_email(req->app->db, lower, &u);
    if (st == DB_OK)
        st = client_find_for_user(req->app->db, req->arena, c->krn, u.id, &membership);
    if (st == DB_OK && membership.role[0] != '\0') {
        *user_id = arena_strdup(req->arena, u.id);
        *user_email = full_email(arena_strdup(req->arena, u.email), sizeof(u.email));
        return 0;
    }
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        return -1;
    }
    respond_error(req, 403, "FORBIDDEN", "email is not a member of this client", "email");
    return -1;
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
    struct progress_post_extra extra;
    if (client_load_member(req, &c) != 0 || read_post(req, body, &post, &extra) != 0 ||
        reporter(req, &c, extra.email, &post.user_id, &post.user_email) != 0)
        goto out;
    if (extra.client_krn != NULL && strcmp(extra.client_krn, c.krn) != 0) {
        respond_invalid(req, "clientKrn", "clientKrn must name the client of the path");
        goto out;
    }
    if (rate_limit_take(req, LIMIT_PROGRESS) != 0)
        goto out;
    post.client_id = c.id;
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

static const enum cursor_part record_cursor[] = {CURSOR_TIME, CURSOR_ID};

void progress_show(struct request *req)
{
    struct client c;
    json_object *v[SHOW__MAX];
    struct page page = PAGE_WITH_CURSOR(record_cursor);
    if (request_query(req, show_query, SHOW__MAX, v, &page) != 0)
        return;
    if (client_load_member(req, &c) != 0)
        return;
    if (v[SHOW_FILENAME] != NULL) {
        respond_one(req, &c, json_object_get_string(v[SHOW_FILENAME]));
        return;
    }
    struct progress_list_query q = {c.id, c.krn, NULL, page.skip, page.limit, page.after};
    if (v[SHOW_EMAIL] != NULL) {
        char *lower = arena_strdup(req->arena, json_object_get_string(v[SHOW_EMAIL]));
        user_email_lower(lower);
        q.email = lower;
    }
    json_object *array;
    long long total = 0;
    const char *next = NULL;
    enum db_status st = progress_list(req->app->db, req->arena, &q, &array, &total, &next);
    respond_next(req, next);
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
    .fields = {{NULL, progress_post_fields, POST__MAX},
               {"counts", progress_count_fields, COUNT__MAX},
               {"errors[]", progress_message_fields, MESSAGE__MAX},
               {"warnings[]", progress_message_fields, MESSAGE__MAX}},
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
