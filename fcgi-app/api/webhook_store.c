#include "api/webhook_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"

#define WEBHOOK_COLUMNS "id, user_id, url, events, description, created_at"

static int take_webhook(void *ctx, const struct db_row *row)
{
    struct webhook_row *w = store_rows_add(ctx);
    const char **const text[] = {&w->id, &w->user_id, &w->url, &w->events, &w->description,
                                 &w->created_at};
    store_row_read(ctx, row, text, sizeof(text) / sizeof(text[0]), NULL, 0);
    return 0;
}

enum db_status webhook_insert(struct db *db, const struct webhook_row *w, const char *sealed)
{
    return db_exec(db,
                   "INSERT INTO webhooks (id, user_id, url, events, secret_sealed, description, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(w->id), P_STR(w->user_id), P_STR(w->url), P_STR(w->events),
                             P_STR(sealed), P_STR(w->description), P_STR(w->created_at)),
                   NULL);
}

enum db_status webhook_count(struct db *db, const char *user_id, long long *n)
{
    return db_query_int(db, "SELECT COUNT(*) FROM webhooks WHERE user_id = ?",
                        DB_PARAMS(P_STR(user_id)), n);
}

enum db_status webhook_get(struct db *db, struct arena *a, const char *id, struct webhook_row *out)
{
    return store_get(db, a, sizeof(*out), "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_webhook, out);
}

json_object *webhook_to_json(const struct webhook_row *w)
{
    json_object *o = json_object_new_object(), *events = json_object_new_array();
    char *copy = strdup(w->events ? w->events : "");
    for (char *p = copy, *save = NULL, *e; copy != NULL && (e = strtok_r(p, ",", &save)) != NULL;
         p = NULL)
        json_object_array_add(events, json_object_new_string(e));
    free(copy);
    json_object_object_add(o, "id", json_object_new_string(w->id));
    json_object_object_add(o, "url", json_object_new_string(w->url));
    json_object_object_add(o, "events", events);
    json_object_object_add(o, "description", store_text_json(w->description));
    json_object_object_add(o, "created_at", store_time_json(w->created_at));
    return o;
}

/* Newest first, ties by id, read in the order of webhooks_user_list from
 * where the page starts (store_keyset_rows, as jobs are). */
static const struct store_keyset webhooks_page =
    STORE_KEYSET_NEWEST(WEBHOOK_COLUMNS, "webhooks", "user_id = ?");

enum db_status webhook_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                            long long limit, const char *const *after, json_object **page,
                            long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct webhook_row);
    bool more = false;
    *next = NULL;
    *page = json_object_new_array();
    /* A COUNT: a user has at most 50 subscriptions. */
    enum db_status st = webhook_count(db, user_id, total);
    if (st == DB_OK)
        st = store_keyset_rows(db, a, &webhooks_page, DB_PARAMS(P_STR(user_id)), skip, limit,
                               after, take_webhook, &rows, &more);
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, webhook_to_json((struct webhook_row *)rows.items + i));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct webhook_row, created_at, id);
    return st;
}

enum db_status webhook_delete(struct db *db, const char *id)
{
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_exec(db,
                 "DELETE a FROM webhook_attempts a JOIN webhook_deliveries d "
                 "ON d.id = a.delivery_id WHERE d.webhook_id = ?",
                 DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM webhook_deliveries WHERE webhook_id = ?",
                     DB_PARAMS(P_STR(id)), NULL);
    long long n = 0;
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM webhooks WHERE id = ?", DB_PARAMS(P_STR(id)), &n);
    if (st == DB_OK && n == 0)
        st = DB_NO_ROW;
    return db_end(db, st);
}

/* ------------------------------------------------------------ deliveries */

#define DELIVERY_COLUMNS                                                                           \
    "id, event, status, payload, created_at, last_attempt_at, next_attempt_at, finished_at, "      \
    "attempts, last_status"

/* The deliveries as JSON objects in order, and by id for their attempts;
 * the sort key of the last one (in the arena, when there is one). */
