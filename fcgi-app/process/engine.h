/* engine.h — the processing engine's public API (libquarry_engine.a).
 * Used by quarry-process, by quarry-api (step validation) and by the tests.
 * No MariaDB, no libfcgi. */
#ifndef QUARRY_PROCESS_ENGINE_H
#define QUARRY_PROCESS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/detect.h"

struct engine_callbacks {
    void *ctx;
    /* called at most every ~100k records or so; the caller rate-limits DB writes itself */
    void (*progress)(void *ctx, long long processed, long long failed, long long warned,
                     long long bytes_read, long long bytes_total);
    /* one call per row-level problem; line is the 1-based physical line (CSV) or record number */
    void (*line_error)(void *ctx, long long line, const char *column,
                       const char *severity /* "error"|"warning" */, const char *code,
                       const char *message);
    volatile int *cancel;   /* when *cancel becomes non-zero, stop soon and return ENGINE_CANCELLED */
};

struct engine_job {
    const char *input_path;         /* file to read */
    const char *input_name_hint;    /* the user's file name (only a hint for the format) */
    const char *output_path;        /* write here (the caller writes to a temp name and renames) */
    json_object *processing_config; /* may be NULL: DESIGN.md "Input formats" */
    json_object *processing_steps;  /* array of {type, params}; may be NULL/empty */
    const char *output_format;      /* a format with a writer (formats_by_name); NULL = same as
                                       input or csv; a convert_format step overrides it */
};

struct engine_result {
    long long total, processed, succeeded, failed, warned;
    char input_format[16], output_format[16];
    json_object *metadata;   /* processing_metadata; owned by the caller (json_object_put) */
    char error[512];         /* readable reason when the run fails */
};

enum engine_status {
    ENGINE_OK = 0,
    ENGINE_BAD_INPUT,
    ENGINE_BAD_CONFIG,
    ENGINE_IO_ERROR,
    ENGINE_CANCELLED,
    ENGINE_NO_MEMORY,
};

/* Runs one job: input -> steps -> output. Returns an engine_status; *out is
 * always filled (counts so far, error reason). On failure the partial
 * output file is removed. cb may be NULL. */
int engine_run(const struct engine_job *job, const struct engine_callbacks *cb,
               struct engine_result *out);

/* Validate a processing_steps array as the API receives it (before the job exists).
   On error fill field ("processing_steps[2].params.column") and message, return -1. */
int engine_validate_steps(json_object *steps, char *field, size_t field_len, char *msg,
                          size_t msg_len);
/* Same for processing_config ("processing_config.delimiter"). */
int engine_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                           size_t msg_len);

/* Output file name for a job: "<stem>_processed.<ext>" from the input name and output format;
   result is sanitized (no '/', no '..', no control chars) and written into buf. */
void engine_output_name(const char *input_name, const char *output_format, char *buf, size_t len);
/* The object key's form of an output name: every byte but ASCII letters,
   digits, '.', '-' and '_' becomes '_' (one '_' per UTF-8 character), so a
   key never needs percent-encoding in a URL. The name as made (UTF-8,
   spaces kept) travels in the download's Content-Disposition. */
void engine_output_key_name(const char *output_name, char *buf, size_t len);
/* The output name (engine_output_name) that an output key's name key_name
   was made from for an input named input_name, into buf; key_name itself
   when they do not correspond (another kind of output). */
void engine_output_display_name(const char *input_name, const char *key_name, char *buf,
                                size_t len);

/* The inferred schema of job->input_path (with job->processing_config and
 * the name hint; the output fields are not used) from its first
 * sample_size records (all when <= 0): {schema:{column:{type, nullable,
 * min_length, max_length, min, max, null_count}}, summary:{total_fields,
 * required_fields, optional_fields, nested_objects, arrays},
 * sample_info:{rows_analyzed, columns}, input_format}. Types are those of
 * processing_metadata (integer number boolean date datetime string) plus
 * object / array for nested JSON. Ownership: the caller puts the result.
 * NULL with err filled when the file cannot be read. */
json_object *engine_infer_schema(const struct engine_job *job, long sample_size, char *err,
                                 size_t err_len);

/* What a data-quality check looks at (process/quality.c). */
struct quality_spec {
    bool completeness, accuracy, consistency;
    json_object *rules;       /* [{column, rule, value?, name?}] (validate rules), or NULL */
    json_object *key_columns; /* columns of the duplicate key, or NULL: the whole record */
};
/* Scores job->input_path (read with job->processing_config): {total_records,
 * passed_records, failed_records, quality_score, issues:[{rule, column?,
 * severity, failed_count}], details:{completeness, column_types, …}}.
 * Ownership: the caller puts the result. NULL with *status (an
 * engine_status) and err filled when the file cannot be checked. cb may be
 * NULL (progress and cancel only; nothing is reported per line). */
json_object *engine_quality_check(const struct engine_job *job, const struct quality_spec *spec,
                                  const struct engine_callbacks *cb, int *status, char *err,
                                  size_t err_len);

/* A short readable name of a status ("bad input", ...). */
const char *engine_status_name(int status);

/* ---- formats: one table in formats.c, one line a format ---- */

struct reader_ops;
struct writer_ops;

struct format {
    const char *name;                /* canonical: "csv", "jsonl", ... (what a job stores) */
    const char *aliases;             /* other spellings processing_config.format and
                                        convert_format accept (any case), space-separated */
    const char *mime;                /* media type of an input (its reader may refine it) */
    const struct reader_ops *reader; /* NULL: the engine does not read it */
    const struct writer_ops *writer; /* NULL: the engine does not write it */
};

/* The format whose canonical name is exactly name (no aliases, case
 * matters: the names the API accepts and jobs store), or NULL. The result
 * is static. */
const struct format *formats_by_name(const char *name);

/* The canonical names of the formats with a writer, joined with ", "
 * ("csv, json, jsonl, xlsx"), written into buf (cut when it does not fit).
 * Returns buf, for messages. */
const char *formats_writer_names(char *buf, size_t len);

/* Validates a job's output_format as the API receives it: a canonical
 * name of a format with a writer. On error fills msg and returns -1. */
int engine_validate_output_format(const char *name, char *msg, size_t msg_len);

#endif
