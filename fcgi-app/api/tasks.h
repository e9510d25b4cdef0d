#ifndef QUARRY_API_TASKS_H
#define QUARRY_API_TASKS_H
/* Work an API worker must not do itself (connecting to a source, reading
 * it) goes to quarry-process as a task: a jobs row of that kind, queued and
 * claimed like any job. The worker waits for its end, briefly. */
#include <json-c/json.h>

#include "api/request.h"

/* Queues task kind for subject_id with config (taken: released either way;
 * its timeout_seconds is set to the wait) and waits up to wait_seconds for its
 * end. 0 with *result (owned by the caller: json_object_put) when it
 * completed; otherwise answers (504 TIMEOUT after cancelling the task, 500
 * when it failed, the database error) and returns -1. */
int task_call(struct request *req, const char *kind, const char *subject_id, json_object *config,
              int wait_seconds, json_object **result);

#endif
