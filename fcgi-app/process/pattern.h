/* pattern.h — the users' regular expressions (filter and validate steps,
 * quality rules), on PCRE2 with a budget: a pattern is at most
 * PATTERN_MAX_LEN bytes and compiles to at most PATTERN_MAX_COMPILED bytes
 * (or it is refused; the nested counted repeats that take glibc's regcomp
 * gigabytes are refused in microseconds),
 * and every match is bounded in steps, depth and heap, so that neither an
 * API worker validating a job nor quarry-process running it can be held by
 * one pattern. JIT-compiled where the platform allows it.
 *
 * Semantics (docs/engine.md): PCRE2 syntax, UTF-8 characters (a cell that
 * is not valid UTF-8 still matches where it is), '.' matches a newline, '$'
 * only at the very end; a match anywhere in the value counts. */
#ifndef QUARRY_PROCESS_PATTERN_H
#define QUARRY_PROCESS_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#define PATTERN_MAX_LEN 1000          /* bytes of pattern text */
#define PATTERN_MAX_NEST 32           /* nested parentheses */
#define PATTERN_MATCH_LIMIT 100000    /* backtracking steps per value */
#define PATTERN_DEPTH_LIMIT 10000     /* nested backtracking points per value */
#define PATTERN_HEAP_LIMIT_KIB 16384  /* interpreter's heap per value */
#define PATTERN_JIT_STACK_MAX (1024 * 1024)
#define PATTERN_MAX_COMPILED (128 * 1024)  /* bytes of compiled pattern */

enum pattern_result {
    PATTERN_NO_MATCH = 0,
    PATTERN_MATCH = 1,
    PATTERN_NO_MEMORY = -1,
    PATTERN_OVER_BUDGET = -2,   /* the value needed more than the match budget */
};

struct pattern;

/* Compiles src (NUL-terminated) with the budget; icase matches case
 * insensitively. jit: also JIT-compile it (for a run; validation needs no
 * JIT). Returns NULL and a reason in why ("too long (1200 bytes, at most
 * 1000)", "missing closing parenthesis at offset 3") when src is refused.
 * Ownership: free the result with pattern_free(). */
struct pattern *pattern_compile(const char *src, bool icase, bool jit, char *why,
                                size_t why_len);

/* Whether the value p[0..len) contains a match (no NUL needed). Returns an
 * enum pattern_result. Not for concurrent use of one pattern. */
int pattern_match(struct pattern *pat, const char *p, size_t len);

void pattern_free(struct pattern *pat);

#endif
