#ifndef QUARRY_JOB_QUEUE_H
#define QUARRY_JOB_QUEUE_H
/* The queue side's statements on jobs, job_errors and dispatchers: what
 * quarry-jobd and quarry-process do to a job after the API has queued it.
 *
 * Every state change is one guarded UPDATE (`WHERE id=? AND status IN (…)`)
 * whose affected-row count says whether it won. Statements that act for one
 * run of a job also match its attempt number, so that a process whose job was
 * taken away (re-queued after its dispatcher was presumed dead) cannot write
 * over the next run. Times come from the database server (UTC_TIMESTAMP), so
 * dispatchers on several hosts agree on them. */
#include <stdbool.h>

#include "common/db.h"
#include "common/ids.h"
#include "common/job_status.h"

/* Exit codes of `quarry-process job <id>`: how the process tells the
 * dispatcher what happened when it could not write the outcome itself. */
enum job_exit {
    JOB_EXIT_ENDED = 0,       /* the process wrote the job's end (COMPLETED or FAILED) */
    JOB_EXIT_INTERNAL = 1,    /* an unexpected error (a sanitizer report, out of memory) */
    JOB_EXIT_USAGE = 2,       /* bad arguments or configuration */
    JOB_EXIT_DATABASE = 3,    /* the job row could not be read or written */
    JOB_EXIT_NOT_RUNNING = 4, /* the job was not RUNNING when the process started */
    JOB_EXIT_STOPPED = 5,     /* SIGTERM: stopped on request, nothing written */
    JOB_EXIT_LOST = 6,        /* the job stopped being this run's (re-queued or ended elsewhere) */
};

/* What a claim hands to the dispatcher. */
struct job_claim {
    char id[UUID_LEN + 1];
    long long attempts;      /* including this run */
    char *processing_config; /* JSON text or NULL; owned by the caller (free) */
};

/* Queues a task for quarry-process (a jobs row whose kind is not "file",
 * QUEUED at once): config is its processing_config (JSON text), subject_id
 * what it works for. The API queues source tasks and loads with it, a load
 * job's start and a stream's hand-over too. */
enum db_status job_queue_task(struct db *db, const char *id, const char *user_id,
                              const char *kind, const char *subject_id, const char *config,
                              const char *now_db);

/* Takes one of the `spread` oldest QUEUED jobs (1: the oldest) and makes it
 * RUNNING on this host (started_at, attempts + 1, worker_host, stage; its
 * execution RUNNING), in one transaction with FOR UPDATE SKIP LOCKED so that
 * dispatchers of one server never wait for each other. On a Galera cluster
 * those locks are the node's own: dispatchers of two nodes may take the same
 * row and one loses at COMMIT; the transaction then runs again
 * (db_transaction) and a spread above 1 makes such collisions rare.
 * DB_OK with *out filled, DB_NO_ROW when nothing is queued. */
#define JOB_CLAIM_SPREAD 32
enum db_status job_claim_next(struct db *db, const char *host, int spread, struct job_claim *out);
/* Which of n candidates (the oldest first) a claim takes, from a random
 * number: the oldest half the time, else any. */
int job_claim_pick(int n, unsigned int rnd);

/* The job as quarry-process needs it to run. Strings are NULL for SQL NULL. */
struct job_row {
    enum job_status status;
    long long attempts;
    long long input_size_bytes; /* -1 when unknown */
    char *file_id, *file_name, *input_object_key, *processing_steps, *processing_config,
        *output_format;
    char *execution_id;     /* the pipeline execution this job runs, or NULL */
    char *quality_check_id; /* the data-quality check this job runs, or NULL */
    /* What the job runs ("file": the engine over its upload; else a task of
     * quarry-process), what it works for, and whose it is. */
    char *kind, *subject_id, *user_id;
};
/* Loads the job; DB_NO_ROW when it does not exist. The strings are owned by
 * row: job_row_free() releases them (also after a failed load). */
