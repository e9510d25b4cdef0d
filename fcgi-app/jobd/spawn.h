#ifndef QUARRY_JOBD_SPAWN_H
#define QUARRY_JOBD_SPAWN_H
/* Starting and finding quarry-process: one process per job. */
#include <stdbool.h>
#include <sys/types.h>

/* Starts `<bin> job <id>` with posix_spawn: stdin from /dev/null, stdout and
 * stderr on the dispatcher's stderr (its log), no other descriptor (libfcgi
 * and the database connection must not leak into it), default signal
 * dispositions, and its own process group so that a signal to -pid reaches
 * whatever it starts. A bin without '/' is looked up in PATH.
 * Returns 0 and *pid, or an errno value. */
int spawn_worker(const char *bin, const char *id, pid_t *pid);

/* True when pid is a live (not zombie) `<bin> job <id>` process; bin is
 * compared by its base name so that a rebuilt tree still matches. */
bool spawn_is_worker(pid_t pid, const char *bin, const char *id);

/* Looks through /proc for a live `<bin> job <id>`; 0 when there is none. */
pid_t spawn_find_worker(const char *bin, const char *id);

/* Sends sig to the process group of pid (the worker leads it), falling back
 * to the process alone. */
void spawn_signal(pid_t pid, int sig);

#endif
