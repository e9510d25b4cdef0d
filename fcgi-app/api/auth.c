/* POST /auth/register, POST /auth/login, GET /users/me and /auth/me. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/user_store.h"
#include "common/validate.h"
#include "common/log.h"
#include "common/password.h"
#include "common/token.h"

enum { REG_EMAIL, REG_PASSWORD, REG_USERNAME, REG_FULL_NAME, REG__MAX };
static const struct field_spec register_fields[REG__MAX] = {
    [REG_EMAIL] = {"email", FIELD_EMAIL, true, 3, 254},
    [REG_PASSWORD] = {"password", FIELD_STRING, true, PASSWORD_MIN, PASSWORD_MAX},
    [REG_USERNAME] = {"username", FIELD_NAME, false, 1, 64},
    [REG_FULL_NAME] = {"full_name", FIELD_STRING, false, 0, 200},
};

void auth_register(struct request *req)
{
    json_object *body = NULL, *v[REG__MAX];
    char hash[PASSWORD_HASH_MAX];
    struct user u = {0};
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, register_fields, REG__MAX, v) != 0)
        goto out;
    snprintf(u.email, sizeof(u.email), "%s", json_object_get_string(v[REG_EMAIL]));
    user_email_lower(u.email);
    if (v[REG_USERNAME] != NULL)
        snprintf(u.username, sizeof(u.username), "%s", json_object_get_string(v[REG_USERNAME]));
    if (v[REG_FULL_NAME] != NULL)
        snprintf(u.full_name, sizeof(u.full_name), "%s", json_object_get_string(v[REG_FULL_NAME]));
    int taken = 0;
    enum db_status st = user_taken(req->app->db, u.email, u.username[0] ? u.username : NULL, &taken);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (taken) {
        bool email = taken & 1;
        respond_error(req, 400, email ? "EMAIL_ALREADY_REGISTERED" : "USERNAME_TAKEN",
                      email ? "Email already registered" : "Username already taken",
                      email ? "email" : "username");
        goto out;
    }
    if (password_hash(json_object_get_string(v[REG_PASSWORD]), hash) != 0) {
        respond_error(req, 500, "INTERNAL_ERROR", "Could not hash the password", NULL);
        goto out;
    }
    id_uuid4(u.id);
    u.is_active = true;
    time_iso(time_now_ms(), u.created_at);
    st = user_insert(req->app->db, &u, hash);
    if (st == DB_DUPLICATE) {
        /* Lost a race with another registration of the same address. */
        respond_error(req, 400, "EMAIL_ALREADY_REGISTERED", "Email already registered", "email");
        goto out;
    }
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("user registered id=%s", u.id);
    respond_json_put(req, 201, user_to_json(&u));
out:
    json_object_put(body);
}

/* The same fields from a form (OAuth2 password flow) or a JSON body; the
 * login is the username, or else the email. */
enum { LOGIN_USERNAME, LOGIN_EMAIL, LOGIN_PASSWORD, LOGIN__MAX };
static const struct field_spec login_fields[LOGIN__MAX] = {
    [LOGIN_USERNAME] = {"username", FIELD_STRING, false, 0, 254},
    [LOGIN_EMAIL] = {"email", FIELD_STRING, false, 0, 254},
    [LOGIN_PASSWORD] = {"password", FIELD_STRING, false, 0, PASSWORD_MAX},
};

/* The credentials, borrowed from *holder (owned by the caller, which releases
 * it even after a failure). 0, or -1 after answering. */
static int login_credentials(struct request *req, const char **login, const char **password,
                             json_object **holder)
{
    json_object *v[LOGIN__MAX];
    int rc = request_content_type_is(req, "application/x-www-form-urlencoded")
                 ? request_form_body(req, login_fields, LOGIN__MAX, holder)
                 : request_json_body(req, holder);
    if (rc != 0 || request_fields(req, *holder, login_fields, LOGIN__MAX, v) != 0)
        return -1;
    json_object *name = v[LOGIN_USERNAME] ? v[LOGIN_USERNAME] : v[LOGIN_EMAIL];
    *login = name ? json_object_get_string(name) : "";
    *password = v[LOGIN_PASSWORD] ? json_object_get_string(v[LOGIN_PASSWORD]) : "";
    if (**login == '\0') {
        respond_invalid(req, "username", "username is required");
        return -1;
    }
    if (**password == '\0') {
        respond_invalid(req, "password", "password is required");
        return -1;
    }
    return 0;
}