enum db_status job_load(struct db *db, const char *id, struct job_row *row);
void job_row_free(struct job_row *row);
/* Marks the files row a job was made from (if any) PROCESSING. */
enum db_status job_file_mark_processing(struct db *db, const char *id);

/* Records the pid of the process running the job (guarded on this run). */
enum db_status job_set_worker_pid(struct db *db, const char *id, long long attempts, long pid);

/* A snapshot of a run's progress. */
struct job_progress {
    const char *stage;
    long long total, processed, failed, warned;
    double percentage;
    long long estimated_completion_ms; /* ms since the epoch, 0 when unknown */
};

/* Writes the progress of this run. DB_NO_ROW when the job is no longer this
 * run's (ended, cancelled or re-queued): the process should stop. */
enum db_status job_progress_update(struct db *db, const char *id, long long attempts,
                                   const struct job_progress *p);

/* The job's status and its attempt number (attempts may be NULL); DB_NO_ROW
 * when the job does not exist. */
enum db_status job_current_status(struct db *db, const char *id, enum job_status *status,
                                  long long *attempts);

/* Removes the line errors of earlier runs before a run starts. */
enum db_status job_errors_clear(struct db *db, const char *id);

struct job_line_error {
    long long line;
    const char *column; /* may be NULL */
    const char *severity, *code, *message;
};

/* Inserts n line errors in one transaction, and when execution_id is not
 * NULL the execution's error rows of the same problems (classed by
 * common/error_class.c). Texts longer than their columns are cut (the
 * message at a UTF-8 boundary). How many a job keeps is the caller's bound
 * (max_line_errors); the counts on the job stay exact. */
enum db_status job_error_insert(struct db *db, const char *id, const char *execution_id,
                                const struct job_line_error *errs, int n);

/* How a run ends. */
struct job_end {
    enum job_status status;    /* JOB_COMPLETED, JOB_FAILED or JOB_CANCELLED */
    const char *error_message; /* NULL for none */
    bool has_counts;           /* counts below replace the job's; otherwise kept */
    long long total, processed, succeeded, failed, warned;
    const char *metrics;             /* JSON text or NULL (kept) */
    const char *processing_metadata; /* JSON text or NULL (kept) */
    const char *output_object_key;   /* NULL: kept */
    long long output_size_bytes;
};

/* Cancels a job that has not started (PENDING or QUEUED → CANCELLED, as
 * from is), with its execution, its quality check and its job.cancelled
 * webhook, in one transaction. *changed as job_finish's *won. */
enum db_status job_cancel_unstarted(struct db *db, const char *id, enum job_status from,
                                    bool *changed);

/* Which active states a transition may start from. */
enum job_from {
    JOB_FROM_ACTIVE,           /* RUNNING or CANCELLATION_REQUESTED */
    JOB_FROM_RUNNING,          /* RUNNING only */
    JOB_FROM_CANCEL_REQUESTED, /* CANCELLATION_REQUESTED only */
};

/* Ends the job: one guarded UPDATE from `from` to end->status with
 * finished_at, error_message, counts, metrics and output, plus the files row
 * when the job came from a direct upload, the execution it runs (and what
 * that end triggers: common/pipeline_queue.h) and the quality check it runs,
 * in one transaction (tried again when the server picks it as a deadlock
 * victim). attempts < 0
 * matches any run (the dispatcher ending a job whose run it knows nothing
 * about). *won (may be NULL) says whether this call made the change. */
enum db_status job_finish(struct db *db, const char *id, long long attempts, enum job_from from,
                          const struct job_end *end, bool *won);

/* Queues the job.completed, job.failed or job.cancelled webhook of a job
 * that has just ended (its status says which; nothing for any other
 * status): data is the job's id, status, file_name, file_id, output_format,
 * error_message, created_at, finished_at, output_object_key and progress
 * counts. Call it inside the transaction that ended the job (job_finish
 * does; so does the API's cancel). */
enum db_status job_webhook_emit(struct db *db, const char *id);

