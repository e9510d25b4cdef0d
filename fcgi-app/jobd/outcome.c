#include "jobd/outcome.h"

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "common/job_queue.h"

/* What each exit code of quarry-process says (enum job_exit). */
static const char *const exit_reasons[] = {
    [JOB_EXIT_ENDED] = "ended",
    [JOB_EXIT_INTERNAL] = "an unexpected error (see the dispatcher log)",
    [JOB_EXIT_USAGE] = "bad arguments or configuration",
    [JOB_EXIT_DATABASE] = "the job could not be read or written in the database",
    [JOB_EXIT_NOT_RUNNING] = "the job was not RUNNING when the process started",
    [JOB_EXIT_STOPPED] = "stopped by SIGTERM",
    [JOB_EXIT_LOST] = "the job was taken over by another run",
};

const char *jobd_exit_reason(int code)
{
    if (code < 0 || (size_t)code >= sizeof(exit_reasons) / sizeof(exit_reasons[0]))
        return exit_reasons[JOB_EXIT_INTERNAL];
    return exit_reasons[code];
}

static const char *const stop_names[] = {
    [JOBD_STOP_NONE] = "none",
    [JOBD_STOP_CANCEL] = "cancel",
    [JOBD_STOP_TIMEOUT] = "timeout",
    [JOBD_STOP_SHUTDOWN] = "shutdown",
};

const char *jobd_stop_name(enum jobd_stop stop)
{
    if ((size_t)stop >= sizeof(stop_names) / sizeof(stop_names[0]))
        return stop_names[JOBD_STOP_NONE];
    return stop_names[stop];
}

void jobd_outcome_for(int wait_status, enum jobd_stop stop, long long limit_seconds,
                      struct jobd_outcome *out)
{
    out->message[0] = '\0';
    switch (stop) {
    case JOBD_STOP_CANCEL:
        out->action = JOBD_CANCEL;
        return;
    case JOBD_STOP_TIMEOUT:
        out->action = JOBD_FAIL;
        snprintf(out->message, sizeof(out->message), "time limit of %lld s exceeded",
                 limit_seconds);
        return;
    case JOBD_STOP_SHUTDOWN:
        out->action = JOBD_REQUEUE;
        return;
    case JOBD_STOP_NONE:
        break;
    }
    /* The one rule for a process that died without writing its end: the
     * same whether this dispatcher started it (wait_status says how it died)
     * or adopted it from an earlier one (it is not our child: how it died is
     * unknown). Either way the run was interrupted, most often by SIGKILL
     * from the kernel's OOM killer or an operator: recovery re-queues the job
     * up to job_max_attempts, keeping the reason, then fails it with it. A
     * process that exits with a status of its own has said what went wrong:
     * that fails the job at once. */
    out->action = JOBD_FAIL;
    if (wait_status == -1) {
        out->action = JOBD_RECOVER;
        snprintf(out->message, sizeof(out->message),
                 "quarry-process (adopted after a dispatcher restart) ended without "
                 "writing its result");
    } else if (WIFSIGNALED(wait_status)) {
        out->action = JOBD_RECOVER;
        snprintf(out->message, sizeof(out->message), "quarry-process was killed by signal %d%s",
                 WTERMSIG(wait_status), WTERMSIG(wait_status) == SIGKILL ? " (SIGKILL)" : "");
    } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == JOB_EXIT_ENDED)
        snprintf(out->message, sizeof(out->message), "processing ended without a result");
    else if (WIFEXITED(wait_status))
        snprintf(out->message, sizeof(out->message), "quarry-process exited with status %d: %s",
                 WEXITSTATUS(wait_status), jobd_exit_reason(WEXITSTATUS(wait_status)));
    else
        snprintf(out->message, sizeof(out->message), "quarry-process ended abnormally");
}

long long jobd_time_limit(long long configured, const char *processing_config)
{
    long long limit = configured > 0 ? configured : 0;
    if (processing_config == NULL)
        return limit;
    json_object *cfg = json_tokener_parse(processing_config), *v = NULL;
    if (cfg != NULL && json_object_is_type(cfg, json_type_object) &&
        json_object_object_get_ex(cfg, "timeout_seconds", &v) &&
        (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
        double wanted = json_object_get_double(v);
        /* Rounded up: a limit of 0.5 s must not become "no limit". */
        if (isfinite(wanted) && wanted > 0 && wanted < 1e12) {
            long long own = (long long)ceil(wanted);
            if (limit == 0 || own < limit)
                limit = own;
        }
    }
    json_object_put(cfg);
    return limit;
}
