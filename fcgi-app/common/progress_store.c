#include "common/progress_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "common/ids.h"
#include "common/webhook_queue.h"

/* Two first posts of one record may race: the loser's INSERT finds the
 * winner's row (DB_DUPLICATE) and the post starts over as an update. */
#define PROGRESS_ATTEMPTS 3

#define RECORD_COLUMNS                                                                             \
    "r.id, r.client_id, r.filename, r.created_by, u.email, r.created_at, r.updated_at,"          \
    " r.completed_at, r.done_count, r.warn_count, r.failed_count, r.total, r.error_count,"       \
    " r.warning_count, r.is_completed, r.total IS NOT NULL"
#define RECORD_FROM " FROM progress_records r LEFT JOIN users u ON u.id = r.created_by"

/* A row of RECORD_COLUMNS into a struct progress_record added to the rows (ctx). */
static int take_record(void *ctx, const struct db_row *row)
{
    struct progress_record *r = store_rows_add(ctx);
    const char **const text[] = {&r->id, &r->client_id, &r->filename, &r->created_by,
                                 &r->created_by_email, &r->created_at, &r->updated_at,
                                 &r->completed_at};
    long long *const ints[] = {&r->done, &r->warn, &r->failed, &r->total, &r->error_count,
                               &r->warning_count};
    int n = STORE_ROW_READ(ctx, row, text, ints);
    r->completed = db_row_int(row, n) != 0;
    r->has_total = db_row_int(row, n + 1) != 0;
    return 0;
}

/* The locked row of a post: who made it, whether it is complete, how many
 * messages it has, and the rest of what the answer shows of it. */
struct locked {
    bool found, completed, has_total;
    char id[UUID_LEN + 1], created_by[UUID_LEN + 1], created_at[DB_TIME_LEN + 8];
    const char *filename; /* in the arena, when there is one */
    long long error_count, warning_count, done, warn, failed, total;
    struct arena *a;
};

static int take_locked(void *ctx, const struct db_row *row)
{
    struct locked *l = ctx;
    l->found = true;
    db_row_copy(row, 0, l->id, sizeof(l->id));
    db_row_copy(row, 1, l->created_by, sizeof(l->created_by));
    l->completed = db_row_int(row, 2) != 0;
    l->error_count = db_row_int(row, 3);
    l->warning_count = db_row_int(row, 4);
    db_row_copy(row, 5, l->created_at, sizeof(l->created_at));
    long long *const ints[] = {&l->done, &l->warn, &l->failed, &l->total};
    db_row_ints(row, 6, ints, 4);
    l->has_total = row->values[9] != NULL;
    if (l->a != NULL)
        l->filename = arena_strdup(l->a, row->values[10]);
    return 1;
}

/* Inserts the first messages of msgs that still fit: the record keeps at
 * most keep of each kind, and already has had `before`. */
static enum db_status insert_messages(struct db *db, const char *id, const char *kind,
                                      const struct progress_message *msgs, int n, long long before,
                                      long long keep)
{
    long long room = keep - (before < keep ? before : keep);
    for (int i = 0; i < n && i < room; i++) {
        enum db_status st = db_exec(
            db, "INSERT INTO progress_messages (progress_id, kind, line, message) VALUES (?, ?, ?, ?)",
            DB_PARAMS(P_STR(id), P_STR(kind), msgs[i].has_line ? P_INT(msgs[i].line) : P_NULL,
                      P_STR(msgs[i].message)),
            NULL);
        if (st != DB_OK)
            return st;
    }
    return DB_OK;
}

struct member_id {
    const char *user_id;
};

static int take_member(void *ctx, const struct db_row *row)
{
    struct member_id *m = store_rows_add(ctx);
    const char **const text[] = {&m->user_id};
    store_row_read(ctx, row, text, 1, NULL, 0);
    return 0;
}

/* progress.completed to every member of the record's client that
 * subscribed (members may read all of the client's records), inside the
 * post's transaction. */
