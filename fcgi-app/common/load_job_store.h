#ifndef QUARRY_LOAD_JOB_STORE_H
#define QUARRY_LOAD_JOB_STORE_H
/* Every statement on load_jobs: the seed's batch and stream jobs, each
 * loading one source table into one dataset. The API creates, lists,
 * starts and stops them; quarry-process reads them, moves the watermark in
 * the transaction of the rows it covers, and hands a long stream run over
 * to its successor. A run is a jobs row of kind dataset_load whose
 * subject_id is the load job; current_job_id names the latest. */
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct load_job_row {
    const char *id, *user_id, *job_name, *job_type, *description, *source_id, *source_table,
        *source_filter, *date_field, *dataset_name, *dataset_id, *record_key_field,
        *precombine_field, *write_mode, *schedule, *watermark_value, *watermark_key,
        *current_job_id, *last_run_at, *created_at, *updated_at;
    long long batch_size, polling_interval_seconds;
    bool enabled;
};

/* DB_DUPLICATE when the user has a load job of that name. */
enum db_status load_job_insert(struct db *db, const struct load_job_row *j);
enum db_status load_job_get(struct db *db, struct arena *a, const char *id,
                            struct load_job_row *out);
/* The user's load jobs (of job_type, or all when NULL), newest first
 * (ties by id), after the cursor after (created_at, id) when it is not
 * NULL; *total gets the count, *next the cursor of the page's last load job
 * when more follow (else NULL). */
enum db_status load_job_list(struct db *db, struct arena *a, const char *user_id,
                             const char *job_type, long long skip, long long limit,
                             const char *const *after,
                             void (*fn)(void *ctx, const struct load_job_row *j), void *ctx,
                             long long *total, const char **next);
/* Deletes it unless a run is active (*busy, nothing deleted). */
enum db_status load_job_delete(struct db *db, const char *id, bool *busy);

/* Starts a run: in one transaction, refuses when the current run is still
 * queued or active (*busy), else queues the jobs row job_id (kind
 * dataset_load, config as its processing_config) and makes it current. */
enum db_status load_job_start(struct db *db, const char *id, const char *user_id,
                              const char *job_id, const char *config, bool *busy);
/* Hands a stream over: queues job_id and makes it current, only while
 * from_job_id is current (*won). */
enum db_status load_job_continue(struct db *db, const char *id, const char *user_id,
                                 const char *from_job_id, const char *job_id,
                                 const char *config, bool *won);
/* The dataset the first run created. */
enum db_status load_job_set_dataset(struct db *db, const char *id, const char *dataset_id);

/* The watermark (date_field value and record key of the last committed
 * row), NULL when nothing was committed yet. */
enum db_status load_job_watermark(struct db *db, struct arena *a, const char *id,
                                  const char **value, const char **key);
/* Moves the watermark; run inside the commit's transaction. */
enum db_status load_job_set_watermark(struct db *db, const char *id, const char *value,
                                      const char *key);

/* One run as the status view shows it. */
struct load_run {
    const char *job_id, *status, *started_at, *finished_at, *error_message;
    long long records_processed, records_written;
};
enum db_status load_job_runs(struct db *db, struct arena *a, const char *id, long long limit,
                             void (*fn)(void *ctx, const struct load_run *r), void *ctx);
struct load_metrics {
    long long total, succeeded, failed, records;
    double average_seconds;
};
enum db_status load_job_metrics(struct db *db, const char *id, struct load_metrics *m);

#endif
