/* Progress reported by external workers, per client and filename. Members
 * of a client post and read; only a record's creator adds to it, and a
 * completed record takes nothing more. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api/client_store.h"
#include "api/handlers.h"
#include "api/progress_store.h"
#include "api/response.h"
#include "api/validate.h"
#include "common/log.h"

#define COUNT_MAX 1000000000000000LL /* 10^15: sums stay far from overflow */
#define MESSAGES_PER_POST 10000
#define MESSAGE_MAX 4096

static const struct field_spec post_fields[] = {
    {"filename", FIELD_STRING, true, 1, 512},
    {"counts", FIELD_OBJECT, true, 0, 0},
    {"total", FIELD_INT, false, 0, COUNT_MAX},
    {"isLast", FIELD_BOOL, false, 0, 0},
    {"errors", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
    {"warnings", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
};

static const struct field_spec count_fields[] = {
    {"done", FIELD_INT, false, 0, COUNT_MAX},
    {"warn", FIELD_INT, false, 0, COUNT_MAX},
    {"failed", FIELD_INT, false, 0, COUNT_MAX},
};

static const struct field_spec message_fields[] = {
    {"line", FIELD_INT, false, 0, COUNT_MAX},
    {"message", FIELD_STRING, true, 1, MESSAGE_MAX},
};

/* Reads errors or warnings: each {line?, message} (or a bare message
 * string) into an arena array. Returns -1 after answering 422. */
static int read_messages(struct request *req, json_object *array, const char *name,
                         const struct progress_message **out, int *n)
{
    char msg[256];
    const char *field;
    json_object *v[2];
    *out = NULL;
    *n = 0;
    if (array == NULL)
        return 0;
    size_t len = json_object_array_length(array);
    struct progress_message *m = arena_alloc(req->arena, (len ? len : 1) * sizeof(*m));
    for (size_t i = 0; i < len; i++) {
        json_object *item = json_object_array_get_idx(array, i);
        if (json_object_is_type(item, json_type_string)) {
            json_object *wrapped = json_object_new_object();
            json_object_object_add(wrapped, "message", json_object_get(item));
            int rc = validate_fields(wrapped, message_fields + 1, 1, v + 1, &field, msg,
                                     sizeof(msg));
            m[i].has_line = false;
            m[i].message = rc == 0 ? arena_strdup(req->arena, json_object_get_string(v[1])) : NULL;
            json_object_put(wrapped);
            if (rc != 0) {
                respond_error(req, 422, "VALIDATION_ERROR", msg,
                              arena_printf(req->arena, "%s[%zu]", name, i));
                return -1;
            }
            continue;
        }
        if (!json_object_is_type(item, json_type_object) ||
            validate_fields(item, message_fields, 2, v, &field, msg, sizeof(msg)) != 0) {
            if (!json_object_is_type(item, json_type_object)) {
                snprintf(msg, sizeof(msg), "%s items must be objects {line, message}", name);
                field = NULL;
            }
            respond_error(req, 422, "VALIDATION_ERROR", msg,
                          field ? arena_printf(req->arena, "%s[%zu].%s", name, i, field)
                                : arena_printf(req->arena, "%s[%zu]", name, i));
            return -1;
        }
        m[i].has_line = v[0] != NULL;
        m[i].line = v[0] ? json_object_get_int64(v[0]) : 0;
        m[i].message = json_object_get_string(v[1]);
    }
    *out = m;
    *n = (int)len;
    return 0;
}

/* Validates the body into post; -1 after answering 422. */
static int read_post(struct request *req, json_object *body, struct progress_post *post)
{
    json_object *v[6], *c[3];
    const char *field;
    char msg[256];
    if (validate_fields(body, post_fields, 6, v, &field, msg, sizeof(msg)) != 0) {
        respond_error(req, 422, "VALIDATION_ERROR", msg, field);
        return -1;
    }
    if (validate_fields(v[1], count_fields, 3, c, &field, msg, sizeof(msg)) != 0) {
        respond_error(req, 422, "VALIDATION_ERROR", arena_printf(req->arena, "counts.%s", msg),
                      arena_printf(req->arena, "counts.%s", field));
        return -1;
    }
    post->filename = json_object_get_string(v[0]);
    post->done = c[0] ? json_object_get_int64(c[0]) : 0;
    post->warn = c[1] ? json_object_get_int64(c[1]) : 0;
    post->failed = c[2] ? json_object_get_int64(c[2]) : 0;
    post->has_total = v[2] != NULL;
    post->total = v[2] ? json_object_get_int64(v[2]) : 0;
    post->is_last = v[3] ? json_object_get_boolean(v[3]) : false;
    if (read_messages(req, v[4], "errors", &post->errors, &post->nerrors) != 0 ||
        read_messages(req, v[5], "warnings", &post->warnings, &post->nwarnings) != 0)
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
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    if (outcome == PROGRESS_NOT_CREATOR) {
        respond_error(req, 403, "FORBIDDEN", "Only the creator of this progress record may update it",
                      NULL);
        goto out;
    }
    if (outcome == PROGRESS_COMPLETED) {
        respond_error(req, 409, "CONFLICT", "This progress record is completed", NULL);
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

struct list_ctx {
    json_object *array;
    const char *krn;
};

static void add_record(void *ctx, const struct progress_record *r)
{
    struct list_ctx *l = ctx;
    json_object_array_add(l->array, progress_to_json(r, l->krn));
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

void progress_show(struct request *req)
{
    struct client c;
    struct progress_list_query q = {NULL, NULL, 0, 100};
    if (query_int(req, "skip", 0, 0, 1LL << 40, &q.skip) != 0 ||
        query_int(req, "limit", 100, 1, 1000, &q.limit) != 0)
        return;
    if (client_load_member(req, &c) != 0)
        return;
    const char *filename = form_value(req->arena, req->query, "filename");
    if (filename != NULL && *filename != '\0') {
        respond_one(req, &c, filename);
        return;
    }
    q.client_id = c.id;
    const char *email = form_value(req->arena, req->query, "email");
    if (email != NULL && *email != '\0') {
        char *lower = arena_strdup(req->arena, email);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        q.email = lower;
    }
    struct list_ctx ctx = {json_object_new_array(), c.krn};
    long long total = 0;
    enum db_status st = progress_list(req->app->db, req->arena, &q, add_record, &ctx, &total);
    respond_list(req, st, ctx.array, total);
}
