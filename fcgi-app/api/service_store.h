#ifndef QUARRY_API_SERVICE_STORE_H
#define QUARRY_API_SERVICE_STORE_H
/* Every statement on service_accounts: worker programs of one client that
 * get short tokens by the OAuth2 client-credentials grant. */
#include <json-c/json.h>
#include <stdbool.h>

#include "api/client_store.h"
#include "api/request.h"
#include "common/db.h"
#include "common/ids.h"

#define SERVICE_NAME_MAX 128
#define SERVICE_HASH_LEN 64 /* SHA-256 as hex */

struct service_account {
    char id[UUID_LEN + 1];
    char client_id[UUID_LEN + 1];
    char krn[KRN_MAX + 1];
    char user_id[UUID_LEN + 1]; /* its own users row */
    char name[SERVICE_NAME_MAX + 1];
    char secret_hash[SERVICE_HASH_LEN + 1];
    char created_by[UUID_LEN + 1];
    char created_at[ISO_TIME_LEN + 1];
    char revoked_at[ISO_TIME_LEN + 1]; /* "" while active */
};

/* Inserts sa (id, client_id, name, secret_hash, created_by set by the
 * caller) with a users row of its own, in one transaction; fills
 * sa->user_id and sa->created_at. */
enum db_status service_account_insert(struct db *db, struct service_account *sa);
/* The account by id, with its client's krn; DB_NO_ROW when there is none. */
enum db_status service_account_find(struct db *db, const char *id, struct service_account *out);
/* Revokes the client's account id (and deactivates its user); *found is
 * false when the client has no such account. Revoking twice keeps the first time. */
enum db_status service_account_revoke(struct db *db, const char *client_id, const char *id,
                                      bool *found);
/* The page of the client's accounts, oldest first (ties by id), after the
 * cursor after (created_at, id) when it is not NULL, as a JSON array
 * (*page, owned by the caller, also after a failure); *total gets the
 * count, *next the cursor of the page's last account when more follow
 * (else NULL). */
enum db_status service_account_list(struct db *db, struct arena *a, const char *client_id,
                                    long long skip, long long limit, const char *const *after,
                                    json_object **page, long long *total, const char **next);
/* The account object of the API (never its secret or hash): a new object. */
json_object *service_account_to_json(const struct service_account *sa);

#endif
