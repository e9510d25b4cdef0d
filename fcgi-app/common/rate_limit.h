#ifndef QUARRY_RATE_LIMIT_H
#define QUARRY_RATE_LIMIT_H
/* Per-user limits: fixed-window counters in MariaDB (rate_counters), so
 * that every worker of every host counts against the same number. A hit
 * is one guarded UPDATE (hits < limit) that either counts or refuses:
 * two racing requests can never both take the last one. */
#include <stdbool.h>

#include "common/config.h"
#include "common/db.h"

enum rate_limit_kind {
    LIMIT_UPLOADS,      /* POST /files/upload, POST /jobs/{id}/upload-url */
    LIMIT_EXECUTIONS,   /* pipeline executions created */
    LIMIT_QUERIES,      /* POST /query */
    LIMIT_STATUS_POLLS, /* GET /status/{uploadId}, per upload */
    LIMIT_PROGRESS,     /* progress posts and intake messages, per reporting user */
    LIMIT__MAX
};

struct rate_rule {
    long long limit;          /* 0: no limit */
    long long window_seconds; /* at least 1 */
};

struct rate_decision {
    bool allowed;
    long long limit, remaining;
    long long reset_at;    /* Unix seconds: when the window ends */
    long long retry_after; /* seconds, when refused */
};

/* "uploads", "executions", "queries", "status_polls", "progress". */
const char *rate_limit_name(enum rate_limit_kind kind);
/* The configured rule of kind (cfg's limit_<name> and limit_<name>_window_seconds). */
struct rate_rule rate_rule_of(const struct config *cfg, enum rate_limit_kind kind);
/* Counts one hit of user_id in bucket ("uploads", "status_polls:<id>", at
 * most 100 bytes) under rule at now (Unix seconds) into *out. */
enum db_status rate_limit_hit(struct db *db, const char *user_id, const char *bucket,
                              struct rate_rule rule, long long now, struct rate_decision *out);

#endif