struct delivery_rows {
    json_object *array, *by_id;
    struct arena *arena;
    const char *last_created, *last_id;
};

static json_object *int_or_null(const struct db_row *row, int i)
{
    return row->values[i] != NULL ? json_object_new_int64(db_row_int(row, i)) : NULL;
}

static int take_delivery(void *ctx, const struct db_row *row)
{
    struct delivery_rows *d = ctx;
    const char *const *v = row->values;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(v[0]));
    json_object_object_add(o, "event", json_object_new_string(v[1]));
    json_object_object_add(o, "status", json_object_new_string(v[2]));
    json_object_object_add(o, "payload", store_parsed_json(v[3], NULL));
    json_object_object_add(o, "created_at", store_time_json(v[4]));
    json_object_object_add(o, "last_attempt_at", store_time_json(v[5]));
    json_object_object_add(o, "next_attempt_at", store_time_json(v[6]));
    json_object_object_add(o, "finished_at", store_time_json(v[7]));
    json_object_object_add(o, "attempts", json_object_new_int64(db_row_int(row, 8)));
    json_object_object_add(o, "last_status", int_or_null(row, 9));
    json_object_object_add(o, "attempt_log", json_object_new_array());
    json_object_array_add(d->array, o);
    json_object_object_add(d->by_id, v[0], json_object_get(o));
    if (d->arena != NULL) {
        d->last_created = arena_strdup(d->arena, v[4]);
        d->last_id = arena_strdup(d->arena, v[0]);
    }
    return 0;
}

static int take_attempt(void *ctx, const struct db_row *row)
{
    struct delivery_rows *d = ctx;
    const char *const *v = row->values;
    json_object *delivery, *log;
    if (!json_object_object_get_ex(d->by_id, v[0], &delivery) ||
        !json_object_object_get_ex(delivery, "attempt_log", &log))
        return 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "attempt", json_object_new_int64(db_row_int(row, 1)));
    json_object_object_add(o, "started_at", store_time_json(v[2]));
    json_object_object_add(o, "finished_at", store_time_json(v[3]));
    json_object_object_add(o, "duration_ms", int_or_null(row, 4));
    json_object_object_add(o, "response_status", int_or_null(row, 5));
    json_object_object_add(o, "error", store_text_json(v[6]));
    json_object_object_add(o, "response_excerpt", store_text_json(v[7]));
    json_object_array_add(log, o);
    return 0;
}

#define ATTEMPT_COLUMNS                                                                            \
    "a.delivery_id, a.attempt, a.started_at, a.finished_at, a.duration_ms, a.response_status, "    \
    "a.error, a.response_excerpt"

/* Newest first, ties by id; a page after a cursor resumes after its key. */
#define DELIVERY_PAGE(where)                                                                       \
    "SELECT " DELIVERY_COLUMNS " FROM webhook_deliveries WHERE webhook_id = ?" where              \
    " ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
#define DELIVERY_AFTER " AND (created_at < ? OR (created_at = ? AND id > ?))"

/* The attempts of the page's deliveries (at most PAGE_LIMIT_MAX ids): a
 * statement made for the page's size, kept out of the statement cache. */
static enum db_status page_attempts(struct db *db, struct arena *a, struct delivery_rows *d)
{
    size_t n = json_object_array_length(d->array);
    struct db_param *ids = arena_alloc(a, n * sizeof(*ids));
    char *marks = arena_alloc(a, n * 3 + 1), *m = marks;
    for (size_t i = 0; i < n; i++) {
        json_object *id = NULL;
        json_object_object_get_ex(json_object_array_get_idx(d->array, i), "id", &id);
        ids[i] = P_STR(json_object_get_string(id));
        m += sprintf(m, i ? ", ?" : "?");
    }
    struct db_stmt *stmt = NULL;
    enum db_status st = db_stmt_prepare(
        db,
        arena_printf(a,
                     "SELECT " ATTEMPT_COLUMNS " FROM webhook_attempts a"
                     " WHERE a.delivery_id IN (%s) ORDER BY a.delivery_id, a.attempt",
                     marks),
        &stmt);
    if (st == DB_OK)
        st = db_stmt_query(stmt, ids, (int)n, take_attempt, d);
    db_stmt_close(stmt);
    return st;
}

