#include "api/error_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"

#define ERROR_COLUMNS                                                                              \
    "id, execution_id, pipeline_id, user_id, error_type, error_severity, error_code,"            \
    " error_message, line, col, occurred_at, resolved_at, resolved_by, resolution_notes,"         \
    " is_resolved"

/* The list's statements (the statement cache holds fixed texts): by the
 * severity when one is given, else by the type when one is given, else the
 * execution's whole list, each served by its index ending in the list's
 * order (sql/009_merged_list_costs.sql); the other filters are checked on
 * the rows read (a NULL matches any value). is_resolved alone has no index
 * of its own: its page reads the execution's errors in order until it has
 * its rows. */
#define ERROR_PAGE(where)                                                                          \
    "SELECT " ERROR_COLUMNS " FROM pipeline_errors WHERE execution_id = ?" where                  \
    " AND is_resolved = COALESCE(?, is_resolved) ORDER BY occurred_at, id LIMIT ? OFFSET ?"
#define ERROR_AFTER " AND (occurred_at > ? OR (occurred_at = ? AND id > ?))"
#define BY_SEVERITY " AND error_severity = ? AND error_type = COALESCE(?, error_type)"
#define BY_TYPE " AND error_type = ?"
/* The first three from the start (or an offset), the last three after a cursor. */
static const char *const error_pages[6] = {
    ERROR_PAGE(""),           ERROR_PAGE(BY_SEVERITY),           ERROR_PAGE(BY_TYPE),
    ERROR_PAGE(ERROR_AFTER),  ERROR_PAGE(BY_SEVERITY ERROR_AFTER), ERROR_PAGE(BY_TYPE ERROR_AFTER),
};

/* The statement of the filters (an index of error_pages) and its parameters. */
static int error_filters(const struct error_query *q, struct db_param *params, int *n)
{
    int variant = q->severity != NULL ? 1 : q->error_type != NULL ? 2 : 0;
    *n = 0;
    params[(*n)++] = P_STR(q->execution_id);
    if (variant == 1)
        params[(*n)++] = P_STR(q->severity);
    if (variant != 0)
        params[(*n)++] = P_STR(q->error_type);
    if (q->after != NULL) {
        variant += 3;
        params[(*n)++] = P_STR(q->after[0]);
        params[(*n)++] = P_STR(q->after[0]);
        params[(*n)++] = P_STR(q->after[1]);
    }
    params[(*n)++] = q->resolved >= 0 ? P_INT(q->resolved) : P_NULL;
    return variant;
}

/* A row of ERROR_COLUMNS into a struct pipeline_error added to the rows (ctx). */
static int take_error(void *ctx, const struct db_row *row)
{
    struct pipeline_error *e = store_rows_add(ctx);
    const char **const text[] = {&e->id,          &e->execution_id,   &e->pipeline_id,
                                 &e->user_id,     &e->error_type,     &e->error_severity,
                                 &e->error_code,  &e->error_message,  &e->line,
                                 &e->column,      &e->occurred_at,    &e->resolved_at,
                                 &e->resolved_by, &e->resolution_notes};
    int n = store_row_read(ctx, row, text, sizeof(text) / sizeof(text[0]), NULL, 0);
    e->is_resolved = db_row_int(row, n) != 0;
    return 0;
}

/* A page of an execution's errors in order of occurrence. A page by offset
 * reads the skipped entries of its index (no join to repeat per row); the
 * total is the sum of the execution's pipeline_error_counts rows that match
 * the filters: a handful, whatever the number of errors. */
enum db_status error_list(struct db *db, struct arena *a, const struct error_query *q,
                          json_object **page, long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct pipeline_error);
    struct db_param params[7];
    int n = 0;
    bool more = false;
    int variant = error_filters(q, params, &n);
    *next = NULL;
    enum db_status st = store_page_rows(db, error_pages[variant], params, n,
                                        q->after != NULL ? 0 : q->skip, q->limit, take_error,
                                        &rows, &more);
    if (st == DB_OK)
        st = db_query_int(db,
                          "SELECT COALESCE(SUM(n), 0) FROM pipeline_error_counts"
                          " WHERE execution_id = ? AND error_severity = COALESCE(?, error_severity)"
                          " AND error_type = COALESCE(?, error_type)"
                          " AND is_resolved = COALESCE(?, is_resolved)",
                          DB_PARAMS(P_STR(q->execution_id), P_STR(q->severity),
                                    P_STR(q->error_type),
                                    q->resolved >= 0 ? P_INT(q->resolved) : P_NULL),
                          total);
    *page = json_object_new_array();
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, error_to_json((struct pipeline_error *)rows.items + i));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct pipeline_error, occurred_at, id);
    return st;
}

