#ifndef QUARRY_PROCESS_JOB_H
#define QUARRY_PROCESS_JOB_H
/* `quarry-process job <id>`: runs one RUNNING job from the database (the
 * dispatcher's mode). Reads <storage_dir>/<input_object_key>, writes
 * output/<id>/<name> through a temporary name, reports progress and line
 * errors to the jobs row and job_errors, and ends the job COMPLETED or FAILED.
 * On SIGTERM it stops and exits JOB_EXIT_STOPPED without writing an outcome:
 * the dispatcher that sent it knows why (cancel, time limit, shutdown).
 * Exit codes: enum job_exit in common/job_queue.h. */

/* argv is the program's: the job id is its last element. */
int job_main(int argc, char **argv);

#endif
