#ifndef QUARRY_PROCESS_PIPELINE_SOURCE_H
#define QUARRY_PROCESS_PIPELINE_SOURCE_H
/* Where an execution's input comes from. The jobs row of an execution is
 * queued without an input; before the engine runs, quarry-process resolves
 * the pipeline's source into the row's input object, name and size, so the
 * rest of the run is a job's. */
#include <stddef.h>

#include "common/db.h"
#include "common/job_queue.h"
#include "process/task.h"

enum pipeline_input {
    INPUT_READY = 0,
    INPUT_MISSING = -1,  /* no input: *message says why ("source: …"); the run fails */
    INPUT_DATABASE = -2, /* the database failed */
};

/* Resolves the source of the execution that owns job t->job_id (run
 * t->attempts) and writes it to the job row and to row (whose strings it
 * replaces). A DATABASE or DATASET source is read into a file of the job
 * first (t gives the configuration, the cancel flag and the progress). */
enum pipeline_input pipeline_source_resolve(struct task *t, struct job_row *row, char *message,
                                           size_t message_len);

/* After the engine wrote the output (output_path, in format): a dataset
 * destination loads it into the dataset with the load jobs' commits
 * (t->result gets the load's summary). 0 when done or when the destination
 * is a file; -1 with message ("destination: …"). */
int pipeline_destination_write(struct task *t, const char *output_path, const char *format,
                               char *message, size_t message_len);

#endif
