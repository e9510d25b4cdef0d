#ifndef QUARRY_PROGRESS_STORE_H
#define QUARRY_PROGRESS_STORE_H
/* Every statement on progress_records and progress_messages: progress that
 * external workers report per (client, filename). Counts add up inside one
 * transaction that holds the record's row lock, so concurrent posts never
 * lose a count; the messages kept are bounded, their counts stay exact. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"
#include "common/ids.h"

struct progress_message {
    bool has_line;
    long long line;
    const char *message;
};

/* One POST, validated. */
struct progress_post {
    const char *client_id, *filename, *user_id;
    long long done, warn, failed;
    bool has_total;
    long long total;
    bool is_last;
    const struct progress_message *errors, *warnings;
    int nerrors, nwarnings;
    long long keep; /* messages kept per record and kind */
    /* The email of user_id when the caller has read it (the API), or NULL:
     * progress_post then answers the record from its locked row and this
     * post, without reading it back. */
    const char *user_email;
};

/* A record as text from the database; strings live in the arena. */
struct progress_record {
    const char *id, *client_id, *filename, *created_by, *created_by_email, *created_at,
        *updated_at, *completed_at;
    long long done, warn, failed, total, error_count, warning_count;
    bool has_total, completed;
};

enum progress_outcome {
    PROGRESS_CREATED,
    PROGRESS_UPDATED,
    PROGRESS_NOT_CREATOR, /* someone else's record: nothing changed */
    PROGRESS_COMPLETED,   /* the record is complete: nothing changed */
};

/* Creates the record or adds to it, in one transaction, and reads it back
 * as it stands after this post: *out (strings in a), and its kept messages
 * appended to the errors and warnings arrays. *outcome says what happened. */
enum db_status progress_post(struct db *db, struct arena *a, const struct progress_post *post,
                             enum progress_outcome *outcome, struct progress_record *out,
                             json_object *errors, json_object *warnings);

/* The parts of progress_post for a caller that applies several posts in
 * one transaction (quarry-intake). progress_begin starts it (READ
 * COMMITTED); progress_apply adds one post under the record's row lock and
 * says what happened in *outcome (NOT_CREATOR and COMPLETED change
 * nothing); record_id receives the record's id, messages_before (may be
 * NULL) its error and warning counts before. DB_DUPLICATE: another
 * transaction created the record meanwhile; apply again. The caller
 * commits or rolls back. */
enum db_status progress_begin(struct db *db);
enum db_status progress_apply(struct db *db, const struct progress_post *post,
                              enum progress_outcome *outcome, char record_id[UUID_LEN + 1],
                              long long messages_before[2]);

/* After progress_apply of a post with isLast, in its transaction:
 * progress.completed to the webhooks of the record's client's members
 * (progress_post does it itself). */
enum db_status progress_emit_completed(struct db *db, struct arena *a, const char *record_id);

/* The record into *out, its strings in a; DB_NO_ROW when the client has no
 * record of that name. */
enum db_status progress_get(struct db *db, struct arena *a, const char *client_id,
                            const char *filename, struct progress_record *out);

struct progress_list_query {
    const char *client_id, *krn; /* the client, and its name for the JSON */
    const char *email; /* NULL: every creator */
    long long skip, limit;
    const char *const *after; /* the cursor's created_at and id, or NULL */
};
/* The page of records, newest first (created_at, then id), as a JSON array
 * of record objects (*page, owned by the caller, also after a failure);
 * *total gets the count of all, *next the cursor after the page (in a),
 * NULL on the last. */
enum db_status progress_list(struct db *db, struct arena *a, const struct progress_list_query *q,
                             json_object **page, long long *total, const char **next);

/* Appends the record's kept messages of kind ("error" or "warning") as
 * {line, message} to array, oldest first, at most limit. */
enum db_status progress_messages(struct db *db, const char *progress_id, const char *kind,
                                 long long limit, json_object *array);

/* The record object of the API (without messages), a new object owned by
 * the caller; krn names its client. */
json_object *progress_to_json(const struct progress_record *r, const char *krn);

#endif
