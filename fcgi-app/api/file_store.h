#ifndef QUARRY_API_FILE_STORE_H
#define QUARRY_API_FILE_STORE_H
/* Every statement on the files table (direct multipart uploads), and the
 * deletion of a file with its jobs. quarry-process writes a file's outcome
 * through job_finish (common/job_queue.h); the API only reads it. */
#include <json-c/json.h>
#include <stdbool.h>

#include "api/job_store.h"
#include "common/arena.h"
#include "common/db.h"

/* A files row as text; strings live in the arena (or the caller's memory for inserts). */
struct file_row {
    const char *id, *user_id, *filename, *object_key, *file_type, *mime_type, *sha256,
        *processing_status, *processing_metadata, *uploaded_at, *processed_at,
        *retention_from; /* when its retention started: upload, pin change or last job */
    long long file_size, records_processed, records_successful, records_failed, pinned;
};

/* Inserts the row, not pinned, its retention starting at uploaded_at. */
enum db_status file_insert(struct db *db, const struct file_row *f);
/* The file into *out, its strings in a; DB_NO_ROW when there is no such
 * file (whoever owns it). */
enum db_status file_get(struct db *db, struct arena *a, const char *id, struct file_row *out);
struct page;
/* The page of the user's files, newest first (uploaded_at, then id), as a
 * JSON array of file objects (*page, owned by the caller, also after a
 * failure); *total gets the count of all, *next the cursor after the page
 * (in a), NULL on the last. */
enum db_status file_list(struct db *db, struct arena *a, const char *user_id,
                         const struct page *pg, long long retention_hours, json_object **page,
                         long long *total, const char **next);

/* Pins or unpins the file; either way its retention starts again now.
 * DB_NO_ROW when it is gone. */
enum db_status file_set_pinned(struct db *db, const char *id, bool pinned);

/* Queues a job on the file, in one transaction: the job row (QUEUED) is
 * inserted and the file goes PROCESSING (its retention starting again),
 * guarded on it not being PROCESSING already. *queued false (and nothing
 * written) when the guard failed. */
enum db_status file_queue_job(struct db *db, const struct job *job, bool *queued);

/* Deletes the file's row and its jobs (with their line errors) in one
 * transaction, refusing while one of its jobs runs (*busy true, nothing
 * deleted). DB_NO_ROW when the file is gone already. *outputs receives the
 * output object keys of the deleted jobs (array and strings in the arena) so
 * that the caller removes those objects once the rows are gone. */
enum db_status file_delete(struct db *db, struct arena *a, const char *id, const char ***outputs,
                           int *noutputs, bool *busy);

/* The file object of the API: a new object owned by the caller. expires_at
 * is retention_from + retention_hours, null when pinned or hours is 0. */
json_object *file_to_json(const struct file_row *f, long long retention_hours);

#endif
