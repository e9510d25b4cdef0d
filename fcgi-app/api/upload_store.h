#ifndef QUARRY_API_UPLOAD_STORE_H
#define QUARRY_API_UPLOAD_STORE_H
/* Every statement of the API on the uploads table (tus resumable uploads).
 * An append runs in one transaction that holds the upload's row lock
 * (upload_lock), so two PATCHes of one upload never write at once. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

/* An uploads row as text; strings in the arena (or the caller's memory
 * for inserts). */
struct upload_row {
    const char *id, *user_id, *metadata, *filename, *job_id, *file_id, *sha256_state, *status,
        *created_at, *expires_at, *completed_at;
    long long length, offset;
    bool expired;
};

enum db_status upload_insert(struct db *db, const struct upload_row *u);
/* The upload, whoever owns it; DB_NO_ROW when there is none. */
enum db_status upload_get(struct db *db, struct arena *a, const char *id, struct upload_row *out);
/* The same, locking the row for the caller's transaction. */
enum db_status upload_lock(struct db *db, struct arena *a, const char *id, struct upload_row *out);
/* After an append: the new offset, the running hash (may be NULL), and
 * expiry pushed to expiry_hours from now. */
enum db_status upload_advance(struct db *db, const char *id, long long offset,
                              const char *sha256_state, long long expiry_hours);
/* The upload became the file file_id or the input of its job. */
enum db_status upload_complete(struct db *db, const char *id, const char *file_id);
enum db_status upload_delete(struct db *db, const char *id);
/* Unfinished, unexpired uploads bound to the job. */
enum db_status upload_count_for_job(struct db *db, const char *job_id, long long *n);

/* The upload as GET /uploads/{id} shows it (owned by the caller). */
json_object *upload_to_json(const struct upload_row *u);

#endif
