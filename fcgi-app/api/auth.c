/* POST /auth/register, POST /auth/login, GET /users/me and /auth/me. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/user_store.h"
#include "api/validate.h"
#include "common/log.h"
#include "common/password.h"
#include "common/token.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

static const struct field_spec register_fields[] = {
    {"email", FIELD_EMAIL, true, 3, 254},
    {"password", FIELD_STRING, true, PASSWORD_MIN, PASSWORD_MAX},
    {"username", FIELD_STRING, false, 1, 64},
    {"full_name", FIELD_STRING, false, 0, 200},
};

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static bool username_ok(const char *s)
{
    /* Letters, digits, . _ - : and never an '@', so it cannot pass for an email. */
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

void auth_register(struct request *req)
{
    json_object *body = NULL, *v[4];
    const char *field;
    char msg[256], hash[PASSWORD_HASH_MAX];
    struct user u = {0};
    if (request_json_body(req, &body) != 0)
        return;
    if (validate_fields(body, register_fields, 4, v, &field, msg, sizeof(msg)) != 0) {
        respond_error(req, 422, "VALIDATION_ERROR", msg, field);
        goto out;
    }
    snprintf(u.email, sizeof(u.email), "%s", json_object_get_string(v[0]));
    lower_ascii(u.email);
    if (v[2] != NULL) {
        snprintf(u.username, sizeof(u.username), "%s", json_object_get_string(v[2]));
        if (!username_ok(u.username)) {
            respond_error(req, 422, "VALIDATION_ERROR",
                          "username may hold only letters, digits, '.', '_' and '-'", "username");
            goto out;
        }
    }
    if (v[3] != NULL)
        snprintf(u.full_name, sizeof(u.full_name), "%s", json_object_get_string(v[3]));
    int taken = 0;
    enum db_status st = user_taken(req->app->db, u.email, u.username[0] ? u.username : NULL, &taken);
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    if (taken) {
        bool email = taken & 1;
        respond_error(req, 400, email ? "EMAIL_ALREADY_REGISTERED" : "USERNAME_TAKEN",
                      email ? "Email already registered" : "Username already taken",
                      email ? "email" : "username");
        goto out;
    }
    if (password_hash(json_object_get_string(v[1]), hash) != 0) {
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
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("user registered id=%s", u.id);
    respond_json_put(req, 201, user_to_json(&u));
out:
    json_object_put(body);
}

/* The credentials from a form (OAuth2 password flow) or a JSON body. */
static int login_credentials(struct request *req, const char **login, const char **password,
                             json_object **holder)
{
    if (request_content_type_is(req, "application/x-www-form-urlencoded")) {
        char *body;
        size_t len;
        if (request_read_body(req, 65536, &body, &len) != BODY_OK) {
            respond_error(req, 413, "PAYLOAD_TOO_LARGE", "Request body is too large", NULL);
            return -1;
        }
        *login = form_value(req->arena, body, "username");
        *password = form_value(req->arena, body, "password");
    } else {
        if (request_json_body(req, holder) != 0)
            return -1;
        json_object *v;
        if (json_object_object_get_ex(*holder, "username", &v) && json_object_is_type(v, json_type_string))
            *login = json_object_get_string(v);
        else if (json_object_object_get_ex(*holder, "email", &v) && json_object_is_type(v, json_type_string))
            *login = json_object_get_string(v);
        if (json_object_object_get_ex(*holder, "password", &v) && json_object_is_type(v, json_type_string))
            *password = json_object_get_string(v);
    }
    if (*login == NULL || **login == '\0') {
        respond_error(req, 422, "VALIDATION_ERROR", "username is required", "username");
        return -1;
    }
    if (*password == NULL || **password == '\0') {
        respond_error(req, 422, "VALIDATION_ERROR", "password is required", "password");
        return -1;
    }
    if (strlen(*login) > 254 || strlen(*password) > PASSWORD_MAX) {
        respond_error(req, 422, "VALIDATION_ERROR", "username or password is too long", "username");
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
        lower_ascii(normalized);
    enum db_status st = user_find_for_login(req->app->db, normalized, &found);
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        goto out;
    }
    /* The same work and the same answer whether or not the user exists. */
    bool ok;
    if (st == DB_NO_ROW) {
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
