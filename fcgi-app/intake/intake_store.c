#include "intake/intake_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORGET_BATCH 10000

struct client_rows {
    struct intake_client *list;
    int n, cap;
    bool failed;
};

static int take_client(void *ctx, const struct db_row *row)
{
    struct client_rows *r = ctx;
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        struct intake_client *grown = realloc(r->list, (size_t)cap * sizeof(*grown));
        if (grown == NULL) {
            r->failed = true;
            return 1;
        }
        r->list = grown;
        r->cap = cap;
    }
    struct intake_client *c = &r->list[r->n++];
    db_row_copy(row, 0, c->id, sizeof(c->id));
    db_row_copy(row, 1, c->krn, sizeof(c->krn));
    return 0;
}

enum db_status intake_clients(struct db *db, struct intake_client **out, int *n)
{
    struct client_rows r = {NULL, 0, 0, false};
    enum db_status st =
        db_query(db, "SELECT id, krn FROM clients ORDER BY krn", DB_NO_PARAMS, take_client, &r);
    if (st == DB_OK && r.failed)
        st = DB_ERROR;
    if (st != DB_OK) {
        free(r.list);
        r.list = NULL;
        r.n = 0;
    }
    *out = r.list;
    *n = r.n;
    return st;
}

struct one_text {
    char *dst;
    size_t len;
    bool found;
};

static int take_text(void *ctx, const struct db_row *row)
{
    struct one_text *t = ctx;
    db_row_copy(row, 0, t->dst, t->len);
    t->found = true;
    return 1;
}

enum db_status intake_member(struct db *db, const char *client_id, const char *email,
                             char user_id[UUID_LEN + 1])
{
    struct one_text t = {user_id, UUID_LEN + 1, false};
    enum db_status st = db_query(db,
                                 "SELECT u.id FROM users u JOIN client_members m"
                                 " ON m.user_id = u.id WHERE m.client_id = ? AND u.email = ?"
                                 " AND u.is_active = 1",
                                 DB_PARAMS(P_STR(client_id), P_STR(email)), take_text, &t);
    return st != DB_OK ? st : t.found ? DB_OK : DB_NO_ROW;
}

enum db_status intake_seen(struct db *db, const char *client_id, const char *message_id,
                           bool *seen)
{
    long long n = 0;
    enum db_status st = db_query_int(
        db, "SELECT COUNT(*) FROM intake_messages WHERE client_id = ? AND message_id = ?",
        DB_PARAMS(P_STR(client_id), P_STR(message_id)), &n);
    *seen = n > 0;
    return st;
}

enum db_status intake_mark(struct db *db, const char *client_id, const char *message_id)
{
    char now[DB_TIME_LEN + 1];
    time_db(time_now_ms(), now);
    return db_exec(db,
                   "INSERT INTO intake_messages (client_id, message_id, applied_at)"
                   " VALUES (?, ?, ?)",
                   DB_PARAMS(P_STR(client_id), P_STR(message_id), P_STR(now)), NULL);
}

enum db_status intake_forget(struct db *db, long long hours)
{
    char before[DB_TIME_LEN + 1];
    time_db(time_now_ms() - hours * 3600 * 1000, before);
    return db_exec(db, "DELETE FROM intake_messages WHERE applied_at < ? LIMIT ?",
                   DB_PARAMS(P_STR(before), P_INT(FORGET_BATCH)), NULL);
}
