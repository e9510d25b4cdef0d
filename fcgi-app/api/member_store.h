#ifndef QUARRY_API_MEMBER_STORE_H
#define QUARRY_API_MEMBER_STORE_H
/* A client's members (client_members joined with users): the page of them
 * changing one's role and removing one. Adding one is client_member_add (client_store.h). */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

/* The longest role a member may have (client_members.role). */
#define MEMBER_ROLE_MAX 32

/* The page of a client's members, oldest membership first (ties by user
 * id), as a JSON array of Member objects (*page, owned by the caller, also
 * after a failure); skip or after (created_at, user_id) as the stores'
 * keyset lists; *total the count of all, *next the cursor after the page
 * (NULL on the last). */
enum db_status member_list(struct db *db, struct arena *a, const char *client_id, const char *krn,
                           long long skip, long long limit, const char *const *after,
                           json_object **page, long long *total, const char **next);

/* Removes user_id from the client; *found tells whether it was a member. */
enum db_status member_remove(struct db *db, const char *client_id, const char *user_id,
                             bool *found);

/* Gives user_id the role in the client; *member the Member object after
 * the change (the caller's to put), NULL when the user is not a member. */
enum db_status member_set_role(struct db *db, const char *client_id, const char *krn,
                               const char *user_id, const char *role, json_object **member);

#endif