static enum db_status emit_completed(struct db *db, struct arena *a, const struct progress_record *r)
{
    char krn[256] = "";
    struct store_rows members = STORE_ROWS(a, struct member_id);
    enum db_status st = db_query(db, "SELECT user_id FROM client_members WHERE client_id = ?",
                                 DB_PARAMS(P_STR(r->client_id)), take_member, &members);
    if (st != DB_OK || members.n == 0)
        return st;
    struct store_rows krns = STORE_ROWS(a, struct member_id);
    st = db_query(db, "SELECT krn FROM clients WHERE id = ?", DB_PARAMS(P_STR(r->client_id)),
                  take_member, &krns);
    if (st == DB_OK && krns.n == 1)
        snprintf(krn, sizeof(krn), "%s", ((struct member_id *)krns.items)[0].user_id);
    json_object *data = progress_to_json(r, krn);
    const char *text =
        json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    for (size_t i = 0; st == DB_OK && i < members.n; i++)
        st = webhook_emit(db, ((struct member_id *)members.items)[i].user_id, "progress.completed",
                          text);
    json_object_put(data);
    return st;
}

enum db_status progress_begin(struct db *db)
{
    /* READ COMMITTED: locking a row that does not exist yet takes no gap
     * lock, so two first posts cannot deadlock; the unique key orders them. */
    enum db_status st =
        db_exec(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", DB_NO_PARAMS, NULL);
    return st == DB_OK ? db_begin(db) : st;
}

/* progress_apply at the time now, the locked row (or none) left in *l. */
static enum db_status apply(struct db *db, const struct progress_post *p, const char *now,
                            enum progress_outcome *outcome, struct locked *l_out)
{
    struct locked l = {.a = l_out->a};
    enum db_status st = db_query(db,
                                 "SELECT id, created_by, is_completed, error_count, warning_count,"
                                 " created_at, done_count, warn_count, failed_count, total, filename"
                                 " FROM progress_records WHERE client_id = ? AND filename = ?"
                                 " FOR UPDATE",
                                 DB_PARAMS(P_STR(p->client_id), P_STR(p->filename)), take_locked,
                                 &l);
    if (st != DB_OK)
        return st;
    if (!l.found) {
        id_uuid4(l.id);
        st = db_exec(db,
                     "INSERT INTO progress_records (id, client_id, filename, created_by,"
                     " done_count, warn_count, failed_count, total, is_completed, error_count,"
                     " warning_count, created_at, updated_at, completed_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     DB_PARAMS(P_STR(l.id), P_STR(p->client_id), P_STR(p->filename),
                               P_STR(p->user_id), P_INT(p->done), P_INT(p->warn),
                               P_INT(p->failed), p->has_total ? P_INT(p->total) : P_NULL,
                               P_INT(p->is_last), P_INT(p->nerrors), P_INT(p->nwarnings),
                               P_STR(now), P_STR(now), P_STR(p->is_last ? now : NULL)),
                     NULL);
        *outcome = PROGRESS_CREATED;
    } else if (strcmp(l.created_by, p->user_id) != 0 || l.completed) {
        *outcome = l.completed && strcmp(l.created_by, p->user_id) == 0 ? PROGRESS_COMPLETED
                                                                        : PROGRESS_NOT_CREATOR;
        return DB_OK;
    } else {
        st = db_exec(db,
                     "UPDATE progress_records SET done_count = done_count + ?,"
                     " warn_count = warn_count + ?, failed_count = failed_count + ?,"
                     " total = COALESCE(?, total), is_completed = ?,"
                     " error_count = error_count + ?, warning_count = warning_count + ?,"
                     " updated_at = ?, completed_at = ? WHERE id = ?",
                     DB_PARAMS(P_INT(p->done), P_INT(p->warn), P_INT(p->failed),
                               p->has_total ? P_INT(p->total) : P_NULL, P_INT(p->is_last),
                               P_INT(p->nerrors), P_INT(p->nwarnings), P_STR(now),
                               P_STR(p->is_last ? now : NULL), P_STR(l.id)),
                     NULL);
        *outcome = PROGRESS_UPDATED;
    }
    if (st == DB_OK)
        st = insert_messages(db, l.id, "error", p->errors, p->nerrors, l.error_count, p->keep);
    if (st == DB_OK)
        st = insert_messages(db, l.id, "warning", p->warnings, p->nwarnings, l.warning_count,
                             p->keep);
    *l_out = l;
    return st;
}

