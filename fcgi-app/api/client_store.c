#include "api/client_store.h"

#include <stdio.h>
#include <string.h>

#include "api/request.h"
#include "common/store.h"

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

/* A row of CLIENT_COLUMNS into a struct client added to the rows (ctx). */
static int take_client(void *ctx, const struct db_row *row)
{
    struct client *c = store_rows_add(ctx);
    db_row_copy(row, 0, c->id, sizeof(c->id));
    db_row_copy(row, 1, c->krn, sizeof(c->krn));
    db_row_copy(row, 2, c->name, sizeof(c->name));
    db_row_copy(row, 3, c->created_by, sizeof(c->created_by));
    if (!time_db_to_iso(row->values[4], c->created_at))
        c->created_at[0] = '\0';
    db_row_copy(row, 5, c->role, sizeof(c->role));
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

enum db_status client_member_add(struct db *db, const char *client_id, const char *user_id,
                                 const char *role, const char *now_db)
{
    return db_exec(db,
                   "INSERT INTO client_members (client_id, user_id, role, created_at)"
                   " VALUES (?, ?, ?, ?)",
                   DB_PARAMS(P_STR(client_id), P_STR(user_id), P_STR(role), P_STR(now_db)),
                   NULL);
}

/* The caller's role rides along: "" (NULL) when not a member. */
#define CLIENT_COLUMNS "c.id, c.krn, c.name, c.created_by, c.created_at, m.role"
#define CLIENT_ALL_FROM                                                                            \
    " FROM clients c LEFT JOIN client_members m ON m.client_id = c.id AND m.user_id = ?"

enum db_status client_find_for_user(struct db *db, struct arena *a, const char *krn,
                                    const char *user_id, struct client *out)
{
    return store_get(db, a, sizeof(*out),
                     "SELECT " CLIENT_COLUMNS CLIENT_ALL_FROM " WHERE c.krn = ?",
                     DB_PARAMS(P_STR(user_id), P_STR(krn)), take_client, out);
}

/* Everyone's clients (an admin's list) walk clients_krn; a member's start
 * from their memberships (client_members_user) and sort those alone. Either
 * resumes after a krn: a cursor's, or the one before a page by offset. A catch-all "? OR m.user_id IS NOT NULL"
 * read every client for every member. */
#define CLIENT_MEMBER_FROM                                                                         \
    " FROM client_members m JOIN clients c ON c.id = m.client_id WHERE m.user_id = ?"

static enum db_status client_page(struct db *db, struct arena *a, const char *user_id, bool all,
                                  const struct page *pg, struct store_rows *rows, bool *more)
{
    /* "" sorts before every krn: the first page is the page after "". */
    const char *krn = pg->after != NULL ? pg->after[0] : "";
    if (pg->after == NULL && pg->skip > 0) {
        bool found = false;
        enum db_status st =
            all ? store_page_start(db, a, "SELECT krn FROM clients ORDER BY krn LIMIT 1 OFFSET ?",
                                   DB_NO_PARAMS, pg->skip, &krn, 1, &found)
                : store_page_start(db, a, "SELECT c.krn" CLIENT_MEMBER_FROM
                                   " ORDER BY c.krn LIMIT 1 OFFSET ?",
                                   DB_PARAMS(P_STR(user_id)), pg->skip, &krn, 1, &found);
        if (st != DB_OK || !found)
            return st;
    }
    if (all)
        return store_page_rows(db,
                               "SELECT " CLIENT_COLUMNS CLIENT_ALL_FROM
                               " WHERE c.krn > ? ORDER BY c.krn LIMIT ? OFFSET ?",
                               DB_PARAMS(P_STR(user_id), P_STR(krn)), 0, pg->limit, take_client,
                               rows, more);
    return store_page_rows(db,
                           "SELECT " CLIENT_COLUMNS CLIENT_MEMBER_FROM
                           " AND c.krn > ? ORDER BY c.krn LIMIT ? OFFSET ?",
                           DB_PARAMS(P_STR(user_id), P_STR(krn)), 0, pg->limit, take_client, rows,
                           more);
}

enum db_status client_list(struct db *db, struct arena *a, const char *user_id, bool all,
                           const struct page *pg, json_object **page, long long *total,
                           const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct client);
    bool more = false;
    *next = NULL;
    *page = json_object_new_array();
    /* A member's count reads their own memberships, an index entry each. */
    enum db_status st =
        all ? store_count(db, "clients", "", NULL, total)
            : db_query_int(db, "SELECT COUNT(*) FROM client_members WHERE user_id = ?",
                           DB_PARAMS(P_STR(user_id)), total);
    if (st == DB_OK)
        st = client_page(db, a, user_id, all, pg, &rows, &more);
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, client_to_json((struct client *)rows.items + i));
    if (st == DB_OK && more) {
        const struct client *last = (struct client *)rows.items + rows.n - 1;
        *next = page_cursor(a, (const char *const[]){last->krn}, 1);
    }
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
