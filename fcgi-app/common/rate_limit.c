#include "common/rate_limit.h"

#include <stddef.h>

static const char *const names[LIMIT__MAX] = {
    [LIMIT_UPLOADS] = "uploads",           [LIMIT_EXECUTIONS] = "executions",
    [LIMIT_QUERIES] = "queries",           [LIMIT_STATUS_POLLS] = "status_polls",
    [LIMIT_PROGRESS] = "progress",
};

const char *rate_limit_name(enum rate_limit_kind kind)
{
    return kind >= 0 && kind < LIMIT__MAX ? names[kind] : "unknown";
}

struct rate_rule rate_rule_of(const struct config *cfg, enum rate_limit_kind kind)
{
    struct rate_rule r = {0, 1};
    switch (kind) {
    case LIMIT_UPLOADS:
        r = (struct rate_rule){cfg->limit_uploads, cfg->limit_uploads_window_seconds};
        break;
    case LIMIT_EXECUTIONS:
        r = (struct rate_rule){cfg->limit_executions, cfg->limit_executions_window_seconds};
        break;
    case LIMIT_QUERIES:
        r = (struct rate_rule){cfg->limit_queries, cfg->limit_queries_window_seconds};
        break;
    case LIMIT_STATUS_POLLS:
        r = (struct rate_rule){cfg->limit_status_polls, cfg->limit_status_polls_window_seconds};
        break;
    case LIMIT_PROGRESS:
        r = (struct rate_rule){cfg->limit_progress, cfg->limit_progress_window_seconds};
        break;
    default:
        break;
    }
    if (r.window_seconds < 1)
        r.window_seconds = 1;
    return r;
}

/* One try at counting: *counted when the hit fit in the window, and then
 * *hits is the window's count with it (the UPDATE hands its new value back
 * through LAST_INSERT_ID(expr): no SELECT after it). */
static enum db_status take(struct db *db, const char *user_id, const char *bucket,
                           struct rate_rule rule, long long start, bool *counted, long long *hits)
{
    long long n = 0;
    enum db_status st = db_exec(db,
                                "UPDATE rate_counters SET hits = LAST_INSERT_ID(hits + 1)"
                                " WHERE user_id = ? AND bucket = ? AND window_start = ?"
                                " AND hits < ?",
                                DB_PARAMS(P_STR(user_id), P_STR(bucket), P_INT(start),
                                          P_INT(rule.limit)),
                                &n);
    *counted = st == DB_OK && n == 1;
    if (*counted)
        *hits = db_insert_id(db);
    if (st != DB_OK || *counted)
        return st;
    /* No row yet (a new window), or the window is full. */
    st = db_exec(db,
                 "INSERT IGNORE INTO rate_counters (user_id, bucket, window_start, window_end,"
                 " hits) VALUES (?, ?, ?, ?, 1)",
                 DB_PARAMS(P_STR(user_id), P_STR(bucket), P_INT(start),
                           P_INT(start + rule.window_seconds)),
                 &n);
    *counted = st == DB_OK && n == 1;
    if (*counted)
        *hits = 1;
    if (st == DB_OK && *counted)
        st = db_exec(db, "DELETE FROM rate_counters WHERE user_id = ? AND window_end <= ?",
                     DB_PARAMS(P_STR(user_id), P_INT(start)), NULL);
    return st;
}

enum db_status rate_limit_hit(struct db *db, const char *user_id, const char *bucket,
                              struct rate_rule rule, long long now, struct rate_decision *out)
{
    long long start = now - now % rule.window_seconds, hits = 0;
    bool counted = false;
    out->limit = rule.limit;
    out->reset_at = start + rule.window_seconds;
    out->retry_after = out->reset_at - now;
    enum db_status st = take(db, user_id, bucket, rule, start, &counted, &hits);
    /* An insert that lost a race with another worker's: count on its row. */
    if (st == DB_OK && !counted)
        st = take(db, user_id, bucket, rule, start, &counted, &hits);
    /* Refused: the count as it stands, for X-RateLimit-Remaining. */
    if (st == DB_OK && !counted)
        st = db_query_int(db,
                          "SELECT hits FROM rate_counters WHERE user_id = ? AND bucket = ?"
                          " AND window_start = ?",
                          DB_PARAMS(P_STR(user_id), P_STR(bucket), P_INT(start)), &hits);
    if (st == DB_NO_ROW) { /* the window ended meanwhile and was cleared */
        st = DB_OK;
        hits = rule.limit;
    }
    out->allowed = counted;
    out->remaining = rule.limit > hits ? rule.limit - hits : 0;
    return st;
}
