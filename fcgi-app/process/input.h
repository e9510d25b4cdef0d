/* input.h — which reader reads a job's input. */
#ifndef QUARRY_PROCESS_INPUT_H
#define QUARRY_PROCESS_INPUT_H

#include <json-c/json.h>

#include "process/record.h"

/* processing_config "format" when given, else the reader most sure of the
 * file's first bytes (the name is a hint). Returns ENGINE_OK and *out, or
 * a status given to rec_fail. */
int input_reader(const char *path, json_object *config, const char *name_hint,
                 struct rec_env *env, const struct reader_ops **out);

#endif
