#ifndef QUARRY_API_PIPELINE_STORE_H
#define QUARRY_API_PIPELINE_STORE_H
/* The API's statements on pipelines (the definitions). Executions are in
 * execution_store.c, dependencies in dependency_store.c; what the end of an
 * execution changes on a pipeline row is common/pipeline_queue.c's. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

/* A pipelines row as text; strings live in the arena (or the caller's memory for writes). */
struct pipeline {
    const char *id, *user_id, *job_name, *job_type, *description, *source_type, *source_config,
        *transformation_rules, *processing_steps, *compiled_steps, *processing_config,
        *destination, *output_format, *schedule, *next_fire_at, *last_execution_id,
        *last_execution_status, *last_execution_at, *created_at, *updated_at;
    bool is_active;
    long long runs_finished, runs_succeeded, last_execution_records;
};

enum db_status pipeline_insert(struct db *db, const struct pipeline *p);
/* DB_NO_ROW when there is no such pipeline (whoever owns it). */
enum db_status pipeline_get(struct db *db, struct arena *a, const char *id, struct pipeline *out);

struct pipeline_list_query {
    const char *user_id;
    int active; /* -1: all, 0: inactive, 1: active */
    long long skip, limit;
    const char *const *after; /* the cursor (created_at, id) the page follows, or NULL */
};
/* The page of the user's pipelines, newest first (ties by id), as a new
 * JSON array of pipeline objects (*page, owned by the caller); *total gets
 * the count, *next the cursor of the page's last pipeline when more follow
 * (else NULL). */
enum db_status pipeline_list(struct db *db, struct arena *a, const struct pipeline_list_query *q,
                             json_object **page, long long *total, const char **next);

/* Replaces the definition (every field a body can set, next_fire_at
 * included) of the row p->id; updated_at from p. */
enum db_status pipeline_update_definition(struct db *db, const struct pipeline *p);
/* Sets is_active and next_fire_at (NULL: none). *changed when the row exists. */
enum db_status pipeline_set_active(struct db *db, const char *id, bool active,
                                   const char *next_fire_at, const char *now_db, bool *changed);

/* Why a pipeline may not be deleted: *running executions not finished,
 * *children pipelines depending on it. */
enum db_status pipeline_delete_blockers(struct db *db, const char *id, long long *running,
                                        long long *children);
/* Deletes the pipeline, its dependency edges, executions and error rows in
 * one transaction; with force, its unfinished executions' jobs are
 * cancelled (queued ones at once, running ones through a cancel request)
 * in the same transaction. DB_NO_ROW when it is gone already. */
enum db_status pipeline_delete(struct db *db, const char *id, bool force);

/* The pipeline object of the API (the seed's "ETL job"). */
json_object *pipeline_to_json(const struct pipeline *p);
/* The fields a body sets, as they are stored: the base a PATCH is laid on. */
json_object *pipeline_definition(const struct pipeline *p);

#endif
