#ifndef QUARRY_API_CLIENT_STORE_H
#define QUARRY_API_CLIENT_STORE_H
/* Every statement on clients (tenants) and client_members, and the tenant
 * name rule. A client is named by its KRN, krn:<org>:client:<id>. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"
#include "common/ids.h"

#define KRN_MAX 255

/* True when krn is krn:<org>:client:<id> with org and id of 1-64 characters
 * from [A-Za-z0-9._-]. */
bool client_krn_valid(const char *krn);

struct client {
    char id[UUID_LEN + 1];
    char krn[KRN_MAX + 1];
    char name[256];
    char created_by[UUID_LEN + 1];
    char created_at[ISO_TIME_LEN + 1];
    char role[33]; /* the caller's role in lists ("" when not a member) */
};

/* DB_DUPLICATE when the krn exists. */
enum db_status client_insert(struct db *db, const char *id, const char *krn, const char *name,
                             const char *created_by, const char *now_db);
/* The client, with user_id's role in out->role ("" when not a member), in
 * one query; DB_NO_ROW when there is no such client. */
enum db_status client_find_for_user(struct db *db, struct arena *a, const char *krn,
                                    const char *user_id, struct client *out);

/* DB_DUPLICATE when the user is a member already. */
enum db_status client_member_add(struct db *db, const char *client_id, const char *user_id,
                                 const char *role, const char *now_db);

struct page;
/* The page of the user's clients (all: every client), by krn, with the
 * user's role in each, as a JSON array (*page, owned by the caller, also
 * after a failure); *total gets the count of all, *next the cursor after the
 * page (in a), NULL on the last. */
enum db_status client_list(struct db *db, struct arena *a, const char *user_id, bool all,
                           const struct page *pg, json_object **page, long long *total,
                           const char **next);

/* The client object of the API: a new object owned by the caller. */
json_object *client_to_json(const struct client *c);

#endif
