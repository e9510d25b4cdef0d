#ifndef QUARRY_API_PIPELINE_RULES_H
#define QUARRY_API_PIPELINE_RULES_H
/* A pipeline's transformation_rules (the ETL seed's rule objects) compiled
 * to the engine's processing steps. Pure: no database, no request. */
#include <json-c/json.h>
#include <stddef.h>

/* Appends the steps of every rule in rules (an array) to steps (an array),
 * each checked by the engine. 0, or -1 with the field to blame
 * ("transformation_rules[2].source_field") and a message. */
int pipeline_rules_compile(json_object *rules, json_object *steps, char *field, size_t field_len,
                           char *msg, size_t msg_len);

#endif
