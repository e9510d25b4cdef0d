#include "common/source_store.h"

#include <string.h>

#include "common/store.h"

#define SOURCE_COLUMNS                                                                             \
    "id, user_id, name, engine, host, username, database_name, default_table, password_key_id," \
    " password_box, created_at, updated_at, port"

/* A row of SOURCE_COLUMNS into a struct source_row added to the rows (ctx). */
static int take_source(void *ctx, const struct db_row *row)
{
    struct source_row *s = store_rows_add(ctx);
    const char **const text[] = {
        &s->id,         &s->user_id,       &s->name,          &s->engine,          &s->host,
        &s->username,   &s->database_name, &s->default_table, &s->password_key_id, &s->password_box,
        &s->created_at, &s->updated_at};
    long long *const ints[] = {&s->port};
    STORE_ROW_READ(ctx, row, text, ints);
    return 0;
}

#define SOURCE_INSERT                                                                              \
    "INSERT INTO sources (id, user_id, name, engine, host, port, username, database_name,"         \
    " default_table, password_key_id, password_box, created_at, updated_at)"                       \
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

/* Runs sql, SOURCE_INSERT and what follows it, with the row's values. */
static enum db_status source_write(struct db *db, const char *sql, const struct source_row *s)
{
    return db_exec(db, sql,
                   DB_PARAMS(P_STR(s->id), P_STR(s->user_id), P_STR(s->name), P_STR(s->engine),
                             P_STR(s->host), P_INT(s->port), P_STR(s->username),
                             P_STR(s->database_name), P_STR(s->default_table),
                             P_STR(s->password_key_id), P_STR(s->password_box),
                             P_STR(s->created_at), P_STR(s->updated_at)),
                   NULL);
}

enum db_status source_insert(struct db *db, const struct source_row *s)
{
    return source_write(db, SOURCE_INSERT, s);
}

static int take_id(void *ctx, const struct db_row *row)
{
    const char **id = store_rows_add(ctx);
    store_row_read(ctx, row, (const char **const[]){id}, 1, NULL, 0);
    return 1;
}

enum db_status source_put_by_name(struct db *db, struct arena *a, const struct source_row *s,
                                  const char **id)
{
    struct store_rows rows = STORE_ROWS(a, const char *);
    enum db_status st = source_write(
        db,
        SOURCE_INSERT
        " ON DUPLICATE KEY UPDATE"
        " engine = VALUES(engine), host = VALUES(host), port = VALUES(port),"
        " username = VALUES(username), database_name = VALUES(database_name),"
        " default_table = VALUES(default_table), password_key_id = VALUES(password_key_id),"
        " password_box = VALUES(password_box), updated_at = VALUES(updated_at)",
        s);
    if (st != DB_OK)
        return st;
    st = db_query(db, "SELECT id FROM sources WHERE user_id = ? AND name = ?",
                  DB_PARAMS(P_STR(s->user_id), P_STR(s->name)), take_id, &rows);
    *id = NULL;
    return store_rows_one(st, &rows, id);
}

/* By id, by owner and name, and the owner's list newest first, ties by id,
 * read in the order of sources_user_list from where the page starts
 * (store_keyset_rows, as jobs are); the total a COUNT: a user keeps few
 * sources (named connections). */
static const struct store_named sources =
    STORE_NAMED(struct source_row, SOURCE_COLUMNS, "sources", NULL, take_source);

enum db_status source_get(struct db *db, struct arena *a, const char *id, struct source_row *out)
{
    return store_named_get(db, a, &sources, id, out);
}

enum db_status source_get_by_name(struct db *db, struct arena *a, const char *user_id,
                                  const char *name, struct source_row *out)
{
    return store_named_by_name(db, a, &sources, user_id, name, out);
}

enum db_status source_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                           long long limit, const char *const *after,
                           void (*fn)(void *ctx, const struct source_row *s), void *ctx,
                           long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct source_row);
    enum db_status st =
        store_named_page(db, &sources, user_id, skip, limit, after, &rows, total, next);
    for (size_t i = 0; st == DB_OK && i < rows.n; i++)
        fn(ctx, (struct source_row *)rows.items + i);
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
    st = db_end(db, st);
    if (st != DB_OK)
        return st;
    return affected == 1 ? DB_OK : DB_NO_ROW;
}
