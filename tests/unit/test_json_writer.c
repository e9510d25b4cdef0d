/* The direct JSON writer (api/json_writer.c) against json-c: the same bytes
 * as json_object_to_json_string_ext(PLAIN | NOSLASHESCAPE) for strings,
 * integers and doubles, commas at every level, and a job written by
 * job_write_json as json-c would write it. */
#include <check.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/job_store.h"
#include "api/json_writer.h"
#include "common/ids.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct arena arena;

static void arena_setup(void)
{
    arena_init(&arena, 0);
}
static void arena_teardown(void)
{
    arena_free(&arena);
}

/* json-c's text of o (released here), in the arena. */
static const char *json_c_text(json_object *o)
{
    const char *t = arena_strdup(&arena, json_object_to_json_string_ext(o, FLAGS));
    json_object_put(o);
    return t;
}

static const char *written_string(const char *s)
{
    struct jsonw w;
    jsonw_init(&w, &arena, 0);
    jsonw_string(&w, s);
    return jsonw_text(&w, NULL);
}

START_TEST(strings_escape_as_json_c)
{
    char one[2] = {0, 0};
    for (int c = 1; c < 256; c++) {
        one[0] = (char)c;
        ck_assert_str_eq(written_string(one), json_c_text(json_object_new_string(one)));
    }
    static const char *const cases[] = {
        "",
        "plain",
        "a/b \"q\" \\ é ☃",
        "line1\nline2\ttab\r\f\b",
        "\x01\x1f\x7f",
        "\xff\xfe bad utf-8",
        "</script>",
        "trailing\\",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_str_eq(written_string(cases[i]), json_c_text(json_object_new_string(cases[i])));
    ck_assert_str_eq(written_string(NULL), "null");
}
END_TEST

/* A database value's bytes: what json-c never wrote, so checked by hand. */
static const char *written_bytes(const char *s, size_t n)
{
    struct jsonw w;
    jsonw_init(&w, &arena, 0);
    jsonw_open_array(&w);
    jsonw_string_bytes(&w, s, n);
    jsonw_string_bytes(&w, "", 0);
    jsonw_close_array(&w);
    return jsonw_text(&w, NULL);
}

START_TEST(bytes_become_valid_json_strings)
{
    ck_assert_str_eq(written_bytes("plain", 5), "[\"plain\",\"\"]");
    ck_assert_str_eq(written_bytes("q\"b\\", 4), "[\"q\\\"b\\\\\",\"\"]");
    ck_assert_str_eq(written_bytes("a\nb\tc\rd\be\ff", 11),
                     "[\"a\\nb\\tc\\rd\\u0008e\\u000cf\",\"\"]");
    /* A NUL inside the value is kept, escaped. */
    ck_assert_str_eq(written_bytes("a\0b", 3), "[\"a\\u0000b\",\"\"]");
    /* Valid UTF-8 (2, 3 and 4 bytes) passes as it is. */
    ck_assert_str_eq(written_bytes("\xC3\xA9\xE2\x98\x83\xF0\x9F\x98\x80", 9),
                     "[\"\xC3\xA9\xE2\x98\x83\xF0\x9F\x98\x80\",\"\"]");
    /* A stray continuation byte, an overlong lead, a cut sequence: U+FFFD a byte. */
    ck_assert_str_eq(written_bytes("\x80x\xC0\xAFy\xE2\x98", 7),
                     "[\"\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD\",\"\"]");
}
END_TEST

START_TEST(numbers_as_json_c)
{
    static const long long ints[] = {0, 1, -1, 42, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        struct jsonw w;
        jsonw_init(&w, &arena, 0);
        jsonw_int(&w, ints[i]);
        ck_assert_str_eq(jsonw_text(&w, NULL), json_c_text(json_object_new_int64(ints[i])));
    }
    static const double doubles[] = {
        0.0,      -0.0, 1.0, 100.0, 0.1, 33.333333333333336, -5.5, 1e21, 1e-7, 123456789012345678.0,
        2.5e-300, 99.99};
    for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
        struct jsonw w;
        jsonw_init(&w, &arena, 0);
        jsonw_double(&w, doubles[i]);
        ck_assert_str_eq(jsonw_text(&w, NULL), json_c_text(json_object_new_double(doubles[i])));
    }
    /* Whole numbers on both sides of the quick way's bound (10^15), and
     * integers of every length. */
    for (double d = 1; d < 1e18; d *= 3.7) {
        const double both[] = {floor(d), -floor(d), floor(d) + 0.5, 999999999999999.0, 1e15,
                               -1e15, 1e15 - 1};
        for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
            struct jsonw w;
            jsonw_init(&w, &arena, 0);
            jsonw_double(&w, both[i]);
            ck_assert_str_eq(jsonw_text(&w, NULL), json_c_text(json_object_new_double(both[i])));
            jsonw_init(&w, &arena, 0);
            jsonw_int(&w, (long long)both[i]);
            ck_assert_str_eq(jsonw_text(&w, NULL),
                             json_c_text(json_object_new_int64((long long)both[i])));
        }
    }
}
END_TEST

