#include "api/member_store.h"

#include <string.h>

#include "common/ids.h"
#include "common/store.h"

struct member_rows {
    json_object *array;
    const char *client_id, *krn;
    char last_time[DB_TIME_LEN + 1], last_id[UUID_LEN + 1];
};

#define MEMBER_COLUMNS "m.user_id, u.email, m.role, m.created_at"
#define MEMBER_FROM " FROM client_members m JOIN users u ON u.id = m.user_id"
#define MEMBER_ORDER " ORDER BY m.created_at, m.user_id"

static int take_member(void *ctx, const struct db_row *row)
{
    struct member_rows *r = ctx;
    char user_id[UUID_LEN + 1], email[256], role[33];
    db_row_copy(row, 0, user_id, sizeof(user_id));
    db_row_copy(row, 1, email, sizeof(email));
    db_row_copy(row, 2, role, sizeof(role));
    db_row_copy(row, 3, r->last_time, sizeof(r->last_time));
    memcpy(r->last_id, user_id, sizeof(user_id));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "client_id", json_object_new_string(r->client_id));
    json_object_object_add(o, "krn", json_object_new_string(r->krn));
    json_object_object_add(o, "user_id", json_object_new_string(user_id));
    json_object_object_add(o, "email", json_object_new_string(email));
    json_object_object_add(o, "role", json_object_new_string(role));
    json_object_object_add(o, "created_at", store_time_json(row->values[3]));
    json_object_array_add(r->array, o);
    return 0;
}

/* Oldest first, each statement on client_members_order (client_id,
 * created_at, user_id). */
static const struct store_keyset members_page = {
    "SELECT " MEMBER_COLUMNS MEMBER_FROM " WHERE m.client_id = ?" MEMBER_ORDER " LIMIT ? OFFSET ?",
    "SELECT " MEMBER_COLUMNS MEMBER_FROM " WHERE m.client_id = ?"
    " AND (m.created_at > ? OR (m.created_at = ? AND m.user_id > ?))" MEMBER_ORDER
    " LIMIT ? OFFSET ?",
    "SELECT m.created_at, m.user_id FROM client_members m WHERE m.client_id = ?" MEMBER_ORDER
    " LIMIT 1 OFFSET ?",
    false,
    0,
};

enum db_status member_list(struct db *db, struct arena *a, const char *client_id, const char *krn,
                           long long skip, long long limit, const char *const *after,
                           json_object **page, long long *total, const char **next)
{
    struct member_rows r = {json_object_new_array(), client_id, krn, "", ""};
    bool more = false;
    *page = r.array;
    *next = NULL;
    /* A COUNT on the client's part of the primary key. */
    enum db_status st = db_query_int(db, "SELECT COUNT(*) FROM client_members WHERE client_id = ?",
                                     DB_PARAMS(P_STR(client_id)), total);
    if (st == DB_OK)
        st = store_keyset_rows(db, a, &members_page, DB_PARAMS(P_STR(client_id)), skip, limit,
                               after, take_member, &r, &more);
    if (st == DB_OK && more)
        *next = page_cursor(a, (const char *const[]){r.last_time, r.last_id}, 2);
    return st;
}

enum db_status member_remove(struct db *db, const char *client_id, const char *user_id, bool *found)
{
    long long affected = 0;
    enum db_status st =
        db_exec(db, "DELETE FROM client_members WHERE client_id = ? AND user_id = ?",
                DB_PARAMS(P_STR(client_id), P_STR(user_id)), &affected);
    *found = st == DB_OK && affected > 0;
    return st;
}

enum db_status member_set_role(struct db *db, const char *client_id, const char *krn,
                               const char *user_id, const char *role, json_object **member)
{
    struct member_rows r = {json_object_new_array(), client_id, krn, "", ""};
    *member = NULL;
    /* An unchanged role counts no row: the SELECT below tells a member from
     * none. */
    enum db_status st =
        db_exec(db, "UPDATE client_members SET role = ? WHERE client_id = ? AND user_id = ?",
                DB_PARAMS(P_STR(role), P_STR(client_id), P_STR(user_id)), NULL);
    if (st == DB_OK)
        st = db_query(
            db, "SELECT " MEMBER_COLUMNS MEMBER_FROM " WHERE m.client_id = ? AND m.user_id = ?",
            DB_PARAMS(P_STR(client_id), P_STR(user_id)), take_member, &r);
    if (st == DB_OK && json_object_array_length(r.array) == 1)
        *member = json_object_get(json_object_array_get_idx(r.array, 0));
    json_object_put(r.array);
    return st;
}
