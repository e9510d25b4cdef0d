/* User regexes (process/pattern.c): the semantics the docs state, and the
 * budget: patterns that cost glibc's regex gigabytes or minutes are
 * refused or stopped in well under a second. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "process/pattern.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Compiles src (with and without JIT) and matches value against it. */
static int match(const char *src, bool icase, const char *value, bool jit)
{
    char why[200];
    struct pattern *pat = pattern_compile(src, icase, jit, why, sizeof(why));
    ck_assert_msg(pat != NULL, "%s: %s", src, why);
    int rc = pattern_match(pat, value, strlen(value));
    pattern_free(pat);
    return rc;
}

static void refused(const char *src, const char *reason)
{
    char why[200] = "";
    double t0 = now();
    struct pattern *pat = pattern_compile(src, false, false, why, sizeof(why));
    ck_assert_ptr_null(pat);
    ck_assert_msg(strstr(why, reason) != NULL, "%s: %s", src, why);
    ck_assert_msg(now() - t0 < 0.5, "%s took %.3f s to refuse", src, now() - t0);
}

START_TEST(semantics)
{
    for (int jit = 0; jit < 2; jit++) {
        ck_assert_int_eq(match("^[a-z]+@example\\.com$", false, "ann@example.com", jit),
                         PATTERN_MATCH);
        ck_assert_int_eq(match("^[a-z]+@example\\.com$", false, "Ann@example.com", jit),
                         PATTERN_NO_MATCH);
        ck_assert_int_eq(match("^[a-z]+@example\\.com$", true, "Ann@EXAMPLE.com", jit),
                         PATTERN_MATCH);
        /* A match anywhere counts; anchors are the value's ends. */
        ck_assert_int_eq(match("[0-9]{3}", false, "ab1234cd", jit), PATTERN_MATCH);
        ck_assert_int_eq(match("^[0-9]+$", false, "12\n", jit), PATTERN_NO_MATCH);
        ck_assert_int_eq(match("^a.b$", false, "a\nb", jit), PATTERN_MATCH);
        /* POSIX classes and alternation as in ERE. */
        ck_assert_int_eq(match("^[[:alpha:]]+(-[[:digit:]]+)?$", false, "abc-12", jit),
                         PATTERN_MATCH);
        ck_assert_int_eq(match("^(red|green)$", false, "blue", jit), PATTERN_NO_MATCH);
        /* Characters, not bytes: "été" is three. */
        ck_assert_int_eq(match("^.{3}$", false, "\xc3\xa9t\xc3\xa9", jit), PATTERN_MATCH);
        ck_assert_int_eq(match("^\xc3\x89T\xc3\x89$", true, "\xc3\xa9t\xc3\xa9", jit),
                         PATTERN_MATCH);
        /* A value that is not UTF-8 is no error: it matches where it can. */
        ck_assert_int_eq(match("abc", false, "\xff\xfe" "abc", jit), PATTERN_MATCH);
        ck_assert_int_eq(match("^abc$", false, "\xff" "abc", jit), PATTERN_NO_MATCH);
        /* The empty value, and a slice without its NUL. */
        ck_assert_int_eq(match("^$", false, "", jit), PATTERN_MATCH);
    }
    char why[200];
    struct pattern *pat = pattern_compile("^ab$", false, true, why, sizeof(why));
    ck_assert_ptr_nonnull(pat);
    ck_assert_int_eq(pattern_match(pat, "abc", 2), PATTERN_MATCH);
    ck_assert_int_eq(pattern_match(pat, "abc", 3), PATTERN_NO_MATCH);
    pattern_free(pat);
}
END_TEST

START_TEST(refusals)
{
    refused("(", "missing closing parenthesis at offset 1");
    refused("[a-", "is not a valid regular expression");
    refused("a\\C", "is not a valid regular expression");
    /* Nested counted repeats: gigabytes for glibc's regcomp. */
    refused("((a{1000}){1000}){1000}", "too large");
    refused("(.{0,65535}){65535}", "too large");
    refused("(((a{100}){100}){100}){100}", "too large");
    char deep[2 * PATTERN_MAX_NEST + 8];
    size_t n = 0;
    for (int i = 0; i < PATTERN_MAX_NEST + 2; i++)
        deep[n++] = '(';
    deep[n++] = 'a';
    for (int i = 0; i < PATTERN_MAX_NEST + 2; i++)
        deep[n++] = ')';
    deep[n] = '\0';
    refused(deep, "parentheses are too deeply nested");
    char longer[PATTERN_MAX_LEN + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    refused(longer, "is too long (1001 bytes, at most 1000)");
    /* At the cap it compiles. */
    longer[PATTERN_MAX_LEN] = '\0';
    char why[200];
    struct pattern *pat = pattern_compile(longer, false, true, why, sizeof(why));
    ck_assert_ptr_nonnull(pat);
    pattern_free(pat);
}
END_TEST

START_TEST(budget)
{
    /* Catastrophic backtracking, and a backreference over a nested group:
     * each stops at the budget, fast, with or without JIT. */
    char value[64];
    memset(value, 'a', 48);
    strcpy(value + 48, "!");
    static const char *const slow[] = {"^(a+)+$", "^(a|aa)+\\1$", "^(\\w+\\s?)*\\1$",
                                       "(.*a){20}"};
    for (int jit = 0; jit < 2; jit++) {
        for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
            double t0 = now();
            ck_assert_int_eq(match(slow[i], false, value, jit), PATTERN_OVER_BUDGET);
            ck_assert_msg(now() - t0 < 0.5, "%s took %.3f s", slow[i], now() - t0);
        }
    }
    /* Long values of ordinary patterns stay within the budget; a group
     * repeated over 200000 characters does not (docs/engine.md). */
    static char big[200001];
    memset(big, 'x', sizeof(big) - 1);
    for (int jit = 0; jit < 2; jit++) {
        ck_assert_int_eq(match("^x+$", false, big, jit), PATTERN_MATCH);
        ck_assert_int_eq(match("^[xy]*$", false, big, jit), PATTERN_MATCH);
        ck_assert_int_eq(match("^(x|y)*$", false, big, jit), PATTERN_OVER_BUDGET);
        ck_assert_int_eq(match("y", false, big, jit), PATTERN_NO_MATCH);
    }
}
END_TEST

Suite *pattern_suite(void)
{
    Suite *s = suite_create("pattern");
    TCase *tc = tcase_create("pattern");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, semantics);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, budget);
    suite_add_tcase(s, tc);
    return s;
}
