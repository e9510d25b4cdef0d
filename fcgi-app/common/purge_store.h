#ifndef QUARRY_PURGE_STORE_H
#define QUARRY_PURGE_STORE_H
/* Purge of old rows (the dispatcher's retention pass): finished jobs with
 * everything that hangs off them, pipeline errors and progress records past
 * their retention. Every row goes by an explicit DELETE, never a cascade, so
 * that the triggers of sql/ keep list_counts (counts and quota bytes) and
 * load_job_totals exact. */
#include <stdbool.h>

#include "common/db.h"
#include "common/job_queue.h"

/* Finished jobs (COMPLETED, FAILED, CANCELLED) that ended more than hours
 * ago, oldest first, at most limit. */
enum db_status purge_list_jobs(struct db *db, long long hours, int limit, job_id_fn fn, void *ctx);

/* Deletes one such job in one transaction (db_transaction: run again after
 * a lost conflict): its line errors, its quality check, its pipeline
 * execution and that execution's errors, then the job.
 * A job that is no longer finished that long ago, or that a load job still
 * names as its current run, is left alone (*won false). */
enum db_status purge_job(struct db *db, const char *id, long long hours, bool *won);

/* Deletes at most limit pipeline errors that occurred more than hours ago;
 * *deleted gets how many. */
enum db_status purge_pipeline_errors(struct db *db, long long hours, int limit,
                                     long long *deleted);

/* Progress records not updated for more than hours, oldest first. */
enum db_status purge_list_progress(struct db *db, long long hours, int limit, job_id_fn fn,
                                   void *ctx);
/* Deletes one progress record with its messages (if still that old). */
enum db_status purge_progress(struct db *db, const char *id, long long hours, bool *won);

/* Direct uploads (files) not pinned whose retention_from (the upload, the
 * last pin change or the last job queued on it) is more than hours ago,
 * oldest first, at most limit; a file a pipeline names (FILE source,
 * source_config.file_id) or that a job not yet finished or a running quality
 * check reads is never listed. */
enum db_status purge_list_files(struct db *db, long long hours, int limit, job_id_fn fn,
                                void *ctx);
/* Deletes one such file in one transaction (if it is still due): each of
 * its jobs as purge_job deletes one (with its line errors, quality check,
 * execution and that execution's errors), then its row. Once committed, fn
 * gets the id of each job deleted (the caller removes their output
 * folders). */
enum db_status purge_file(struct db *db, const char *id, long long hours, job_id_fn fn, void *ctx,
                          bool *won);

#endif
