/* json_flat.h — turns one parsed JSON value into the fields of a record;
 * shared by the JSON and JSON Lines readers.
 *
 * Options (processing_config): flatten_nested (default true), max_depth
 * (levels of nested objects turned into columns, default 10), date_fields
 * (names, after flattening, whose values are parsed as ISO dates). */
#ifndef QUARRY_PROCESS_JSON_FLAT_H
#define QUARRY_PROCESS_JSON_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/record.h"

/* Nesting accepted by the JSON parser: deeper documents are refused. */
#define JFLAT_PARSE_DEPTH 128

struct jflat_options {
    bool flatten;
    int max_depth;
    json_object *date_fields;   /* borrowed from the config; may be NULL */
};

/* Reads flatten_nested, max_depth and date_fields. On error fills field and
 * msg and returns -1. */
int jflat_options_parse(json_object *config, struct jflat_options *opt, char *field,
                        size_t field_len, char *msg, size_t msg_len);

struct jflat;

/* Ownership: the result belongs to the caller (jflat_free); env is borrowed.
 * NULL when out of memory (reason given with rec_fail). */
struct jflat *jflat_new(struct rec_env *env, const struct jflat_options *opt);
void jflat_free(struct jflat *f);

/* Fills rec with the fields of value (an object, or any other value as one
 * field named "value"). The fields point into value, which the caller keeps
 * alive until the next call, and into f. Returns ENGINE_OK or a failure
 * status (reason given with rec_fail). */
int jflat_record(struct jflat *f, json_object *value, struct record *rec);

/* Adds the flattening counters to processing_metadata. */
void jflat_metadata(const struct jflat *f, json_object *meta);

/* Sniffing help: what the text at head looks like. */
enum jflat_shape {
    JFLAT_NONE = 0,     /* not JSON */
    JFLAT_ARRAY,        /* starts with '[' */
    JFLAT_OBJECT,       /* one object (or its start) */
    JFLAT_LINES,        /* a complete object on the first line and another line after it */
};
enum jflat_shape jflat_shape(const unsigned char *head, size_t len);

#endif
