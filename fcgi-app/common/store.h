#ifndef QUARRY_STORE_H
#define QUARRY_STORE_H
/* What the stores (job_store.c, file_store.c, progress_store.c, …: one
 * file per entity, every statement on it) share: rows collected into the
 * caller's arena, a list's count and page, and the JSON of stored values. */
#include <json-c/json.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/db.h"

/* The rows of a query as an array of items of `size` bytes in the arena.
 * A store's row callback fills store_rows_add(ctx) from each row. */
struct store_rows {
    struct arena *arena;
    size_t size;
    void *items; /* in the arena; NULL until the first row */
    size_t n, cap;
};
#define STORE_ROWS(arena, type) ((struct store_rows){(arena), sizeof(type), NULL, 0, 0})

/* A zeroed slot for the next row (the array, in the arena, grows by doubling). */
void *store_rows_add(struct store_rows *rows);
/* Reads a row whose columns are the ntext texts (copied into the rows'
 * arena; NULL for SQL NULL) and then the nints integers, in the order of a
 * store's column list. Returns the column after them. */
int store_row_read(const struct store_rows *rows, const struct db_row *row,
                   const char **const text[], size_t ntext, long long *const ints[],
                   size_t nints);
/* The same with the arrays' lengths: text and ints are arrays, not pointers. */
#define STORE_ROW_READ(rows, row, text, ints)                                                      \
    store_row_read((rows), (row), (text), sizeof(text) / sizeof((text)[0]), (ints),                \
                   sizeof(ints) / sizeof((ints)[0]))
/* After a query for one row: copies it to out, or DB_NO_ROW when none came. */
enum db_status store_rows_one(enum db_status st, const struct store_rows *rows, void *out);
/* A store's get: the one row that sql selects by its n params, read by
 * take (a store's row callback) into out, a row of size bytes (strings in
 * a); DB_NO_ROW when none came. */
enum db_status store_get(struct db *db, struct arena *a, size_t size, const char *sql,
                         const struct db_param *params, int n, db_row_fn take, void *out);

/* Runs sql (an UPDATE or DELETE of one row, guarded by its WHERE) with its
 * n params; *changed tells whether it changed exactly that one row. */
enum db_status store_exec_changed(struct db *db, const char *sql, const struct db_param *params,
                                  int n, bool *changed);

/* A list's total from list_counts (sql/002_list_costs.sql): the sum of the
 * rows of list for owner, only part's when part is not NULL. It reads a
 * handful of rows however long the list is (a COUNT reads the whole list). */
enum db_status store_count(struct db *db, const char *list, const char *owner, const char *part,
                           long long *total);
/* Where a page by offset starts: the sort key of the row before it (row
 * skip - 1, skip > 0), read from the index alone by key_sql, which selects
 * the list's nkey key columns and ends in "LIMIT 1 OFFSET ?". key[] gets
 * them (in a): the page is then the page after that cursor, read in index
 * order like any other. *found is false when the list is not that long.
 * (A join of the page's ids with the rows sorted them again, through an
 * on-disk temporary table for rows with long text columns.) */
enum db_status store_page_start(struct db *db, struct arena *a, const char *key_sql,
                                const struct db_param *params, int n, long long skip,
                                const char **key, int nkey, bool *found);
/* The rows of one page: sql ends in "LIMIT ? OFFSET ?", bound after the n
 * params to limit + 1 and skip. take(ctx, row) gets at most limit rows;
 * *more tells whether another followed them (there is a next page). At most
 * 8 params. */
enum db_status store_page_rows(struct db *db, const char *sql, const struct db_param *params,
                               int n, long long skip, long long limit, db_row_fn take, void *ctx,
                               bool *more);

/* The statements of a list paged by keyset on (time, id), each served by
 * one index on the list's filter, then created_at and id: first ends in
 * "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?" (newest first),
 * after is the same with " AND (created_at < ? OR (created_at = ? AND
 * id < ?))" after the filter, key selects "created_at, id" of the same
 * order and ends in "LIMIT 1 OFFSET ?". (A list oldest first orders both
 * ascending and compares with >.) numeric: the key's two parts are
 * integers (a line and an id), bound as such; text (a time and an id)
 * otherwise. column_params: how many of the params, first, bind ? in the
 * columns (a column of a subquery, such as the list's total beside each
 * row); key reads no such column and is bound the rest. */
struct store_keyset {
    const char *first, *after, *key;
    bool numeric;
    int column_params;
};
/* Those statements for a list newest first: columns of table, filtered by
 * where (SQL with ? for the filter's params); STORE_KEYSET_NEWEST_WITH adds
 * a column (SQL after columns) with column_params ? of its own. */