enum db_status progress_apply(struct db *db, const struct progress_post *p,
                              enum progress_outcome *outcome, char record_id[UUID_LEN + 1],
                              long long messages_before[2])
{
    char now[DB_TIME_LEN + 1];
    struct locked l = {0};
    time_db(time_now_ms(), now);
    enum db_status st = apply(db, p, now, outcome, &l);
    memcpy(record_id, l.id, sizeof(l.id));
    if (messages_before != NULL) {
        messages_before[0] = l.error_count;
        messages_before[1] = l.warning_count;
    }
    return st;
}

/* The record as the post at now left it, from its locked row before (none
 * when the post created it) and the post: what reading it back in the
 * transaction returns (the UPDATE and INSERT of apply, column by column). */
static void record_after(struct arena *a, const struct progress_post *p, const char *now,
                         const struct locked *l, bool created, struct progress_record *r)
{
    const char *at = arena_strdup(a, now);
    memset(r, 0, sizeof(*r));
    r->id = arena_strdup(a, l->id);
    r->client_id = p->client_id;
    r->filename = created || l->filename == NULL ? p->filename : l->filename;
    r->created_by = p->user_id;
    r->created_by_email = p->user_email;
    r->created_at = created ? at : arena_strdup(a, l->created_at);
    r->updated_at = at;
    r->completed_at = p->is_last ? at : NULL;
    r->done = (created ? 0 : l->done) + p->done;
    r->warn = (created ? 0 : l->warn) + p->warn;
    r->failed = (created ? 0 : l->failed) + p->failed;
    r->has_total = p->has_total || (!created && l->has_total);
    r->total = p->has_total ? p->total : r->has_total ? l->total : 0;
    r->error_count = (created ? 0 : l->error_count) + p->nerrors;
    r->warning_count = (created ? 0 : l->warning_count) + p->nwarnings;
    r->completed = p->is_last;
}

enum db_status progress_emit_completed(struct db *db, struct arena *a, const char *record_id)
{
    struct store_rows rows = STORE_ROWS(a, struct progress_record);
    struct progress_record r;
    enum db_status st = db_query(db, "SELECT " RECORD_COLUMNS RECORD_FROM " WHERE r.id = ?",
                                 DB_PARAMS(P_STR(record_id)), take_record, &rows);
    st = store_rows_one(st, &rows, &r);
    return st == DB_OK ? emit_completed(db, a, &r) : st;
}

static void array_clear(json_object *array)
{
    size_t n = json_object_array_length(array);
    if (n > 0)
        json_object_array_del_idx(array, 0, n);
}

struct post_ctx {
    struct arena *a;
    const struct progress_post *p;
    enum progress_outcome *outcome;
    struct progress_record *out;
    json_object *errors, *warnings;
};

/* One try of a post, inside the transaction (READ COMMITTED, as
 * progress_begin); run again whole when it lost a conflict. DB_DUPLICATE
 * means "lost the race to create: try again". */
static enum db_status post_once(struct db *db, void *arg)
{
    struct post_ctx *c = arg;
    const struct progress_post *p = c->p;
    char now[DB_TIME_LEN + 1];
    struct locked l = {.a = c->a};
    /* A failed try may have read messages before it rolled back. */
    array_clear(c->errors);
    array_clear(c->warnings);
    time_db(time_now_ms(), now);
    enum db_status st = apply(db, p, now, c->outcome, &l);
    const char *id = l.id;
    long long before[2] = {l.error_count, l.warning_count};
    if (st == DB_OK && (*c->outcome == PROGRESS_NOT_CREATOR || *c->outcome == PROGRESS_COMPLETED))
        return DB_OK; /* nothing written: the commit ends a read */
    if (st == DB_OK && p->user_email != NULL) {
        /* The row is locked since it was read: the answer, this post's
         * sums and not a later one's, is that row and this post. */
        bool created = *c->outcome == PROGRESS_CREATED;
        if (created)
            before[0] = before[1] = 0;
        record_after(c->a, p, now, &l, created, c->out);
    } else if (st == DB_OK) {
        /* Read inside the transaction: the answer shows this post's sums, not a later one's. */
        struct store_rows rows = STORE_ROWS(c->a, struct progress_record);
        st = db_query(db, "SELECT " RECORD_COLUMNS RECORD_FROM " WHERE r.id = ?",
                      DB_PARAMS(P_STR(id)), take_record, &rows);
        st = store_rows_one(st, &rows, c->out);
        if (st == DB_NO_ROW)
            st = DB_ERROR;
    }
    /* Most posts carry no messages and their records have none: no query then. */
    if (st == DB_OK && before[0] + p->nerrors > 0)
        st = progress_messages(db, id, "error", p->keep, c->errors);
    if (st == DB_OK && before[1] + p->nwarnings > 0)
        st = progress_messages(db, id, "warning", p->keep, c->warnings);
    if (st == DB_OK && p->is_last)
        st = emit_completed(db, c->a, c->out);
    return st;
}

