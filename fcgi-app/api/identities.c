/* External identities (subjects of configured issuers) as admins see them,
 * and linking one to an existing account: its next token then acts as that
 * account. */
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/identity_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/user_store.h"
#include "common/log.h"

enum { LIST_USER_ID, LIST__MAX };
static const struct field_spec list_query[LIST__MAX] = {
    [LIST_USER_ID] = {"user_id", FIELD_STRING, false, 36, 36},
};

void identities_list(struct request *req)
{
    json_object *v[LIST__MAX], *array = NULL;
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (request_query(req, list_query, LIST__MAX, v, &page) != 0)
        return;
    const char *user_id = v[LIST_USER_ID] ? json_object_get_string(v[LIST_USER_ID]) : NULL;
    enum db_status st = identity_list(req->app->db, req->arena, user_id, page.skip, page.limit,
                                      page.after, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

/* issuer is the issuer's name in the issuers file or its iss. */
enum { LINK_ISSUER, LINK_SUBJECT, LINK_EMAIL, LINK__MAX };
static const struct field_spec link_fields[LINK__MAX] = {
    [LINK_ISSUER] = {"issuer", FIELD_STRING, true, 1, ISSUER_TEXT_MAX},
    [LINK_SUBJECT] = {"subject", FIELD_STRING, true, 1, 255},
    [LINK_EMAIL] = {"email", FIELD_EMAIL, true, 3, 254},
};

static const struct issuer *issuer_named(struct issuers *set, const char *name)
{
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->list[i].name, name) == 0 || strcmp(set->list[i].iss, name) == 0)
            return &set->list[i];
    return NULL;
}

void identities_link(struct request *req)
{
    json_object *body = NULL, *v[LINK__MAX];
    char email[256];
    struct user target;
    bool found = false;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, link_fields, LINK__MAX, v) != 0)
        goto out;
    const struct issuer *is = issuer_named(&req->app->issuers, json_object_get_string(v[LINK_ISSUER]));
    if (is == NULL) {
        respond_invalid(req, "issuer", "issuer must name a configured issuer (its name or iss)");
        goto out;
    }
    snprintf(email, sizeof(email), "%s", json_object_get_string(v[LINK_EMAIL]));
    user_email_lower(email);
    enum db_status st = user_find_by_email(req->app->db, email, &target);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "USER_NOT_FOUND", "No user has this email", "email");
        goto out;
    }
    const char *subject = json_object_get_string(v[LINK_SUBJECT]);
    if (st == DB_OK)
        st = identity_link(req->app->db, is->iss, subject, target.id, &found);
    if (st == DB_OK && !found) {
        respond_error(req, 404, "IDENTITY_NOT_FOUND",
                      "This subject has not signed in with this issuer yet", "subject");
        goto out;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("identity %s of issuer %s linked to user %s", subject, is->name, target.id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "issuer", json_object_new_string(is->iss));
    json_object_object_add(o, "subject", json_object_new_string(subject));
    json_object_object_add(o, "user", user_to_json(&target));
    respond_json_put(req, 200, o);
out:
    json_object_put(body);
}

/* ---------------------------------------------------------------- docs */

const struct route_doc identities_list_doc = {
    .handler = identities_list,
    .summary = "External identities (subjects of configured issuers), newest first; "
               "administrators only",
    .status = 200,
    .answer = "Identity[]",
    .query = list_query,
    .nquery = LIST__MAX,
    .paged = true,
};

const struct route_doc identities_link_doc = {
    .handler = identities_link,
    .summary = "Link an external identity to an account; administrators only",
    .description = "issuer is a configured issuer's name or its iss; the subject must have "
                   "signed in with it once. Its next token acts as the account of email.",
    .status = 200,
    .answer = "IdentityLink",
    .answers = "404",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, link_fields, LINK__MAX}},
};
