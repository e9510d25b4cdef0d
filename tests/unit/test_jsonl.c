/* test_jsonl.c — the JSON Lines reader (read_jsonl.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "process/record.h"
#include "reader_harness.h"

extern const struct reader_ops reader_jsonl_ops;

static int run(struct harness *h, const char *text, const char *config)
{
    harness_write(h, text, strlen(text), ".jsonl");
    return harness_run(h, &reader_jsonl_ops, config, 0);
}

START_TEST(objects_per_line_with_types)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "{\"id\":1,\"n\":\"a\",\"v\":2.5,\"ok\":true,\"z\":null}\r\n"
                             "{\"id\":2,\"n\":\"b\",\"extra\":[1,2]}",
                         NULL),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"i:1\",\"n\":\"s:a\",\"v\":\"n:2.5\",\"ok\":\"b:true\",\"z\":null}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"id\":\"i:2\",\"n\":\"s:b\",\"extra\":\"j:[1,2]\"}");
    ck_assert_str_eq(harness_meta_str(&h, "records_found"), "2");
    ck_assert_str_eq(harness_meta_str(&h, "lines_read"), "2");
    harness_done(&h);
}
END_TEST

START_TEST(bad_lines_are_line_errors)
{
    struct harness h = {0};
    const char *doc = "{\"a\":1}\n"
                      "{\"a\":\n"           /* 2: cut off */
                      "[1,2]\n"             /* 3: not an object */
                      "\n"                  /* 4: blank, skipped */
                      "{\"a\":2} trailing\n" /* 5: garbage after the value */
                      "{\"a\":\"\xFF\"}\n"  /* 6: invalid UTF-8 */
                      "null\n"              /* 7 */
                      "   {\"a\":3}   \n";  /* 8 */
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"a\":\"i:3\"}");
    ck_assert_int_eq(h.rejected, 5);
    ck_assert_uint_eq(json_object_array_length(h.errors), 5);
    ck_assert_str_eq(harness_err(&h, 0), "2:error:INVALID_JSON");
    ck_assert_str_eq(harness_err(&h, 1), "3:error:NOT_AN_OBJECT");
    ck_assert_str_eq(harness_err(&h, 2), "5:error:INVALID_JSON");
    ck_assert_str_eq(harness_err(&h, 3), "6:error:INVALID_JSON");
    ck_assert_str_eq(harness_err(&h, 4), "7:error:NOT_AN_OBJECT");
    ck_assert_str_eq(harness_meta_str(&h, "lines_rejected"), "5");
    ck_assert_str_eq(harness_meta_str(&h, "blank_lines"), "1");
    harness_done(&h);
}
END_TEST

START_TEST(record_line_numbers)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "\xEF\xBB\xBF{\"d\":\"x\"}\n\n{\"d\":\"2024-01-01\"}\n{\"d\":\"bad\"}\n",
                         "{\"date_fields\":[\"d\"]}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    ck_assert_uint_eq(json_object_array_length(h.errors), 2);
    ck_assert_str_eq(harness_err(&h, 0), "1:warning:INVALID_DATE");
    ck_assert_str_eq(harness_err(&h, 1), "4:warning:INVALID_DATE");
    harness_done(&h);
}
END_TEST

START_TEST(flattening_options)
{
    struct harness h = {0};
    const char *doc = "{\"u\":{\"p\":{\"c\":\"x\"}},\"k\":1}\n";
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"u_p_c\":\"s:x\",\"k\":\"i:1\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"max_depth\":1}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"u_p\":\"j:{\\\"c\\\":\\\"x\\\"}\",\"k\":\"i:1\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"flatten_nested\":false}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"u\":\"j:{\\\"p\\\":{\\\"c\\\":\\\"x\\\"}}\",\"k\":\"i:1\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"max_depth\":\"deep\"}"), ENGINE_BAD_CONFIG);
    ck_assert_ptr_nonnull(strstr(h.error, "processing_config.max_depth"));
    harness_done(&h);
}
END_TEST

START_TEST(deep_line_is_rejected_not_fatal)
{
    struct harness h = {0};
    size_t depth = 10000;
    size_t cap = 2 * depth + 64;
    char *doc = malloc(cap);
    char *p = doc + sprintf(doc, "{\"a\":");
    memset(p, '[', depth);
    memset(p + depth, ']', depth);
    strcpy(p + 2 * depth, "}\n{\"a\":1}\n");
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_err(&h, 0), "1:error:TOO_DEEP");
    harness_done(&h);
    free(doc);
}
END_TEST