START_TEST(commas_at_every_level)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, &arena, 0);
    jsonw_open_array(&w);
    jsonw_open_object(&w);
    jsonw_key(&w, "a");
    jsonw_open_array(&w);
    jsonw_int(&w, 1);
    jsonw_open_object(&w);
    jsonw_key(&w, "b");
    jsonw_null(&w);
    jsonw_close_object(&w);
    jsonw_open_array(&w);
    jsonw_close_array(&w);
    jsonw_close_array(&w);
    jsonw_key(&w, "c");
    jsonw_open_object(&w);
    jsonw_close_object(&w);
    jsonw_key(&w, "d");
    jsonw_raw(&w, "[1,2]", 5);
    jsonw_close_object(&w);
    jsonw_string(&w, "x");
    jsonw_close_array(&w);
    const char *text = jsonw_text(&w, &len);
    ck_assert_str_eq(text, "[{\"a\":[1,{\"b\":null},[]],\"c\":{},\"d\":[1,2]},\"x\"]");
    ck_assert_uint_eq(len, strlen(text));
}
END_TEST

START_TEST(grows_past_its_first_buffer)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, &arena, 0);
    jsonw_open_array(&w);
    for (int i = 0; i < 20000; i++)
        jsonw_string(&w, "0123456789");
    jsonw_close_array(&w);
    const char *text = jsonw_text(&w, &len);
    ck_assert_uint_eq(len, 2 + 20000 * 13 - 1);
    json_object *o = json_tokener_parse(text);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(json_object_array_length(o), 20000);
    json_object_put(o);
}
END_TEST

/* A member in one call: the same text as its key and value written apart;
 * a time unreadable or absent is null. */
START_TEST(fields_write_key_and_value)
{
    struct jsonw w;
    jsonw_init(&w, &arena, 0);
    jsonw_open_object(&w);
    jsonw_field_string(&w, "s", "a\"b");
    jsonw_field_string(&w, "n", NULL);
    jsonw_field_int(&w, "i", -42);
    jsonw_field_double(&w, "d", 12.0);
    jsonw_field_time(&w, "t", "2026-11-30 15:28:36.845");
    jsonw_field_time(&w, "u", NULL);
    jsonw_field_time(&w, "v", "yesterday");
    jsonw_close_object(&w);
    ck_assert_str_eq(jsonw_text(&w, NULL),
                     "{\"s\":\"a\\\"b\",\"n\":null,\"i\":-42,\"d\":12.0,"
                     "\"t\":\"2026-11-30T15:28:36.845Z\",\"u\":null,\"v\":null}");
}
END_TEST

/* What the job's columns can hold: strings to escape, JSON texts json-c
 * rewrites (the '/' escape of the stored text dropped), text that is not
 * JSON, times with and without a fraction, a whole percentage. */
