/* sandbox.h — what quarry-process gives up before it reads any input. */
#ifndef QUARRY_PROCESS_SANDBOX_H
#define QUARRY_PROCESS_SANDBOX_H

#include <stddef.h>

#include "common/config.h"

/* No new privileges, the rlimits of the configuration
 * (process_limit_as_bytes — skipped in AddressSanitizer builds, whose
 * shadow memory needs terabytes of address space —,
 * process_limit_cpu_seconds, process_limit_fsize_bytes) and a seccomp filter
 * that makes the calls a parser never needs fail with EPERM (ptrace is
 * allowed in AddressSanitizer builds). 0 on success;
 * -1 with a message in err otherwise. */
int sandbox_enter(const struct config *cfg, char *err, size_t errlen);

/* 1 in the AddressSanitizer build, which keeps no address-space limit and
 * allows ptrace (LeakSanitizer's stop-the-world at exit uses it). */
int sandbox_sanitizer_build(void);

#endif