START_TEST(empty_file_has_no_records)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    ck_assert_int_eq(run(&h, "\n\n  \n", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
}
END_TEST

/* A line longer than the cap (max_record_bytes, 16 MiB by default) is
 * skipped as one line error; the lines around it are read. */
START_TEST(overlong_line_is_skipped)
{
    struct harness h = {0};
    size_t big = (16u << 20) + 100;
    size_t cap = big + 64;
    char *doc = malloc(cap);
    size_t len = (size_t)sprintf(doc, "{\"a\":1}\n{\"s\":\"");
    memset(doc + len, 'x', big);
    len += big;
    len += (size_t)sprintf(doc + len, "\"}\n{\"a\":2}\n");
    harness_write(&h, doc, len, ".jsonl");
    free(doc);
    ck_assert_int_eq(harness_run(&h, &reader_jsonl_ops, NULL, 0), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_err(&h, 0), "2:error:LINE_TOO_LONG");
    ck_assert_str_eq(harness_meta_str(&h, "lines_read"), "3");
    harness_done(&h);
}
END_TEST

/* A small configured cap: lines past it are rejected with their numbers,
 * within one buffer and as the file's last line. */
START_TEST(configured_line_cap)
{
    struct harness h = {0};
    const char *doc = "{\"a\":1}\n{\"a\":\"0123456789\"}\n{\"a\":2}\n{\"b\":\"0123456789\"}";
    harness_write(&h, doc, strlen(doc), ".jsonl");
    ck_assert_int_eq(harness_run(&h, &reader_jsonl_ops, "{\"max_record_bytes\":12}", 0),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_err(&h, 0), "2:error:LINE_TOO_LONG");
    ck_assert_str_eq(harness_err(&h, 1), "4:error:LINE_TOO_LONG");
    ck_assert_str_eq(harness_meta_str(&h, "lines_read"), "4");
    ck_assert_str_eq(harness_meta_str(&h, "lines_rejected"), "2");
    harness_done(&h);
}
END_TEST

START_TEST(many_lines_across_buffers)
{
    struct harness h = {0};
    size_t n = 50000;
    size_t cap = n * 64;
    char *doc = malloc(cap);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len, "{\"id\":%zu,\"s\":\"v%zu\"}\n", i, i);
    harness_write(&h, doc, len, ".jsonl");
    free(doc);
    ck_assert_int_eq(harness_run(&h, &reader_jsonl_ops, NULL, 0), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), n);
    ck_assert_str_eq(harness_rec(&h, 49999), "{\"id\":\"i:49999\",\"s\":\"s:v49999\"}");
    harness_done(&h);
}
END_TEST

START_TEST(sniff_scores)
{
    const char *lines = "{\"a\":1}\n{\"a\":2}\n";
    const char *one = "{\"a\":1}\n";
    const char *arr = "[{\"a\":1}]";
    ck_assert_int_ge(reader_jsonl_ops.sniff((const unsigned char *)lines, strlen(lines), NULL), 90);
    ck_assert_int_ge(reader_jsonl_ops.sniff((const unsigned char *)one, strlen(one), "x.ndjson"),
                     80);
    ck_assert_int_lt(reader_jsonl_ops.sniff((const unsigned char *)one, strlen(one), NULL), 50);
    ck_assert_int_eq(reader_jsonl_ops.sniff((const unsigned char *)arr, strlen(arr), NULL), 0);
}
END_TEST

Suite *jsonl_suite(void)
{
    Suite *s = suite_create("jsonl");
    TCase *tc = tcase_create("jsonl");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, objects_per_line_with_types);
    tcase_add_test(tc, bad_lines_are_line_errors);
    tcase_add_test(tc, record_line_numbers);
    tcase_add_test(tc, flattening_options);
    tcase_add_test(tc, deep_line_is_rejected_not_fatal);
    tcase_add_test(tc, empty_file_has_no_records);
    tcase_add_test(tc, overlong_line_is_skipped);
    tcase_add_test(tc, configured_line_cap);
    tcase_add_test(tc, many_lines_across_buffers);
    tcase_add_test(tc, sniff_scores);
    suite_add_tcase(s, tc);
    return s;
}
