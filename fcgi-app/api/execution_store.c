#include "api/execution_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "common/ids.h"

#define EXECUTION_COLUMNS                                                                          \
    "e.id, e.pipeline_id, e.user_id, e.job_id, e.status, e.trigger_type, e.parameters,"          \
    " e.upstream_execution_id, e.scheduled_for, e.fired_by, e.start_time, e.end_time,"           \
    " e.performance_metrics, e.error_message, e.created_at, j.output_object_key,"               \
    " j.output_format, j.status, e.records_processed, e.records_successful, e.records_failed,"   \
    " j.processed_records, j.failed_records,"                                                      \
    " (SELECT COALESCE(SUM(c.n), 0) FROM pipeline_error_counts c WHERE c.execution_id = e.id),"   \
    " j.percentage"

#define EXECUTION_FROM " FROM pipeline_executions e LEFT JOIN jobs j ON j.id = e.job_id"

/* A row of EXECUTION_COLUMNS into a struct execution added to the rows (ctx). */
static int take_execution(void *ctx, const struct db_row *row)
{
    struct execution *e = store_rows_add(ctx);
    const char **const text[] = {
        &e->id, &e->pipeline_id, &e->user_id, &e->job_id, &e->status, &e->trigger_type,
        &e->parameters, &e->upstream_execution_id, &e->scheduled_for, &e->fired_by,
        &e->start_time, &e->end_time, &e->performance_metrics, &e->error_message,
        &e->created_at, &e->output_object_key, &e->output_format, &e->job_status};
    long long *const ints[] = {&e->records_processed, &e->records_successful,
                               &e->records_failed,    &e->live_processed,
                               &e->live_failed,       &e->errors};
    int next = STORE_ROW_READ(ctx, row, text, ints);
    e->percentage = row->values[next] ? strtod(row->values[next], NULL) : 0;
    return 0;
}

enum db_status execution_get(struct db *db, struct arena *a, const char *id, struct execution *out)
{
    return store_get(db, a, sizeof(*out),
                     "SELECT " EXECUTION_COLUMNS EXECUTION_FROM " WHERE e.id = ?",
                     DB_PARAMS(P_STR(id)), take_execution, out);
}

/* A pipeline's executions newest first, all or one status: each variant has
 * its own statements, served by its own index (executions_pipeline_list,
 * executions_pipeline_status_list, sql/009_merged_list_costs.sql), and the
 * total comes from list_counts. A page by offset starts after the key of the
 * row before it, found in the index alone (store_page_start): skipping rows
 * of the page's join read each skipped execution's job. */
#define EXECUTION_ORDER " ORDER BY e.created_at DESC, e.id DESC"
#define EXECUTION_PAGE_FIRST(where)                                                                \
    "SELECT " EXECUTION_COLUMNS EXECUTION_FROM " WHERE " where EXECUTION_ORDER " LIMIT ? OFFSET ?"
#define EXECUTION_PAGE_AFTER(where)                                                                \
    "SELECT " EXECUTION_COLUMNS EXECUTION_FROM " WHERE " where                                    \
    " AND (e.created_at < ? OR (e.created_at = ? AND e.id < ?))" EXECUTION_ORDER " LIMIT ? OFFSET ?"
#define EXECUTION_PAGE_KEY(where)                                                                  \
    "SELECT e.created_at, e.id FROM pipeline_executions e WHERE " where EXECUTION_ORDER           \
    " LIMIT 1 OFFSET ?"
#define BY_PIPELINE "e.pipeline_id = ?"
#define BY_PIPELINE_STATUS "e.pipeline_id = ? AND e.status = ?"

