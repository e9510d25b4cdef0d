#include "api/file_store.h"

#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "common/store.h"
#include "common/ids.h"

#define FILE_COLUMNS                                                                               \
    "id, user_id, filename, object_key, file_type, mime_type, sha256, processing_status,"         \
    " processing_metadata, uploaded_at, processed_at, retention_from, file_size,"                 \
    " records_processed, records_successful, records_failed, pinned"

/* A row of FILE_COLUMNS into a struct file_row added to the rows (ctx). */
static int take_file(void *ctx, const struct db_row *row)
{
    struct file_row *f = store_rows_add(ctx);
    const char **const text[] = {&f->id, &f->user_id, &f->filename, &f->object_key,
                                 &f->file_type, &f->mime_type, &f->sha256,
                                 &f->processing_status, &f->processing_metadata,
                                 &f->uploaded_at, &f->processed_at, &f->retention_from};
    long long *const ints[] = {&f->file_size, &f->records_processed, &f->records_successful,
                               &f->records_failed, &f->pinned};
    STORE_ROW_READ(ctx, row, text, ints);
    return 0;
}

enum db_status file_insert(struct db *db, const struct file_row *f)
{
    return db_exec(db,
                   "INSERT INTO files (id, user_id, filename, object_key, file_type, mime_type,"
                   " file_size, sha256, processing_status, uploaded_at, retention_from)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?)",
                   DB_PARAMS(P_STR(f->id), P_STR(f->user_id), P_STR(f->filename),
                             P_STR(f->object_key), P_STR(f->file_type), P_STR(f->mime_type),
                             P_INT(f->file_size), P_STR(f->sha256), P_STR(f->uploaded_at),
                             P_STR(f->uploaded_at)),
                   NULL);
}

enum db_status file_get(struct db *db, struct arena *a, const char *id, struct file_row *out)
{
    return store_get(db, a, sizeof(*out), "SELECT " FILE_COLUMNS " FROM files WHERE id = ?",
                     DB_PARAMS(P_STR(id)), take_file, out);
}

/* A user's files newest first (files_user: user_id, uploaded_at, and the id
 * InnoDB keeps in every index), from where the page starts as job_store's
 * job_page does. */
#define FILE_ORDER " ORDER BY uploaded_at DESC, id DESC"

static enum db_status file_page(struct db *db, struct arena *a, const char *user_id,
                                const struct page *pg, struct store_rows *rows, bool *more)
{
    const char *const *after = pg->after;
    const char *start[2];
    if (after == NULL && pg->skip > 0) {
        bool found = false;
        enum db_status st = store_page_start(
            db, a, "SELECT uploaded_at, id FROM files WHERE user_id = ?" FILE_ORDER " LIMIT 1 OFFSET ?",
            DB_PARAMS(P_STR(user_id)), pg->skip, start, 2, &found);
        if (st != DB_OK || !found)
            return st;
        after = start;
    }
    if (after == NULL)
        return store_page_rows(db,
                               "SELECT " FILE_COLUMNS " FROM files WHERE user_id = ?" FILE_ORDER
                               " LIMIT ? OFFSET ?",
                               DB_PARAMS(P_STR(user_id)), 0, pg->limit, take_file, rows, more);
    return store_page_rows(db,
                           "SELECT " FILE_COLUMNS " FROM files WHERE user_id = ? AND"
                           " (uploaded_at < ? OR (uploaded_at = ? AND id < ?))" FILE_ORDER
                           " LIMIT ? OFFSET ?",
                           DB_PARAMS(P_STR(user_id), P_STR(after[0]), P_STR(after[0]),
                                     P_STR(after[1])),
                           0, pg->limit, take_file, rows, more);
}

enum db_status file_list(struct db *db, struct arena *a, const char *user_id,
                         const struct page *pg, long long retention_hours, json_object **page,
                         long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct file_row);
    bool more = false;
    *next = NULL;
    *page = json_object_new_array();
    enum db_status st = store_count(db, "files", user_id, NULL, total);
    if (st == DB_OK)
        st = file_page(db, a, user_id, pg, &rows, &more);
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page,
                              file_to_json((struct file_row *)rows.items + i, retention_hours));
    if (st == DB_OK)
        *next = STORE_ROWS_CURSOR(a, &rows, more, struct file_row, uploaded_at, id);
    return st;
}

/* Locks are always taken jobs first, then files (as job_finish does), so
 * that queueing, deleting and a job's end never deadlock one another. */