#define STORE_NEWEST " ORDER BY created_at DESC, id DESC"
#define STORE_KEYSET_NEWEST_WITH(columns, column, column_params, table, where)                   \
    {"SELECT " columns column " FROM " table " WHERE " where STORE_NEWEST " LIMIT ? OFFSET ?",   \
     "SELECT " columns column " FROM " table " WHERE " where                                     \
     " AND (created_at < ? OR (created_at = ? AND id < ?))" STORE_NEWEST " LIMIT ? OFFSET ?",    \
     "SELECT created_at, id FROM " table " WHERE " where STORE_NEWEST " LIMIT 1 OFFSET ?",       \
     false,                                                                                      \
     column_params}
#define STORE_KEYSET_NEWEST(columns, table, where)                                               \
    STORE_KEYSET_NEWEST_WITH(columns, "", 0, table, where)
/* A table of rows that users own and name (sources, datasets): its
 * statements by id, by owner and name, and the owner's list newest first;
 * take reads a row into a struct of size bytes whose created_at and id
 * (at time_at and id_at) make a page's cursor. The owner's total comes from
 * list_counts under the name counted (store_count), or from a COUNT of the
 * table when counted is NULL (a user keeps few rows of it). STORE_NAMED
 * declares one. */
struct store_named {
    const char *by_id, *by_name;
    struct store_keyset page;
    const char *count, *counted;
    db_row_fn take;
    size_t size, time_at, id_at;
};
#define STORE_NAMED(type, columns, table, counted, take)                                         \
    {"SELECT " columns " FROM " table " WHERE id = ?",                                           \
     "SELECT " columns " FROM " table " WHERE user_id = ? AND name = ?",                         \
     STORE_KEYSET_NEWEST(columns, table, "user_id = ?"),                                         \
     "SELECT COUNT(*) FROM " table " WHERE user_id = ?",                                         \
     counted,                                                                                    \
     take,                                                                                       \
     sizeof(type),                                                                               \
     offsetof(type, created_at),                                                                 \
     offsetof(type, id)}
/* Its row of that id, or of that owner and name, into out; DB_NO_ROW when
 * there is none. */
enum db_status store_named_get(struct db *db, struct arena *a, const struct store_named *t,
                               const char *id, void *out);
enum db_status store_named_by_name(struct db *db, struct arena *a, const struct store_named *t,
                                   const char *user_id, const char *name, void *out);
/* One page of the owner's rows (store_keyset_rows) into rows, which must be
 * STORE_ROWS of the table's struct; *total is the owner's count of them,
 * *next the cursor of the page after, or NULL at the end. */
enum db_status store_named_page(struct db *db, const struct store_named *t, const char *user_id,
                                long long skip, long long limit, const char *const *after,
                                struct store_rows *rows, long long *total, const char **next);

/* One page of such a list: from the top, after the cursor after[0..1]
 * (time, id) when it is not NULL, or from the row before skip
 * (store_page_start), each in index order. The n params (at most 5) bind
 * the column's ? (sql->column_params of them), then the filter; take and
 * *more as store_page_rows. */
enum db_status store_keyset_rows(struct db *db, struct arena *a, const struct store_keyset *sql,
                                 const struct db_param *params, int n, long long skip,
                                 long long limit, const char *const *after, db_row_fn take,
                                 void *ctx, bool *more);

/* The cursor of the row a page ended on, from its n sort key parts: opaque
 * text (base64url) in the arena, for the next request's after. */
const char *page_cursor(struct arena *a, const char *const parts[], int n);
/* The cursor of a page of rows that another row followed (more): its last
 * row's time and id, the strings at offsets time_at and id_at of the row
 * struct (STORE_ROWS_CURSOR names them). NULL when no row followed. */
const char *store_rows_cursor(struct arena *a, const struct store_rows *rows, bool more,
                              size_t time_at, size_t id_at);
#define STORE_ROWS_CURSOR(a, rows, more, type, time, id)                                         \
    store_rows_cursor((a), (rows), (more), offsetof(type, time), offsetof(type, id))

/* A database time as ISO-8601 JSON text, or JSON null (NULL or unreadable). */
json_object *store_time_json(const char *db_time);
/* A string, or JSON null for NULL. */
json_object *store_text_json(const char *s);
/* The JSON document stored as text, or fallback when there is none (or it
 * does not parse); the fallback is released when not used. */
json_object *store_parsed_json(const char *text, json_object *fallback);

#endif
