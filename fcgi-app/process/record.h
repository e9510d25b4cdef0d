/* record.h — the one record pipeline of quarry-process.
 *
 * A reader produces records, each step looks at (and may change) a record,
 * a writer consumes it:
 *
 *     reader.next() -> step[0].process() -> ... -> writer.write()
 *
 * Adding a format is a file implementing reader_ops and/or one implementing
 * writer_ops plus one line in the table of formats.c (its name, aliases,
 * media type, reader and writer); adding a step is one file implementing
 * step_ops plus one entry in steps.c.
 *
 * Memory rules (they keep the hot path free of malloc):
 *  - A field's value is a (pointer, length) slice, NOT NUL-terminated. It is
 *    valid until the next call of the reader's next(); a step that makes a
 *    new value takes memory from rec_alloc() (reset before every record).
 *  - Column names are interned with rec_intern(): the same column always has
 *    the same `const char *`, NUL-terminated, valid for the whole run. Steps
 *    and writers find columns by pointer identity (rec_find()), so every
 *    reader MUST intern its names.
 *  - rec->fields belongs to whoever last set it: the reader sets it on every
 *    next(); a step may change a field's name/val/len/type in place, or point
 *    rec->fields at an array it owns (select, drop).
 */
#ifndef QUARRY_PROCESS_RECORD_H
#define QUARRY_PROCESS_RECORD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/engine.h"

/* What a value is. Text formats (CSV) produce REC_TEXT: untyped, so the JSON
 * writers print it as a number when it is one. Typed formats (JSON) and the
 * cast step produce the precise types. */
enum rec_type {
    REC_NULL = 0,  /* no value: unquoted empty CSV field, a null_values match, JSON null */
    REC_TEXT,      /* untyped text */
    REC_STRING,    /* a string that stays a string */
    REC_INTEGER,   /* val is a canonical integer, e.g. "-12" */
    REC_NUMBER,    /* val is a JSON number, e.g. "1.5e3" */
    REC_BOOLEAN,   /* val is "true" or "false" */
    REC_JSON,      /* val is raw JSON text (a nested object or array kept whole) */
};

struct rec_field {
    const char *name;   /* interned (rec_intern) */
    const char *val;    /* not NUL-terminated; REC_NULL fields have len 0 */
    size_t len;
    enum rec_type type;
    /* For REC_TEXT, read only when the record's num_known is set: whether
     * val is a JSON number (REC_NUM_YES, REC_NUM_NO), as data_types
     * inference found while classifying it, or REC_NUM_UNKNOWN. The JSON
     * writers use it to skip their own test of the value. */
    unsigned char num;
};

enum { REC_NUM_UNKNOWN = 0, REC_NUM_YES, REC_NUM_NO };

struct rec_arena;
struct rec_env;

struct record {
    struct rec_field *fields;
    size_t nfields;
    long long line;            /* 1-based physical line where it starts (CSV), else record number */
    struct rec_arena *arena;   /* set by the pipeline; use rec_alloc() */
    bool warned;               /* set by the pipeline: an earlier step warned on this record
                                  (a step that holds records keeps it with them) */
    bool num_known;            /* every field's num is current: set by meta_observe()
                                  when the writer uses it (meta_note_numbers), cleared
                                  by the pipeline before a step that may change values
                                  (one without keeps_values) */
};

/* An ordered list of column names (interned pointers). */
struct rec_columns {
    const char **names;
    size_t count, cap;
};

/* ---- the environment every reader, step and writer gets (record.c) ---- */

/* Creates the environment of one run; cb may be NULL. Owned by the caller:
 * rec_env_free(). NULL when out of memory. */
struct rec_env *rec_env_new(const struct engine_callbacks *cb);
void rec_env_free(struct rec_env *env);
/* The status and reason given to rec_fail() (ENGINE_OK and "" if none). */
int rec_env_status(const struct rec_env *env);
const char *rec_env_error(const struct rec_env *env);
/* Line errors forwarded and suppressed so far. */
long long rec_env_reported(const struct rec_env *env);
void rec_env_bytes(const struct rec_env *env, long long *bytes_read, long long *bytes_total);

/* Scratch memory of a record (the pipeline owns one per run). */
struct rec_arena *rec_arena_new(void);
void rec_arena_reset(struct rec_arena *arena);
void rec_arena_free(struct rec_arena *arena);

/* Interns a column name. Returns a pointer that stays valid until
 * rec_env_free(); NULL when out of memory. */
const char *rec_intern(struct rec_env *env, const char *name, size_t len);

