#include "api/identity_store.h"

#include <stdio.h>
#include <string.h>

#include "api/user_store.h"
#include "common/password.h"
#include "common/store.h"

enum db_status identity_create(struct db *db, const char *iss, const char *subject,
                               const char *email, const char *issuer_name, struct user *out)
{
    char now[DB_TIME_LEN + 1];
    struct user u = {0};
    long long now_ms = time_now_ms();
    time_db(now_ms, now);
    id_uuid4(u.id);
    u.is_active = true;
    time_iso(now_ms, u.created_at);
    snprintf(u.full_name, sizeof(u.full_name), "%s", issuer_name);
    snprintf(u.email, sizeof(u.email), "%s", email ? email : "");
    user_email_lower(u.email);
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = u.email[0] != '\0' ? user_insert(db, &u, PASSWORD_NONE) : DB_DUPLICATE;
    if (st == DB_DUPLICATE) {
        snprintf(u.email, sizeof(u.email), "%s@external.invalid", u.id);
        st = user_insert(db, &u, PASSWORD_NONE);
    }
    char id[UUID_LEN + 1];
    id_uuid4(id);
    if (st == DB_OK)
        st = db_exec(db,
                     "INSERT INTO external_identities (id, issuer, subject, user_id, email,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     DB_PARAMS(P_STR(id), P_STR(iss), P_STR(subject), P_STR(u.id),
                               P_STR(email && *email ? email : NULL), P_STR(now)),
                     NULL);
    if (st == DB_OK)
        st = db_commit(db);
    if (st == DB_OK) {
        *out = u;
        return DB_OK;
    }
    db_rollback(db);
    /* Another worker's first token of the same subject won. */
    return st == DB_DUPLICATE ? user_find_by_identity(db, iss, subject, out) : st;
}

enum db_status identity_link(struct db *db, const char *iss, const char *subject,
                             const char *user_id, bool *found)
{
    char now[DB_TIME_LEN + 1];
    long long n = 0;
    time_db(time_now_ms(), now);
    enum db_status st = db_query_int(
        db, "SELECT COUNT(*) FROM external_identities WHERE issuer = ? AND subject = ?",
        DB_PARAMS(P_STR(iss), P_STR(subject)), &n);
    *found = st == DB_OK && n > 0;
    if (st != DB_OK || !*found)
        return st;
    return db_exec(db,
                   "UPDATE external_identities SET user_id = ?, linked_at = ?"
                   " WHERE issuer = ? AND subject = ?",
                   DB_PARAMS(P_STR(user_id), P_STR(now), P_STR(iss), P_STR(subject)), NULL);
}

struct identity_rows {
    struct arena *arena;
    json_object *array;
    const char *last_time, *last_id; /* the sort key of the last identity listed */
};

static int take_identity(void *ctx, const struct db_row *row)
{
    struct identity_rows *r = ctx;
    json_object *o = json_object_new_object();
    const char *names[] = {"issuer", "subject", "user_id", "email"};
    for (int i = 0; i < 4; i++)
        json_object_object_add(o, names[i], store_text_json(row->values[i]));
    json_object_object_add(o, "created_at", store_time_json(row->values[4]));
    json_object_object_add(o, "linked_at", store_time_json(row->values[5]));
    json_object_array_add(r->array, o);
    r->last_time = arena_strdup(r->arena, row->values[4]);
    r->last_id = arena_strdup(r->arena, row->values[6]);
    return 0;
}

/* Newest first, ties by id (a subject is free text: the cursor holds the
 * row's id instead), read in the order of external_identities_user_list
 * or external_identities_list from where the page starts
 * (store_keyset_rows, as jobs are). */
#define IDENTITY_COLUMNS "issuer, subject, user_id, email, created_at, linked_at, id"
#define IDENTITY_ORDER " ORDER BY created_at DESC, id DESC"
#define IDENTITY_AFTER "(created_at < ? OR (created_at = ? AND id < ?))"
static const struct store_keyset identities_of_user =
    STORE_KEYSET_NEWEST(IDENTITY_COLUMNS, "external_identities", "user_id = ?");
static const struct store_keyset identities_all = {
    "SELECT " IDENTITY_COLUMNS " FROM external_identities" IDENTITY_ORDER " LIMIT ? OFFSET ?",
    "SELECT " IDENTITY_COLUMNS " FROM external_identities WHERE " IDENTITY_AFTER IDENTITY_ORDER
    " LIMIT ? OFFSET ?",
    "SELECT created_at, id FROM external_identities" IDENTITY_ORDER " LIMIT 1 OFFSET ?",
    false,
    0,
};

enum db_status identity_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                             long long limit, const char *const *after, json_object **page,
                             long long *total, const char **next)
{
    struct identity_rows r = {a, json_object_new_array(), NULL, NULL};
    bool more = false;
    enum db_status st;
    *page = r.array;
    *next = NULL;
    /* One user's: a short list (one per issuer), counted. Everyone's:
     * list_counts keeps the total (sql/009_merged_list_costs.sql). */
    if (user_id != NULL) {
        st = db_query_int(db, "SELECT COUNT(*) FROM external_identities WHERE user_id = ?",
                          DB_PARAMS(P_STR(user_id)), total);
        if (st == DB_OK)
            st = store_keyset_rows(db, a, &identities_of_user, DB_PARAMS(P_STR(user_id)), skip,
                                   limit, after, take_identity, &r, &more);
    } else {
        st = store_keyset_rows(db, a, &identities_all, NULL, 0, skip, limit, after, take_identity,
                               &r, &more);
        if (st == DB_OK)
            st = store_count(db, "identities", "", NULL, total);
    }
    if (st == DB_OK && more && r.last_id != NULL)
        *next = page_cursor(a, (const char *const[]){r.last_time, r.last_id}, 2);
    return st;
}
