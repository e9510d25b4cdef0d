/* steps.h — the table of processing steps (steps.c). */
#ifndef QUARRY_PROCESS_STEPS_H
#define QUARRY_PROCESS_STEPS_H

#include "process/record.h"

/* The step named type, or NULL. */
const struct step_ops *steps_find(const char *type);

/* The to_format of the last convert_format step, or NULL. steps must have
 * passed engine_validate_steps(). */
const char *steps_output_format(json_object *steps);
/* The params of the last convert_format step (the writer's options), or NULL. */
json_object *steps_output_options(json_object *steps);

#endif
