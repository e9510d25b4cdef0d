/* test_xls.c — the legacy .xls reader (read_xls.c) over
 * tests/unit/data/sample.xls, written with python3-xlwt:
 *   People: "Report title" / blank / header name, age, joined, active,
 *           score, seen / Ann, Bjørn, Chloé / Total 75
 *   Other:  a, b / 1, x / 2, y */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "process/record.h"
#include "reader_harness.h"

extern const struct reader_ops reader_xls_ops;

static int run(struct harness *h, const char *config)
{
    snprintf(h->path, sizeof(h->path), "%s/tests/unit/data/sample.xls",
             getenv("srcdir") ? getenv("srcdir") : ".");
    int rc = harness_run(h, &reader_xls_ops, config, 0);
    h->path[0] = '\0';   /* the fixture is not ours to remove */
    return rc;
}

START_TEST(types_and_dates)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 4);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"name\":\"s:Ann\",\"age\":\"i:34\",\"joined\":\"s:2020-01-15\","
                     "\"active\":\"i:1\",\"score\":\"n:9.5\",\"seen\":\"s:2021-03-04T10:30:00\"}");
    ck_assert_str_eq(harness_rec(&h, 1),
                     "{\"name\":\"s:Bjørn\",\"age\":\"i:41\",\"joined\":\"s:2019-12-31\","
                     "\"active\":\"i:0\",\"score\":\"n:7.25\",\"seen\":\"s:2022-01-01T00:00:01\"}");
    ck_assert_str_eq(harness_rec(&h, 2),
                     "{\"name\":\"s:Chloé\",\"age\":null,\"joined\":null,\"active\":\"i:1\","
                     "\"score\":\"i:10\",\"seen\":null}");
    ck_assert_str_eq(harness_meta_str(&h, "sheet_names"), "[ \"People\", \"Other\" ]");
    ck_assert_str_eq(harness_meta_str(&h, "total_sheets"), "2");
    harness_done(&h);
}
END_TEST

START_TEST(options)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2,\"skip_footer\":1,\"columns\":[\"name\",\"C\"],"
                             "\"date_format\":\"%d.%m.%Y\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"name\":\"s:Bjørn\",\"joined\":\"s:31.12.2019\"}");
    harness_done(&h);

    ck_assert_int_eq(run(&h, "{\"sheet_name\":\"Other\",\"use_column_names\":false}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"A\":\"s:a\",\"B\":\"s:b\"}");
    harness_done(&h);

    /* skip_rows applies to every sheet: Other's header is then its last row */
    ck_assert_int_eq(run(&h, "{\"sheet_name\":[1,\"People\"],\"skip_rows\":2}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 4);
    ck_assert_str_eq(harness_meta_str(&h, "rows_per_sheet"), "{ \"Other\": 0, \"People\": 4 }");
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"_sheet\":\"s:People\",\"name\":\"s:Ann\",\"age\":\"i:34\",\"joined\":"
                     "\"s:2020-01-15\",\"active\":\"i:1\",\"score\":\"n:9.5\",\"seen\":"
                     "\"s:2021-03-04T10:30:00\"}");
    harness_done(&h);

    ck_assert_int_eq(run(&h, "{\"sheet_name\":\"Nope\"}"), ENGINE_BAD_CONFIG);
    harness_done(&h);
}
END_TEST

START_TEST(not_a_workbook)
{
    struct harness h = {0};
    unsigned char ole[4096] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    harness_write(&h, ole, sizeof(ole), ".xls");
    ck_assert_int_eq(harness_run(&h, &reader_xls_ops, NULL, 0), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "not a readable .xls"));
    harness_done(&h);
    harness_write(&h, "", 0, ".xls");
    ck_assert_int_eq(harness_run(&h, &reader_xls_ops, NULL, 0), ENGINE_BAD_INPUT);
    harness_done(&h);
}
END_TEST

Suite *xls_suite(void)
{
    Suite *s = suite_create("xls");
    TCase *tc = tcase_create("xls");
    tcase_add_test(tc, types_and_dates);
    tcase_add_test(tc, options);
    tcase_add_test(tc, not_a_workbook);
    suite_add_tcase(s, tc);
    return s;
}
