#include "api/pipeline_store.h"

#include <string.h>

#include "common/store.h"
#include "common/ids.h"

#define PIPELINE_COLUMNS                                                                           \
    "id, user_id, job_name, job_type, description, source_type, source_config,"                    \
    " transformation_rules, processing_steps, compiled_steps, processing_config, destination,"     \
    " output_format, schedule, next_fire_at, last_execution_id, last_execution_status,"            \
    " last_execution_at, created_at, updated_at, runs_finished, runs_succeeded,"                   \
    " last_execution_records, is_active"

/* A row of PIPELINE_COLUMNS into a struct pipeline added to the rows (ctx). */
static int take_pipeline(void *ctx, const struct db_row *row)
{
    struct pipeline *p = store_rows_add(ctx);
    const char **const text[] = {
        &p->id, &p->user_id, &p->job_name, &p->job_type, &p->description, &p->source_type,
        &p->source_config, &p->transformation_rules, &p->processing_steps, &p->compiled_steps,
        &p->processing_config, &p->destination, &p->output_format, &p->schedule,
        &p->next_fire_at, &p->last_execution_id, &p->last_execution_status,
        &p->last_execution_at, &p->created_at, &p->updated_at};
    long long *const ints[] = {&p->runs_finished, &p->runs_succeeded, &p->last_execution_records};
    p->is_active = db_row_int(row, STORE_ROW_READ(ctx, row, text, ints)) != 0;
    return 0;
}

/* The params of a pipeline's definition, job_name to is_active, in the
 * order both pipeline_insert and pipeline_update_definition list them. */
#define PIPELINE_DEFINITION_PARAMS(p)                                                              \
    P_STR((p)->job_name), P_STR((p)->job_type), P_STR((p)->description), P_STR((p)->source_type),  \
        P_STR((p)->source_config), P_STR((p)->transformation_rules), P_STR((p)->processing_steps), \
        P_STR((p)->compiled_steps), P_STR((p)->processing_config), P_STR((p)->destination),        \
        P_STR((p)->output_format), P_STR((p)->schedule), P_STR((p)->next_fire_at),                 \
        P_INT((p)->is_active)

enum db_status pipeline_insert(struct db *db, const struct pipeline *p)
{
    return db_exec(db,
                   "INSERT INTO pipelines (id, user_id, job_name, job_type, description,"
                   " source_type, source_config, transformation_rules, processing_steps,"
                   " compiled_steps, processing_config, destination, output_format, schedule,"
                   " next_fire_at, is_active, created_at, updated_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(p->id), P_STR(p->user_id), PIPELINE_DEFINITION_PARAMS(p),
                             P_STR(p->created_at), P_STR(p->updated_at)),
                   NULL);
}

enum db_status pipeline_get(struct db *db, struct arena *a, const char *id, struct pipeline *out)
{
    return store_get(db, a, sizeof(*out), "SELECT " PIPELINE_COLUMNS " FROM pipelines WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_pipeline, out);
}

/* A user's pipelines newest first, all or active or not: each variant has
 * its own statements, served by its own index (pipelines_user_list,
 * pipelines_user_active_list), read in index order from where the page
 * starts (store_keyset_rows, as jobs are). The total is a COUNT: a user
 * keeps few pipelines (definitions, not runs). */
#define PIPELINE_KEYSET(where) STORE_KEYSET_NEWEST(PIPELINE_COLUMNS, "pipelines", where)
static const struct store_keyset pipelines_all = PIPELINE_KEYSET("user_id = ?");
static const struct store_keyset pipelines_active = PIPELINE_KEYSET("user_id = ? AND is_active = ?");

enum db_status pipeline_list(struct db *db, struct arena *a, const struct pipeline_list_query *q,
                             json_object **page, long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct pipeline);
    bool more = false;
    enum db_status st;
    *next = NULL;
    if (q->active < 0) {
        st = db_query_int(db, "SELECT COUNT(*) FROM pipelines WHERE user_id = ?",
                          DB_PARAMS(P_STR(q->user_id)), total);
        if (st == DB_OK)
            st = store_keyset_rows(db, a, &pipelines_all, DB_PARAMS(P_STR(q->user_id)), q->skip,
                                   q->limit, q->after, take_pipeline, &rows, &more);
    } else {
        st = db_query_int(db, "SELECT COUNT(*) FROM pipelines WHERE user_id = ? AND is_active = ?",
                          DB_PARAMS(P_STR(q->user_id), P_INT(q->active)), total);
        if (st == DB_OK)
            st = store_keyset_rows(db, a, &pipelines_active,
                                   DB_PARAMS(P_STR(q->user_id), P_INT(q->active)), q->skip,
                                   q->limit, q->after, take_pipeline, &rows, &more);
    }
    *page = json_object_new_array();
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, pipeline_to_json((struct pipeline *)rows.items + i));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct pipeline, created_at, id);
    return st;
}

