#include "common/webhook_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum db_status webhook_emit(struct db *db, const char *user_id, const char *event,
                            const char *data_json)
{
    /* UUID() is the delivery's id (the webhook-id of all its attempts); the
     * body is made once here and signed as it is on every attempt. */
    static const char sql[] =
        "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, "
        "next_attempt_at, created_at, retry_from) "
        "SELECT UUID(), w.id, ?, ?, 'PENDING', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
        "UTC_TIMESTAMP(3) FROM webhooks w WHERE w.user_id = ? AND FIND_IN_SET(?, w.events)";
    char *payload = webhook_payload(event, data_json);
    if (payload == NULL)
        return DB_ERROR;
    long long n = 0;
    enum db_status st = db_exec(
        db, sql, DB_PARAMS(P_STR(event), P_STR(payload), P_STR(user_id), P_STR(event)), &n);
    free(payload);
    if (st == DB_OK && n > 0)
        log_info("webhook: %s queued for %lld subscription(s)", event, n);
    return st;
}

void webhook_claim_free(struct webhook_claim *c)
{
    free(c->payload);
    free(c->url);
    c->payload = c->url = NULL;
}

#define CLAIM_MAX 64

struct due_ids {
    char id[CLAIM_MAX][UUID_LEN + 1];
    int n;
};

static int take_due(void *ctx, const struct db_row *row)
{
    struct due_ids *d = ctx;
    if (d->n < CLAIM_MAX)
        db_row_copy(row, 0, d->id[d->n++], UUID_LEN + 1);
    return 0;
}

static int take_claim(void *ctx, const struct db_row *row)
{
    struct webhook_claim *c = ctx;
    c->attempt = db_row_int(row, 0);
    db_row_copy(row, 1, c->webhook_id, sizeof(c->webhook_id));
    db_row_copy(row, 4, c->sealed, sizeof(c->sealed));
    free(c->payload);
    free(c->url);
    c->payload = strdup(row->values[2] ? row->values[2] : "");
    c->url = strdup(row->values[3] ? row->values[3] : "");
    return 0;
}

/* Takes one locked delivery: closes an attempt left open, opens this one. */
static enum db_status claim_one(struct db *db, const char *id, long long lease_ms,
                                struct webhook_claim *c)
{
    enum db_status st = db_exec(
        db,
        "UPDATE webhook_attempts SET finished_at = UTC_TIMESTAMP(3), "
        "error = 'interrupted: the sender stopped during the attempt' "
        "WHERE delivery_id = ? AND finished_at IS NULL",
        DB_PARAMS(P_STR(id)), NULL);
    if (st == DB_OK)
        st = db_exec(db,
                     "UPDATE webhook_deliveries SET attempts = attempts + 1, "
                     "last_attempt_at = UTC_TIMESTAMP(3), "
                     "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND WHERE id = ?",
                     DB_PARAMS(P_INT(lease_ms * 1000), P_STR(id)), NULL);
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", id);
    if (st == DB_OK)
        st = db_query(db,
                      "SELECT d.attempts, d.webhook_id, d.payload, w.url, w.secret_sealed "
                      "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                      "WHERE d.id = ?",
                      DB_PARAMS(P_STR(id)), take_claim, c);
    if (st == DB_OK && (c->payload == NULL || c->url == NULL))
        st = DB_NO_ROW;
    if (st == DB_OK)
        st = db_exec(db,
                     "INSERT INTO webhook_attempts (delivery_id, attempt, started_at) "
                     "VALUES (?, ?, UTC_TIMESTAMP(3))",
                     DB_PARAMS(P_STR(id), P_INT(c->attempt)), NULL);
    if (st != DB_OK)
        webhook_claim_free(c);
    return st;
}

enum db_status webhook_claim_due(struct db *db, long long lease_ms, int max,
                                 struct webhook_claim *out, int *n)
{
    static _Thread_local struct due_ids due;
    *n = 0;
    due.n = 0;
    if (max > CLAIM_MAX)
        max = CLAIM_MAX;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query(db,
                  "SELECT id FROM webhook_deliveries WHERE status = 'PENDING' "
                  "AND next_attempt_at <= UTC_TIMESTAMP(3) ORDER BY next_attempt_at LIMIT ? "
                  "FOR UPDATE SKIP LOCKED",
                  DB_PARAMS(P_INT(max)), take_due, &due);
    for (int i = 0; st == DB_OK && i < due.n; i++) {
        st = claim_one(db, due.id[i], lease_ms, &out[*n]);
        if (st == DB_NO_ROW) {
            st = DB_OK; /* its subscription went away meanwhile */
            continue;
        }
        if (st == DB_OK)
            (*n)++;
    }
    st = db_end(db, st);
    if (st != DB_OK) {
        for (int i = 0; i < *n; i++)
            webhook_claim_free(&out[i]);
        *n = 0;
    }
    return st;
}

enum db_status webhook_record(struct db *db, const struct webhook_claim *c,
                              const struct webhook_result *r, long long retry_ms,
                              long long retry_hours)
{
    /* Settled in one statement: SUCCEEDED, or PENDING again when the next
     * try still falls inside the retry window, else FAILED. */
    static const char settle_sql[] =
        "UPDATE webhook_deliveries SET last_status = ?, "
        "status = IF(?, 'SUCCEEDED', IF(UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND "
        "<= retry_from + INTERVAL ? HOUR, 'PENDING', 'FAILED')), "
        "next_attempt_at = IF(?, NULL, IF(UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND "
        "<= retry_from + INTERVAL ? HOUR, UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, NULL)), "
        "finished_at = IF(status = 'PENDING', NULL, UTC_TIMESTAMP(3)) "
        "WHERE id = ? AND attempts = ? AND status = 'PENDING'";
    long long delivered = r->delivered ? 1 : 0, retry_us = retry_ms * 1000;
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_exec(db,
                 "UPDATE webhook_attempts SET finished_at = UTC_TIMESTAMP(3), duration_ms = ?, "
                 "response_status = ?, error = ?, response_excerpt = ? "
                 "WHERE delivery_id = ? AND attempt = ? AND finished_at IS NULL",
                 DB_PARAMS(P_INT(r->duration_ms), r->http_status ? P_INT(r->http_status) : P_NULL,
                           P_STR(r->error), P_STR(r->excerpt), P_STR(c->id), P_INT(c->attempt)),
                 NULL);
    if (st == DB_OK)
        st = db_exec(db, settle_sql,
                     DB_PARAMS(r->http_status ? P_INT(r->http_status) : P_NULL, P_INT(delivered),
                               P_INT(retry_us), P_INT(retry_hours), P_INT(delivered),
                               P_INT(retry_us), P_INT(retry_hours), P_INT(retry_us), P_STR(c->id),
                               P_INT(c->attempt)),
                     NULL);
    return db_end(db, st);
}

enum db_status webhook_next_due_ms(struct db *db, long long *ms)
{
    long long us = -1;
    enum db_status st = db_query_int(
        db,
        "SELECT COALESCE(GREATEST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), "
        "MIN(next_attempt_at)), 0), -1) FROM webhook_deliveries WHERE status = 'PENDING'",
        DB_NO_PARAMS, &us);
    *ms = st == DB_OK && us >= 0 ? us / 1000 : -1;
    return st == DB_NO_ROW ? DB_OK : st;
}
