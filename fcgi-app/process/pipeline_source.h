#ifndef QUARRY_PROCESS_PIPELINE_SOURCE_H
#define QUARRY_PROCESS_PIPELINE_SOURCE_H
/* Where an execution's input comes from. The jobs row of an execution is
 * queued without an input; before the engine runs, quarry-process resolves
 * the pipeline's source into the row's input object, name and size, so the
 * rest of the run is a job's. */
#include <stddef.h>

#include "common/db.h"
#include "common/job_queue.h"

enum pipeline_input {
    INPUT_READY = 0,
    INPUT_MISSING = -1,  /* no input: *message says why ("source: …"); the run fails */
    INPUT_DATABASE = -2, /* the database failed */
};

/* Resolves the source of the execution that owns job job_id (run attempts)
 * and writes it to the job row and to row (whose strings it replaces). */
enum pipeline_input pipeline_source_resolve(struct db *db, const char *job_id, long long attempts,
                                           struct job_row *row, char *message, size_t message_len);

#endif
