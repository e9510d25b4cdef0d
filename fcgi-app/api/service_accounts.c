/* Service accounts of a client (admins create, list and revoke them) and the
 * OAuth2 client-credentials grant that turns one's secret into a short
 * token (POST /auth/token). The token opens only the progress of that
 * client (ROUTE_WORKER routes). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/client_store.h"
#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/service_store.h"
#include "common/log.h"
#include "common/token.h"

#define SECRET_PREFIX "qsa_"
#define SECRET_RANDOM_BYTES 32
#define SECRET_MAX 128

/* The secret's SHA-256 as hex into hex (SERVICE_HASH_LEN + 1). */
static void secret_hash(const char *secret, char *hex)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)secret, strlen(secret));
    sodium_bin2hex(hex, SERVICE_HASH_LEN + 1, digest, sizeof(digest));
}

enum { SA_NAME, SA__MAX };
static const struct field_spec create_fields[SA__MAX] = {
    [SA_NAME] = {"name", FIELD_LINE, true, 1, SERVICE_NAME_MAX},
};

void service_accounts_create(struct request *req)
{
    json_object *body = NULL, *v[SA__MAX];
    struct client c;
    struct service_account sa = {0};
    unsigned char random[SECRET_RANDOM_BYTES];
    char secret[SECRET_MAX];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, create_fields, SA__MAX, v) != 0 ||
        client_load_member(req, &c) != 0)
        goto out;
    randombytes_buf(random, sizeof(random));
    memcpy(secret, SECRET_PREFIX, sizeof(SECRET_PREFIX));
    sodium_bin2base64(secret + strlen(SECRET_PREFIX), sizeof(secret) - strlen(SECRET_PREFIX),
                      random, sizeof(random), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    id_uuid4(sa.id);
    memcpy(sa.client_id, c.id, sizeof(c.id));
    memcpy(sa.krn, c.krn, sizeof(c.krn));
    snprintf(sa.name, sizeof(sa.name), "%s", json_object_get_string(v[SA_NAME]));
    memcpy(sa.created_by, req->user.id, sizeof(req->user.id));
    secret_hash(secret, sa.secret_hash);
    enum db_status st = service_account_insert(req->app->db, &sa);
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("client %s: service account %s created", c.krn, sa.id);
    json_object *o = service_account_to_json(&sa);
    /* Shown this once: only its hash is kept. */
    json_object_object_add(o, "client_secret", json_object_new_string(secret));
    respond_json_put(req, 201, o);
out:
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(random, sizeof(random));
    json_object_put(body);
}

