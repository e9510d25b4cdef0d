/* test_json_fast.c — the JSON Lines reader's scanner of flat objects
 * (json_fast.c): what it takes must give the record json-c's parse gives,
 * what it does not take is left to json-c (read_jsonl.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "process/json_fast.h"
#include "process/json_flat.h"
#include "process/record.h"
#include "reader_harness.h"

extern const struct reader_ops reader_jsonl_ops;

/* The record of line read by the scanner and by json-c must be the same;
 * returns the scanner's answer. */
static enum jfast_result compare(const char *line)
{
    struct jfast s = {0};
    enum jfast_result fr = jfast_parse(&s, line, strlen(line));
    if (fr != JFAST_OBJECT) {
        jfast_free(&s);
        return fr;
    }
    json_tokener *tok = json_tokener_new_ex(JFLAT_PARSE_DEPTH);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
    if (json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1);
    ck_assert_msg(o && json_object_is_type(o, json_type_object), "json-c refuses %s", line);
    struct jflat_options opt;
    char field[64], msg[256];
    ck_assert_int_eq(jflat_options_parse(NULL, &opt, field, sizeof(field), msg, sizeof(msg)), 0);
    struct rec_env *env = rec_env_new(NULL);
    struct jflat *fast = jflat_new(env, &opt), *slow = jflat_new(env, &opt);
    struct record a = {.line = 1}, b = {.line = 1};
    int ra = jflat_record_members(fast, s.m, s.n, &a);
    if (ra == ENGINE_OK) {
        ck_assert_int_eq(jflat_record(slow, o, &b), ENGINE_OK);
        ck_assert_uint_eq(a.nfields, b.nfields);
        for (size_t i = 0; i < a.nfields; i++) {
            ck_assert_ptr_eq(a.fields[i].name, b.fields[i].name);
            ck_assert_int_eq(a.fields[i].type, b.fields[i].type);
            ck_assert_uint_eq(a.fields[i].len, b.fields[i].len);
            ck_assert(memcmp(a.fields[i].val, b.fields[i].val, a.fields[i].len) == 0);
        }
    } else {
        ck_assert_int_eq(ra, JFLAT_USE_JSONC);
        fr = JFAST_OTHER;   /* the reader hands the line to json-c */
    }
    jflat_free(fast);
    jflat_free(slow);
    rec_env_free(env);
    json_object_put(o);
    json_tokener_free(tok);
    jfast_free(&s);
    return fr;
}

