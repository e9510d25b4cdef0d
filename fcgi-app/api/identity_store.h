#ifndef QUARRY_API_IDENTITY_STORE_H
#define QUARRY_API_IDENTITY_STORE_H
/* Every statement on external_identities: subjects of external issuers
 * (their iss and sub) and the Quarry users they act as. */
#include <json-c/json.h>
#include <stdbool.h>

#include "api/request.h"
#include "common/arena.h"
#include "common/db.h"

/* The user of a subject's first valid token, made with the identity in one
 * transaction: its email is the token's (lower-cased) when that is given
 * and no account has it yet, else <user id>@external.invalid (an existing
 * account is never taken over by an email claim: an admin links them).
 * When another worker made it first, *out is that one's user. */
enum db_status identity_create(struct db *db, const char *iss, const char *subject,
                               const char *email, const char *issuer_name, struct user *out);

/* Maps the identity to user_id from now on; *found is false when there is
 * no such identity. */
enum db_status identity_link(struct db *db, const char *iss, const char *subject,
                             const char *user_id, bool *found);

/* The page of identities (of one user when user_id is not NULL), newest
 * first (ties by id), after the cursor after (created_at, id) when it is
 * not NULL, as a JSON array (*page, owned by the caller, also after a
 * failure): {issuer, subject, user_id, email, created_at, linked_at};
 * *next gets the cursor of the page's last identity when more follow (else
 * NULL). */
enum db_status identity_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                             long long limit, const char *const *after, json_object **page,
                             long long *total, const char **next);

#endif
