/* json_fast.h — a small scanner for the common JSON Lines line: one flat
 * object whose values are strings, numbers, booleans or null.
 *
 * It accepts a strict subset of what json-c accepts and answers "not
 * mine" for everything else (a nested value, an escape it does not
 * decode, a lone surrogate, invalid UTF-8, control bytes, any syntax
 * error): the caller then parses the line with json-c, which reports the
 * errors. So a line it accepts gives exactly what json-c gives, and a line
 * it refuses costs one wasted scan. tests/fuzz/fuzz_json_fast.c holds it
 * to that against json-c. */
#ifndef QUARRY_PROCESS_JSON_FAST_H
#define QUARRY_PROCESS_JSON_FAST_H

#include <stddef.h>

#include "process/record.h"

/* One member, in the order of the line; duplicates are left to the caller. */
struct jfast_member {
    const char *key;     /* decoded, no NUL inside, not NUL-terminated */
    size_t klen;
    const char *val;     /* REC_STRING: decoded; numbers: their text; REC_NULL: "" */
    size_t vlen;
    enum rec_type type;  /* REC_STRING, REC_INTEGER, REC_NUMBER, REC_BOOLEAN or REC_NULL */
};

struct jfast {
    struct jfast_member *m;
    size_t n, cap;
    char *scratch;       /* decoded strings: as long as the longest line */
    size_t scratch_cap;
};

enum jfast_result {
    JFAST_NO_MEMORY = -1,
    JFAST_OTHER = 0,     /* not a line this scanner takes: ask json-c */
    JFAST_OBJECT = 1,    /* s->m[0..n) hold the members */
};

/* Parses p[0..len) (a line without its line end). The members point into
 * p and into s->scratch, valid until the next call. Ownership: the caller
 * frees s with jfast_free(); a zeroed struct is a valid empty one. */
enum jfast_result jfast_parse(struct jfast *s, const char *p, size_t len);
void jfast_free(struct jfast *s);

#endif
