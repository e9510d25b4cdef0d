#ifndef QUARRY_JOBD_RETENTION_H
#define QUARRY_JOBD_RETENTION_H
/* Retention: abandoned PENDING jobs are deleted with their partial uploads;
 * finished jobs keep their rows but lose their objects after retention_hours. */
#include "common/config.h"
#include "common/db.h"

/* One sweep (bounded, so that the loop is never held for long). Returns the
 * number of jobs it acted on, or -1 when the database failed. */
int retention_sweep(struct db *db, const struct config *cfg);

/* Removes <storage_dir>/<area>/<id> and everything under it (symlinks are
 * removed, never followed). id must be a UUID; 0 or -1. */
int retention_remove_objects(const char *storage_dir, const char *area, const char *id);

#endif
