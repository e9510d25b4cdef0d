/* A client's members, for administrators: the list (oldest first, paged),
 * changing one's role and removing one. Adding one is
 * POST /clients/{krn}/members (clients.c). */
#include "api/client_store.h"
#include "api/handlers.h"
#include "api/member_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/validate.h"

static const enum cursor_part member_cursor[] = {CURSOR_TIME, CURSOR_ID};

void clients_list_members(struct request *req)
{
    struct client c;
    struct page page = PAGE_WITH_CURSOR(member_cursor);
    json_object *array = NULL;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0 || client_load_member(req, &c) != 0)
        return;
    enum db_status st = member_list(req->app->db, req->arena, c.id, c.krn, page.skip, page.limit,
                                    page.after, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

/* The role is a name (1 to 32 of [A-Za-z0-9_.-]), as when the member was
 * added (POST /clients/{krn}/members); only administrators reach either. */
enum { ROLE_ROLE, ROLE__MAX };
static const struct field_spec role_fields[ROLE__MAX] = {
    [ROLE_ROLE] = {"role", FIELD_NAME, true, 1, MEMBER_ROLE_MAX},
};

void clients_update_member(struct request *req)
{
    json_object *body = NULL, *v[ROLE__MAX], *member = NULL;
    struct client c;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, role_fields, ROLE__MAX, v) != 0 ||
        client_load_member(req, &c) != 0)
        goto out;
    const char *user_id = req->params[1];
    const char *role = json_object_get_string(v[ROLE_ROLE]);
    enum db_status st = id_is_uuid(user_id)
                            ? member_set_role(req->app->db, c.id, c.krn, user_id, role, &member)
                            : DB_OK;
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (member == NULL) {
        respond_error(req, 404, "MEMBER_NOT_FOUND", "The user is not a member of this client",
                      NULL);
        goto out;
    }
    log_info("client %s: member %s now %s", c.krn, user_id, role);
    respond_json_put(req, 200, member);
    member = NULL;
out:
    json_object_put(member);
    json_object_put(body);
}

void clients_remove_member(struct request *req)
{
    struct client c;
    bool found = false;
    if (client_load_member(req, &c) != 0)
        return;
    const char *user_id = req->params[1];
    enum db_status st =
        id_is_uuid(user_id) ? member_remove(req->app->db, c.id, user_id, &found) : DB_OK;
    if (respond_unless_ok(req, st) != 0)
        return;
    if (!found) {
        respond_error(req, 404, "MEMBER_NOT_FOUND", "The user is not a member of this client",
                      NULL);
        return;
    }
    log_info("client %s: member %s removed", c.krn, user_id);
    respond_empty(req, 204);
}

const struct route_doc clients_list_members_doc = {
    .handler = clients_list_members,
    .summary = "A client's members (oldest first); administrators only",
    .status = 200,
    .answer = "Member[]",
    .paged = true,
};

const struct route_doc clients_remove_member_doc = {
    .handler = clients_remove_member,
    .summary = "Remove a user from a client; administrators only",
    .description = "The user keeps their account, jobs and files; they no longer see the "
                   "client's progress records.",
    .status = 204,
};

const struct route_doc clients_update_member_doc = {
    .handler = clients_update_member,
    .summary = "Change a member's role; administrators only",
    .description = "The role is a name, as when the member was added; the same role again "
                   "is a success that changes nothing.",
    .status = 200,
    .answer = "Member",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, role_fields, ROLE__MAX}},
    .example = "{\"role\":\"admin\"}",
};
