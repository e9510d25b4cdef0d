#include "api/upload_store.h"

#include <string.h>

#include "common/store.h"

#define UPLOAD_COLUMNS                                                                             \
    "id, user_id, metadata, filename, job_id, file_id, sha256_state, status, created_at, "       \
    "expires_at, completed_at, upload_length, upload_offset, expires_at < UTC_TIMESTAMP(3)"

static int take_upload(void *ctx, const struct db_row *row)
{
    struct upload_row *u = store_rows_add(ctx);
    const char **const text[] = {&u->id,         &u->user_id,      &u->metadata, &u->filename,
                                 &u->job_id,     &u->file_id,      &u->sha256_state,
                                 &u->status,     &u->created_at,   &u->expires_at,
                                 &u->completed_at};
    long long *const ints[] = {&u->length, &u->offset};
    u->expired = db_row_int(row, STORE_ROW_READ(ctx, row, text, ints)) != 0;
    return 0;
}

enum db_status upload_insert(struct db *db, const struct upload_row *u)
{
    return db_exec(db,
                   "INSERT INTO uploads (id, user_id, upload_length, upload_offset, metadata, "
                   "filename, job_id, sha256_state, status, created_at, updated_at, expires_at) "
                   "VALUES (?, ?, ?, 0, ?, ?, ?, ?, 'UPLOADING', UTC_TIMESTAMP(3), "
                   "UTC_TIMESTAMP(3), ?)",
                   DB_PARAMS(P_STR(u->id), P_STR(u->user_id), P_INT(u->length), P_STR(u->metadata),
                             P_STR(u->filename), P_STR(u->job_id), P_STR(u->sha256_state),
                             P_STR(u->expires_at)),
                   NULL);
}

static enum db_status get_one(struct db *db, struct arena *a, const char *sql, const char *id,
                              struct upload_row *out)
{
    return store_get(db, a, sizeof(*out), sql,
                     DB_PARAMS(P_STR(id)), take_upload, out);
}

enum db_status upload_get(struct db *db, struct arena *a, const char *id, struct upload_row *out)
{
    return get_one(db, a, "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE id = ?", id, out);
}

enum db_status upload_lock(struct db *db, struct arena *a, const char *id, struct upload_row *out)
{
    return get_one(db, a, "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE id = ? FOR UPDATE", id,
                   out);
}

enum db_status upload_advance(struct db *db, const char *id, long long offset,
                              const char *sha256_state, long long expiry_hours)
{
    return db_exec(db,
                   "UPDATE uploads SET upload_offset = ?, sha256_state = ?, "
                   "updated_at = UTC_TIMESTAMP(3), "
                   "expires_at = UTC_TIMESTAMP(3) + INTERVAL ? HOUR WHERE id = ?",
                   DB_PARAMS(P_INT(offset), P_STR(sha256_state), P_INT(expiry_hours), P_STR(id)),
                   NULL);
}

enum db_status upload_complete(struct db *db, const char *id, const char *file_id)
{
    return db_exec(db,
                   "UPDATE uploads SET status = 'COMPLETED', file_id = ?, sha256_state = NULL, "
                   "completed_at = UTC_TIMESTAMP(3), updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
                   DB_PARAMS(P_STR(file_id), P_STR(id)), NULL);
}

enum db_status upload_delete(struct db *db, const char *id)
{
    return db_exec(db, "DELETE FROM uploads WHERE id = ?", DB_PARAMS(P_STR(id)), NULL);
}

enum db_status upload_count_for_job(struct db *db, const char *job_id, long long *n)
{
    return db_query_int(db,
                        "SELECT COUNT(*) FROM uploads WHERE job_id = ? AND status = 'UPLOADING' "
                        "AND expires_at >= UTC_TIMESTAMP(3)",
                        DB_PARAMS(P_STR(job_id)), n);
}

json_object *upload_to_json(const struct upload_row *u)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "status", json_object_new_string(u->expired ? "EXPIRED" : u->status));
    json_object_object_add(o, "offset", json_object_new_int64(u->offset));
    json_object_object_add(o, "length", json_object_new_int64(u->length));
    json_object_object_add(o, "filename", json_object_new_string(u->filename));
    json_object_object_add(o, "job_id", store_text_json(u->job_id));
    json_object_object_add(o, "file_id", store_text_json(u->file_id));
    json_object_object_add(o, "created_at", store_time_json(u->created_at));
    json_object_object_add(o, "expires_at", store_time_json(u->expires_at));
    json_object_object_add(o, "completed_at", store_time_json(u->completed_at));
    return o;
}
