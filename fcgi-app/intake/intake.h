#ifndef QUARRY_INTAKE_INTAKE_H
#define QUARRY_INTAKE_INTAKE_H
/* What quarry-intake does with a batch of deliveries: decide each one
 * (apply, already applied, or dead-letter with a reason) and apply them in
 * one transaction through the progress store, so that a batch is one
 * commit, not one round trip per message. */
#include <stdbool.h>

#include "common/arena.h"
#include "common/config.h"
#include "common/db.h"
#include "intake/broker.h"
#include "intake/intake_store.h"

enum intake_result {
    INTAKE_APPLIED,
    INTAKE_DUPLICATE, /* its message_id was applied before: acked, not applied again */
    INTAKE_DEAD,      /* goes to the dead-letter queue with the reason */
};

enum intake_reason {
    REASON_NONE,
    REASON_MALFORMED,
    REASON_UNAUTHORISED,
    REASON_OVER_LIMIT,
    REASON_FORBIDDEN, /* someone else's record */
    REASON_COMPLETED,
    REASON__MAX
};

struct intake_outcome {
    enum intake_result result;
    enum intake_reason reason;
    char detail[320]; /* the reason as the dead letter's header says it */
};

/* Counters for /metrics (written by intake_stats_save). */
struct intake_stats {
    unsigned long long received, applied, duplicates, without_id, batches, retries;
    unsigned long long dead[REASON__MAX];
};

/* Applies the n deliveries (each from the client clients[d.queue]) in one
 * transaction; outcomes[i] says what became of deliveries[i]. A database
 * failure rolls everything back and returns it (nothing is then acked).
 * Tries a few times when two transactions race. */
enum db_status intake_apply_batch(struct db *db, struct arena *a, const struct config *cfg,
                                  const struct intake_client *clients,
                                  const struct delivery *deliveries, int n,
                                  struct intake_outcome *outcomes, struct intake_stats *stats);

const char *intake_reason_name(enum intake_reason reason);
/* Writes the counters as Prometheus text to <run_dir>/intake.prom (atomically). */
void intake_stats_save(const char *run_dir, const struct intake_stats *stats, int queues);

#endif
