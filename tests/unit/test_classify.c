/* test_classify.c — the one-pass value checks of data_types inference and
 * the JSON writers (text.h text_digit_run, text_digits_shape,
 * text_is_json_number; metadata.c's quick path behind meta_value_kind,
 * and what it notes of a value for the JSON writers)
 * against plain byte-at-a-time references and text_classify, over every
 * short string of a small alphabet, every YYYY-MM-DD near the calendar's
 * edges and random strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/metadata.h"
#include "process/text.h"

static bool dig(char c)
{
    return c >= '0' && c <= '9';
}

static int ref_shape(const char *p, size_t len)
{
    size_t dots = 0, dot = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '.') {
            dots++;
            dot = i;
        } else if (!dig(p[i])) {
            return 0;
        }
    }
    if (len == 0 || dots > 1)
        return 0;
    if (dots == 0)
        return TEXT_DIGITS;
    return dot > 0 && dot < len - 1 ? TEXT_DIGITS_DOT : 0;
}

/* RFC 8259's number, written as its grammar reads. */
static bool ref_json_number(const char *p, size_t len)
{
    size_t i = 0;
    if (i < len && p[i] == '-')
        i++;
    if (i < len && p[i] == '0')
        i++;
    else if (i < len && p[i] >= '1' && p[i] <= '9')
        while (i < len && dig(p[i]))
            i++;
    else
        return false;
    if (i < len && p[i] == '.') {
        if (++i >= len || !dig(p[i]))
            return false;
        while (i < len && dig(p[i]))
            i++;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= len || !dig(p[i]))
            return false;
        while (i < len && dig(p[i]))
            i++;
    }
    return i == len;
}

/* Checks one value; the copy on the heap, cut to len, lets ASan catch a
 * read past its end. */
static void check_one(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, len);
    for (size_t from = 0; from <= len; from++) {
        size_t want = from;
        while (want < len && dig(p[want]))
            want++;
        ck_assert_msg(text_digit_run(p, from, len) == want, "digit run of \"%.*s\" from %zu",
                      (int)len, s, from);
    }
    ck_assert_msg(text_digits_shape(p, len) == ref_shape(p, len), "shape of \"%.*s\"", (int)len, s);
    ck_assert_msg(text_is_json_number(p, len) == ref_json_number(p, len), "JSON number \"%.*s\"",
                  (int)len, s);
    struct rec_field f = {.name = "c", .val = p, .len = len, .type = REC_TEXT};
    enum text_kind want = len > 0 ? text_classify(p, len) : KIND_STRING;
    ck_assert_msg(meta_value_kind(&f) == want, "kind of \"%.*s\": %s, text_classify says %s",
                  (int)len, s, text_kind_name(meta_value_kind(&f)), text_kind_name(want));
    /* what inference notes for the JSON writers (rec_field.num), where it
     * knows, is the JSON number grammar's answer (every short value, one
     * long one in eight: a fresh column each time is not free) */
    static unsigned long calls;
    if (len > 10 && calls++ % 8 != 0) {
        free(p);
        return;
    }
    struct meta_stats *st = meta_new(false);
    ck_assert_ptr_nonnull(st);
    meta_note_numbers(st, true);
    f.num = 0xEE;
    struct record rec = {.fields = &f, .nfields = 1};
    ck_assert_int_eq(meta_observe(st, &rec), 0);
    ck_assert(rec.num_known);
    ck_assert_msg(f.num == REC_NUM_UNKNOWN || f.num == (ref_json_number(p, len) ? REC_NUM_YES
                                                                                 : REC_NUM_NO),
                  "num of \"%.*s\": %d", (int)len, s, f.num);
    meta_free(st);
    free(p);
}

START_TEST(short_strings_exhaustive)
{
    static const char alpha[] = "0159-.e+ T";
    const size_t na = sizeof(alpha) - 1;
    char buf[6];
    for (size_t len = 0; len <= 5; len++) {
        size_t total = 1;
        for (size_t k = 0; k < len; k++)
            total *= na;
        for (size_t n = 0; n < total; n++) {
            size_t v = n;
            for (size_t k = 0; k < len; k++, v /= na)
                buf[k] = alpha[v % na];
            check_one(buf, len);
        }
    }
}
END_TEST

START_TEST(dates_near_the_edges)
{
    static const char *const years[] = {"0000", "1900", "1999", "2000", "2023", "2024", "2100", "9999"};
    char buf[32];
    for (size_t y = 0; y < sizeof(years) / sizeof(*years); y++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                int n = snprintf(buf, sizeof(buf), "%s-%02d-%02d", years[y], m, d);
                check_one(buf, (size_t)n);
                n = snprintf(buf, sizeof(buf), "%s-%02d-%02dT10:00", years[y], m, d);
                check_one(buf, (size_t)n);
            }
    check_one("2023-1a-01", 10);
    check_one("2023-01-0a", 10);
    check_one("20a3-01-01", 10);
    check_one("2023/01/01", 10);
    check_one("-023-01-01", 10);
}
END_TEST

START_TEST(numbers_and_random_strings)
{
    static const char *const fixed[] = {
        "0", "-0", "007", "-007", "0.5", "00.5", "-0.5", ".5", "5.", "-", "+1", "1e5", "1E-3",
        "-1.5e+2", "1.2.3", " 12", "12 ", "\t7", "true", "FALSE", "True ", "123456789012345678",
        "1234567890123456789", "-9223372036854775808", "9223372036854775808",
        "12345678901234567890.5", "0123456789", "1234567.", "12345678.9", "\xfa" "123",
        "1\xff" "9999", "99\xfa" "9", "\xfa\xfa" "1234567", "1234\xfa" "5678", "5678:",
        "2799.49", "1234/678",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        check_one(fixed[i], strlen(fixed[i]));
    static const char alpha[] = "0123456789000111.-+eE :T\xfa\xff/";
    unsigned seed = 13;
    char buf[40];
    for (int n = 0; n < 200000; n++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % 36;
        /* mostly digits, so that long runs and lone odd bytes both occur */
        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            buf[k] = r % 4 ? (char)('0' + r / 4 % 10) : alpha[r / 4 % (sizeof(alpha) - 1)];
        }
        check_one(buf, len);
    }
}
END_TEST

Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, short_strings_exhaustive);
    tcase_add_test(tc, dates_near_the_edges);
    tcase_add_test(tc, numbers_and_random_strings);
    suite_add_tcase(s, tc);
    return s;
}