enum db_status file_queue_job(struct db *db, const struct job *job, bool *queued)
{
    long long affected = 0;
    *queued = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = job_insert(db, job);
    if (st == DB_OK)
        st = db_exec(db,
                     "UPDATE files SET processing_status = 'PROCESSING', records_processed = 0,"
                     " records_successful = 0, records_failed = 0, processed_at = NULL,"
                     " processing_metadata = NULL, retention_from = UTC_TIMESTAMP(3)"
                     " WHERE id = ? AND processing_status <> 'PROCESSING'",
                     DB_PARAMS(P_STR(job->file_id)), &affected);
    if (st != DB_OK || affected != 1) {
        db_rollback(db);
        return st;
    }
    st = db_commit(db);
    *queued = st == DB_OK;
    return st;
}

enum db_status file_set_pinned(struct db *db, const char *id, bool pinned)
{
    long long affected = 0;
    enum db_status st = db_exec(db,
                                "UPDATE files SET pinned = ?, retention_from = UTC_TIMESTAMP(3)"
                                " WHERE id = ?",
                                DB_PARAMS(P_INT(pinned ? 1 : 0), P_STR(id)), &affected);
    return st == DB_OK && affected != 1 ? DB_NO_ROW : st;
}

struct file_jobs {
    struct store_rows keys; /* const char *: output object keys */
    bool busy;
};

static int take_file_job(void *ctx, const struct db_row *row)
{
    struct file_jobs *j = ctx;
    const char *status = row->values[0], *key = row->values[1];
    if (job_status_active(job_status_of_row(status)))
        j->busy = true;
    if (key != NULL)
        *(const char **)store_rows_add(&j->keys) = arena_strdup(j->keys.arena, key);
    return 0;
}

enum db_status file_delete(struct db *db, struct arena *a, const char *id, const char ***outputs,
                           int *noutputs, bool *busy)
{
    struct file_jobs jobs = {STORE_ROWS(a, const char *), false};
    long long affected = 0;
    *outputs = NULL;
    *noutputs = 0;
    *busy = false;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query(db, "SELECT status, output_object_key FROM jobs WHERE file_id = ? FOR UPDATE",
                  DB_PARAMS(P_STR(id)), take_file_job, &jobs);
    if (st != DB_OK || jobs.busy) {
        db_rollback(db);
        *busy = jobs.busy;
        return st;
    }
    /* A join, not "job_id IN (SELECT …)": MariaDB runs a single-table
     * DELETE's subquery once per row of job_errors, every job's. */
    st = db_exec(db,
                 "DELETE e FROM job_errors e JOIN jobs j ON e.job_id = j.id WHERE j.file_id = ?",
                 DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM jobs WHERE file_id = ?", DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM files WHERE id = ?", DB_PARAMS(P_STR(id)), &affected);
    if (st == DB_OK && affected != 1)
        st = DB_NO_ROW;
    if (st != DB_OK) {
        db_rollback(db);
        return st;
    }
    st = db_commit(db);
    if (st == DB_OK) {
        *outputs = jobs.keys.items;
        *noutputs = (int)jobs.keys.n;
    }
    return st;
}

/* retention_from + hours as a JSON time; null when pinned or kept for ever. */
static json_object *file_expiry_json(const struct file_row *f, long long hours)
{
    char at[DB_TIME_LEN + 1];
    long long from = f->retention_from ? time_db_to_ms(f->retention_from) : -1;
    if (f->pinned || hours <= 0 || from < 0)
        return NULL;
    time_db(from + hours * 3600000LL, at);
    return store_time_json(at);
}

json_object *file_to_json(const struct file_row *f, long long retention_hours)
{
    json_object *o = json_object_new_object();
    json_object *meta = f->processing_metadata ? json_tokener_parse(f->processing_metadata) : NULL;
    json_object_object_add(o, "file_id", json_object_new_string(f->id));
    json_object_object_add(o, "filename", json_object_new_string(f->filename));
    json_object_object_add(o, "file_type", json_object_new_string(f->file_type));
    json_object_object_add(o, "mime_type", json_object_new_string(f->mime_type));
    json_object_object_add(o, "file_size", json_object_new_int64(f->file_size));
    json_object_object_add(o, "sha256", json_object_new_string(f->sha256));
    json_object_object_add(o, "processing_status",
                           json_object_new_string(f->processing_status));
    json_object_object_add(o, "records_processed", json_object_new_int64(f->records_processed));
    json_object_object_add(o, "records_successful",
                           json_object_new_int64(f->records_successful));
    json_object_object_add(o, "records_failed", json_object_new_int64(f->records_failed));
    json_object_object_add(o, "uploaded_at", store_time_json(f->uploaded_at));
    json_object_object_add(o, "processed_at", store_time_json(f->processed_at));
    json_object_object_add(o, "processing_metadata", meta);
    json_object_object_add(o, "pinned", json_object_new_boolean(f->pinned != 0));
    json_object_object_add(o, "expires_at", file_expiry_json(f, retention_hours));
    return o;
}
