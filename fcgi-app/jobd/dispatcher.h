#ifndef QUARRY_JOBD_DISPATCHER_H
#define QUARRY_JOBD_DISPATCHER_H
/* The dispatcher's main loop: claims QUEUED jobs while fewer than
 * job_concurrency run, spawns one quarry-process per job, reaps them, enforces
 * time limits, acts on cancels, sends heartbeats, recovers lost jobs and runs
 * retention. Single-threaded: poll(2) on the wake socket and a signalfd. */
#include "common/config.h"
#include "common/db.h"

struct dispatcher;

/* Allocates the dispatcher. cfg and db are borrowed and must outlive it;
 * host names this machine in jobs.worker_host. Owned by the caller
 * (dispatcher_free). NULL when out of memory. */
struct dispatcher *dispatcher_new(const struct config *cfg, struct db *db, const char *host);
void dispatcher_free(struct dispatcher *d);

/* Runs until SIGTERM or SIGINT, then stops its processes, puts their jobs
 * back in the queue and returns 0. Returns -1 when it cannot start (the
 * signal descriptor); the reason is logged. */
int dispatcher_run(struct dispatcher *d);

#endif