enum db_status execution_list(struct db *db, struct arena *a, const struct execution_list_query *q,
                              json_object **page, long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct execution);
    bool all = q->status == NULL, more = false, found = true;
    const char *start[2];
    enum db_status st = DB_OK;
    *page = json_object_new_array();
    *next = NULL;
    if (q->after != NULL) {
        start[0] = q->after[0];
        start[1] = q->after[1];
    } else if (q->skip > 0)
        st = all ? store_page_start(db, a, EXECUTION_PAGE_KEY(BY_PIPELINE),
                                    DB_PARAMS(P_STR(q->pipeline_id)), q->skip, start, 2, &found)
                 : store_page_start(db, a, EXECUTION_PAGE_KEY(BY_PIPELINE_STATUS),
                                    DB_PARAMS(P_STR(q->pipeline_id), P_STR(q->status)), q->skip,
                                    start, 2, &found);
    if (st == DB_OK && found && q->skip == 0 && q->after == NULL)
        st = all ? store_page_rows(db, EXECUTION_PAGE_FIRST(BY_PIPELINE),
                                   DB_PARAMS(P_STR(q->pipeline_id)), 0, q->limit, take_execution,
                                   &rows, &more)
                 : store_page_rows(db, EXECUTION_PAGE_FIRST(BY_PIPELINE_STATUS),
                                   DB_PARAMS(P_STR(q->pipeline_id), P_STR(q->status)), 0, q->limit,
                                   take_execution, &rows, &more);
    else if (st == DB_OK && found)
        st = all ? store_page_rows(db, EXECUTION_PAGE_AFTER(BY_PIPELINE),
                                   DB_PARAMS(P_STR(q->pipeline_id), P_STR(start[0]),
                                             P_STR(start[0]), P_STR(start[1])),
                                   0, q->limit, take_execution, &rows, &more)
                 : store_page_rows(db, EXECUTION_PAGE_AFTER(BY_PIPELINE_STATUS),
                                   DB_PARAMS(P_STR(q->pipeline_id), P_STR(q->status),
                                             P_STR(start[0]), P_STR(start[0]), P_STR(start[1])),
                                   0, q->limit, take_execution, &rows, &more);
    if (st == DB_OK)
        st = store_count(db, "executions", q->pipeline_id, q->status, total);
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, execution_to_json((struct execution *)rows.items + i, true));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct execution, created_at, id);
    return st;
}

static json_object *duration_of(const struct execution *e)
{
    long long start = e->start_time ? time_db_to_ms(e->start_time) : -1;
    long long end = e->end_time ? time_db_to_ms(e->end_time) : time_now_ms();
    if (start < 0 || end < start)
        return NULL;
    return json_object_new_double(round((double)(end - start)) / 1000.0);
}

json_object *execution_to_json(const struct execution *e, bool brief)
{
    bool running = strcmp(e->status, "RUNNING") == 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "execution_id", json_object_new_string(e->id));
    json_object_object_add(o, "job_id", json_object_new_string(e->pipeline_id));
    json_object_object_add(o, "status", json_object_new_string(e->status));
    json_object_object_add(o, "start_time", store_time_json(e->start_time));
    json_object_object_add(o, "end_time", store_time_json(e->end_time));
    /* A run in progress shows its job's live counters. */
    json_object_object_add(o, "records_processed",
                           json_object_new_int64(running ? e->live_processed : e->records_processed));
    json_object_object_add(
        o, "records_successful",
        json_object_new_int64(running ? e->live_processed - e->live_failed : e->records_successful));
    json_object_object_add(o, "records_failed",
                           json_object_new_int64(running ? e->live_failed : e->records_failed));
    if (brief) {
        json_object_object_add(o, "duration_seconds", duration_of(e));
        json_object_object_add(o, "trigger", json_object_new_string(e->trigger_type));
        return o;
    }
    json_object_object_add(o, "pipeline_id", json_object_new_string(e->pipeline_id));
    json_object_object_add(o, "task_id", store_text_json(e->job_id));
    json_object_object_add(o, "batch_id", json_object_new_string(e->id));
    json_object_object_add(o, "duration_seconds", duration_of(e));
    json_object_object_add(o, "performance_metrics", store_parsed_json(e->performance_metrics, NULL));
    json_object_object_add(o, "trigger", json_object_new_string(e->trigger_type));
    json_object_object_add(o, "parameters", store_parsed_json(e->parameters, json_object_new_object()));
    json_object_object_add(o, "upstream_execution_id",
                           store_text_json(e->upstream_execution_id));
    json_object_object_add(o, "scheduled_for", store_time_json(e->scheduled_for));
    json_object_object_add(o, "error_message", store_text_json(e->error_message));
    json_object_object_add(o, "error_count", json_object_new_int64(e->errors));
    json_object_object_add(o, "progress_percentage",
                           json_object_new_double(strcmp(e->status, "SUCCESS") == 0 ? 100.0
                                                                                     : e->percentage));
    json_object_object_add(o, "output_format", store_text_json(e->output_format));
    char path[96];
    bool downloadable =
        strcmp(e->status, "SUCCESS") == 0 && e->output_object_key != NULL && e->job_id != NULL;
    if (downloadable)
        snprintf(path, sizeof(path), "/api/v1/jobs/%s/download", e->job_id);
    json_object_object_add(o, "download_path", downloadable ? json_object_new_string(path) : NULL);
    json_object_object_add(o, "created_at", store_time_json(e->created_at));
    return o;
}
