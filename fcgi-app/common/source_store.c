#include "common/source_store.h"

#include <string.h>

#include "common/store.h"

#define SOURCE_COLUMNS                                                                             \
    "id, user_id, name, engine, host, username, database_name, default_table, password_key_id," \
    " password_box, created_at, updated_at, port"

struct source_rows {
    struct arena *arena;
    struct source_row *one;
    void (*fn)(void *ctx, const struct source_row *s);
    void *ctx;
    bool found;
    const char *last_time, *last_id; /* the sort key of the last row listed */
};

static int take_source(void *ctx, const struct db_row *row)
{
    struct source_rows *r = ctx;
    struct source_row s;
    const char **const text[] = {&s.id, &s.user_id, &s.name, &s.engine, &s.host, &s.username,
                                 &s.database_name, &s.default_table, &s.password_key_id,
                                 &s.password_box, &s.created_at, &s.updated_at};
    size_t ntext = sizeof(text) / sizeof(text[0]);
    db_row_texts(row, r->arena, text, ntext);
    s.port = db_row_int(row, (int)ntext);
    r->found = true;
    if (r->one != NULL) {
        *r->one = s;
        return 1;
    }
    r->last_time = s.created_at;
    r->last_id = s.id;
    r->fn(r->ctx, &s);
    return 0;
}

enum db_status source_insert(struct db *db, const struct source_row *s)
{
    return db_exec(db,
                   "INSERT INTO sources (id, user_id, name, engine, host, port, username,"
                   " database_name, default_table, password_key_id, password_box, created_at,"
                   " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(s->id), P_STR(s->user_id), P_STR(s->name), P_STR(s->engine),
                             P_STR(s->host), P_INT(s->port), P_STR(s->username),
                             P_STR(s->database_name), P_STR(s->default_table),
                             P_STR(s->password_key_id), P_STR(s->password_box),
                             P_STR(s->created_at), P_STR(s->updated_at)),
                   NULL);
}

static int take_id(void *ctx, const struct db_row *row)
{
    struct source_rows *r = ctx;
    r->one->id = arena_strdup(r->arena, row->values[0]);
    r->found = true;
    return 1;
}

enum db_status source_put_by_name(struct db *db, struct arena *a, const struct source_row *s,
                                  const char **id)
{
    struct source_row got = {0};
    struct source_rows r = {a, &got, NULL, NULL, false, NULL, NULL};
    enum db_status st = db_exec(
        db,
        "INSERT INTO sources (id, user_id, name, engine, host, port, username, database_name,"
        " default_table, password_key_id, password_box, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
        " engine = VALUES(engine), host = VALUES(host), port = VALUES(port),"
        " username = VALUES(username), database_name = VALUES(database_name),"
        " default_table = VALUES(default_table), password_key_id = VALUES(password_key_id),"
        " password_box = VALUES(password_box), updated_at = VALUES(updated_at)",
        DB_PARAMS(P_STR(s->id), P_STR(s->user_id), P_STR(s->name), P_STR(s->engine),
                  P_STR(s->host), P_INT(s->port), P_STR(s->username), P_STR(s->database_name),
                  P_STR(s->default_table), P_STR(s->password_key_id), P_STR(s->password_box),
                  P_STR(s->created_at), P_STR(s->updated_at)),
        NULL);
    if (st != DB_OK)
        return st;
    st = db_query(db, "SELECT id FROM sources WHERE user_id = ? AND name = ?",
                  DB_PARAMS(P_STR(s->user_id), P_STR(s->name)), take_id, &r);
    if (st == DB_OK && !r.found)
        st = DB_NO_ROW;
    *id = got.id;
    return st;
}

enum db_status source_get(struct db *db, struct arena *a, const char *id, struct source_row *out)
{
    struct source_rows r = {a, out, NULL, NULL, false, NULL, NULL};
    enum db_status st = db_query(db, "SELECT " SOURCE_COLUMNS " FROM sources WHERE id = ?",
                                 DB_PARAMS(P_STR(id)), take_source, &r);
    return st != DB_OK ? st : r.found ? DB_OK : DB_NO_ROW;
}

enum db_status source_get_by_name(struct db *db, struct arena *a, const char *user_id,
                                  const char *name, struct source_row *out)
{
    struct source_rows r = {a, out, NULL, NULL, false, NULL, NULL};
    enum db_status st =
        db_query(db, "SELECT " SOURCE_COLUMNS " FROM sources WHERE user_id = ? AND name = ?",
                 DB_PARAMS(P_STR(user_id), P_STR(name)), take_source, &r);
    return st != DB_OK ? st : r.found ? DB_OK : DB_NO_ROW;
}

/* Newest first, ties by id, read in the order of sources_user_list from
 * where the page starts (store_keyset_rows, as jobs are). */
#define SOURCE_ORDER " ORDER BY created_at DESC, id DESC"
static const struct store_keyset sources_page = {
    "SELECT " SOURCE_COLUMNS " FROM sources WHERE user_id = ?" SOURCE_ORDER " LIMIT ? OFFSET ?",
    "SELECT " SOURCE_COLUMNS " FROM sources WHERE user_id = ?"
    " AND (created_at < ? OR (created_at = ? AND id < ?))" SOURCE_ORDER " LIMIT ? OFFSET ?",
    "SELECT created_at, id FROM sources WHERE user_id = ?" SOURCE_ORDER " LIMIT 1 OFFSET ?",
};

enum db_status source_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                           long long limit, const char *const *after,
                           void (*fn)(void *ctx, const struct source_row *s), void *ctx,
                           long long *total, const char **next)
{
    struct source_rows r = {a, NULL, fn, ctx, false, NULL, NULL};
    bool more = false;
    *next = NULL;
    /* A COUNT: a user keeps few sources (named connections). */
    enum db_status st = db_query_int(db, "SELECT COUNT(*) FROM sources WHERE user_id = ?",
                                     DB_PARAMS(P_STR(user_id)), total);
    if (st != DB_OK)
        return st;
    st = store_keyset_rows(db, a, &sources_page, DB_PARAMS(P_STR(user_id)), skip, limit, after,
                           take_source, &r, &more);
    if (st == DB_OK && more && r.last_id != NULL)
        *next = page_cursor(a, (const char *const[]){r.last_time, r.last_id}, 2);
    return st;
}

enum db_status source_delete(struct db *db, const char *id, bool *in_use)
{
    long long users = 0, affected = 0;
    *in_use = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query_int(db, "SELECT COUNT(*) FROM load_jobs WHERE source_id = ? FOR UPDATE",
                      DB_PARAMS(P_STR(id)), &users);
    if (st == DB_OK && users > 0) {
        *in_use = true;
        db_rollback(db);
        return DB_OK;
    }
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM sources WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK)
        st = db_commit(db);
    if (st != DB_OK) {
        db_rollback(db);
        return st;
    }
    return affected == 1 ? DB_OK : DB_NO_ROW;
}
