/* Address lists for access rules (common/addr_list.c): metrics_allow. */
#include <check.h>

#include "common/addr_list.h"

START_TEST(lists)
{
    ck_assert(addr_list_valid("loopback"));
    ck_assert(addr_list_valid(""));
    ck_assert(addr_list_valid("10.0.0.0/8, 192.0.2.7 2001:db8::/32,::1"));
    ck_assert(!addr_list_valid("10.0.0.0/33"));
    ck_assert(!addr_list_valid("10.0.0/8"));
    ck_assert(!addr_list_valid("2001:db8::/129"));
    ck_assert(!addr_list_valid("localhost"));
    ck_assert(!addr_list_valid("10.0.0.1/"));
    ck_assert(!addr_list_valid("10.0.0.1/-1"));
    ck_assert(!addr_list_valid("::ffff:10.0.0.0/104"));
}
END_TEST

START_TEST(matches)
{
    ck_assert(addr_list_match("loopback", "127.0.0.1"));
    ck_assert(addr_list_match("loopback", "127.9.9.9"));
    ck_assert(addr_list_match("loopback", "::1"));
    ck_assert(addr_list_match("loopback", "::ffff:127.0.0.1"));
    ck_assert(!addr_list_match("loopback", "192.0.2.2"));
    ck_assert(!addr_list_match("loopback", "128.0.0.1"));
    ck_assert(!addr_list_match("", "127.0.0.1"));
    ck_assert(addr_list_match("192.0.2.0/24", "192.0.2.200"));
    ck_assert(!addr_list_match("192.0.2.0/24", "192.0.3.1"));
    ck_assert(addr_list_match("192.0.2.128/25", "192.0.2.129"));
    ck_assert(!addr_list_match("192.0.2.128/25", "192.0.2.127"));
    ck_assert(addr_list_match("10.1.2.3", "10.1.2.3"));
    ck_assert(!addr_list_match("10.1.2.3", "10.1.2.4"));
    ck_assert(addr_list_match("0.0.0.0/0", "203.0.113.5"));
    ck_assert(!addr_list_match("0.0.0.0/0", "2001:db8::1"));
    ck_assert(addr_list_match("2001:db8::/32", "2001:db8:ffff::1"));
    ck_assert(!addr_list_match("2001:db8::/32", "2001:db9::1"));
    /* A malformed list or address matches nothing. */
    ck_assert(!addr_list_match("10.0.0.0/8, nonsense", "10.0.0.1"));
    ck_assert(!addr_list_match("loopback", "localhost"));
    ck_assert(!addr_list_match("loopback", NULL));
    ck_assert(!addr_list_match("loopback", ""));
}
END_TEST

Suite *addr_list_suite(void)
{
    Suite *s = suite_create("addr_list");
    TCase *tc = tcase_create("addr_list");
    tcase_add_test(tc, lists);
    tcase_add_test(tc, matches);
    suite_add_tcase(s, tc);
    return s;
}
