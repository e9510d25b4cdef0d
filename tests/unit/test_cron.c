/* common/cron.c: parsing, and next fire times checked against python3-croniter's
 * answers (cron_cases.h, written by cron_cases.py) plus the days of a
 * daylight-saving change, checked by hand. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/cron.h"
#include "cron_cases.h"

START_TEST(matches_croniter)
{
    size_t n = sizeof(cron_cases) / sizeof(cron_cases[0]);
    ck_assert_uint_gt(n, 500);
    for (size_t i = 0; i < n; i++) {
        const struct cron_case *k = &cron_cases[i];
        struct cron c;
        char err[128];
        ck_assert_msg(cron_parse(k->expr, &c, err, sizeof(err)) == 0, "%s: %s", k->expr, err);
        long long t = k->start;
        for (int j = 0; j < 5; j++) {
            long long next = 0;
            ck_assert_msg(cron_next(&c, k->tz, t, &next) == 0, "%s never fires", k->expr);
            ck_assert_msg(next == k->next[j], "\"%s\" in %s after %lld: %lld, croniter %lld",
                          k->expr, k->tz, t, next, k->next[j]);
            t = next;
        }
    }
}
END_TEST

static long long next_of(const char *expr, const char *tz, long long after)
{
    struct cron c;
    char err[128];
    long long next = -1;
    ck_assert_msg(cron_parse(expr, &c, err, sizeof(err)) == 0, "%s: %s", expr, err);
    ck_assert_int_eq(cron_next(&c, tz, after, &next), 0);
    return next;
}

START_TEST(daylight_saving_days)
{
    /* Europe/Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC). */
    long long midnight_spring = 1774738800; /* 00:00 CET */
    /* 02:30 does not exist: it fires at 03:30 CEST, half an hour after the change. */
    ck_assert_int_eq(next_of("30 2 * * *", "Europe/Berlin", midnight_spring), 1774747800);
    /* 03:00 CEST is the first hour divisible by 3 after 00:30. */
    ck_assert_int_eq(next_of("0 */3 * * *", "Europe/Berlin", midnight_spring + 1800), 1774746000);
    /* 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC). */
    long long midnight_autumn = 1792879200; /* 00:00 CEST */
    /* 02:30 happens twice: it fires once, at its first occurrence (00:30 UTC) ... */
    long long first = next_of("30 2 * * *", "Europe/Berlin", midnight_autumn);
    ck_assert_int_eq(first, 1792888200);
    /* ... and next on the 26th at 02:30 CET. */
    ck_assert_int_eq(next_of("30 2 * * *", "Europe/Berlin", first), 1792978200);
    /* Every 15 minutes: after 02:45 CEST the repeated hour does not fire again. */
    ck_assert_int_eq(next_of("*/15 * * * *", "Europe/Berlin", 1792889100), 1792893600);
}
END_TEST

START_TEST(refuses_malformed)
{
    static const char *const bad[] = {
        "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
        "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "a * * * *", "1,,2 * * * *",
        "1, * * * *", "* * * foo *", "* * * * mo", "-1 * * * *", "@never", "1-2-3 * * * *",
        "*/ * * * *", "* * * janx *",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cron c;
        char err[128] = "";
        ck_assert_msg(cron_parse(bad[i], &c, err, sizeof(err)) != 0, "\"%s\" accepted", bad[i]);
        ck_assert_msg(err[0] != '\0', "\"%s\": no reason", bad[i]);
    }
    char long_expr[400];
    memset(long_expr, '1', sizeof(long_expr) - 1);
    long_expr[sizeof(long_expr) - 1] = '\0';
    struct cron c;
    char err[128];
    ck_assert_int_ne(cron_parse(long_expr, &c, err, sizeof(err)), 0);
    ck_assert_int_ne(cron_parse(NULL, &c, err, sizeof(err)), 0);
}
END_TEST

START_TEST(never_fires)
{
    struct cron c;
    char err[128];
    long long next;
    ck_assert_int_eq(cron_parse("0 0 30 2 *", &c, err, sizeof(err)), 0);
    ck_assert_int_eq(cron_next(&c, "UTC", 1767949200, &next), -1);
    ck_assert_int_eq(cron_next(&c, "Europe/Berlin", 1767949200, &next), -1);
}
END_TEST

START_TEST(zones)
{
    ck_assert(cron_zone_valid("UTC"));
    ck_assert(cron_zone_valid("Europe/Berlin"));
    ck_assert(cron_zone_valid("America/New_York"));
    ck_assert(!cron_zone_valid("Mars/Olympus"));
    ck_assert(!cron_zone_valid("../../etc/passwd"));
    ck_assert(!cron_zone_valid("/etc/localtime"));
    ck_assert(!cron_zone_valid(""));
    ck_assert(!cron_zone_valid(NULL));
    ck_assert(!cron_zone_valid("Europe/Berlin;rm"));
}
END_TEST

Suite *cron_suite(void)
{
    Suite *s = suite_create("cron");
    TCase *t = tcase_create("cron");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, matches_croniter);
    tcase_add_test(t, daylight_saving_days);
    tcase_add_test(t, refuses_malformed);
    tcase_add_test(t, never_fires);
    tcase_add_test(t, zones);
    suite_add_tcase(s, t);
    return s;
}
