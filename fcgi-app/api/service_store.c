#include "api/service_store.h"

#include <stdio.h>
#include <string.h>

#include "api/user_store.h"
#include "common/password.h"
#include "common/store.h"

#define SERVICE_COLUMNS                                                                            \
    "s.id, s.client_id, c.krn, s.user_id, s.name, s.secret_hash, s.created_by, s.created_at,"     \
    " s.revoked_at"
#define SERVICE_FROM " FROM service_accounts s JOIN clients c ON c.id = s.client_id"

static void iso_or_empty(const char *db_time, char *out)
{
    if (db_time == NULL || !time_db_to_iso(db_time, out))
        out[0] = '\0';
}

static void account_from_row(struct service_account *sa, const struct db_row *row)
{
    db_row_copy(row, 0, sa->id, sizeof(sa->id));
    db_row_copy(row, 1, sa->client_id, sizeof(sa->client_id));
    db_row_copy(row, 2, sa->krn, sizeof(sa->krn));
    db_row_copy(row, 3, sa->user_id, sizeof(sa->user_id));
    db_row_copy(row, 4, sa->name, sizeof(sa->name));
    db_row_copy(row, 5, sa->secret_hash, sizeof(sa->secret_hash));
    db_row_copy(row, 6, sa->created_by, sizeof(sa->created_by));
    iso_or_empty(row->values[7], sa->created_at);
    iso_or_empty(row->values[8], sa->revoked_at);
}

struct account_rows {
    struct service_account *one; /* or: */
    json_object *array;
    bool found;
    /* the sort key of the last account listed */
    char last_time[DB_TIME_LEN + 1], last_id[UUID_LEN + 1];
};

static int take_account(void *ctx, const struct db_row *row)
{
    struct account_rows *r = ctx;
    r->found = true;
    if (r->one != NULL) {
        account_from_row(r->one, row);
        return 1;
    }
    struct service_account sa;
    account_from_row(&sa, row);
    db_row_copy(row, 7, r->last_time, sizeof(r->last_time));
    memcpy(r->last_id, sa.id, sizeof(r->last_id));
    json_object_array_add(r->array, service_account_to_json(&sa));
    return 0;
}

enum db_status service_account_insert(struct db *db, struct service_account *sa)
{
    char now[DB_TIME_LEN + 1];
    struct user u = {0};
    long long now_ms = time_now_ms();
    time_db(now_ms, now);
    time_iso(now_ms, sa->created_at);
    id_uuid4(u.id);
    u.is_active = true;
    /* Never deliverable (.invalid, RFC 2606), never a login: no password. */
    snprintf(u.email, sizeof(u.email), "service-%s@service.invalid", sa->id);
    snprintf(u.full_name, sizeof(u.full_name), "%s", sa->name);
    memcpy(sa->user_id, u.id, sizeof(u.id));
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = user_insert(db, &u, PASSWORD_NONE);
    if (st == DB_OK)
        st = db_exec(db,
                     "INSERT INTO service_accounts (id, client_id, user_id, name, secret_hash,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     DB_PARAMS(P_STR(sa->id), P_STR(sa->client_id), P_STR(sa->user_id),
                               P_STR(sa->name), P_STR(sa->secret_hash), P_STR(sa->created_by),
                               P_STR(now)),
                     NULL);
    if (st == DB_OK)
        return db_commit(db);
    db_rollback(db);
    return st;
}

enum db_status service_account_find(struct db *db, const char *id, struct service_account *out)
{
    struct account_rows r = {out, NULL, false, "", ""};
    enum db_status st = db_query(db, "SELECT " SERVICE_COLUMNS SERVICE_FROM " WHERE s.id = ?",
                                 DB_PARAMS(P_STR(id)), take_account, &r);
    return st != DB_OK ? st : r.found ? DB_OK : DB_NO_ROW;
}

enum db_status service_account_revoke(struct db *db, const char *client_id, const char *id,
                                      bool *found)
{
    char now[DB_TIME_LEN + 1];
    struct service_account sa;
    time_db(time_now_ms(), now);
    enum db_status st = service_account_find(db, id, &sa);
    *found = st == DB_OK && strcmp(sa.client_id, client_id) == 0;
    if (st == DB_NO_ROW || (st == DB_OK && !*found))
        return DB_OK;
    if (st != DB_OK)
        return st;
    st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_exec(db,
                 "UPDATE service_accounts SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                 DB_PARAMS(P_STR(now), P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "UPDATE users SET is_active = 0, updated_at = ? WHERE id = ?",
                     DB_PARAMS(P_STR(now), P_STR(sa.user_id)), NULL);
    if (st == DB_OK)
        return db_commit(db);
    db_rollback(db);
    return st;
}

/* Oldest first, ties by id, read in the order of service_accounts_list
 * from where the page starts (store_keyset_rows, as jobs are, the other
 * way round). */
#define SERVICE_ORDER " ORDER BY s.created_at, s.id"
static const struct store_keyset service_accounts_page = {
    "SELECT " SERVICE_COLUMNS SERVICE_FROM " WHERE s.client_id = ?" SERVICE_ORDER
    " LIMIT ? OFFSET ?",
    "SELECT " SERVICE_COLUMNS SERVICE_FROM " WHERE s.client_id = ?"
    " AND (s.created_at > ? OR (s.created_at = ? AND s.id > ?))" SERVICE_ORDER " LIMIT ? OFFSET ?",
    "SELECT s.created_at, s.id FROM service_accounts s WHERE s.client_id = ?" SERVICE_ORDER
    " LIMIT 1 OFFSET ?",
    false,
    0,
};

enum db_status service_account_list(struct db *db, struct arena *a, const char *client_id,
                                    long long skip, long long limit, const char *const *after,
                                    json_object **page, long long *total, const char **next)
{
    struct account_rows r = {NULL, json_object_new_array(), false, "", ""};
    bool more = false;
    *page = r.array;
    *next = NULL;
    /* A COUNT: a client keeps few service accounts. */
    enum db_status st = db_query_int(db, "SELECT COUNT(*) FROM service_accounts WHERE client_id = ?",
                                     DB_PARAMS(P_STR(client_id)), total);
    if (st == DB_OK)
        st = store_keyset_rows(db, a, &service_accounts_page, DB_PARAMS(P_STR(client_id)), skip,
                               limit, after, take_account, &r, &more);
    if (st == DB_OK && more)
        *next = page_cursor(a, (const char *const[]){r.last_time, r.last_id}, 2);
    return st;
}

json_object *service_account_to_json(const struct service_account *sa)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(sa->id));
    json_object_object_add(o, "client_id", json_object_new_string(sa->id));
    json_object_object_add(o, "name", json_object_new_string(sa->name));
    json_object_object_add(o, "clientKrn", json_object_new_string(sa->krn));
    json_object_object_add(o, "created_by", json_object_new_string(sa->created_by));
    json_object_object_add(o, "created_at", sa->created_at[0]
                                                ? json_object_new_string(sa->created_at)
                                                : NULL);
    json_object_object_add(o, "revoked_at", sa->revoked_at[0]
                                                ? json_object_new_string(sa->revoked_at)
                                                : NULL);
    json_object_object_add(o, "is_active", json_object_new_boolean(sa->revoked_at[0] == '\0'));
    return o;
}