enum db_status webhook_delivery_list(struct db *db, struct arena *a, const char *webhook_id,
                                     const char *status, const char *const *after, long long skip,
                                     long long limit, json_object **page, long long *total,
                                     const char **next)
{
    struct delivery_rows d = {json_object_new_array(), json_object_new_object(), a, NULL, NULL};
    *page = d.array;
    *next = NULL;
    /* Each variant has its statement and index (webhook_deliveries_list,
     * webhook_deliveries_status_list, sql/009_merged_list_costs.sql); the
     * total comes from list_counts. */
    bool more = false;
    enum db_status st;
    if (after == NULL && status == NULL)
        st = store_page_rows(db, DELIVERY_PAGE(""), DB_PARAMS(P_STR(webhook_id)), skip, limit,
                             take_delivery, &d, &more);
    else if (after == NULL)
        st = store_page_rows(db, DELIVERY_PAGE(" AND status = ?"),
                             DB_PARAMS(P_STR(webhook_id), P_STR(status)), skip, limit,
                             take_delivery, &d, &more);
    else if (status == NULL)
        st = store_page_rows(db, DELIVERY_PAGE(DELIVERY_AFTER),
                             DB_PARAMS(P_STR(webhook_id), P_STR(after[0]), P_STR(after[0]),
                                       P_STR(after[1])),
                             0, limit, take_delivery, &d, &more);
    else
        st = store_page_rows(db, DELIVERY_PAGE(" AND status = ?" DELIVERY_AFTER),
                             DB_PARAMS(P_STR(webhook_id), P_STR(status), P_STR(after[0]),
                                       P_STR(after[0]), P_STR(after[1])),
                             0, limit, take_delivery, &d, &more);
    if (st == DB_OK)
        st = store_count(db, "deliveries", webhook_id, status, total);
    if (st == DB_OK && json_object_array_length(d.array) > 0)
        st = page_attempts(db, a, &d);
    if (st == DB_OK && more && d.last_id != NULL)
        *next = page_cursor(a, (const char *const[]){d.last_created, d.last_id}, 2);
    json_object_put(d.by_id);
    return st;
}

enum db_status webhook_delivery_get(struct db *db, struct arena *a, const char *webhook_id,
                                    const char *delivery_id, json_object **out)
{
    (void)a;
    struct delivery_rows d = {json_object_new_array(), json_object_new_object(), NULL, NULL, NULL};
    *out = NULL;
    enum db_status st = db_query(db,
                                 "SELECT " DELIVERY_COLUMNS " FROM webhook_deliveries "
                                 "WHERE id = ? AND webhook_id = ?",
                                 DB_PARAMS(P_STR(delivery_id), P_STR(webhook_id)), take_delivery, &d);
    if (st == DB_OK && json_object_array_length(d.array) == 0)
        st = DB_NO_ROW;
    if (st == DB_OK)
        st = db_query(db,
                      "SELECT " ATTEMPT_COLUMNS " FROM webhook_attempts a "
                      "WHERE a.delivery_id = ? ORDER BY a.attempt",
                      DB_PARAMS(P_STR(delivery_id)), take_attempt, &d);
    if (st == DB_OK)
        *out = json_object_get(json_object_array_get_idx(d.array, 0));
    json_object_put(d.by_id);
    json_object_put(d.array);
    return st;
}

enum db_status webhook_redeliver(struct db *db, const char *webhook_id, const char *delivery_id,
                                 bool *changed)
{
    return store_exec_changed(
        db,
        "UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_at = UTC_TIMESTAMP(3), "
        "retry_from = UTC_TIMESTAMP(3), finished_at = NULL "
        "WHERE id = ? AND webhook_id = ? AND status IN ('SUCCEEDED', 'FAILED')",
        DB_PARAMS(P_STR(delivery_id), P_STR(webhook_id)), changed);
}
