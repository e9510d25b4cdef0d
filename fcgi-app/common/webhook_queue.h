#ifndef QUARRY_WEBHOOK_QUEUE_H
#define QUARRY_WEBHOOK_QUEUE_H
/* The queue side's statements on webhook deliveries: emitting them (from
 * wherever a job, an execution or a progress record ends) and what the
 * sender in quarry-jobd does with them. A delivery is a row, so it outlives
 * any restart: claimed with FOR UPDATE SKIP LOCKED and leased (its
 * next_attempt_at pushed past the attempt's time limit), every attempt a
 * row of its own. A sender that dies during an attempt leaves the lease to
 * run out; the next claim closes that attempt as interrupted and tries
 * again with the same webhook-id. Times come from the database server. */
#include <stdbool.h>

#include "common/db.h"
#include "common/ids.h"
#include "common/webhook.h"

/* Queues one delivery of event to every subscription of user_id that takes
 * it: the body is {"type", "timestamp", "data"} with data_json (a JSON
 * object's text) as data. One INSERT … SELECT, so it joins the caller's
 * transaction when there is one: call it in the same transaction as the
 * state change it reports, and the event exists exactly when the change
 * does. DB_OK when no subscription takes the event too. */
enum db_status webhook_emit(struct db *db, const char *user_id, const char *event,
                            const char *data_json);

/* One claimed attempt, as the sender needs it. */
struct webhook_claim {
    char id[UUID_LEN + 1];         /* the delivery: the webhook-id header */
    char webhook_id[UUID_LEN + 1];
    long long attempt;             /* this attempt's number, from 1 */
    char *payload;                 /* the body to send; owned (webhook_claim_free) */
    char *url;                     /* owned */
    char sealed[WEBHOOK_SEALED_TEXT_MAX];
};
void webhook_claim_free(struct webhook_claim *c);

/* Claims up to max due deliveries in one transaction: each gets attempt + 1,
 * an attempt row, and a lease of lease_ms; an attempt its predecessor left
 * open is closed as interrupted. out[0..*n) are the caller's
 * (webhook_claim_free each). */
enum db_status webhook_claim_due(struct db *db, long long lease_ms, int max,
                                 struct webhook_claim *out, int *n);

/* How an attempt went. */
struct webhook_result {
    bool delivered;        /* a 2xx answer */
    long http_status;      /* 0 when there was no answer */
    const char *error;     /* NULL, or why there was no answer (timeout, refused address, …) */
    const char *excerpt;   /* the answer's first bytes, or NULL */
    long long duration_ms;
};

/* Records the attempt and settles the delivery: SUCCEEDED; or PENDING
 * again after retry_ms; or FAILED when that would end past retry_hours
 * after the delivery was made (or redelivered by hand). Guarded on the
 * attempt number, so a late answer never overwrites a newer claim. */
enum db_status webhook_record(struct db *db, const struct webhook_claim *c,
                              const struct webhook_result *r, long long retry_ms,
                              long long retry_hours);

/* Milliseconds until the earliest pending delivery is due (0 when one is
 * due now); -1 when none is pending. */
enum db_status webhook_next_due_ms(struct db *db, long long *ms);

#endif
