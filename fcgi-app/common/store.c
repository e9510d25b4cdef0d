#include "common/store.h"

#include <string.h>

#include "common/ids.h"

#define STORE_PAGE_PARAMS_MAX 6

void *store_rows_add(struct store_rows *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        void *items = arena_alloc(r->arena, cap * r->size);
        if (r->n > 0)
            memcpy(items, r->items, r->n * r->size);
        r->items = items;
        r->cap = cap;
    }
    return (char *)r->items + r->n++ * r->size;
}

int store_row_read(const struct store_rows *rows, const struct db_row *row,
                   const char **const text[], size_t ntext, long long *const ints[],
                   size_t nints)
{
    db_row_texts(row, rows->arena, text, ntext);
    db_row_ints(row, (int)ntext, ints, nints);
    return (int)(ntext + nints);
}

enum db_status store_rows_one(enum db_status st, const struct store_rows *r, void *out)
{
    if (st != DB_OK)
        return st;
    if (r->n == 0)
        return DB_NO_ROW;
    memcpy(out, r->items, r->size);
    return DB_OK;
}

enum db_status store_page(struct db *db, const char *count_sql, const char *page_sql,
                          const struct db_param *params, int n, long long skip, long long limit,
                          db_row_fn take, void *ctx, long long *total)
{
    struct db_param all[STORE_PAGE_PARAMS_MAX + 2];
    if (n < 0 || n > STORE_PAGE_PARAMS_MAX)
        return DB_ERROR;
    enum db_status st = db_query_int(db, count_sql, params, n, total);
    if (st != DB_OK)
        return st;
    if (n > 0)
        memcpy(all, params, (size_t)n * sizeof(*all));
    all[n] = P_INT(limit);
    all[n + 1] = P_INT(skip);
    return db_query(db, page_sql, all, n + 2, take, ctx);
}

json_object *store_time_json(const char *db_time)
{
    char iso[ISO_TIME_LEN + 1];
    if (db_time == NULL || !time_db_to_iso(db_time, iso))
        return NULL;
    return json_object_new_string(iso);
}

json_object *store_text_json(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

json_object *store_parsed_json(const char *text, json_object *fallback)
{
    json_object *o = text != NULL ? json_tokener_parse(text) : NULL;
    if (o == NULL)
        return fallback;
    json_object_put(fallback);
    return o;
}
