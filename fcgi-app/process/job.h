/* job.h — `quarry-process job <job-id>`: the database mode. */
#ifndef QUARRY_PROCESS_JOB_H
#define QUARRY_PROCESS_JOB_H

int job_main(int argc, char **argv);

#endif
