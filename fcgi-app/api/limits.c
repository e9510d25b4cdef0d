#include "api/limits.h"

#include <time.h>

#include "api/response.h"
#include "common/log.h"

int rate_limit_take_scoped(struct request *req, enum rate_limit_kind kind, const char *scope)
{
    struct rate_rule rule = rate_rule_of(&req->app->cfg, kind);
    struct rate_decision d;
    if (rule.limit == 0)
        return 0;
    const char *name = rate_limit_name(kind);
    const char *bucket = scope ? arena_printf(req->arena, "%s:%.64s", name, scope) : name;
    enum db_status st = rate_limit_hit(req->app->db, req->user.id, bucket, rule,
                                       (long long)time(NULL), &d);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    respond_header(req, "X-RateLimit-Limit", arena_printf(req->arena, "%lld", d.limit));
    respond_header(req, "X-RateLimit-Remaining", arena_printf(req->arena, "%lld", d.remaining));
    respond_header(req, "X-RateLimit-Reset", arena_printf(req->arena, "%lld", d.reset_at));
    if (d.allowed)
        return 0;
    respond_header(req, "Retry-After", arena_printf(req->arena, "%lld", d.retry_after));
    log_info("user %s over the %s limit (%lld per %lld s)", req->user.id, name, rule.limit,
             rule.window_seconds);
    respond_error(req, 429, "RATE_LIMITED",
                  arena_printf(req->arena, "Too many %s: at most %lld per %lld seconds", name,
                               rule.limit, rule.window_seconds),
                  NULL);
    return -1;
}

int rate_limit_take(struct request *req, enum rate_limit_kind kind)
{
    return rate_limit_take_scoped(req, kind, NULL);
}

enum db_status quota_used(struct request *req, long long *used)
{
    /* Files, job inputs and unfinished resumable uploads, kept by triggers
     * (sql/011_quota_bytes.sql): three rows, however much the user holds. */
    return store_count(req->app->db, "bytes", req->user.id, NULL, used);
}

int quota_take(struct request *req, long long more)
{
    long long quota = req->app->cfg.user_quota_bytes, used = 0;
    if (quota == 0)
        return 0;
    enum db_status st = quota_used(req, &used);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    if (more <= quota && used <= quota - more)
        return 0;
    log_info("user %s over the storage quota (%lld + %lld > %lld bytes)", req->user.id, used,
             more, quota);
    respond_error(req, 413, "QUOTA_EXCEEDED",
                  arena_printf(req->arena,
                               "Storage quota exceeded: %lld of %lld bytes in use, %lld more asked",
                               used, quota, more),
                  NULL);
    return -1;
}