enum db_status progress_post(struct db *db, struct arena *a, const struct progress_post *post,
                             enum progress_outcome *outcome, struct progress_record *out,
                             json_object *errors, json_object *warnings)
{
    struct post_ctx c = {a, post, outcome, out, errors, warnings};
    enum db_status st = DB_ERROR;
    for (int attempt = 0; attempt < PROGRESS_ATTEMPTS; attempt++) {
        st = db_transaction(db, DB_READ_COMMITTED, post_once, &c);
        if (st != DB_DUPLICATE)
            break;
    }
    return st == DB_DUPLICATE ? DB_ERROR : st;
}

enum db_status progress_get(struct db *db, struct arena *a, const char *client_id,
                            const char *filename, struct progress_record *out)
{
    struct store_rows rows = STORE_ROWS(a, struct progress_record);
    enum db_status st = db_query(db,
                                 "SELECT " RECORD_COLUMNS RECORD_FROM
                                 " WHERE r.client_id = ? AND r.filename = ?",
                                 DB_PARAMS(P_STR(client_id), P_STR(filename)), take_record, &rows);
    return store_rows_one(st, &rows, out);
}

/* A client's records newest first (created_at, then id), all creators'
 * (progress_client_list) or one's (progress_client_creator_list), from where
 * the page starts as job_store's job_page does. */
#define RECORD_ORDER " ORDER BY r.created_at DESC, r.id DESC"
#define RECORD_AFTER " AND (r.created_at < ? OR (r.created_at = ? AND r.id < ?))"
#define RECORD_PAGE_FIRST(where)                                                                   \
    "SELECT " RECORD_COLUMNS RECORD_FROM " WHERE " where RECORD_ORDER " LIMIT ? OFFSET ?"
#define RECORD_PAGE_AFTER(where)                                                                   \
    "SELECT " RECORD_COLUMNS RECORD_FROM " WHERE " where RECORD_AFTER RECORD_ORDER                 \
    " LIMIT ? OFFSET ?"
#define RECORD_PAGE_KEY(where)                                                                     \
    "SELECT r.created_at, r.id FROM progress_records r WHERE " where RECORD_ORDER                  \
    " LIMIT 1 OFFSET ?"

static enum db_status record_page(struct db *db, struct arena *a,
                                  const struct progress_list_query *q, const char *creator,
                                  struct store_rows *rows, bool *more)
{
    const char *const *after = q->after;
    const char *start[2];
    if (after == NULL && q->skip > 0) {
        bool found = false;
        enum db_status st =
            creator == NULL
                ? store_page_start(db, a, RECORD_PAGE_KEY("r.client_id = ?"),
                                   DB_PARAMS(P_STR(q->client_id)), q->skip, start, 2, &found)
                : store_page_start(db, a, RECORD_PAGE_KEY("r.client_id = ? AND r.created_by = ?"),
                                   DB_PARAMS(P_STR(q->client_id), P_STR(creator)), q->skip, start,
                                   2, &found);
        if (st != DB_OK || !found)
            return st;
        after = start;
    }
    if (after == NULL && creator == NULL)
        return store_page_rows(db, RECORD_PAGE_FIRST("r.client_id = ?"),
                               DB_PARAMS(P_STR(q->client_id)), 0, q->limit, take_record, rows,
                               more);
    if (after == NULL)
        return store_page_rows(db, RECORD_PAGE_FIRST("r.client_id = ? AND r.created_by = ?"),
                               DB_PARAMS(P_STR(q->client_id), P_STR(creator)), 0, q->limit,
                               take_record, rows, more);
    const char *t = after[0], *id = after[1];
    if (creator == NULL)
        return store_page_rows(db, RECORD_PAGE_AFTER("r.client_id = ?"),
                               DB_PARAMS(P_STR(q->client_id), P_STR(t), P_STR(t), P_STR(id)), 0,
                               q->limit, take_record, rows, more);
    return store_page_rows(db, RECORD_PAGE_AFTER("r.client_id = ? AND r.created_by = ?"),
                           DB_PARAMS(P_STR(q->client_id), P_STR(creator), P_STR(t), P_STR(t),
                                     P_STR(id)),
                           0, q->limit, take_record, rows, more);
}