/* Puts a RUNNING job of this run back to QUEUED (keeping its attempt count and
 * its place in the queue; its execution back to PENDING). reason, when not
 * NULL, becomes the job's error_message while it waits (a later success
 * clears it). *won as for job_finish. */
enum db_status job_requeue(struct db *db, const char *id, long long attempts, const char *reason,
                           bool *won);

/* A RUNNING or CANCELLATION_REQUESTED job as recovery sees it. */
struct job_active {
    const char *id, *worker_host;
    enum job_status status;
    long long attempts;
    long worker_pid;            /* 0 when unknown */
    double running_seconds;     /* since started_at */
    const char *processing_config;
};
/* Return 0 to go on. Pointers are valid only during the call. */
typedef int (*job_active_fn)(void *ctx, const struct job_active *job);

/* Active jobs whose worker_host is host. */
enum db_status job_list_active_on_host(struct db *db, const char *host, job_active_fn fn,
                                       void *ctx);
/* Active jobs of other hosts whose dispatcher has not sent a heartbeat for
 * stale_ms (or never announced itself). */
enum db_status job_list_active_orphaned(struct db *db, const char *my_host, long long stale_ms,
                                        job_active_fn fn, void *ctx);

enum job_recovery { JOB_RECOVERED_NONE, JOB_RECOVERED_QUEUED, JOB_RECOVERED_FAILED,
                    JOB_RECOVERED_CANCELLED };
/* Recovers a job whose process is gone: CANCELLATION_REQUESTED -> CANCELLED;
 * RUNNING -> QUEUED with its attempt count kept ("attempt N of M was
 * interrupted: <reason>" as its error_message while it waits), or FAILED
 * ("abandoned after N attempts: <reason>") once it has had max_attempts.
 * reason may be NULL (unknown). *result says what happened (NONE when the
 * job had changed in the meantime). */
enum db_status job_recover_lost(struct db *db, const struct job_active *job,
                                long long max_attempts, const char *reason,
                                enum job_recovery *result);

/* Ids of this host's jobs whose cancel was requested. */
typedef int (*job_id_fn)(void *ctx, const char *id);
enum db_status job_cancel_requested_list(struct db *db, const char *host, job_id_fn fn, void *ctx);

/* Retention. PENDING jobs created more than hours ago (at most limit). */
enum db_status job_list_pending_expired(struct db *db, long long hours, int limit, job_id_fn fn,
                                        void *ctx);
/* Deletes a job that is still PENDING; *won says whether it did. */
enum db_status job_delete_pending(struct db *db, const char *id, bool *won);
/* Finished jobs (COMPLETED, FAILED, CANCELLED) that ended more than hours ago
 * and still have object keys (at most limit). */
enum db_status job_list_retention_expired(struct db *db, long long hours, int limit,
                                          job_id_fn fn, void *ctx);
/* Clears the object keys of a finished job (its row is kept). */
enum db_status job_clear_objects(struct db *db, const char *id, bool *won);

/* Dispatchers announce themselves (and how many jobs they run) so that others
 * can tell a dead one from a live one. */
enum db_status dispatcher_heartbeat(struct db *db, const char *host, long pid, int running);
/* A dispatcher as its row shows it; the pointers live during the call only. */
struct dispatcher_row {
    const char *host;
    long pid;
    long long running;     /* jobs it runs */
    const char *heartbeat; /* database time of its last heartbeat */
    double age_seconds;    /* since then, by the database's clock */
};
typedef int (*dispatcher_fn)(void *ctx, const struct dispatcher_row *d);
/* Every dispatcher that announced itself, the latest heartbeat first; fn
 * returns 0 to go on. */
enum db_status dispatcher_list(struct db *db, dispatcher_fn fn, void *ctx);
/* Removes this dispatcher's row (clean exit). */
enum db_status dispatcher_remove(struct db *db, const char *host, long pid);
/* Removes the rows of earlier dispatchers on this host (one per host). */
enum db_status dispatcher_forget_others(struct db *db, const char *host, long pid);

#endif
