#include "common/job_status.h"

#include <string.h>

static const char *const names[JOB_STATUS__MAX] = {
    [JOB_PENDING] = "PENDING",
    [JOB_QUEUED] = "QUEUED",
    [JOB_RUNNING] = "RUNNING",
    [JOB_COMPLETED] = "COMPLETED",
    [JOB_FAILED] = "FAILED",
    [JOB_CANCELLATION_REQUESTED] = "CANCELLATION_REQUESTED",
    [JOB_CANCELLED] = "CANCELLED",
};

const char *job_status_name(enum job_status s)
{
    return (unsigned)s < JOB_STATUS__MAX ? names[s] : "UNKNOWN";
}

bool job_status_parse(const char *name, enum job_status *out)
{
    for (int s = 0; name != NULL && s < JOB_STATUS__MAX; s++)
        if (strcmp(name, names[s]) == 0) {
            *out = (enum job_status)s;
            return true;
        }
    return false;
}

enum job_status job_status_of_row(const char *name)
{
    enum job_status s = JOB_FAILED;
    job_status_parse(name, &s);
    return s;
}

bool job_status_active(enum job_status s)
{
    return s == JOB_RUNNING || s == JOB_CANCELLATION_REQUESTED;
}
