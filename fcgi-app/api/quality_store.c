#include "api/quality_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/store.h"

#define CHECK_COLUMNS                                                                              \
    "id, user_id, entity_type, entity_id, job_id, check_config, status, issues, details,"        \
    " error_message, created_at, finished_at, quality_score, total_records, passed_records,"     \
    " failed_records"

/* A row of CHECK_COLUMNS into a struct quality_check added to the rows (ctx). */
static int take_check(void *ctx, const struct db_row *row)
{
    struct quality_check *c = store_rows_add(ctx);
    const char **const text[] = {&c->id,       &c->user_id,       &c->entity_type,
                                 &c->entity_id, &c->job_id,        &c->check_config,
                                 &c->status,   &c->issues,        &c->details,
                                 &c->error_message, &c->created_at, &c->finished_at,
                                 &c->quality_score};
    long long *const ints[] = {&c->total_records, &c->passed_records, &c->failed_records};
    STORE_ROW_READ(ctx, row, text, ints);
    return 0;
}

enum db_status quality_check_queue(struct db *db, const struct quality_check *c,
                                   const char *input_object_key, const char *input_name,
                                   long long input_size, const char *input_format,
                                   const char *processing_config)
{
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_exec(db,
                 "INSERT INTO quality_checks (id, user_id, entity_type, entity_id, job_id,"
                 " check_config, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running',"
                 " UTC_TIMESTAMP(3))",
                 DB_PARAMS(P_STR(c->id), P_STR(c->user_id), P_STR(c->entity_type),
                           P_STR(c->entity_id), P_STR(c->job_id), P_STR(c->check_config)),
                 NULL);
    if (st == DB_OK)
        st = db_exec(db,
                     "INSERT INTO jobs (id, user_id, file_name, original_file_size_bytes, status,"
                     " processing_steps, processing_config, input_format, output_format,"
                     " created_at, updated_at, queued_at, input_object_key, input_size_bytes,"
                     " stage, quality_check_id) VALUES (?, ?, ?, ?, 'QUEUED', '[]', ?, ?, 'csv',"
                     " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), ?, ?,"
                     " 'file_processing', ?)",
                     DB_PARAMS(P_STR(c->job_id), P_STR(c->user_id), P_STR(input_name),
                               P_INT(input_size), P_STR(processing_config), P_STR(input_format),
                               P_STR(input_object_key), P_INT(input_size), P_STR(c->id)),
                     NULL);
    return db_end(db, st);
}

enum db_status quality_check_get(struct db *db, struct arena *a, const char *id,
                                 struct quality_check *out)
{
    return store_get(db, a, sizeof(*out),
                     "SELECT " CHECK_COLUMNS " FROM quality_checks WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_check, out);
}

#define CHECK_PAGE(where)                                                                          \
    "SELECT " CHECK_COLUMNS " FROM quality_checks WHERE user_id = ?" where                        \
    " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
#define CHECK_AFTER " AND (created_at < ? OR (created_at = ? AND id < ?))"

enum db_status quality_check_list(struct db *db, struct arena *a, const char *user_id,
                                  const char *entity_id, const char *const *after, long long skip,
                                  long long limit, json_object **page, long long *total,
                                  const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct quality_check);
    bool more = false;
    enum db_status st;
    *next = NULL;
    /* Each variant has its statement and index (quality_checks_user_list,
     * quality_checks_entity_list, sql/009_merged_list_costs.sql); the total
     * comes from list_counts. */
    if (after == NULL && entity_id == NULL)
        st = store_page_rows(db, CHECK_PAGE(""), DB_PARAMS(P_STR(user_id)), skip, limit,
                             take_check, &rows, &more);
    else if (after == NULL)
        st = store_page_rows(db, CHECK_PAGE(" AND entity_id = ?"),
                             DB_PARAMS(P_STR(user_id), P_STR(entity_id)), skip, limit, take_check,
                             &rows, &more);
    else if (entity_id == NULL)
        st = store_page_rows(db, CHECK_PAGE(CHECK_AFTER),
                             DB_PARAMS(P_STR(user_id), P_STR(after[0]), P_STR(after[0]),
                                       P_STR(after[1])),
                             0, limit, take_check, &rows, &more);
    else
        st = store_page_rows(db, CHECK_PAGE(" AND entity_id = ?" CHECK_AFTER),
                             DB_PARAMS(P_STR(user_id), P_STR(entity_id), P_STR(after[0]),
                                       P_STR(after[0]), P_STR(after[1])),
                             0, limit, take_check, &rows, &more);
    if (st == DB_OK)
        st = entity_id == NULL ? store_count(db, "quality_checks", user_id, NULL, total)
                               : store_count(db, "quality_entity", entity_id, user_id, total);
    *page = json_object_new_array();
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page, quality_check_to_json((struct quality_check *)rows.items + i));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct quality_check, created_at, id);
    return st;
}

json_object *quality_check_to_json(const struct quality_check *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "check_id", json_object_new_string(c->id));
    json_object_object_add(o, "entity_type", json_object_new_string(c->entity_type));
    json_object_object_add(o, "entity_id", json_object_new_string(c->entity_id));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "total_records", json_object_new_int64(c->total_records));
    json_object_object_add(o, "passed_records", json_object_new_int64(c->passed_records));
    json_object_object_add(o, "failed_records", json_object_new_int64(c->failed_records));
    json_object_object_add(o, "quality_score",
                           c->quality_score ? json_object_new_double(strtod(c->quality_score, NULL))
                                            : NULL);
    json_object_object_add(o, "issues", store_parsed_json(c->issues, json_object_new_array()));
    json_object_object_add(o, "details", store_parsed_json(c->details, NULL));
    json_object_object_add(o, "check_config",
                           store_parsed_json(c->check_config, json_object_new_object()));
    json_object_object_add(o, "error_message", store_text_json(c->error_message));
    json_object_object_add(o, "task_id", json_object_new_string(c->job_id));
    json_object_object_add(o, "created_at", store_time_json(c->created_at));
    json_object_object_add(o, "completed_at", store_time_json(c->finished_at));
    return o;
}