START_TEST(flat_lines_match_json_c)
{
    static const char *const lines[] = {
        "{\"a\":\"x\",\"b\":1,\"c\":-2.5e3,\"d\":true,\"e\":null,\"f\":false}",
        "{}",
        "{ }",
        "{ \"k\" :\t\"v\" , \"n\" : -12 }",
        "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}",
        "{\"e\":\"\\u00e9\\u20AC\\uD83D\\uDE00 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
        "{\"\\u006b\":1}",                       /* an escaped key */
        "{\"\":\"empty key\"}",
        "{\"i\":999999999999999999,\"j\":-999999999999999999,\"z\":0}",
        "{\"x\":0.0,\"y\":-0.5,\"w\":1E+2,\"v\":1e-7,\"u\":123456789012345678901234567890.5}",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_msg(compare(lines[i]) == JFAST_OBJECT, "not taken: %s", lines[i]);
}
END_TEST

START_TEST(other_lines_are_left_to_json_c)
{
    static const char *const lines[] = {
        "{\"a\":{\"b\":1}}",                      /* nested: json_flat flattens */
        "{\"a\":[1]}",
        "{\"a\":1,\"a\":2}",                      /* repeated key: json-c merges */
        "{\"a\":12345678901234567890}",           /* beyond 18 digits */
        "{\"a\":-0}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":\"\\uD83D\"}",                    /* lone surrogates */
        "{\"a\":\"\\uDE00\"}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\xff\"}",                       /* invalid UTF-8 */
        "{\"a\":\"\xc0\xaf\"}",                   /* overlong */
        "{\"a\":\"\xed\xa0\x80\"}",               /* an encoded surrogate */
        "{\"a\":\"tab\there\"}",                  /* a raw control byte */
        "{\"a\":1,}",
        "{\"a\":1} x",
        "{\"a\":1}\r",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":True}",
        "{\"a\":nul}",
        "{\"a\":\"cut",
        "[1]",
        "\"s\"",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_msg(compare(lines[i]) == JFAST_OTHER, "taken: %s", lines[i]);
}
END_TEST

static int run(struct harness *h, const char *text, size_t len, const char *config)
{
    harness_write(h, text, len, ".jsonl");
    return harness_run(h, &reader_jsonl_ops, config, 0);
}

/* Through the reader: both paths in one file, in order, the line errors
 * with their lines and messages as json-c gives them. */
START_TEST(reader_mixes_both_paths)
{
    struct harness h = {0};
    static const char doc[] = "\xEF\xBB\xBF{\"a\":1,\"b\":\"x\"}\r\n"   /* 1: BOM, CRLF */
                              "\r\n"                                      /* 2: blank */
                              "  {\"a\":2,\"a\":3}  \n"                   /* 3: repeat -> json-c */
                              "{\"a\":{\"b\":4}}\n"                       /* 4: nested */
                              "{\"a\":\"\xff\"}\n"                        /* 5: invalid UTF-8 */
                              "{\"a\":\"\\ud83d\\ude00\",\"n\":123456789012345678901}\n"  /* 6 */
                              "{\"a\":1,}\n"                              /* 7 */
                              "{\"b\":\"y\",\"a\":5}";                    /* 8: no line end */
    ck_assert_int_eq(run(&h, doc, sizeof(doc) - 1, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 5);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"a\":\"i:1\",\"b\":\"s:x\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"a\":\"i:3\"}");
    ck_assert_str_eq(harness_rec(&h, 2), "{\"a_b\":\"i:4\"}");
    /* beyond 18 digits json-c reads it, and clamps it (formats.md) */
    ck_assert_str_eq(harness_rec(&h, 3),
                     "{\"a\":\"s:\xf0\x9f\x98\x80\",\"n\":\"i:18446744073709551615\"}");
    ck_assert_str_eq(harness_rec(&h, 4), "{\"b\":\"s:y\",\"a\":\"i:5\"}");
    ck_assert_uint_eq(json_object_array_length(h.errors), 2);
    ck_assert_str_eq(harness_err(&h, 0), "5:error:INVALID_JSON");
    ck_assert_str_eq(harness_err(&h, 1), "7:error:INVALID_JSON");
    ck_assert_str_eq(harness_meta_str(&h, "lines_read"), "8");
    ck_assert_str_eq(harness_meta_str(&h, "blank_lines"), "1");
    harness_done(&h);
}
END_TEST

/* The names of a record change between lines: the cache of names by
 * place must not hide a repeat or a new name. */
START_TEST(reader_names_change_between_lines)
{
    struct harness h = {0};
    static const char doc[] = "{\"a\":1,\"b\":2}\n"
                              "{\"a\":1,\"b\":2,\"c\":3}\n"
                              "{\"a\":1,\"b\":2,\"a\":4}\n"
                              "{\"b\":1,\"a\":2}\n"
                              "{\"b\":1,\"a\":2,\"b\":3}\n"
                              "{\"a\":1}\n";
    ck_assert_int_eq(run(&h, doc, sizeof(doc) - 1, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 6);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"a\":\"i:1\",\"b\":\"i:2\",\"c\":\"i:3\"}");
    ck_assert_str_eq(harness_rec(&h, 2), "{\"a\":\"i:4\",\"b\":\"i:2\"}");
    ck_assert_str_eq(harness_rec(&h, 3), "{\"b\":\"i:1\",\"a\":\"i:2\"}");
    ck_assert_str_eq(harness_rec(&h, 4), "{\"b\":\"i:3\",\"a\":\"i:2\"}");
    ck_assert_str_eq(harness_rec(&h, 5), "{\"a\":\"i:1\"}");
    harness_done(&h);
}
END_TEST

Suite *json_fast_suite(void)
{
    Suite *s = suite_create("json_fast");
    TCase *tc = tcase_create("json_fast");
    tcase_add_test(tc, flat_lines_match_json_c);
    tcase_add_test(tc, other_lines_are_left_to_json_c);
    tcase_add_test(tc, reader_mixes_both_paths);
    tcase_add_test(tc, reader_names_change_between_lines);
    suite_add_tcase(s, tc);
    return s;
}
