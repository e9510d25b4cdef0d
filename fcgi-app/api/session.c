#include "api/session.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/response.h"
#include "api/user_store.h"
#include "common/token.h"

int session_authenticate(struct request *req)
{
    const char *auth = request_param(req, "HTTP_AUTHORIZATION");
    if (auth == NULL || *auth == '\0') {
        respond_error(req, 401, "UNAUTHORIZED", "Not authenticated", NULL);
        return -1;
    }
    if (strncasecmp(auth, "Bearer ", 7) != 0) {
        respond_error(req, 401, "INVALID_TOKEN", "Authorization must be a Bearer token", NULL);
        return -1;
    }
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    char sub[UUID_LEN + 8];
    switch (token_verify_cached(req->app->tokens, req->app->cfg.jwt_key, token,
                                (long long)time(NULL), sub, sizeof(sub))) {
    case TOKEN_OK:
        break;
    case TOKEN_EXPIRED:
        respond_error(req, 401, "TOKEN_EXPIRED", "Token has expired", NULL);
        return -1;
    default:
        respond_error(req, 401, "INVALID_TOKEN", "Could not validate credentials", NULL);
        return -1;
    }
    enum db_status st = user_find_by_id(req->app->db, sub, &req->user);
    if (st == DB_NO_ROW || (st == DB_OK && !req->user.is_active)) {
        respond_error(req, 401, "INVALID_TOKEN", "Could not validate credentials", NULL);
        return -1;
    }
    if (respond_unless_ok(req, st) != 0)
        return -1;
    req->has_user = true;
    return 0;
}
