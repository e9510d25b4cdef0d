#include "api/error_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/store.h"

#define ERROR_COLUMNS                                                                              \
    "id, execution_id, pipeline_id, user_id, error_type, error_severity, error_code,"            \
    " error_message, line, col, occurred_at, resolved_at, resolved_by, resolution_notes,"         \
    " is_resolved"

/* One statement for every filter: a NULL parameter matches any value. */
#define ERROR_WHERE                                                                                \
    " FROM pipeline_errors WHERE execution_id = ? AND error_type = COALESCE(?, error_type)"      \
    " AND error_severity = COALESCE(?, error_severity) AND is_resolved = COALESCE(?, is_resolved)"

/* A row of ERROR_COLUMNS into a struct pipeline_error added to the rows (ctx). */
static int take_error(void *ctx, const struct db_row *row)
{
    struct pipeline_error *e = store_rows_add(ctx);
    const char **const text[] = {&e->id,          &e->execution_id,   &e->pipeline_id,
                                 &e->user_id,     &e->error_type,     &e->error_severity,
                                 &e->error_code,  &e->error_message,  &e->line,
                                 &e->column,      &e->occurred_at,    &e->resolved_at,
                                 &e->resolved_by, &e->resolution_notes};
    long long resolved = 0;
    long long *const ints[] = {&resolved};
    store_row_read(ctx, row, text, sizeof(text) / sizeof(text[0]), ints, 1);
    e->is_resolved = resolved != 0;
    return 0;
}

enum db_status error_list(struct db *db, struct arena *a, const struct error_query *q,
                          json_object **page, long long *total)
{
    struct store_rows rows = STORE_ROWS(a, struct pipeline_error);
    enum db_status st = store_page(
        db, "SELECT COUNT(*)" ERROR_WHERE,
        "SELECT " ERROR_COLUMNS ERROR_WHERE " ORDER BY occurred_at, id LIMIT ? OFFSET ?",
        DB_PARAMS(P_STR(q->execution_id), P_STR(q->error_type), P_STR(q->severity),
                  q->resolved >= 0 ? P_INT(q->resolved) : P_NULL),
        q->skip, q->limit, take_error, &rows, total);
    *page = json_object_new_array();
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, error_to_json((struct pipeline_error *)rows.items + i));
    return st;
}

enum db_status error_get(struct db *db, struct arena *a, const char *id, struct pipeline_error *out)
{
    struct store_rows rows = STORE_ROWS(a, struct pipeline_error);
    enum db_status st = db_query(db, "SELECT " ERROR_COLUMNS " FROM pipeline_errors WHERE id = ?",
                                 DB_PARAMS(P_STR(id)), take_error, &rows);
    return store_rows_one(st, &rows, out);
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

struct summary_ctx {
    json_object *by;
    long long total, resolved;
};

static int take_count(void *ctx, const struct db_row *row)
{
    struct summary_ctx *c = ctx;
    if (row->values[0] != NULL)
        json_object_object_add(c->by, row->values[0], json_object_new_int64(db_row_int(row, 1)));
    c->total += db_row_int(row, 1);
    c->resolved += db_row_int(row, 2);
    return 0;
}

enum db_status error_summary(struct db *db, const char *user_id, long long days,
                             json_object *by_severity, json_object *by_type, long long *total,
                             long long *resolved)
{
    struct summary_ctx sev = {by_severity, 0, 0}, type = {by_type, 0, 0};
    enum db_status st =
        db_query(db,
                 "SELECT error_severity, COUNT(*), SUM(is_resolved) FROM pipeline_errors"
                 " WHERE user_id = ? AND occurred_at >= UTC_TIMESTAMP(3) - INTERVAL ? DAY"
                 " GROUP BY error_severity",
                 DB_PARAMS(P_STR(user_id), P_INT(days)), take_count, &sev);
    if (st == DB_OK)
        st = db_query(db,
                      "SELECT error_type, COUNT(*), SUM(is_resolved) FROM pipeline_errors"
                      " WHERE user_id = ? AND occurred_at >= UTC_TIMESTAMP(3) - INTERVAL ? DAY"
                      " GROUP BY error_type ORDER BY COUNT(*) DESC, error_type",
                      DB_PARAMS(P_STR(user_id), P_INT(days)), take_count, &type);
    *total = sev.total;
    *resolved = sev.resolved;
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
