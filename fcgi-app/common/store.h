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
/* After a query for one row: copies it to out, or DB_NO_ROW when none came. */
enum db_status store_rows_one(enum db_status st, const struct store_rows *rows, void *out);

/* A page of a list: *total gets count_sql's count, then take(ctx, row) gets
 * the rows of page_sql. Both take params; page_sql takes LIMIT ? OFFSET ? after
 * them. At most 6 params. */
enum db_status store_page(struct db *db, const char *count_sql, const char *page_sql,
                          const struct db_param *params, int nparams, long long skip,
                          long long limit, db_row_fn take, void *ctx,
                          long long *total);

/* A database time as ISO-8601 JSON text, or JSON null (NULL or unreadable). */
json_object *store_time_json(const char *db_time);
/* A string, or JSON null for NULL. */
json_object *store_text_json(const char *s);
/* The JSON document stored as text, or fallback when there is none (or it
 * does not parse); the fallback is released when not used. */
json_object *store_parsed_json(const char *text, json_object *fallback);

#endif
