#ifndef QUARRY_JOBD_OUTCOME_H
#define QUARRY_JOBD_OUTCOME_H
/* What a finished run means for its job: the dispatcher's pure decisions,
 * kept apart from the loop so that they can be tested on their own. */
#include <stdbool.h>
#include <stddef.h>

/* Why the dispatcher stopped a process (if it did). */
enum jobd_stop {
    JOBD_STOP_NONE,
    JOBD_STOP_CANCEL,   /* the user asked for a cancel */
    JOBD_STOP_TIMEOUT,  /* the run went past its time limit */
    JOBD_STOP_SHUTDOWN, /* the dispatcher itself is stopping */
};

enum jobd_action {
    JOBD_FAIL,    /* end FAILED with message (CANCELLED if a cancel was requested) */
    JOBD_CANCEL,  /* end CANCELLED */
    JOBD_REQUEUE, /* back to QUEUED: the run was interrupted, not wrong */
    JOBD_RECOVER, /* the process died without writing its end (killed, or adopted and
                   * gone): re-queued up to job_max_attempts with message as the
                   * reason, then FAILED with it */
};

struct jobd_outcome {
    enum jobd_action action;
    char message[256]; /* the job's error_message (JOBD_FAIL, JOBD_RECOVER) */
};

/* Maps how a run ended to what happens to its job. wait_status is from
 * waitpid(), or -1 when the exit status is unknown (a process adopted from an
 * earlier dispatcher). A process that exits 0 has ended its job itself: the
 * FAIL it maps to is guarded by the row still being RUNNING. */
void jobd_outcome_for(int wait_status, enum jobd_stop stop, long long limit_seconds,
                      struct jobd_outcome *out);

/* A readable reason for an exit code of `quarry-process job`. */
const char *jobd_exit_reason(int code);

/* The run's time limit in seconds: job_timeout_seconds, or the job's
 * processing_config.timeout_seconds when that is smaller. 0 means none. */
long long jobd_time_limit(long long configured, const char *processing_config);

/* The name a stop reason has in the log. */
const char *jobd_stop_name(enum jobd_stop stop);

#endif
