#ifndef QUARRY_API_EXECUTION_STORE_H
#define QUARRY_API_EXECUTION_STORE_H
/* The API's statements on pipeline executions (queueing them is
 * common/pipeline_queue.c's, shared with the dispatcher). An execution is
 * read with its job, whose live counters show a run in progress. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct execution {
    const char *id, *pipeline_id, *user_id, *job_id, *status, *trigger_type, *parameters,
        *upstream_execution_id, *scheduled_for, *fired_by, *start_time, *end_time,
        *performance_metrics, *error_message, *created_at, *output_object_key, *output_format,
        *job_status;
    long long records_processed, records_successful, records_failed, live_processed,
        live_failed, errors;
    double percentage;
};

/* DB_NO_ROW when there is no such execution. */
enum db_status execution_get(struct db *db, struct arena *a, const char *id, struct execution *out);

struct execution_list_query {
    const char *pipeline_id;
    const char *status; /* NULL: any */
    long long skip, limit;
    const char *const *after; /* the cursor's created_at and id, or NULL */
};
/* The page of a pipeline's executions, newest first, as a new JSON array of
 * brief execution objects (*page, owned by the caller); *total gets the
 * count, *next the cursor after the page (in a), NULL on the last. */
enum db_status execution_list(struct db *db, struct arena *a, const struct execution_list_query *q,
                              json_object **page, long long *total, const char **next);

/* The execution object of the API (the seed's shape and Quarry's extras);
 * brief: the fields of the seed's history list only. */
json_object *execution_to_json(const struct execution *e, bool brief);

#endif
