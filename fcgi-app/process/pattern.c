/* pattern.c — bounded user regexes on PCRE2 (pattern.h). One compile
 * context and one match context per pattern, so that nothing is shared
 * and the limits travel with it (redis's small-module style: one prefix,
 * one struct, create / use / free). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "process/pattern.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pattern {
    pcre2_code *code;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    pcre2_jit_stack *jit_stack;   /* NULL without JIT */
};

/* POSIX-like defaults on top of PCRE2's: '.' matches every character, '$'
 * is the end of the value (not before a final newline); UTF-8 characters,
 * with invalid bytes in values allowed. \C could split a character. */
#define PATTERN_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOTALL | \
                         PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C)

void pattern_free(struct pattern *pat)
{
    if (pat == NULL)
        return;
    pcre2_match_data_free(pat->md);
    pcre2_match_context_free(pat->mctx);
    pcre2_jit_stack_free(pat->jit_stack);
    pcre2_code_free(pat->code);
    free(pat);
}

struct pattern *pattern_compile(const char *src, bool icase, bool jit, char *why,
                                size_t why_len)
{
    size_t len = strlen(src);
    if (len > PATTERN_MAX_LEN) {
        snprintf(why, why_len, "is too long (%zu bytes, at most %d)", len, PATTERN_MAX_LEN);
        return NULL;
    }
    struct pattern *pat = calloc(1, sizeof(*pat));
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    if (pat == NULL || cctx == NULL)
        goto oom;
    pcre2_set_max_pattern_length(cctx, PATTERN_MAX_LEN);
    pcre2_set_parens_nest_limit(cctx, PATTERN_MAX_NEST);
    int err;
    PCRE2_SIZE off;
    pat->code = pcre2_compile((PCRE2_SPTR)src, len, PATTERN_OPTIONS | (icase ? PCRE2_CASELESS : 0),
                              &err, &off, cctx);
    pcre2_compile_context_free(cctx);
    cctx = NULL;
    if (pat->code == NULL) {
        if (err == PCRE2_ERROR_NOMEMORY)
            goto oom;
        PCRE2_UCHAR text[160];
        if (pcre2_get_error_message(err, text, sizeof(text)) < 0)
            snprintf((char *)text, sizeof(text), "error %d", err);
        snprintf(why, why_len, "is not a valid regular expression: %s at offset %zu",
                 (const char *)text, (size_t)off);
        pattern_free(pat);
        return NULL;
    }
    size_t size = 0;
    pcre2_pattern_info(pat->code, PCRE2_INFO_SIZE, &size);
    if (size > PATTERN_MAX_COMPILED) {
        snprintf(why, why_len, "is too large once compiled (%zu bytes, at most %d)", size,
                 PATTERN_MAX_COMPILED);
        pattern_free(pat);
        return NULL;
    }
    pat->mctx = pcre2_match_context_create(NULL);
    pat->md = pcre2_match_data_create(1, NULL);
    if (pat->mctx == NULL || pat->md == NULL)
        goto oom;
    pcre2_set_match_limit(pat->mctx, PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(pat->mctx, PATTERN_DEPTH_LIMIT);
    pcre2_set_heap_limit(pat->mctx, PATTERN_HEAP_LIMIT_KIB);
    /* Without JIT (not built in, or no executable memory) the interpreter
     * runs under the same limits. */
    if (jit && pcre2_jit_compile(pat->code, PCRE2_JIT_COMPLETE) == 0) {
        pat->jit_stack = pcre2_jit_stack_create(32 * 1024, PATTERN_JIT_STACK_MAX, NULL);
        if (pat->jit_stack == NULL)
            goto oom;
        pcre2_jit_stack_assign(pat->mctx, NULL, pat->jit_stack);
    }
    return pat;
oom:
    pcre2_compile_context_free(cctx);
    pattern_free(pat);
    snprintf(why, why_len, "could not be compiled: out of memory");
    return NULL;
}

int pattern_match(struct pattern *pat, const char *p, size_t len)
{
    int rc = pcre2_match(pat->code, (PCRE2_SPTR)(len ? p : ""), len, 0, 0, pat->md, pat->mctx);
    if (rc >= 0)
        return PATTERN_MATCH;
    switch (rc) {
    case PCRE2_ERROR_NOMATCH:
        return PATTERN_NO_MATCH;
    case PCRE2_ERROR_NOMEMORY:
        return PATTERN_NO_MEMORY;
    default:
        /* PCRE2_ERROR_MATCHLIMIT, DEPTHLIMIT, HEAPLIMIT, JIT_STACKLIMIT:
         * over budget; nothing else can happen with a valid pattern, and
         * whatever does is not a match we could vouch for. */
        return PATTERN_OVER_BUDGET;
    }
}
