#ifndef QUARRY_JOB_STATUS_H
#define QUARRY_JOB_STATUS_H
/* The states of a job and their names, in one table. The database and the
 * API carry the names; the code works with the enum.
 *
 *   PENDING → QUEUED → RUNNING → COMPLETED | FAILED
 *   PENDING, QUEUED → CANCELLED;  RUNNING → CANCELLATION_REQUESTED → CANCELLED */
#include <stdbool.h>

enum job_status {
    JOB_PENDING,                /* created, waiting for its upload */
    JOB_QUEUED,                 /* uploaded, waiting for a dispatcher */
    JOB_RUNNING,                /* a quarry-process works on it */
    JOB_COMPLETED,
    JOB_FAILED,
    JOB_CANCELLATION_REQUESTED, /* RUNNING, and its process is being stopped */
    JOB_CANCELLED,
    JOB_STATUS__MAX
};

/* "PENDING", …: the name the database and the API use. */
const char *job_status_name(enum job_status s);
/* The state named name; false (and *out untouched) for any other text. */
bool job_status_parse(const char *name, enum job_status *out);
/* The state of a row as read from the database: an unknown name (never
 * written by this code) reads as FAILED, a state nothing acts on. */
enum job_status job_status_of_row(const char *name);
/* RUNNING or CANCELLATION_REQUESTED: a process may be working on the job. */
bool job_status_active(enum job_status s);

#endif
