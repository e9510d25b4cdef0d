/* Client names (fcgi-app/api/client_store.c): krn:<org>:client:<id>, org and
 * id of 1-64 characters from [A-Za-z0-9._-]. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "api/client_store.h"

START_TEST(accepts_well_formed)
{
    static const char *const good[] = {
        "krn:acme:client:1",
        "krn:a:client:b",
        "krn:Acme.Corp_2-x:client:worker.07_A-z",
        "krn:acme:client:krn",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(client_krn_valid(good[i]), "%s should be valid", good[i]);
}
END_TEST

START_TEST(refuses_malformed)
{
    static const char *const bad[] = {
        "",
        "krn",
        "krn:",
        "krn:acme",
        "krn:acme:client",
        "krn:acme:client:",
        "krn::client:1",
        "KRN:acme:client:1",
        "krn:acme:Client:1",
        "krn:acme:user:1",
        "krn:acme:client:1:extra",
        "krn:ac me:client:1",
        "krn:acme:client:1 ",
        " krn:acme:client:1",
        "krn:acme:client:a/b",
        "krn:acme:client:a%2Fb",
        "krn:acme:client:\xc3\xa9",
        "krn:acme:client:1\n",
        "krn:acme:client:client:1",
        "urn:acme:client:1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!client_krn_valid(bad[i]), "\"%s\" should be refused", bad[i]);
    ck_assert(!client_krn_valid(NULL));
}
END_TEST

START_TEST(part_lengths)
{
    char part64[65], part65[66], krn[200];
    memset(part64, 'o', 64);
    part64[64] = '\0';
    memset(part65, 'o', 65);
    part65[65] = '\0';
    snprintf(krn, sizeof(krn), "krn:%s:client:%s", part64, part64);
    ck_assert(client_krn_valid(krn));
    snprintf(krn, sizeof(krn), "krn:%s:client:x", part65);
    ck_assert(!client_krn_valid(krn));
    snprintf(krn, sizeof(krn), "krn:x:client:%s", part65);
    ck_assert(!client_krn_valid(krn));
}
END_TEST

Suite *krn_suite(void)
{
    Suite *s = suite_create("krn");
    TCase *t = tcase_create("validation");
    tcase_add_test(t, accepts_well_formed);
    tcase_add_test(t, refuses_malformed);
    tcase_add_test(t, part_lengths);
    suite_add_tcase(s, t);
    return s;
}