START_TEST(job_as_json_c_writes_it)
{
    struct job j = {0};
    j.status = JOB_FAILED;
    j.id = "37be2d8c-a088-402a-a21b-08259b3cc606";
    j.user_id = "b4002692-370f-4dcb-a09b-9e242e2d4ea1";
    j.file_id = "0c1f0a33-0000-4000-8000-000000000001";
    j.file_name = "a/b \"q\" \\ é\x01.csv";
    j.processing_steps = "[{\"type\":\"filter\",\"params\":{\"value\":\"http:\\/\\/x\\/y\"}}]";
    j.processing_config = "not json";
    j.input_format = "csv";
    j.created_at = "2026-11-30 15:28:36.845";
    j.updated_at = "2026-11-30 15:28:37";
    j.started_at = "2024-02-29 23:59:59.5";
    j.error_message = "line1\nline2\ttab\"";
    j.stage = "file_processing";
    j.metrics = "{ \"a\" : 1.5, \"n\" : [1, 2e3] }";
    j.processing_metadata = "{}";
    j.total_records = 1234567890123LL;
    j.processed_records = 7;
    j.percentage = 100;
    struct jsonw w;
    jsonw_init(&w, &arena, 0);
    job_write_json(&w, &j);
    const char *text = jsonw_text(&w, NULL);
    json_object *o = json_tokener_parse(text);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(text, json_c_text(json_object_get(o)));
    json_object *v;
    ck_assert(json_object_object_get_ex(o, "processing_config", &v));
    ck_assert_str_eq(json_object_to_json_string_ext(v, FLAGS), "{}");
    ck_assert(json_object_object_get_ex(o, "processing_steps", &v));
    ck_assert_str_eq(json_object_to_json_string_ext(v, FLAGS),
                     "[{\"type\":\"filter\",\"params\":{\"value\":\"http://x/y\"}}]");
    ck_assert(json_object_object_get_ex(o, "updated_at", &v));
    ck_assert_str_eq(json_object_get_string(v), "2026-11-30T15:28:37.000Z");
    ck_assert(json_object_object_get_ex(o, "started_at", &v));
    ck_assert_str_eq(json_object_get_string(v), "2024-02-29T23:59:59.500Z");
    ck_assert(json_object_object_get_ex(o, "finished_at", &v));
    ck_assert(json_object_is_type(v, json_type_null));
    ck_assert(strstr(text, "\"percentage\":100.0,") != NULL);
    json_object_put(o);
    /* job_to_json is the same text as a json-c tree. */
    ck_assert_str_eq(json_c_text(job_to_json(&j)), text);
}
END_TEST

/* A random JSON text for json_copy_is_json_c: valid (structure from the
 * generator, values from a list that holds what the copy must refuse too:
 * -0, long integers, \u escapes, repeated names, control bytes, bytes that
 * are not UTF-8), or a soup of the same pieces, mostly not JSON. */
static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static const char *const scalars[] = {
    "1", "0", "-0", "-1", "01", "1.5", "-0.0", "1e5", "1E+05", "2.50e-3", "1e999",
    "123456789012345678", "1234567890123456789", "-123456789012345678", "9223372036854775808",
    "true", "false", "null", "nul", "\"\"", "\"a\"", "\"a\\/b\"", "\"\\/\\/\"", "\"\\\\/\"",
    "\"\\u0041\"", "\"x\\n\\t\\r\\b\\f\\\"\\\\\"", "\"\xc3\xa9\"", "\"\xff\xfe\"", "\"\x7f\"",
    "\"tab\there\"", "\"http:\\/\\/x\\/y\"", "'a'", "\"\\x\"", "\"unterminated"};
static const char *const names[] = {"\"a\"", "\"b\"", "\"a\\/\"", "\"a/\"", "\"\"", "\"type\"",
                                    "\"params\"", "\"\\u0061\""};

