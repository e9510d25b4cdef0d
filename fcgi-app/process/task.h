#ifndef QUARRY_PROCESS_TASK_H
#define QUARRY_PROCESS_TASK_H
/* Tasks: the jobs rows whose kind is not "file". quarry-process runs them
 * like any job (claimed from the queue, cancelled with SIGTERM, time-limited
 * and recovered by the dispatcher); job.c loads the row, calls task_run and
 * writes the outcome, with t->result as the job's processing_metadata.
 *
 *   source_test      connect to a source, say why it failed
 *   source_read      a sample of a table or a query of a source, as JSON
 *   schema_generate  the engine's inferred schema of a source's sample
 *   dataset_load     one run of a batch or stream load job (task_load.c)
 *   export           a dataset or a query as CSV, JSON Lines (task_export.c)
 *   file_schema      the engine's inferred schema of an uploaded file (task_file.c)
 *
 * One file per task family; this table is the one place a kind is named. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/config.h"
#include "common/db.h"
#include "process/record.h"
#include "process/source_conn.h"

struct task {
    const struct config *cfg;
    struct db *db;
    const char *job_id, *kind, *subject_id, *user_id;
    long long attempts;
    json_object *config;  /* the job's processing_config; may be NULL */
    volatile int *cancel; /* non-zero: stop soon (SIGTERM) */
    /* Writes the counts so far to the job row; false when the job is no
     * longer this run's (the task should stop). Rate-limited by job.c. */
    bool (*progress)(struct task *t);
    void *progress_ctx;
    /* Filled by the task. */
    json_object *result; /* owned by the task runner (json_object_put) */
    char output_key[400]; /* an object the task wrote (export), "" for none */
    long long output_bytes;
    long long total, processed, failed;
    char error[700];
};

enum task_status { TASK_OK = 0, TASK_FAILED };

/* Runs the task its kind names; TASK_FAILED with t->error for a failure. */
int task_run(struct task *t);

/* Shared by the tasks: the config's string / integer member (NULL / dflt). */
const char *task_config_string(const struct task *t, const char *key);
long long task_config_int(const struct task *t, const char *key, long long dflt);
/* Opens the task owner's source (its password unsealed only for the
 * connection). *why says what went wrong when it returns -1 (msg too). */
int task_open_source(struct task *t, const char *source_id, int connect_timeout_seconds,
                     long long statement_timeout_ms, struct source_conn **out,
                     enum source_error *why, char *msg, size_t msg_len);
/* A row of a source as a JSON object, each value typed by its column type. */
json_object *task_row_json(const struct source_conn *c, const char *const *values,
                           const size_t *lengths);

/* task_export.c */
int task_export(struct task *t);
/* Rows written to path by the engine's writer of format (the export's and a
 * pipeline source's): open with the column names, write each row (values[i]
 * NULL for SQL NULL, typed by types[i]), close (which frees; 0 when the file
 * is complete). On failure err says why. */
struct row_file;
struct row_file *row_file_open(const char *format, const char *path, const char *const *names,
                               size_t ncols, char *err, size_t err_len);
int row_file_write(struct row_file *f, const char *const *values, const size_t *lengths,
                   const enum rec_type *types, char *err, size_t err_len);
int row_file_close(struct row_file *f, char *err, size_t err_len);
/* The SELECT of the task owner's whole dataset (its name in *name, from a);
 * NULL with t->error when it is not theirs or no longer exists. */
const char *task_dataset_sql(struct task *t, struct arena *a, const char *dataset_id,
                             const char **name);
/* Runs sql as the task owner's SQL account (unbuffered) and writes the rows
 * to path as format; TASK_FAILED with t->error (and no file). t->processed
 * counts the rows; *columns gets their count. */
int task_export_sql(struct task *t, const char *sql, const char *format, const char *path,
                    long long *columns);

/* task_load.c */
int task_dataset_load(struct task *t);
/* Where task_load_file loads: the owner's dataset dataset_id, or the one
 * named name (made from the file when there is none, with record_key and
 * precombine when given); mode append, overwrite or upsert. */
struct load_target {
    const char *dataset_id, *name, *mode, *record_key, *precombine;
};
/* Loads the rows of the file at path (read by the engine's reader of
 * format) into the target dataset in commits as a load makes (a commit
 * record each, naming the task's job); t->result gets the load's summary.
 * A dataset column a row lacks is NULL; a column the dataset lacks is not
 * loaded. */
int task_load_file(struct task *t, const struct load_target *target, const char *path,
                   const char *format);

/* task_source.c: all the rows of a source's table or query (t->subject_id
 * the source; t->config {table | sql, where?}) written to path as format,
 * each value typed by its column; TASK_FAILED with t->error. */
int task_source_to_file(struct task *t, const char *format, const char *path);

/* task_source.c */
int task_source_test(struct task *t);
int task_source_read(struct task *t);
int task_schema_generate(struct task *t);

/* task_file.c */
int task_file_schema(struct task *t);

#endif
