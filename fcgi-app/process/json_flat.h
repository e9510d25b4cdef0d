/* json_flat.h — turns one parsed JSON value into the fields of a record;
 * shared by the JSON and JSON Lines readers.
 *
 * Options (processing_config): flatten_nested (default true), max_depth
 * (levels of nested objects turned into columns, default 10), date_fields
 * (names, after flattening, whose values are parsed as ISO dates),
 * max_record_bytes (the largest record's JSON text, default 16 MiB: past it
 * the JSON reader fails the file, the JSON Lines reader rejects the line). */
#ifndef QUARRY_PROCESS_JSON_FLAT_H
#define QUARRY_PROCESS_JSON_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/input.h"
#include "process/json_fast.h"
#include "process/record.h"

/* The default and the largest accepted max_record_bytes. */
#define JFLAT_DEFAULT_RECORD_BYTES (16u << 20)
#define JFLAT_MAX_RECORD_BYTES (256u << 20)

/* Nesting accepted by the JSON parser: deeper documents are refused. */
#define JFLAT_PARSE_DEPTH 128

struct jflat_options {
    bool flatten;
    int max_depth;
    json_object *date_fields;   /* borrowed from the config; may be NULL */
    size_t max_record;          /* bytes of one record's JSON text */
};

/* Reads flatten_nested, max_depth, date_fields and max_record_bytes. On error fills field and
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

/* The same for a flat object read by json_fast.c: members m[0..n). The
 * fields point into the members' memory. A repeated key answers
 * JFLAT_USE_JSONC (json-c merges repeats: parse the line with it). */
#define JFLAT_USE_JSONC 1000
int jflat_record_members(struct jflat *f, const struct jfast_member *m, size_t n,
                         struct record *rec);

/* Adds the flattening counters to processing_metadata. */
void jflat_metadata(const struct jflat *f, json_object *meta);

/* reader_ops.validate_config of a reader whose only options are these. */
int jflat_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                          size_t msg_len);

/* What both JSON readers hold: their input, its buffer, one tokener
 * (created once, reset for every value) and the flattener. */
struct jflat_source {
    struct rec_env *env;
    struct input_stream in;
    char *buf;
    size_t cap;
    json_tokener *tok;
    json_object *current;   /* the value the last record's fields point into */
    struct jflat *flat;
    size_t max_record;      /* max_record_bytes */
};

/* The JSON readers' prologue: reads the options, opens the input with a
 * buffer of buf_cap bytes (input_open), makes the tokener (with
 * tok_flags) and the flattener. Returns ENGINE_OK or a status given to
 * rec_fail; jflat_source_close() cleans up either way. */
int jflat_source_open(struct jflat_source *s, const struct reader_args *args, size_t buf_cap,
                      int tok_flags);
void jflat_source_close(struct jflat_source *s);

/* Sniffing help: what the text at head looks like. */
enum jflat_shape {
    JFLAT_NONE = 0,     /* not JSON */
    JFLAT_ARRAY,        /* starts with '[' */
    JFLAT_OBJECT,       /* one object (or its start) */
    JFLAT_LINES,        /* a complete object on the first line and another line after it */
};
enum jflat_shape jflat_shape(const unsigned char *head, size_t len);

#endif