enum db_status pipeline_update_definition(struct db *db, const struct pipeline *p)
{
    return db_exec(db,
                   "UPDATE pipelines SET job_name = ?, job_type = ?, description = ?,"
                   " source_type = ?, source_config = ?, transformation_rules = ?,"
                   " processing_steps = ?, compiled_steps = ?, processing_config = ?,"
                   " destination = ?, output_format = ?, schedule = ?, next_fire_at = ?,"
                   " is_active = ?, updated_at = ? WHERE id = ?",
                   DB_PARAMS(PIPELINE_DEFINITION_PARAMS(p), P_STR(p->updated_at), P_STR(p->id)),
                   NULL);
}

enum db_status pipeline_set_active(struct db *db, const char *id, bool active,
                                   const char *next_fire_at, const char *now_db, bool *changed)
{
    return store_exec_changed(
        db, "UPDATE pipelines SET is_active = ?, next_fire_at = ?, updated_at = ? WHERE id = ?",
        DB_PARAMS(P_INT(active), P_STR(next_fire_at), P_STR(now_db), P_STR(id)), changed);
}

enum db_status pipeline_delete_blockers(struct db *db, const char *id, long long *running,
                                        long long *children)
{
    enum db_status st = db_query_int(db,
                                     "SELECT COUNT(*) FROM pipeline_executions"
                                     " WHERE pipeline_id = ? AND status IN ('PENDING', 'RUNNING')",
                                     DB_PARAMS(P_STR(id)), running);
    if (st == DB_OK)
        st = db_query_int(db, "SELECT COUNT(*) FROM pipeline_dependencies WHERE parent_id = ?",
                          DB_PARAMS(P_STR(id)), children);
    return st;
}

