#ifndef QUARRY_JOBD_SCHEDULER_H
#define QUARRY_JOBD_SCHEDULER_H
/* The dispatcher's scheduler: fires the due slots of pipeline schedules.
 *
 * A pipeline's next slot is pipelines.next_fire_at. Firing it is one
 * transaction: a guarded UPDATE moves next_fire_at from the slot to the
 * next one (only one dispatcher can win it), and the execution of the slot
 * is inserted (unique per pipeline and slot, a second guard). The next slot
 * is the first after now, so a dispatcher that was down fires a missed slot
 * once, never a burst. */
#include "common/config.h"
#include "common/db.h"

/* One pass over the due slots (at most a batch; the rest on the next pass).
 * now_ms is the scheduler's clock (the wall clock plus
 * scheduler_clock_offset_seconds). Returns the number of executions fired,
 * or -1 when the database failed; *next_due_ms gets the earliest slot still
 * ahead (0 when there is none). */
int scheduler_pass(struct db *db, const struct config *cfg, const char *host, long long now_ms,
                   long long *next_due_ms);

#endif
