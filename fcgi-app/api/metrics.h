#ifndef QUARRY_API_METRICS_H
#define QUARRY_API_METRICS_H
/* Request counters of the API pool. The pool is prefork (separate processes),
 * so every worker counts into its own slot of one file mapped by all of them,
 * <run_dir>/metrics-<layout>.shm. A worker claims a free slot, or the slot of
 * a dead worker whose counts it then carries on, so that the sums over all
 * slots only ever grow. Only a slot's owner writes it (C11 atomics, relaxed);
 * anyone reads. */
#include <stdio.h>

#include "api/request.h"

/* Counts one answered request (route, status, time since req->started_ms).
 * Maps the file and claims a slot on first use; does nothing when that failed. */
void metrics_request_done(const struct request *req);

/* Writes the HTTP families (requests by route and status, the latency
 * histogram) in the Prometheus text format 0.0.4, summed over all slots.
 * Returns 0, or -1 when the shared file is not available. */
int metrics_write_http(FILE *out, const struct request *req);

/* API worker processes alive on this host: the siblings under the same
 * supervisor (multiwatch), this one included. */
int metrics_workers_alive(void);
/* Seconds since the pool (the workers' supervisor) started, or since this
 * worker did when there is no supervisor. */
double metrics_pool_uptime(const struct request *req);

/* Writes s as a Prometheus label value (backslash, quote and newline escaped). */
void metrics_label_value(FILE *out, const char *s);

#endif
