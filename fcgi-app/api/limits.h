#ifndef QUARRY_API_LIMITS_H
#define QUARRY_API_LIMITS_H
/* The per-user limits as a handler applies them: one call before the work
 * it limits. Counted hits send X-RateLimit-Limit, X-RateLimit-Remaining and
 * X-RateLimit-Reset (Unix seconds); a refusal answers 429 RATE_LIMITED with
 * Retry-After (seconds). */
#include "api/request.h"
#include "common/rate_limit.h"

/* Counts one hit of the caller under kind's limit. 0 to go on, or -1 after
 * answering (429, or the database error). */
int rate_limit_take(struct request *req, enum rate_limit_kind kind);
/* The same, counted per scope (e.g. the upload id of a status poll). */
int rate_limit_take_scoped(struct request *req, enum rate_limit_kind kind, const char *scope);

/* The user's storage quota (user_quota_bytes, 0 = none): what they store
 * (direct and resumable files, job inputs) and have in flight (unfinished
 * resumable uploads, by their declared length), into *used. */
enum db_status quota_used(struct request *req, long long *used);
/* 0 when more bytes fit in the caller's quota; otherwise -1 after answering
 * (413 QUOTA_EXCEEDED, or the database error). */
int quota_take(struct request *req, long long more);

#endif
