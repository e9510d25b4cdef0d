#include "common/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/ids.h"

#define STORE_PAGE_ROWS_PARAMS_MAX 8

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

enum db_status store_get(struct db *db, struct arena *a, size_t size, const char *sql,
                         const struct db_param *params, int n, db_row_fn take, void *out)
{
    struct store_rows rows = {a, size, NULL, 0, 0};
    return store_rows_one(db_query(db, sql, params, n, take, &rows), &rows, out);
}

enum db_status store_exec_changed(struct db *db, const char *sql, const struct db_param *params,
                                  int n, bool *changed)
{
    long long affected = 0;
    enum db_status st = db_exec(db, sql, params, n, &affected);
    *changed = st == DB_OK && affected == 1;
    return st;
}

enum db_status store_count(struct db *db, const char *list, const char *owner, const char *part,
                           long long *total)
{
    /* COALESCE: an owner with nothing listed has no row yet. */
    if (part == NULL)
        return db_query_int(db,
                            "SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE list = ? AND owner = ?",
                            DB_PARAMS(P_STR(list), P_STR(owner)), total);
    return db_query_int(db,
                        "SELECT COALESCE(SUM(n), 0) FROM list_counts"
                        " WHERE list = ? AND owner = ? AND part = ?",
                        DB_PARAMS(P_STR(list), P_STR(owner), P_STR(part)), total);
}

struct page_key {
    struct arena *arena;
    const char **key;
    int nkey;
    bool found;
};

static int take_page_key(void *ctx, const struct db_row *row)
{
    struct page_key *k = ctx;
    for (int i = 0; i < k->nkey; i++)
        k->key[i] = arena_strdup(k->arena, i < row->ncols && row->values[i] ? row->values[i] : "");
    k->found = true;
    return 1;
}

enum db_status store_page_start(struct db *db, struct arena *a, const char *key_sql,
                                const struct db_param *params, int n, long long skip,
                                const char **key, int nkey, bool *found)
{
    struct db_param all[STORE_PAGE_ROWS_PARAMS_MAX + 1];
    struct page_key k = {a, key, nkey, false};
    *found = false;
    if (n < 0 || n > STORE_PAGE_ROWS_PARAMS_MAX || skip < 1)
        return DB_ERROR;
    if (n > 0)
        memcpy(all, params, (size_t)n * sizeof(*all));
    all[n] = P_INT(skip - 1);
    enum db_status st = db_query(db, key_sql, all, n + 1, take_page_key, &k);
    *found = st == DB_OK && k.found;
    return st;
}

struct page_take {
    db_row_fn take;
    void *ctx;
    long long limit, seen;
    bool more;
};

static int take_page_row(void *ctx, const struct db_row *row)
{
    struct page_take *p = ctx;
    if (p->seen == p->limit) {
        p->more = true;
        return 1;
    }
    p->seen++;
    return p->take(p->ctx, row);
}

enum db_status store_page_rows(struct db *db, const char *sql, const struct db_param *params,
                               int n, long long skip, long long limit, db_row_fn take, void *ctx,
                               bool *more)
{
    struct db_param all[STORE_PAGE_ROWS_PARAMS_MAX + 2];
    struct page_take p = {take, ctx, limit, 0, false};
    *more = false;
    if (n < 0 || n > STORE_PAGE_ROWS_PARAMS_MAX)
        return DB_ERROR;
    if (n > 0)
        memcpy(all, params, (size_t)n * sizeof(*all));
    all[n] = P_INT(limit + 1);
    all[n + 1] = P_INT(skip);
    enum db_status st = db_query(db, sql, all, n + 2, take_page_row, &p);
    *more = st == DB_OK && p.more;
    return st;
}

enum db_status store_keyset_rows(struct db *db, struct arena *a, const struct store_keyset *sql,
                                 const struct db_param *params, int n, long long skip,
                                 long long limit, const char *const *after, db_row_fn take,
                                 void *ctx, bool *more)
{
    struct db_param all[STORE_PAGE_ROWS_PARAMS_MAX];
    const char *start[2];
    *more = false;
    if (n < sql->column_params || n > STORE_PAGE_ROWS_PARAMS_MAX - 3)
        return DB_ERROR;
    if (after == NULL && skip > 0) {
        bool found = false;
        int cols = sql->column_params; /* the key reads no column: it binds the rest */
        enum db_status st = store_page_start(db, a, sql->key, cols > 0 ? params + cols : params,
                                             n - cols, skip, start, 2, &found);
        if (st != DB_OK || !found)
            return st;
        after = start;
    }
    if (after == NULL)
        return store_page_rows(db, sql->first, params, n, 0, limit, take, ctx, more);
    if (n > 0)
        memcpy(all, params, (size_t)n * sizeof(*all));
    if (sql->numeric) {
        long long part = strtoll(after[0], NULL, 10);
        all[n] = P_INT(part);
        all[n + 1] = P_INT(part);
        all[n + 2] = P_INT(strtoll(after[1], NULL, 10));
    } else {
        all[n] = P_STR(after[0]);
        all[n + 1] = P_STR(after[0]);
        all[n + 2] = P_STR(after[1]);
    }
    return store_page_rows(db, sql->after, all, n + 3, 0, limit, take, ctx, more);
}

enum db_status store_named_get(struct db *db, struct arena *a, const struct store_named *t,
                               const char *id, void *out)
{
    return store_get(db, a, t->size, t->by_id, DB_PARAMS(P_STR(id)), t->take, out);
}

enum db_status store_named_by_name(struct db *db, struct arena *a, const struct store_named *t,
                                   const char *user_id, const char *name, void *out)
{
    return store_get(db, a, t->size, t->by_name, DB_PARAMS(P_STR(user_id), P_STR(name)), t->take,
                     out);
}

enum db_status store_named_page(struct db *db, const struct store_named *t, const char *user_id,
                                long long skip, long long limit, const char *const *after,
                                struct store_rows *rows, long long *total, const char **next)
{
    bool more = false;
    enum db_status st = t->counted != NULL
                            ? store_count(db, t->counted, user_id, NULL, total)
                            : db_query_int(db, t->count, DB_PARAMS(P_STR(user_id)), total);
    if (st == DB_OK)
        st = store_keyset_rows(db, rows->arena, &t->page, DB_PARAMS(P_STR(user_id)), skip, limit,
                               after, t->take, rows, &more);
    *next = st == DB_OK ? store_rows_cursor(rows->arena, rows, more, t->time_at, t->id_at) : NULL;
    return st;
}

const char *page_cursor(struct arena *a, const char *const parts[], int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *text = arena_alloc(a, len + 1), *p = text;
    for (int i = 0; i < n; i++)
        p += sprintf(p, i ? "\n%s" : "%s", parts[i]);
    size_t out_len = sodium_base64_ENCODED_LEN(strlen(text), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, out_len);
    return sodium_bin2base64(out, out_len, (const unsigned char *)text, strlen(text),
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

const char *store_rows_cursor(struct arena *a, const struct store_rows *rows, bool more,
                              size_t time_at, size_t id_at)
{
    if (!more || rows->n == 0)
        return NULL;
    const char *last = (const char *)rows->items + (rows->n - 1) * rows->size;
    const char *const parts[] = {*(const char *const *)(last + time_at),
                                 *(const char *const *)(last + id_at)};
    return page_cursor(a, parts, 2);
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
