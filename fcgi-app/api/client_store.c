#include "api/client_store.h"

#include <stdio.h>
#include <string.h>

#define KRN_PART_MAX 64

/* Length of the run of [A-Za-z0-9._-] at s. */
static size_t krn_part(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '.' || s[n] == '_' || s[n] == '-')
        n++;
    return n;
}

bool client_krn_valid(const char *krn)
{
    static const char prefix[] = "krn:", middle[] = ":client:";
    if (krn == NULL || strncmp(krn, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *org = krn + sizeof(prefix) - 1;
    size_t org_len = krn_part(org);
    if (org_len < 1 || org_len > KRN_PART_MAX ||
        strncmp(org + org_len, middle, sizeof(middle) - 1) != 0)
        return false;
    const char *id = org + org_len + sizeof(middle) - 1;
    size_t id_len = krn_part(id);
    return id_len >= 1 && id_len <= KRN_PART_MAX && id[id_len] == '\0';
}

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static void client_from_row(struct client *c, const struct db_row *row)
{
    copy(c->id, sizeof(c->id), row->values[0]);
    copy(c->krn, sizeof(c->krn), row->values[1]);
    copy(c->name, sizeof(c->name), row->values[2]);
    copy(c->created_by, sizeof(c->created_by), row->values[3]);
    if (!time_db_to_iso(row->values[4], c->created_at))
        c->created_at[0] = '\0';
    copy(c->role, sizeof(c->role), row->ncols > 5 ? row->values[5] : NULL);
}

struct client_found {
    struct client *one;
    void (*fn)(void *ctx, const struct client *c);
    void *ctx;
    bool found;
};

static int take_client(void *ctx, const struct db_row *row)
{
    struct client_found *f = ctx;
    f->found = true;
    if (f->one != NULL) {
        client_from_row(f->one, row);
        return 1;
    }
    struct client c;
    client_from_row(&c, row);
    f->fn(f->ctx, &c);
    return 0;
}

enum db_status client_insert(struct db *db, const char *id, const char *krn, const char *name,
                             const char *created_by, const char *now_db)
{
    return db_exec(db,
                   "INSERT INTO clients (id, krn, name, created_by, created_at)"
                   " VALUES (?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(id), P_STR(krn), P_STR(name), P_STR(created_by),
                             P_STR(now_db)),
                   NULL);
}

enum db_status client_find(struct db *db, const char *krn, struct client *out)
{
    struct client_found f = {out, NULL, NULL, false};
    enum db_status st = db_query(db,
                                 "SELECT id, krn, name, created_by, created_at FROM clients"
                                 " WHERE krn = ?",
                                 DB_PARAMS(P_STR(krn)), take_client, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status client_member_add(struct db *db, const char *client_id, const char *user_id,
                                 const char *role, const char *now_db)
{
    return db_exec(db,
                   "INSERT INTO client_members (client_id, user_id, role, created_at)"
                   " VALUES (?, ?, ?, ?)",
                   DB_PARAMS(P_STR(client_id), P_STR(user_id), P_STR(role), P_STR(now_db)),
                   NULL);
}

enum db_status client_find_for_user(struct db *db, const char *krn, const char *user_id,
                                    struct client *out)
{
    struct client_found f = {out, NULL, NULL, false};
    enum db_status st = db_query(db,
                                 "SELECT c.id, c.krn, c.name, c.created_by, c.created_at, m.role"
                                 " FROM clients c LEFT JOIN client_members m"
                                 " ON m.client_id = c.id AND m.user_id = ? WHERE c.krn = ?",
                                 DB_PARAMS(P_STR(user_id), P_STR(krn)), take_client, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status client_list(struct db *db, const char *user_id, bool all, long long skip,
                           long long limit, void (*fn)(void *ctx, const struct client *c),
                           void *ctx, long long *total)
{
    struct client_found f = {NULL, fn, ctx, false};
    enum db_status st;
    if (all) {
        st = db_query_int(db, "SELECT COUNT(*) FROM clients", DB_NO_PARAMS, total);
        if (st == DB_OK)
            st = db_query(db,
                          "SELECT c.id, c.krn, c.name, c.created_by, c.created_at, m.role"
                          " FROM clients c LEFT JOIN client_members m"
                          " ON m.client_id = c.id AND m.user_id = ? ORDER BY c.krn"
                          " LIMIT ? OFFSET ?",
                          DB_PARAMS(P_STR(user_id), P_INT(limit), P_INT(skip)), take_client, &f);
        return st;
    }
    st = db_query_int(db, "SELECT COUNT(*) FROM client_members WHERE user_id = ?",
                      DB_PARAMS(P_STR(user_id)), total);
    if (st == DB_OK)
        st = db_query(db,
                      "SELECT c.id, c.krn, c.name, c.created_by, c.created_at, m.role"
                      " FROM clients c JOIN client_members m ON m.client_id = c.id"
                      " WHERE m.user_id = ? ORDER BY c.krn LIMIT ? OFFSET ?",
                      DB_PARAMS(P_STR(user_id), P_INT(limit), P_INT(skip)), take_client, &f);
    return st;
}

json_object *client_to_json(const struct client *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(c->id));
    json_object_object_add(o, "krn", json_object_new_string(c->krn));
    json_object_object_add(o, "name", json_object_new_string(c->name));
    json_object_object_add(o, "created_by", json_object_new_string(c->created_by));
    json_object_object_add(o, "created_at",
                           c->created_at[0] ? json_object_new_string(c->created_at) : NULL);
    if (c->role[0])
        json_object_object_add(o, "role", json_object_new_string(c->role));
    return o;
}