static void gen_value(char *out, size_t cap, int depth)
{
    size_t len = strlen(out);
    unsigned kind = depth > 18 ? 2 : rnd(5);
    if (kind == 0 || (kind == 1 && depth > 3 && rnd(2))) {
        snprintf(out + len, cap - len, "[");
        for (unsigned i = 0, n = rnd(4); i < n && strlen(out) < cap - 200; i++) {
            if (i > 0)
                strncat(out, ",", cap - strlen(out) - 1);
            gen_value(out, cap, depth + 1);
        }
        strncat(out, "]", cap - strlen(out) - 1);
    } else if (kind == 1) {
        strncat(out, "{", cap - strlen(out) - 1);
        for (unsigned i = 0, n = rnd(20) == 0 ? 17 + rnd(3) : rnd(4); i < n && strlen(out) < cap - 200;
             i++) {
            if (i > 0)
                strncat(out, ",", cap - strlen(out) - 1);
            char name[32];
            if (n > 4)
                snprintf(name, sizeof(name), "\"k%u\"", i);
            else
                snprintf(name, sizeof(name), "%s", names[rnd(sizeof(names) / sizeof(names[0]))]);
            strncat(out, name, cap - strlen(out) - 1);
            strncat(out, ":", cap - strlen(out) - 1);
            gen_value(out, cap, depth + 1);
        }
        strncat(out, "}", cap - strlen(out) - 1);
    } else {
        strncat(out, scalars[rnd(sizeof(scalars) / sizeof(scalars[0]))], cap - strlen(out) - 1);
    }
}

static void gen_soup(char *out, size_t cap)
{
    static const char *const pieces[] = {"{", "}", "[", "]", ",", ":", " ", "\"a\"", "1", "-0",
                                         "null", "\"\\/\"", "[[", "]]", "{}", "[]"};
    out[0] = '\0';
    for (unsigned i = 0, n = 1 + rnd(12); i < n; i++) {
        const char *p = rnd(3) ? pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]
                               : scalars[rnd(sizeof(scalars) / sizeof(scalars[0]))];
        strncat(out, p, cap - strlen(out) - 1);
    }
}

/* jsonw_json_copy against json-c: whatever it copies is what json-c writes
 * back after parsing it; json-c's own texts of job steps and metadata are
 * copied, and so are most of the generated valid texts. */
START_TEST(json_copy_is_json_c)
{
    static char text[8192];
    int copied = 0, valid = 0;
    for (int i = 0; i < 40000; i++) {
        text[0] = '\0';
        if (i % 3 == 2)
            gen_soup(text, sizeof(text));
        else
            gen_value(text, sizeof(text), i % 7 == 0 ? 17 : 1);
        struct jsonw w;
        jsonw_init(&w, &arena, 16);
        jsonw_open_array(&w);
        jsonw_int(&w, 7);
        size_t before = w.len;
        bool ok = jsonw_json_copy(&w, text);
        json_object *o = json_tokener_parse(text);
        valid += o != NULL;
        if (!ok) {
            ck_assert_uint_eq(w.len, before);
            jsonw_close_array(&w);
            ck_assert_str_eq(jsonw_text(&w, NULL), "[7]");
            json_object_put(o);
            continue;
        }
        copied++;
        ck_assert_msg(o != NULL, "copied what json-c does not parse: %s", text);
        jsonw_close_array(&w);
        const char *want = arena_printf(&arena, "[7,%s]", json_object_to_json_string_ext(o, FLAGS));
        ck_assert_msg(strcmp(jsonw_text(&w, NULL), want) == 0, "%s: %s, not %s", text,
                      jsonw_text(&w, NULL), want);
        json_object_put(o);
        if (i % 1000 == 0)
            arena_reset(&arena);
    }
    ck_assert_int_gt(copied, 8000);
    ck_assert_int_gt(valid, copied);
    static const char *const stored[] = {
        "[{\"type\":\"filter\",\"params\":{\"column\":\"country\",\"operator\":\"eq\",\"value\":\"India\"}}]",
        "[{\"type\":\"filter\",\"params\":{\"value\":\"http:\\/\\/x\\/y\"}}]",
        "{\"rows\":12,\"data_types\":{\"a\":\"integer\",\"b\":\"string\"},\"ratio\":0.25}", "{}", "[]"};
    for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
        struct jsonw w;
        jsonw_init(&w, &arena, 0);
        ck_assert(jsonw_json_copy(&w, stored[i]));
        ck_assert_str_eq(jsonw_text(&w, NULL), json_c_text(json_tokener_parse(stored[i])));
    }
}
END_TEST