/* Reports one row-level problem (severity "error" or "warning") to the
 * caller. Line errors past a cap are counted, not forwarded. */
void rec_report(struct rec_env *env, long long line, const char *column, const char *severity,
                const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Records why the run stops (the first reason wins) and returns status, so a
 * reader can write `return rec_fail(env, ENGINE_BAD_INPUT, "...")`. */
int rec_fail(struct rec_env *env, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Readers keep these current so that progress can be reported. */
void rec_set_bytes(struct rec_env *env, long long bytes_read, long long bytes_total);

/* True once the caller asked the run to stop (engine_callbacks.cancel):
 * for a step that works a long time between two records (sort). */
bool rec_env_cancelled(const struct rec_env *env);
/* The directory of the run's own temporary files (the output's
 * directory): never a path from the job's parameters. "." when unset. */
const char *rec_env_tmpdir(const struct rec_env *env);
/* Sets it (copied). Returns 0, or -1 when out of memory. */
int rec_env_set_tmpdir(struct rec_env *env, const char *dir);

/* Scratch memory for the current record: valid until the pipeline starts the
 * next record. NULL when out of memory. */
void *rec_alloc(struct record *rec, size_t len);

/* Index of the field whose (interned) name is `name`, or -1. `hint` caches
 * the last position (start it at 0), which makes the usual lookup O(1). */
static inline long rec_find(const struct record *rec, const char *name, size_t *hint)
{
    if (*hint < rec->nfields && rec->fields[*hint].name == name)
        return (long)*hint;
    for (size_t i = 0; i < rec->nfields; i++) {
        if (rec->fields[i].name == name) {
            *hint = i;
            return (long)i;
        }
    }
    return -1;
}

/* Appends a name to a column list. Returns 0, or -1 when out of memory. */
int rec_columns_push(struct rec_columns *cols, const char *name);
void rec_columns_free(struct rec_columns *cols);

/* Columns to find in every record (a writer's, select's, dedupe's), each
 * with the position where it was last found, which keeps the lookup O(1)
 * when the records have the same shape. */
struct rec_names {
    const char **names;   /* interned */
    size_t *hints;
    size_t count;
};

/* Fill rn from a list of interned names, from a record's field names, or
 * from a JSON array of strings (interned here). Each returns ENGINE_OK or
 * ENGINE_NO_MEMORY given to rec_fail. Ownership: rec_names_free() frees
 * the arrays, also after a failure. */
int rec_names_copy(struct rec_names *rn, struct rec_env *env, const char *const *names,
                   size_t count);
int rec_names_of_record(struct rec_names *rn, struct rec_env *env, const struct record *rec);
int rec_names_from_json(struct rec_names *rn, struct rec_env *env, json_object *array);
void rec_names_free(struct rec_names *rn);

/* The field of rec named rn->names[i], or NULL when rec lacks it: the
 * field at the same position when it has that name, else a lookup. */
static inline const struct rec_field *rec_names_field(struct rec_names *rn,
                                                      const struct record *rec, size_t i)
{
    if (i < rec->nfields && rec->fields[i].name == rn->names[i])
        return &rec->fields[i];
    long k = rec_find(rec, rn->names[i], &rn->hints[i]);
    return k < 0 ? NULL : &rec->fields[k];
}

/* ---- readers ---- */

struct reader_args {
    const char *path;
    const char *name_hint;     /* the user's file name; may be NULL */
    json_object *config;       /* processing_config; may be NULL */
    struct rec_env *env;
};

enum read_status {
    READ_EOF = 0,       /* no more records */
    READ_RECORD = 1,    /* *rec holds the next record */
    READ_REJECTED = 2,  /* a row was consumed but is unusable; it was reported with
                           rec_report() and is counted failed */
    READ_ERROR = -1,    /* the run stops; the reason was given with rec_fail() */
};

struct reader_ops {
    /* How sure (0..100) the reader is that it reads this content; `head` is
     * the start of the file, name_hint may be NULL. Plain text CSV answers
     * a low score so that more specific formats win. */
    int (*sniff)(const unsigned char *head, size_t len, const char *name_hint);
    /* A binary format (a zip, an OLE2 file, Parquet) sets binary: its
     * sniff() answers non-zero only on the format's signature, which
     * detection looks at before anything else. */
    bool binary;
    /* For a binary format whose signature is not proof enough (not every
     * zip is a workbook): opens the file and says whether it really is this
     * format. May be NULL. */
    bool (*confirm)(const char *path);
    /* The media type of this content when it is more precise than the
     * format's (CSV: text/tab-separated-values, text/plain). May be NULL. */
    const char *(*media_type)(const unsigned char *head, size_t len);
    /* Reads UTF-16 text (only XML declares its encoding). */
    bool utf16;
    /* Its values are mostly untyped text (REC_TEXT), whose JSON number
     * test data_types inference can spare the JSON writers (CSV); a
     * reader of typed values leaves it false, and inference notes nothing. */
    bool text_values;
    /* Checks the processing_config keys this reader understands and ignores
     * the others. On error fills field (relative, e.g. "delimiter") and msg,
     * returns -1. May be NULL. */
    int (*validate_config)(json_object *config, char *field, size_t field_len, char *msg,
                           size_t msg_len);
    /* Returns ENGINE_OK or an engine_status (reason via rec_fail). */
    int (*open)(void **state, const struct reader_args *args);
    /* Returns a read_status. */
    int (*next)(void *state, struct record *rec);
    /* The columns known before the first record (the CSV header); may leave
     * cols empty when they are only known per record. May be NULL. */
    int (*columns)(void *state, struct rec_columns *cols);
    /* Adds format-specific keys to processing_metadata (delimiter_used, ...).
     * May be NULL. */
    int (*metadata)(void *state, json_object *meta);
    void (*close)(void *state);
};

/* ---- steps ---- */

enum step_verdict {
    STEP_KEEP = 0,   /* go on (with a warning when issue->code is set) */
    STEP_DROP,       /* not written and not a failure (filter, dedupe) */
    STEP_FAIL,       /* not written, counted failed, issue reported as error */
    STEP_HOLD,       /* kept by the step (sort): it comes back from drain() after the
                        input ends, and goes on through the steps after this one */
};

struct step_issue {
    const char *column;      /* may be NULL */
    const char *code;        /* NULL = no issue */
    char message[256];
};

struct step_ops {
    const char *type;   /* "filter", "select", ... */
    /* The step never changes a field's val, len or type (it may drop,
     * reorder, rename or hold fields and records): what data_types
     * inference found of each value (rec_field.num) stays true. */
    bool keeps_values;
    /* Validates params as the API receives them. On error fills field
     * relative to params (e.g. "column"; "" for params itself) and msg,
     * returns -1. */
    int (*validate)(json_object *params, char *field, size_t field_len, char *msg, size_t msg_len);
    /* Returns ENGINE_OK or an engine_status (reason via rec_fail). params
     * have passed validate(). */
    int (*init)(void **state, json_object *params, struct rec_env *env);
    /* Rewrites the output column list (select, drop, rename). May be NULL. */
    int (*columns)(void *state, struct rec_columns *cols);
    /* Returns a step_verdict; fills issue for a failure or a warning. */
    int (*process)(void *state, struct record *rec, struct step_issue *issue);
    /* For a step whose process() answers STEP_HOLD: after the last record,
     * gives the held records back one by one (fields valid until the next
     * call). Returns 1 for a record, 0 at the end, -1 when the run stops
     * (reason via rec_fail). May be NULL. */
    int (*drain)(void *state, struct record *rec);
    /* Adds the step's counters to processing_metadata. May be NULL. */
    int (*finish)(void *state, json_object *meta);
    void (*free)(void *state);
};

/* ---- writers ---- */

struct writer_args {
    const char *path;
    const struct rec_columns *columns;  /* output columns known up front; may be empty */
    json_object *config;                /* processing_config; may be NULL */
    json_object *options;               /* the convert_format step's params; may be NULL */
    struct rec_env *env;
};

struct writer_ops {
    const char *extension;   /* of the output file, without the dot */
    /* The writer reads rec_field.num (when rec->num_known): data_types
     * inference notes it only for such a writer (and a reader of
     * text_values). */
    bool uses_num;
    /* Checks the writer's own convert_format params (compression, ...) as
     * step validation does (field relative to params). May be NULL. */
    int (*validate_options)(json_object *params, char *field, size_t field_len, char *msg,
                            size_t msg_len);
    int (*open)(void **state, const struct writer_args *args);   /* engine_status */
    int (*write)(void *state, const struct record *rec);         /* engine_status */
    /* Flushes and closes; returns engine_status. Always frees the state. */
    int (*close)(void *state);
};

/* formats.c: the reader and writer of a format named by its name or an
 * alias (any case). NULL when unknown or when it has none. */
const struct reader_ops *formats_reader(const char *format);
const struct writer_ops *formats_writer(const char *format);

#endif
