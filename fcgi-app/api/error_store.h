#ifndef QUARRY_API_ERROR_STORE_H
#define QUARRY_API_ERROR_STORE_H
/* The API's statements on pipeline error rows (written by quarry-process
 * and by the end of an execution: common/pipeline_queue.c). */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct pipeline_error {
    const char *id, *execution_id, *pipeline_id, *user_id, *error_type, *error_severity,
        *error_code, *error_message, *line, *column, *occurred_at, *resolved_at, *resolved_by,
        *resolution_notes;
    bool is_resolved;
};

struct error_query {
    const char *execution_id;
    const char *error_type; /* NULL: any */
    const char *severity;   /* NULL: any */
    int resolved;           /* -1: any */
    long long skip, limit;
    const char *const *after; /* the cursor's occurred_at and id, or NULL */
};
/* The page of an execution's errors in order of occurrence, as a new JSON
 * array (*page, owned by the caller); *total gets the count, *next the
 * cursor after the page (in a), NULL on the last. */
enum db_status error_list(struct db *db, struct arena *a, const struct error_query *q,
                          json_object **page, long long *total, const char **next);
enum db_status error_get(struct db *db, struct arena *a, const char *id, struct pipeline_error *out);
/* Marks the error resolved (by whom, notes may be NULL) or not. */
enum db_status error_set_resolved(struct db *db, const char *id, bool resolved,
                                  const char *resolved_by, const char *notes);

/* Counts of the user's errors of the last days: by severity and by type
 * (objects name → count), resolved and total. */
enum db_status error_summary(struct db *db, const char *user_id, long long days,
                             json_object *by_severity, json_object *by_type, long long *total,
                             long long *resolved);

json_object *error_to_json(const struct pipeline_error *e);

#endif