void auth_login(struct request *req)
{
    json_object *holder = NULL;
    const char *login = NULL, *password = NULL;
    struct user_login found;
    if (login_credentials(req, &login, &password, &holder) != 0)
        goto out;
    char *normalized = arena_strdup(req->arena, login);
    if (strchr(normalized, '@') != NULL)
        user_email_lower(normalized);
    enum db_status st = user_find_for_login(req->app->db, normalized, &found);
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        goto out;
    }
    /* The same work and the same answer whether or not the user exists. */
    bool ok;
    if (st == DB_NO_ROW || strcmp(found.password_hash, PASSWORD_NONE) == 0) {
        password_verify_dummy(password);
        ok = false;
    } else {
        ok = password_verify(found.password_hash, password) && found.user.is_active;
    }
    if (!ok) {
        respond_error(req, 400, "INVALID_CREDENTIALS", "Incorrect username or password", NULL);
        goto out;
    }
    if (password_needs_rehash(found.password_hash)) {
        char hash[PASSWORD_HASH_MAX];
        if (password_hash(password, hash) == 0)
            user_update_password_hash(req->app->db, found.user.id, hash);
    }
    long long ttl = req->app->cfg.token_ttl_seconds;
    char *token = token_issue(req->app->cfg.jwt_key, found.user.id, found.user.email,
                              (long long)time(NULL), ttl);
    if (token == NULL) {
        respond_error(req, 500, "INTERNAL_ERROR", "Could not issue a token", NULL);
        goto out;
    }
    json_object *user = json_object_new_object();
    json_object_object_add(user, "id", json_object_new_string(found.user.id));
    json_object_object_add(user, "email", json_object_new_string(found.user.email));
    json_object_object_add(user, "username",
                           found.user.username[0] ? json_object_new_string(found.user.username) : NULL);
    json_object_object_add(user, "full_name",
                           found.user.full_name[0] ? json_object_new_string(found.user.full_name) : NULL);
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "access_token", json_object_new_string(token));
    json_object_object_add(answer, "token_type", json_object_new_string("bearer"));
    json_object_object_add(answer, "expires_in", json_object_new_int64(ttl));
    json_object_object_add(answer, "user_id", json_object_new_string(found.user.id));
    json_object_object_add(answer, "user", user);
    free(token);
    respond_json_put(req, 200, answer);
out:
    json_object_put(holder);
}

void auth_me(struct request *req)
{
    respond_json_put(req, 200, user_to_json(&req->user));
}

const struct route_doc auth_register_doc = {
    .handler = auth_register,
    .summary = "Register an account",
    .status = 201,
    .answer = "User",
    .answers = "400",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, register_fields, REG__MAX}},
    .example = "{\"email\":\"ada@example.com\",\"password\":\"correct-horse-battery\","
               "\"username\":\"ada\",\"full_name\":\"Ada Lovelace\"}",
};

const struct route_doc auth_login_doc = {
    .handler = auth_login,
    .summary = "Log in: a bearer token",
    .description = "A form (the OAuth2 password flow) or JSON; username may be the email. "
                   "A wrong password and an unknown user get the same 400 in a similar time.",
    .status = 200,
    .answer = "Token",
    .answers = "400 429",
    .body = DOC_BODY_FORM_JSON,
    .fields = {{NULL, login_fields, LOGIN__MAX}},
    .example = "username=ada@example.com&password=correct-horse-battery",
};

const struct route_doc auth_me_doc = {
    .handler = auth_me,
    .summary = "The caller's account",
    .status = 200,
    .answer = "User",
};
