#include "api/session.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/identity_store.h"
#include "api/response.h"
#include "api/service_store.h"
#include "api/user_store.h"
#include "common/log.h"
#include "common/token.h"

/* The service account of a verified service token, unless revoked since. */
static enum db_status service_user(struct request *req, const struct token_claims *c)
{
    struct service_account sa;
    enum db_status st = service_account_find(req->app->db, c->sub, &sa);
    if (st != DB_OK)
        return st;
    if (sa.revoked_at[0] != '\0' || strcmp(sa.client_id, c->client) != 0)
        return DB_NO_ROW;
    req->is_service = true;
    memcpy(req->service_id, sa.id, sizeof(sa.id));
    memcpy(req->service_client_id, sa.client_id, sizeof(sa.client_id));
    return user_find_by_id(req->app->db, sa.user_id, &req->user);
}

/* The user of an external subject; its first valid token makes it. */
static enum db_status external_user(struct request *req, const struct token_claims *c)
{
    enum db_status st = user_find_by_identity(req->app->db, c->issuer->iss, c->sub, &req->user);
    if (st != DB_NO_ROW)
        return st;
    st = identity_create(req->app->db, c->issuer->iss, c->sub, c->email, c->issuer->name,
                         &req->user);
    if (st == DB_OK)
        log_info("user %s created for subject %s of issuer %s", req->user.id, c->sub,
                 c->issuer->name);
    return st;
}

/* The token checked and its user loaded: 0, or 401 with *code and *message
 * set, or 503 with the database's status in *db; nothing is answered. */
static int verify(struct request *req, const char **code, const char **message,
                  enum db_status *db)
{
    const char *auth = request_param(req, "HTTP_AUTHORIZATION");
    *code = "INVALID_TOKEN";
    *message = "Could not validate credentials";
    if (auth == NULL || *auth == '\0') {
        *code = "UNAUTHORIZED";
        *message = "Not authenticated";
        return 401;
    }
    if (strncasecmp(auth, "Bearer ", 7) != 0) {
        *message = "Authorization must be a Bearer token";
        return 401;
    }
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    struct token_claims claims;
    switch (token_verify_bearer(&req->app->verifier, token, (long long)time(NULL), &claims)) {
    case TOKEN_OK:
        break;
    case TOKEN_EXPIRED:
        *code = "TOKEN_EXPIRED";
        *message = "Token has expired";
        return 401;
    default:
        return 401;
    }
    enum db_status st;
    switch (claims.kind) {
    case TOKEN_KIND_SERVICE:
        st = service_user(req, &claims);
        break;
    case TOKEN_KIND_EXTERNAL:
        st = external_user(req, &claims);
        break;
    default:
        st = user_find_by_id(req->app->db, claims.sub, &req->user);
        break;
    }
    if (st == DB_NO_ROW || (st == DB_OK && !req->user.is_active))
        return 401;
    if (st != DB_OK) {
        *db = st;
        *code = "SERVICE_UNAVAILABLE";
        *message = "Service unavailable";
        return 503;
    }
    req->has_user = true;
    return 0;
}

int session_authenticate(struct request *req)
{
    const char *code, *message;
    enum db_status db = DB_OK;
    switch (verify(req, &code, &message, &db)) {
    case 0:
        return 0;
    case 401:
        respond_error(req, 401, code, message, NULL);
        return -1;
    default:
        respond_unless_ok(req, db);
        return -1;
    }
}

int session_check(struct request *req, const char **code, const char **message)
{
    enum db_status db = DB_OK;
    return verify(req, code, message, &db);
}
