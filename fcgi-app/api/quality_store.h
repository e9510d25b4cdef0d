#ifndef QUARRY_API_QUALITY_STORE_H
#define QUARRY_API_QUALITY_STORE_H
/* The API's statements on data-quality checks. A check owns a jobs row
 * (jobs.quality_check_id) that quarry-process runs; the end of that job
 * settles the check (common/job_queue.c). */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct quality_check {
    const char *id, *user_id, *entity_type, *entity_id, *job_id, *check_config, *status, *issues,
        *details, *error_message, *created_at, *finished_at, *quality_score;
    long long total_records, passed_records, failed_records;
};

/* Inserts the check (running) and its job (QUEUED on input_object_key) in one transaction. */
enum db_status quality_check_queue(struct db *db, const struct quality_check *c,
                                   const char *input_object_key, const char *input_name,
                                   long long input_size, const char *input_format,
                                   const char *processing_config);
/* DB_NO_ROW when there is no such check. */
enum db_status quality_check_get(struct db *db, struct arena *a, const char *id,
                                 struct quality_check *out);
/* The page of the caller's checks (of one entity when entity_id is not
 * NULL), newest first, as a new JSON array (*page, owned by the caller);
 * after NULL or the cursor's created_at and id; *next the cursor after the
 * page (in a), NULL on the last. */
enum db_status quality_check_list(struct db *db, struct arena *a, const char *user_id,
                                  const char *entity_id, const char *const *after, long long skip,
                                  long long limit, json_object **page, long long *total,
                                  const char **next);

/* The seed's answer for a check. */
json_object *quality_check_to_json(const struct quality_check *c);

#endif