enum db_status pipeline_delete(struct db *db, const char *id, bool force)
{
    /* Jobs of unfinished executions: cancelled (QUEUED), or asked to stop
     * (RUNNING); the dispatcher ends those, and their end finds no execution. */
    static const char *const cancel_sql[] = {
        "UPDATE jobs j JOIN pipeline_executions e ON e.job_id = j.id SET j.status = 'CANCELLED',"
        " j.finished_at = UTC_TIMESTAMP(3), j.updated_at = UTC_TIMESTAMP(3)"
        " WHERE e.pipeline_id = ? AND j.status IN ('PENDING', 'QUEUED')",
        "UPDATE jobs j JOIN pipeline_executions e ON e.job_id = j.id"
        " SET j.status = 'CANCELLATION_REQUESTED', j.updated_at = UTC_TIMESTAMP(3)"
        " WHERE e.pipeline_id = ? AND j.status = 'RUNNING'",
    };
    static const char *const delete_sql[] = {
        "DELETE FROM pipeline_errors WHERE pipeline_id = ?",
        "DELETE FROM pipeline_executions WHERE pipeline_id = ?",
        "DELETE FROM pipeline_dependencies WHERE child_id = ? OR parent_id = ?",
    };
    long long affected = 0;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_exec(db, "DELETE FROM pipelines WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK && affected == 0)
        st = DB_NO_ROW;
    for (size_t i = 0; force && st == DB_OK && i < sizeof(cancel_sql) / sizeof(cancel_sql[0]); i++)
        st = db_exec(db, cancel_sql[i], DB_PARAMS(P_STR(id)), NULL);
    for (size_t i = 0; st == DB_OK && i < 2; i++)
        st = db_exec(db, delete_sql[i], DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, delete_sql[2], DB_PARAMS(P_STR(id), P_STR(id)), NULL);
    return db_end(db, st);
}

json_object *pipeline_definition(const struct pipeline *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "job_name", json_object_new_string(p->job_name));
    json_object_object_add(o, "job_type", json_object_new_string(p->job_type));
    json_object_object_add(o, "description", store_text_json(p->description));
    json_object_object_add(o, "source_type", store_text_json(p->source_type));
    json_object_object_add(o, "source_config",
                           store_parsed_json(p->source_config, json_object_new_object()));
    json_object_object_add(o, "transformation_rules",
                           store_parsed_json(p->transformation_rules, json_object_new_array()));
    json_object_object_add(o, "processing_steps",
                           store_parsed_json(p->processing_steps, json_object_new_array()));
    json_object_object_add(o, "processing_config",
                           store_parsed_json(p->processing_config, json_object_new_object()));
    json_object_object_add(o, "destination",
                           store_parsed_json(p->destination, json_object_new_object()));
    json_object_object_add(o, "schedule", store_parsed_json(p->schedule, NULL));
    json_object_object_add(o, "is_active", json_object_new_boolean(p->is_active));
    return o;
}

/* The schedule as the user gave it: a bare cron expression stays one. */
static json_object *schedule_shown(const char *stored)
{
    json_object *s = store_parsed_json(stored, NULL), *as_text = NULL, *expr = NULL;
    if (s == NULL || !json_object_object_get_ex(s, "as_text", &as_text))
        return s;
    json_object_object_get_ex(s, "expression", &expr);
    json_object *shown = json_object_get(expr);
    json_object_put(s);
    return shown;
}

json_object *pipeline_to_json(const struct pipeline *p)
{
    json_object *o = pipeline_definition(p), *tz = NULL;
    json_object_object_add(o, "job_id", json_object_new_string(p->id));
    json_object_object_add(o, "id", json_object_new_string(p->id));
    json_object_object_add(o, "user_id", json_object_new_string(p->user_id));
    json_object_object_add(o, "schedule", schedule_shown(p->schedule));
    json_object *stored = store_parsed_json(p->schedule, NULL);
    if (stored != NULL && json_object_object_get_ex(stored, "timezone", &tz))
        json_object_object_add(o, "schedule_timezone", json_object_get(tz));
    json_object_put(stored);
    json_object_object_add(o, "output_format", json_object_new_string(p->output_format));
    json_object_object_add(o, "compiled_steps",
                           store_parsed_json(p->compiled_steps, json_object_new_array()));
    json_object_object_add(o, "status",
                           json_object_new_string(p->is_active ? "active" : "inactive"));
    json_object_object_add(o, "next_run_at", store_time_json(p->next_fire_at));
    json_object_object_add(o, "last_execution", store_time_json(p->last_execution_at));
    json_object_object_add(o, "last_execution_id", store_text_json(p->last_execution_id));
    json_object_object_add(o, "last_execution_status",
                           store_text_json(p->last_execution_status));
    json_object_object_add(
        o, "success_rate",
        p->runs_finished > 0
            ? json_object_new_double(
                  (double)((p->runs_succeeded * 1000 + p->runs_finished / 2) / p->runs_finished) /
                  10.0)
            : NULL);
    json_object_object_add(o, "total_executions", json_object_new_int64(p->runs_finished));
    json_object_object_add(o, "created_at", store_time_json(p->created_at));
    json_object_object_add(o, "updated_at", store_time_json(p->updated_at));
    return o;
}