void service_accounts_list(struct request *req)
{
    struct client c;
    struct page page = PAGE_BY_TIME_ID;
    json_object *array = NULL;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0 || client_load_member(req, &c) != 0)
        return;
    enum db_status st = service_account_list(req->app->db, req->arena, c.id, page.skip,
                                             page.limit, page.after, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

void service_accounts_revoke(struct request *req)
{
    struct client c;
    struct service_account sa;
    bool found = false;
    if (client_load_member(req, &c) != 0)
        return;
    const char *id = req->params[1];
    enum db_status st = id_is_uuid(id) ? service_account_revoke(req->app->db, c.id, id, &found)
                                       : DB_OK;
    if (st == DB_OK && !found) {
        respond_error(req, 404, "SERVICE_ACCOUNT_NOT_FOUND", "Service account not found", NULL);
        return;
    }
    if (st == DB_OK)
        st = service_account_find(req->app->db, id, &sa);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    log_info("client %s: service account %s revoked", c.krn, sa.id);
    respond_json_put(req, 200, service_account_to_json(&sa));
}

/* The OAuth2 token request (RFC 6749 4.4): a form (or JSON) body; the
 * client's credentials in it or as HTTP Basic (2.3.1). */
enum { GRANT_TYPE, GRANT_CLIENT_ID, GRANT_CLIENT_SECRET, GRANT_SCOPE, GRANT__MAX };
static const struct field_spec grant_fields[GRANT__MAX] = {
    [GRANT_TYPE] = {"grant_type", FIELD_STRING, true, 1, 64},
    [GRANT_CLIENT_ID] = {"client_id", FIELD_STRING, false, 1, 64},
    [GRANT_CLIENT_SECRET] = {"client_secret", FIELD_STRING, false, 1, SECRET_MAX},
    [GRANT_SCOPE] = {"scope", FIELD_STRING, false, 0, 256},
};

/* Splits "Basic base64(id:secret)" into the arena; false when it is not one. */
static bool basic_credentials(struct request *req, const char **id, const char **secret)
{
    const char *auth = request_param(req, "HTTP_AUTHORIZATION");
    unsigned char buf[256];
    size_t len = 0;
    if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
        return false;
    const char *b64 = auth + 6;
    if (sodium_base642bin(buf, sizeof(buf) - 1, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    buf[len] = '\0';
    char *text = arena_strndup(req->arena, (const char *)buf, len), *colon = strchr(text, ':');
    sodium_memzero(buf, sizeof(buf));
    if (colon == NULL)
        return false;
    *colon = '\0';
    /* RFC 6749 2.3.1: both parts are form-urlencoded before base64. */
    *id = url_decode(req->arena, text, strlen(text), true);
    *secret = url_decode(req->arena, colon + 1, strlen(colon + 1), true);
    return true;
}

static void refuse_client(struct request *req)
{
    respond_header(req, "WWW-Authenticate", "Basic realm=\"quarry\"");
    respond_error(req, 401, "INVALID_CLIENT", "Client authentication failed", NULL);
}

void auth_token(struct request *req)
{
    json_object *holder = NULL, *v[GRANT__MAX];
    const char *id = NULL, *secret = NULL;
    struct service_account sa;
    char hash[SERVICE_HASH_LEN + 1];
    int rc = request_content_type_is(req, "application/x-www-form-urlencoded")
                 ? request_form_body(req, grant_fields, GRANT__MAX, &holder)
                 : request_json_body(req, &holder);
    if (rc != 0 || request_fields(req, holder, grant_fields, GRANT__MAX, v) != 0)
        goto out;
    if (strcmp(json_object_get_string(v[GRANT_TYPE]), "client_credentials") != 0) {
        respond_error(req, 400, "UNSUPPORTED_GRANT_TYPE",
                      "grant_type must be client_credentials", "grant_type");
        goto out;
    }
    if (!basic_credentials(req, &id, &secret)) {
        id = v[GRANT_CLIENT_ID] ? json_object_get_string(v[GRANT_CLIENT_ID]) : NULL;
        secret = v[GRANT_CLIENT_SECRET] ? json_object_get_string(v[GRANT_CLIENT_SECRET]) : NULL;
    }
    if (id == NULL || secret == NULL || *secret == '\0') {
        refuse_client(req);
        goto out;
    }
    enum db_status st = id_is_uuid(id) ? service_account_find(req->app->db, id, &sa) : DB_NO_ROW;
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        goto out;
    }
    /* The same work whether or not the account exists. */
    secret_hash(secret, hash);
    bool ok = st == DB_OK && sodium_memcmp(hash, sa.secret_hash, SERVICE_HASH_LEN) == 0 &&
              sa.revoked_at[0] == '\0';
    if (!ok) {
        refuse_client(req);
        goto out;
    }
    long long ttl = req->app->cfg.service_token_ttl_seconds;
    char *token = token_issue_service(req->app->cfg.jwt_key, sa.id, sa.client_id,
                                      (long long)time(NULL), ttl);
    if (token == NULL) {
        respond_error(req, 500, "INTERNAL_ERROR", "Could not issue a token", NULL);
        goto out;
    }
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "access_token", json_object_new_string(token));
    json_object_object_add(answer, "token_type", json_object_new_string("bearer"));
    json_object_object_add(answer, "expires_in", json_object_new_int64(ttl));
    json_object_object_add(answer, "scope", json_object_new_string("progress"));
    json_object_object_add(answer, "clientKrn", json_object_new_string(sa.krn));
    free(token);
    /* RFC 6749 5.1: token answers are never cached. */
    respond_header(req, "Cache-Control", "no-store");
    respond_json_put(req, 200, answer);
out:
    json_object_put(holder);
}

/* ---------------------------------------------------------------- docs */

const struct route_doc service_accounts_create_doc = {
    .handler = service_accounts_create,
    .summary = "Create a service account of a client: its secret is shown this once",
    .description = "The account gets tokens from POST /auth/token (client credentials: its "
                   "id and client_secret); a token opens that client's progress only.",
    .status = 201,
    .answer = "ServiceAccountCreated",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, create_fields, SA__MAX}},
    .example = "{\"name\":\"ingest-worker\"}",
};

const struct route_doc service_accounts_list_doc = {
    .handler = service_accounts_list,
    .summary = "A client's service accounts, revoked ones too",
    .status = 200,
    .answer = "ServiceAccount[]",
    .paged = true,
};

const struct route_doc service_accounts_revoke_doc = {
    .handler = service_accounts_revoke,
    .summary = "Revoke a service account: its secret and its tokens stop working",
    .status = 200,
    .answer = "ServiceAccount",
};

const struct route_doc auth_token_doc = {
    .handler = auth_token,
    .summary = "A service account's token (OAuth2 client-credentials grant)",
    .description = "A form (or JSON) with grant_type=client_credentials; the account's id and "
                   "secret as client_id and client_secret, or as HTTP Basic credentials "
                   "(RFC 6749 2.3.1). Wrong or revoked credentials are a 401 INVALID_CLIENT; "
                   "the answer is never cached.",
    .status = 200,
    .answer = "ServiceToken",
    .answers = "400 401",
    .body = DOC_BODY_FORM_JSON,
    .fields = {{NULL, grant_fields, GRANT__MAX}},
};