static int take_user_id(void *ctx, const struct db_row *row)
{
    db_row_copy(row, 0, ctx, UUID_LEN + 1);
    return 1;
}

enum db_status progress_list(struct db *db, struct arena *a, const struct progress_list_query *q,
                             json_object **page, long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct progress_record);
    char creator[UUID_LEN + 1] = "";
    bool more = false;
    enum db_status st = DB_OK;
    *next = NULL;
    *total = 0;
    *page = json_object_new_array();
    /* One creator's records: the email names a user (users_email), whose
     * records have their own index; an email nobody has lists nothing. */
    if (q->email != NULL) {
        st = db_query(db, "SELECT id FROM users WHERE email = ?", DB_PARAMS(P_STR(q->email)),
                      take_user_id, creator);
        if (st != DB_OK || creator[0] == '\0')
            return st;
    }
    const char *by = q->email != NULL ? creator : NULL;
    st = store_count(db, "progress", q->client_id, by, total);
    if (st == DB_OK)
        st = record_page(db, a, q, by, &rows, &more);
    for (size_t i = 0; i < rows.n; i++)
        json_object_array_add(*page,
                              progress_to_json((struct progress_record *)rows.items + i, q->krn));
    if (st == DB_OK && more) {
        const struct progress_record *last = (struct progress_record *)rows.items + rows.n - 1;
        *next = page_cursor(a, (const char *const[]){last->created_at, last->id}, 2);
    }
    return st;
}

static int take_message(void *ctx, const struct db_row *row)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "line",
                           row->values[0] ? json_object_new_int64(db_row_int(row, 0)) : NULL);
    json_object_object_add(m, "message", json_object_new_string(row->values[1] ? row->values[1] : ""));
    json_object_array_add(ctx, m);
    return 0;
}

enum db_status progress_messages(struct db *db, const char *progress_id, const char *kind,
                                 long long limit, json_object *array)
{
    return db_query(db,
                    "SELECT line, message FROM progress_messages"
                    " WHERE progress_id = ? AND kind = ? ORDER BY id LIMIT ?",
                    DB_PARAMS(P_STR(progress_id), P_STR(kind), P_INT(limit)), take_message,
                    array);
}

json_object *progress_to_json(const struct progress_record *r, const char *krn)
{
    json_object *o = json_object_new_object();
    json_object *counts = json_object_new_object();
    json_object_object_add(counts, "done", json_object_new_int64(r->done));
    json_object_object_add(counts, "warn", json_object_new_int64(r->warn));
    json_object_object_add(counts, "failed", json_object_new_int64(r->failed));
    json_object_object_add(o, "id", json_object_new_string(r->id));
    json_object_object_add(o, "clientKrn", json_object_new_string(krn));
    json_object_object_add(o, "filename", json_object_new_string(r->filename));
    json_object_object_add(o, "counts", counts);
    json_object_object_add(o, "total", r->has_total ? json_object_new_int64(r->total) : NULL);
    json_object_object_add(o, "isCompleted", json_object_new_boolean(r->completed));
    json_object_object_add(o, "errorCount", json_object_new_int64(r->error_count));
    json_object_object_add(o, "warningCount", json_object_new_int64(r->warning_count));
    json_object_object_add(o, "createdBy", json_object_new_string(r->created_by));
    json_object_object_add(o, "email", store_text_json(r->created_by_email));
    json_object_object_add(o, "createdAt", store_time_json(r->created_at));
    json_object_object_add(o, "updatedAt", store_time_json(r->updated_at));
    json_object_object_add(o, "completedAt", store_time_json(r->completed_at));
    return o;
}