/* time_db_to_iso's quick copy of MariaDB's text gives what the general
 * way (time_iso of time_db_to_ms) gives: the first, middle and last days
 * of every month of 1968-2100 at several times and fractions, and the texts the quick way must leave to it (days
 * past a month's end, out-of-range fields, short or long fractions, before
 * 1970, trailing bytes). */
START_TEST(db_times_as_the_general_way)
{
    static const char *const clocks[] = {"00:00:00", "23:59:59", "12:34:56", "09:05:01"};
    static const char *const fracs[] = {"", ".000", ".999", ".5", ".12", ".123456", ".1234567",
                                        ".", ".12a", "x", " "};
    char db[64], quick[ISO_TIME_LEN + 1], general[ISO_TIME_LEN + 1];
    int checked = 0;
    static const int days[] = {0, 1, 15, 28, 29, 30, 31, 32};
    for (int y = 1968; y <= 2100; y++)
        for (int m = 0; m <= 13; m++)
            for (size_t k = 0; k < sizeof(days) / sizeof(days[0]); k++) {
                int d = days[k];
                int c = (y + m + d) % 4, f = (y * 31 + m * 7 + d) % 11;
                snprintf(db, sizeof(db), "%04d-%02d-%02d %s%s", y, m, d, clocks[c], fracs[f]);
                bool q = time_db_to_iso(db, quick);
                long long ms = time_db_to_ms(db);
                ck_assert_int_eq(q, ms >= 0);
                if (!q)
                    continue;
                time_iso(ms, general);
                ck_assert_msg(strcmp(quick, general) == 0, "%s: %s, not %s", db, quick, general);
                checked++;
            }
    ck_assert_int_gt(checked, 4000);
    static const char *const odd[] = {"2026-01-01 24:00:00.000", "2026-01-01 23:60:00.000",
                                      "2026-01-01 23:00:60.000", "2026-1-01 23:00:00.000",
                                      "2026-01-01T23:00:00.000", "0000-00-00 00:00:00",
                                      "1969-12-31 23:59:59.999", "9999-12-31 23:59:59.999"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        long long ms = time_db_to_ms(odd[i]);
        ck_assert_int_eq(time_db_to_iso(odd[i], quick), ms >= 0);
        if (ms >= 0) {
            time_iso(ms, general);
            ck_assert_msg(strcmp(quick, general) == 0, "%s: %s, not %s", odd[i], quick, general);
        }
    }
}
END_TEST

Suite *json_writer_suite(void)
{
    Suite *s = suite_create("json_writer");
    TCase *tc = tcase_create("writer");
    tcase_add_unchecked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_test(tc, strings_escape_as_json_c);
    tcase_add_test(tc, bytes_become_valid_json_strings);
    tcase_add_test(tc, numbers_as_json_c);
    tcase_add_test(tc, commas_at_every_level);
    tcase_add_test(tc, grows_past_its_first_buffer);
    tcase_add_test(tc, fields_write_key_and_value);
    tcase_add_test(tc, job_as_json_c_writes_it);
    tcase_add_test(tc, db_times_as_the_general_way);
    tcase_add_test(tc, json_copy_is_json_c);
    suite_add_tcase(s, tc);
    return s;
}
