#ifndef QUARRY_UPLOAD_QUEUE_H
#define QUARRY_UPLOAD_QUEUE_H
/* Retention's statements on resumable uploads (the API's are in
 * api/upload_store.c): an upload untouched until its expires_at is removed,
 * row first, then its bytes. */
#include <stdbool.h>

#include "common/db.h"
#include "common/job_queue.h"

/* Ids of uploads past their expiry (at most limit). */
enum db_status upload_list_expired(struct db *db, int limit, job_id_fn fn, void *ctx);
/* Deletes the upload when it is still expired; *won says whether it did. */
enum db_status upload_delete_expired(struct db *db, const char *id, bool *won);

#endif
