/* List cursors (common/store.c, api/request.c): what page_cursor makes,
 * page_cursor_parse reads back, and nothing else passes for a cursor of that
 * list. */
#include <check.h>
#include <string.h>

#include "api/request.h"
#include "common/store.h"

static const enum cursor_part job_kinds[] = {CURSOR_TIME, CURSOR_ID};
static const enum cursor_part error_kinds[] = {CURSOR_INT, CURSOR_INT};
static const enum cursor_part client_kinds[] = {CURSOR_KEY};

START_TEST(round_trip)
{
    struct arena a;
    arena_init(&a, 1024);
    struct page jobs = PAGE_WITH_CURSOR(job_kinds);
    const char *parts[] = {"2025-01-31 23:59:59.123", "7d3fa85a-1879-4302-81ab-b5741ccad8af"};
    const char *cursor = page_cursor(&a, parts, 2);
    ck_assert_int_eq((int)strspn(cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_"),
                     (int)strlen(cursor));
    const char *const *back = page_cursor_parse(&a, cursor, &jobs);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back[0], parts[0]);
    ck_assert_str_eq(back[1], parts[1]);
    struct page errors = PAGE_WITH_CURSOR(error_kinds);
    const char *lines[] = {"0", "123456789012345678"};
    back = page_cursor_parse(&a, page_cursor(&a, lines, 2), &errors);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back[1], lines[1]);
    struct page clients = PAGE_WITH_CURSOR(client_kinds);
    const char *krn[] = {"krn:acme:client:a.b_c-1"};
    back = page_cursor_parse(&a, page_cursor(&a, krn, 1), &clients);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back[0], krn[0]);
    arena_free(&a);
}
END_TEST

START_TEST(refused)
{
    struct arena a;
    arena_init(&a, 1024);
    struct page jobs = PAGE_WITH_CURSOR(job_kinds), errors = PAGE_WITH_CURSOR(error_kinds);
    struct page clients = PAGE_WITH_CURSOR(client_kinds);
    const char *good[] = {"2025-01-31 23:59:59.123", "7d3fa85a-1879-4302-81ab-b5741ccad8af"};
    const char *cursor = page_cursor(&a, good, 2);
    /* Another list's cursor, a cut one, one with a part too many or too few. */
    ck_assert_ptr_null(page_cursor_parse(&a, cursor, &errors));
    ck_assert_ptr_null(page_cursor_parse(&a, cursor, &clients));
    ck_assert_ptr_null(page_cursor_parse(&a, arena_strdup(&a, "MjAyNQ"), &jobs));
    char *cut = arena_strdup(&a, cursor);
    cut[strlen(cut) - 3] = '\0';
    ck_assert_ptr_null(page_cursor_parse(&a, cut, &jobs));
    const char *three[] = {good[0], good[1], "x"};
    ck_assert_ptr_null(page_cursor_parse(&a, page_cursor(&a, three, 3), &jobs));
    /* Parts of the wrong shape never reach SQL. */
    const char *bad_time[] = {"2025-01-31 23:59:59", good[1]};
    ck_assert_ptr_null(page_cursor_parse(&a, page_cursor(&a, bad_time, 2), &jobs));
    const char *quote[] = {"2025-01-31 23:59:59.123", "7d3fa85a-1879-4302-81ab-b5741ccad8a'"};
    ck_assert_ptr_null(page_cursor_parse(&a, page_cursor(&a, quote, 2), &jobs));
    const char *negative[] = {"-1", "2"};
    ck_assert_ptr_null(page_cursor_parse(&a, page_cursor(&a, negative, 2), &errors));
    const char *space[] = {"krn:acme client"};
    ck_assert_ptr_null(page_cursor_parse(&a, page_cursor(&a, space, 1), &clients));
    /* Not base64url at all, padding, and a NUL inside. */
    ck_assert_ptr_null(page_cursor_parse(&a, "***", &jobs));
    ck_assert_ptr_null(page_cursor_parse(&a, "YQ==", &clients));
    ck_assert_ptr_null(page_cursor_parse(&a, "YQBi", &clients));
    ck_assert_ptr_nonnull(page_cursor_parse(&a, "YWI", &clients));
    arena_free(&a);
}
END_TEST

Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("cursor");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, refused);
    suite_add_tcase(s, tc);
    return s;
}
