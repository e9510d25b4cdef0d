/* Clients (tenants): admins create them and add members; every user lists
 * the clients they belong to. Admins act in every client. */
#include <stdio.h>
#include <string.h>

#include "api/client_store.h"
#include "api/handlers.h"
#include "api/member_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/user_store.h"
#include "common/validate.h"
#include "common/log.h"

int client_load_member(struct request *req, struct client *c)
{
    const char *krn = req->params[0];
    enum db_status st = client_krn_valid(krn)
                            ? client_find_for_user(req->app->db, req->arena, krn, req->user.id, c)
                            : DB_NO_ROW;
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "CLIENT_NOT_FOUND", "Client not found", NULL);
        return -1;
    }
    if (respond_unless_ok(req, st) != 0)
        return -1;
    /* A service account acts in its own client only, as no member. */
    if (req->is_service) {
        if (strcmp(c->id, req->service_client_id) == 0)
            return 0;
        respond_error(req, 403, "FORBIDDEN", "This service account belongs to another client",
                      NULL);
        return -1;
    }
    if (!req->user.is_superuser && c->role[0] == '\0') {
        respond_error(req, 403, "FORBIDDEN", "Not a member of this client", NULL);
        return -1;
    }
    return 0;
}

enum { CREATE_KRN, CREATE_NAME, CREATE__MAX };
static const struct field_spec create_fields[CREATE__MAX] = {
    [CREATE_KRN] = {"krn", FIELD_STRING, true, 1, KRN_MAX},
    [CREATE_NAME] = {"name", FIELD_STRING, true, 1, 255},
};

void clients_create(struct request *req)
{
    json_object *body = NULL, *v[CREATE__MAX];
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1];
    struct client c;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, create_fields, CREATE__MAX, v) != 0)
        goto out;
    const char *krn = json_object_get_string(v[CREATE_KRN]);
    if (!client_krn_valid(krn)) {
        respond_invalid(req, "krn",
                        "krn must look like krn:<org>:client:<id>, with org and id of 1-64 "
                        "letters, digits, '.', '_' or '-'");
        goto out;
    }
    id_uuid4(id);
    time_db(time_now_ms(), now);
    enum db_status st =
        client_insert(req->app->db, id, krn, json_object_get_string(v[CREATE_NAME]), req->user.id,
                      now);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "A client with this krn exists already", "krn");
        goto out;
    }
    if (st == DB_OK)
        st = client_find_for_user(req->app->db, req->arena, krn, req->user.id, &c);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("client created krn=%s", krn);
    respond_json_put(req, 201, client_to_json(&c));
out:
    json_object_put(body);
}

enum { MEMBER_EMAIL, MEMBER_ROLE, MEMBER__MAX };
static const struct field_spec member_fields[MEMBER__MAX] = {
    [MEMBER_EMAIL] = {"email", FIELD_EMAIL, true, 3, 254},
    [MEMBER_ROLE] = {"role", FIELD_NAME, false, 1, MEMBER_ROLE_MAX},
};

void clients_add_member(struct request *req)
{
    json_object *body = NULL, *v[MEMBER__MAX];
    char email[256], now[DB_TIME_LEN + 1], when[ISO_TIME_LEN + 1];
    struct client c;
    struct user u;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, member_fields, MEMBER__MAX, v) != 0)
        goto out;
    const char *role = v[MEMBER_ROLE] ? json_object_get_string(v[MEMBER_ROLE]) : "member";
    if (client_load_member(req, &c) != 0)
        goto out;
    snprintf(email, sizeof(email), "%s", json_object_get_string(v[MEMBER_EMAIL]));
    user_email_lower(email);
    enum db_status st = user_find_by_email(req->app->db, email, &u);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "USER_NOT_FOUND", "No user has this email", "email");
        goto out;
    }
    if (respond_unless_ok(req, st) != 0)
        goto out;
    long long now_ms = time_now_ms();
    time_db(now_ms, now);
    time_iso(now_ms, when);
    st = client_member_add(req->app->db, c.id, u.id, role, now);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "The user is a member of this client already", "email");
        goto out;
    }
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("client %s: member %s added as %s", c.krn, u.id, role);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "client_id", json_object_new_string(c.id));
    json_object_object_add(o, "krn", json_object_new_string(c.krn));
    json_object_object_add(o, "user_id", json_object_new_string(u.id));
    json_object_object_add(o, "email", json_object_new_string(u.email));
    json_object_object_add(o, "role", json_object_new_string(role));
    json_object_object_add(o, "created_at", json_object_new_string(when));
    respond_json_put(req, 201, o);
out:
    json_object_put(body);
}

static const enum cursor_part client_cursor[] = {CURSOR_KEY};

void clients_list(struct request *req)
{
    struct page page = PAGE_WITH_CURSOR(client_cursor);
    json_object *array;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0)
        return;
    enum db_status st = client_list(req->app->db, req->arena, req->user.id, req->user.is_superuser,
                                    &page, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

const struct route_doc clients_create_doc = {
    .handler = clients_create,
    .summary = "Create a client (tenant); administrators only",
    .status = 201,
    .answer = "Client",
    .answers = "409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, create_fields, CREATE__MAX}},
    .example = "{\"krn\":\"krn:acme:client:456\",\"name\":\"Acme\"}",
};

const struct route_doc clients_list_doc = {
    .handler = clients_list,
    .summary = "The clients the caller is a member of (all of them for an administrator)",
    .status = 200,
    .answer = "Client[]",
    .paged = true,
};

const struct route_doc clients_add_member_doc = {
    .handler = clients_add_member,
    .summary = "Add a user to a client; administrators only",
    .status = 201,
    .answer = "Member",
    .answers = "409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, member_fields, MEMBER__MAX}},
    .example = "{\"email\":\"ada@example.com\",\"role\":\"member\"}",
};