enum db_status error_get(struct db *db, struct arena *a, const char *id, struct pipeline_error *out)
{
    return store_get(db, a, sizeof(*out),
                     "SELECT " ERROR_COLUMNS " FROM pipeline_errors WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_error, out);
}

enum db_status error_set_resolved(struct db *db, const char *id, bool resolved,
                                  const char *resolved_by, const char *notes)
{
    return db_exec(db,
                   "UPDATE pipeline_errors SET is_resolved = ?,"
                   " resolved_at = IF(?, UTC_TIMESTAMP(3), NULL), resolved_by = ?,"
                   " resolution_notes = ? WHERE id = ?",
                   DB_PARAMS(P_INT(resolved), P_INT(resolved), P_STR(resolved ? resolved_by : NULL),
                             P_STR(resolved ? notes : NULL), P_STR(id)),
                   NULL);
}

/* Counts by kind (a severity or a type), summed from the rows read. */
#define SUMMARY_KINDS 64
struct kind_count {
    char name[33];
    long long n;
};
struct summary_ctx {
    struct kind_count sev[SUMMARY_KINDS], type[SUMMARY_KINDS];
    int nsev, ntype;
    long long total, resolved;
};

static void count_kind(struct kind_count *k, int *nk, const char *name, long long n)
{
    int i = 0;
    while (i < *nk && strcmp(k[i].name, name) != 0)
        i++;
    if (i == *nk) {
        if (*nk == SUMMARY_KINDS)
            return;
        snprintf(k[i].name, sizeof(k[i].name), "%s", name);
        k[i].n = 0;
        (*nk)++;
    }
    k[i].n += n;
}

/* A row: severity, type, is_resolved, count. */
static int take_count(void *ctx, const struct db_row *row)
{
    struct summary_ctx *c = ctx;
    long long n = db_row_int(row, 3);
    if (row->values[0] == NULL || row->values[1] == NULL || n == 0)
        return 0;
    count_kind(c->sev, &c->nsev, row->values[0], n);
    count_kind(c->type, &c->ntype, row->values[1], n);
    c->total += n;
    if (db_row_int(row, 2) != 0)
        c->resolved += n;
    return 0;
}

/* Most frequent first, then by name (the order of the summary's by_type). */
static int by_count_desc(const void *a, const void *b)
{
    const struct kind_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The caller's errors of the last days: the whole days of the period from
 * pipeline_error_days (one row per day and kind, sql/009_merged_list_costs.sql),
 * and the first, partial day from its own errors (pipeline_errors_user).
 * The cost follows the days asked for and the kinds of error, not the
 * number of errors (a GROUP BY over them read every one). */
enum db_status error_summary(struct db *db, const char *user_id, long long days,
                             json_object *by_severity, json_object *by_type, long long *total,
                             long long *resolved)
{
    struct summary_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return DB_ERROR;
    enum db_status st =
        db_query(db,
                 "SELECT error_severity, error_type, is_resolved, n FROM pipeline_error_days"
                 " WHERE user_id = ? AND day > DATE(UTC_TIMESTAMP(3) - INTERVAL ? DAY)",
                 DB_PARAMS(P_STR(user_id), P_INT(days)), take_count, c);
    if (st == DB_OK)
        st = db_query(db,
                      "SELECT error_severity, error_type, is_resolved, 1 FROM pipeline_errors"
                      " WHERE user_id = ? AND occurred_at >= UTC_TIMESTAMP(3) - INTERVAL ? DAY"
                      " AND occurred_at < DATE(UTC_TIMESTAMP(3) - INTERVAL ? DAY) + INTERVAL 1 DAY",
                      DB_PARAMS(P_STR(user_id), P_INT(days), P_INT(days)), take_count, c);
    if (st == DB_OK) {
        for (int i = 0; i < c->nsev; i++)
            json_object_object_add(by_severity, c->sev[i].name, json_object_new_int64(c->sev[i].n));
        qsort(c->type, (size_t)c->ntype, sizeof(c->type[0]), by_count_desc);
        for (int i = 0; i < c->ntype; i++)
            json_object_object_add(by_type, c->type[i].name, json_object_new_int64(c->type[i].n));
    }
    *total = c->total;
    *resolved = c->resolved;
    free(c);
    return st;
}

json_object *error_to_json(const struct pipeline_error *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error_id", json_object_new_string(e->id));
    json_object_object_add(o, "job_execution_id", json_object_new_string(e->execution_id));
    json_object_object_add(o, "job_id", json_object_new_string(e->pipeline_id));
    json_object_object_add(o, "error_type", json_object_new_string(e->error_type));
    json_object_object_add(o, "error_severity", json_object_new_string(e->error_severity));
    json_object_object_add(o, "error_code", json_object_new_string(e->error_code));
    json_object_object_add(o, "error_message", json_object_new_string(e->error_message));
    json_object_object_add(o, "line", e->line ? json_object_new_int64(strtoll(e->line, NULL, 10))
                                              : NULL);
    json_object_object_add(o, "column", store_text_json(e->column));
    json_object_object_add(o, "occurred_at", store_time_json(e->occurred_at));
    json_object_object_add(o, "is_resolved", json_object_new_boolean(e->is_resolved));
    json_object_object_add(o, "resolved_at", store_time_json(e->resolved_at));
    json_object_object_add(o, "resolved_by", store_text_json(e->resolved_by));
    json_object_object_add(o, "resolution_notes", store_text_json(e->resolution_notes));
    return o;
}
