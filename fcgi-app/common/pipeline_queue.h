#ifndef QUARRY_PIPELINE_QUEUE_H
#define QUARRY_PIPELINE_QUEUE_H
/* Executions of pipelines on the job queue. Each execution owns a jobs row
 * (jobs.execution_id) that the dispatcher claims, runs, cancels, times out
 * and recovers like any job; the execution's state follows its job's:
 *
 *   job QUEUED → execution PENDING; claimed (RUNNING) → RUNNING; put back
 *   in the queue → PENDING; COMPLETED → SUCCESS, FAILED → FAILED,
 *   CANCELLED → CANCELLED.
 *
 * The end of an execution is written in the transaction that ends its job
 * (job_finish and the cancels call pipeline_execution_end), together with
 * the pipeline's counters, a run-level error row, and the auto-trigger of
 * the children whose dependencies that end completes. */
#include <stdbool.h>

#include "common/db.h"
#include "common/ids.h"

/* Why an execution was queued. */
struct execution_request {
    const char *pipeline_id;
    const char *trigger;               /* "manual", "schedule" or "dependency" */
    const char *parameters;            /* JSON text ("{}" when none) */
    const char *upstream_execution_id; /* the parent execution whose end queued it, or NULL */
    const char *scheduled_for;         /* DATETIME text of the schedule slot, or NULL */
    const char *fired_by;              /* the dispatcher host that fired the slot, or NULL */
};

/* Inserts the execution (PENDING) and its job (QUEUED, with the pipeline's
 * compiled steps, config and output format) from the pipelines row, in the
 * caller's transaction. DB_NO_ROW when the pipeline does not exist;
 * DB_DUPLICATE when the slot was fired already. */
enum db_status pipeline_execution_insert(struct db *db, const struct execution_request *r,
                                         char execution_id[UUID_LEN + 1],
                                         char job_id[UUID_LEN + 1]);

/* The same in a transaction of its own. */
enum db_status pipeline_execution_queue(struct db *db, const struct execution_request *r,
                                        char execution_id[UUID_LEN + 1],
                                        char job_id[UUID_LEN + 1]);

/* The job job_id went RUNNING (claimed) or back to QUEUED: its execution
 * follows (nothing when the job is not an execution's). */
enum db_status pipeline_execution_started(struct db *db, const char *job_id);
enum db_status pipeline_execution_requeued(struct db *db, const char *job_id);

/* The job job_id has just ended (its row is updated in the caller's
 * transaction, which must have been opened with db_begin_read_committed).
 * If it is an execution's: ends the execution from the job row (status,
 * times, counts; performance_metrics from metrics_json, the job's metrics;
 * succeeded < 0 takes processed - failed), adds the run-level error row of
 * a failure, updates the pipeline's counters, and queues each child whose
 * dependencies this end completes (each parent execution takes part in at
 * most one trigger of a child). */
enum db_status pipeline_execution_end(struct db *db, const char *job_id, long long succeeded,
                                      const char *metrics_json);

/* Whether a dependency of type (SUCCESS, COMPLETION, DATA_AVAILABILITY) is
 * met by its parent's latest finished execution (status NULL: never ran;
 * records: the rows it wrote). */
bool dependency_met(const char *type, const char *last_status, long long last_records);

/* Row-level errors of an execution's job: the execution id of job_id, or
 * "" when it is not an execution's (buf of UUID_LEN + 1). */
enum db_status pipeline_execution_of_job(struct db *db, const char *job_id, char *buf);
/* Inserts one error row of execution_id (classed by the caller), in the
 * caller's transaction. line < 0 for none; column may be NULL. */
enum db_status pipeline_error_insert(struct db *db, const char *execution_id, const char *type,
                                     const char *severity, const char *code, const char *message,
                                     long long line, const char *column);

#endif
