#ifndef QUARRY_JOBD_RETENTION_H
#define QUARRY_JOBD_RETENTION_H
/* Retention: abandoned PENDING jobs are deleted with their partial uploads;
 * finished jobs lose their objects after retention_hours, and their rows
 * (with their runs and errors) after job_row_retention_hours; pipeline
 * errors and progress records go after their own retention. */
#include <time.h>

#include "common/config.h"
#include "common/db.h"

/* One sweep (bounded, so that the loop is never held for long). Returns the
 * number of jobs it acted on, or -1 when the database failed. */
int retention_sweep(struct db *db, const struct config *cfg);

/* Removes <storage_dir>/<area>/<id> and everything under it (symlinks are
 * removed, never followed). id must be a UUID; 0 or -1. */
int retention_remove_objects(const char *storage_dir, const char *area, const char *id);

/* Removes what a killed API worker can leave of a direct upload: files named
 * upload-* in <storage_dir>/files/.tmp whose last change is more than
 * max_age_seconds before now (never a symlink's target, never a folder).
 * Returns how many it removed. */
int retention_remove_stale_uploads(const char *storage_dir, long long max_age_seconds,
                                   time_t now);

#endif
