/* test_csv.c — the CSV reader (fcgi-app/process/read_csv.c), through the
 * engine: CSV in, JSON Lines (or CSV) out, so each case shows the fields,
 * their types and nulls exactly. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "engine_harness.h"
#include "process/read_csv.h"

#define JSONL(o, in, config) RUN((o), (in), (config), NULL, "jsonl")

START_TEST(basic_types_and_nulls)
{
    struct run_out o = {0};
    JSONL(&o, "id,name,score,note\n1,Ann,2.5,\n2,\"Bob\",-3,\"\"\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"id\":1,\"name\":\"Ann\",\"score\":2.5,\"note\":null}\n"
                               "{\"id\":2,\"name\":\"Bob\",\"score\":-3,\"note\":\"\"}\n");
    ck_assert_int_eq(o.res.total, 2);
    ck_assert_int_eq(o.res.succeeded, 2);
    ck_assert_str_eq(o.res.input_format, "csv");
    ck_assert_str_eq(o.res.output_format, "jsonl");
    run_free(&o);
}
END_TEST

START_TEST(quoting_rfc4180)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\n\"ab\"cd,3\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":\"x, y\",\"b\":\"say \\\"hi\\\"\"}\n"
                               "{\"a\":\"multi\\nline\",\"b\":2}\n"
                               "{\"a\":\"abcd\",\"b\":3}\n");
    run_free(&o);
}
END_TEST

START_TEST(line_numbers_are_physical)
{
    struct run_out o = {0};
    /* line 1 header, 2-3 one record, 4 ragged, 5 fine, 6 ragged */
    JSONL(&o, "a,b\n\"two\nlines\",1\nbad\n3,4\n5,6,7\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.errors, "4:error:RAGGED_ROW:\n6:error:RAGGED_ROW:\n");
    ck_assert_int_eq(o.res.total, 4);
    ck_assert_int_eq(o.res.failed, 2);
    ck_assert_int_eq(o.res.succeeded, 2);
    run_free(&o);
}
END_TEST

START_TEST(crlf_and_cr_only)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":\"x\\r\\ny\"}\n{\"a\":2,\"b\":\"z\"}\n");
    ck_assert_str_eq(meta_str(&o, "line_ending"), "\r\n");
    run_free(&o);

    JSONL(&o, "a,b\r1,x\r2,y\rbad\r", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n");
    ck_assert_str_eq(o.errors, "4:error:RAGGED_ROW:\n");
    ck_assert_str_eq(meta_str(&o, "line_ending"), "\r");
    run_free(&o);
}
END_TEST

START_TEST(no_final_newline_and_blank_lines)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\n\n1,2\n\n\n3,4", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n");
    ck_assert_int_eq(o.res.total, 2);
    run_free(&o);
}
END_TEST

START_TEST(bom_is_skipped)
{
    struct run_out o = {0};
    JSONL(&o, "\xEF\xBB\xBFid,v\n1,2\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"id\":1,\"v\":2}\n");
    ck_assert_str_eq(meta_str(&o, "bom"), "true");
    run_free(&o);
}
END_TEST

START_TEST(empty_inputs)
{
    struct run_out o = {0};
    run_engine("", 0, "t.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(o.res.error, "empty"));
    ck_assert_ptr_null(o.output);   /* no partial output left behind */
    run_free(&o);

    run_engine("\xEF\xBB\xBF", 3, "t.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    run_free(&o);

    run_engine("\n\n\r\n", 4, "t.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    run_free(&o);
}
END_TEST

START_TEST(header_only)
{
    struct run_out o = {0};
    RUN(&o, "a,b,c\n", NULL, NULL, "csv");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "a,b,c\n");
    ck_assert_int_eq(o.res.total, 0);
    ck_assert_str_eq(meta_str(&o, "columns_count"), "3");
    run_free(&o);

    RUN(&o, "a,b,c", NULL, NULL, "json");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "[]\n");
    run_free(&o);
}
END_TEST

START_TEST(delimiters)
{
    struct run_out o = {0};
    JSONL(&o, "a;b;c\n1;\"x;y\";3\n4;5;6\n", NULL);   /* detected */
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":\"x;y\",\"c\":3}\n{\"a\":4,\"b\":5,\"c\":6}\n");
    ck_assert_str_eq(meta_str(&o, "delimiter_used"), ";");
    run_free(&o);

    JSONL(&o, "a\tb\n1\t2,5\n", NULL);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":\"2,5\"}\n");
    ck_assert_str_eq(meta_str(&o, "delimiter_used"), "\t");
    run_free(&o);

    JSONL(&o, "a|b\n1|2\n", "{\"delimiter\":\"|\"}");
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":2}\n");
    run_free(&o);

    /* forced: the commas are data */
    JSONL(&o, "a,x;b\n1,5;2\n", "{\"delimiter\":\";\"}");
    ck_assert_str_eq(o.output, "{\"a,x\":\"1,5\",\"b\":2}\n");
    run_free(&o);

    JSONL(&o, "a\tb\n1\t2\n", "{\"delimiter\":\"tab\"}");
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":2}\n");
    run_free(&o);
}
END_TEST

START_TEST(encodings)
{
    struct run_out o = {0};
    JSONL(&o, "name\ncaf\xe9\n", "{\"encoding\":\"latin-1\"}");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"name\":\"caf\xc3\xa9\"}\n");
    ck_assert_str_eq(meta_str(&o, "encoding_detected"), "iso-8859-1");
    run_free(&o);

    JSONL(&o, "p\n\x80 5\n", "{\"encoding\":\"windows-1252\"}");
    ck_assert_str_eq(o.output, "{\"p\":\"\xe2\x82\xac 5\"}\n");
    run_free(&o);

    /* not valid UTF-8: detected as windows-1252 */
    JSONL(&o, "name\nM\xfcller \x93quoted\x94\n", NULL);
    ck_assert_str_eq(o.output, "{\"name\":\"M\xc3\xbcller \xe2\x80\x9cquoted\xe2\x80\x9d\"}\n");
    ck_assert_str_eq(meta_str(&o, "encoding_detected"), "windows-1252");
    run_free(&o);

    JSONL(&o, "name\nM\xc3\xbcller\n", NULL);
    ck_assert_str_eq(o.output, "{\"name\":\"M\xc3\xbcller\"}\n");
    ck_assert_str_eq(meta_str(&o, "encoding_detected"), "utf-8");
    run_free(&o);
}
END_TEST

START_TEST(invalid_utf8_stays_valid_json)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\nok\xff\xfe,\"\xc3(\"\n", "{\"encoding\":\"utf-8\"}");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":\"ok\\ufffd\\ufffd\",\"b\":\"\\ufffd(\"}\n");
    json_object *parsed = json_tokener_parse(o.output);
    ck_assert_ptr_nonnull(parsed);
    json_object_put(parsed);
    run_free(&o);

    /* CSV out keeps the bytes as they came */
    RUN(&o, "a\nok\xff\n", "{\"encoding\":\"utf-8\"}", NULL, "csv");
    ck_assert_str_eq(o.output, "a\nok\xff\n");
    run_free(&o);
}
END_TEST

START_TEST(utf16_is_refused)
{
    struct run_out o = {0};
    run_engine("\xff\xfe" "a\0,\0b\0", 8, "t.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(o.res.error, "UTF-16"));
    run_free(&o);
}
END_TEST

START_TEST(skip_rows_and_no_header)
{
    struct run_out o = {0};
    JSONL(&o, "Report of 2024\n\"unbalanced \" title\na,b\n1,2\nx\n", "{\"skip_rows\":2}");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":2}\n");
    ck_assert_str_eq(o.errors, "5:error:RAGGED_ROW:\n");
    run_free(&o);

    JSONL(&o, "1,2\n3,4\n", "{\"has_header\":false}");
    ck_assert_str_eq(o.output, "{\"column_1\":1,\"column_2\":2}\n{\"column_1\":3,\"column_2\":4}\n");
    ck_assert_str_eq(meta_str(&o, "has_header"), "false");
    run_free(&o);
}
END_TEST

START_TEST(quote_and_escape_chars)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\n'x,y',2\n", "{\"quote_char\":\"'\"}");
    ck_assert_str_eq(o.output, "{\"a\":\"x,y\",\"b\":2}\n");
    run_free(&o);

    JSONL(&o, "a,b\n\"say \\\"hi\\\"\",x\\,y\n", "{\"escape_char\":\"\\\\\"}");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":\"say \\\"hi\\\"\",\"b\":\"x,y\"}\n");
    run_free(&o);

    /* no quoting at all */
    JSONL(&o, "a,b\n\"x,y\n", "{\"quote_char\":\"\"}");
    ck_assert_str_eq(o.output, "{\"a\":\"\\\"x\",\"b\":\"y\"}\n");
    run_free(&o);
}
END_TEST

START_TEST(null_values)
{
    struct run_out o = {0};
    JSONL(&o, "a,b,c\nNA,,\"\"\nn/a,x,NA\n", "{\"null_values\":[\"NA\",\"n/a\"]}");
    ck_assert_str_eq(o.output, "{\"a\":null,\"b\":null,\"c\":\"\"}\n{\"a\":null,\"b\":\"x\",\"c\":null}\n");
    json_object *nulls;
    ck_assert(json_object_object_get_ex(o.res.metadata, "null_counts", &nulls));
    ck_assert_str_eq(json_object_to_json_string_ext(nulls, JSON_C_TO_STRING_PLAIN),
                     "{\"a\":2,\"b\":1,\"c\":1}");
    run_free(&o);
}
END_TEST

START_TEST(unterminated_quote)
{
    struct run_out o = {0};
    JSONL(&o, "a,b\n1,2\n3,\"open\n4,5\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"a\":1,\"b\":2}\n");
    ck_assert_str_eq(o.errors, "3:error:UNTERMINATED_QUOTE:\n");
    ck_assert_int_eq(o.res.failed, 1);
    run_free(&o);

    JSONL(&o, "\"a,b\n1,2\n", NULL);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    run_free(&o);
}
END_TEST

START_TEST(header_names)
{
    struct run_out o = {0};
    JSONL(&o, " id , name,id,,name\n1,2,3,4,5\n", NULL);
    ck_assert_str_eq(o.output, "{\"id\":1,\"name\":2,\"id_2\":3,\"column_4\":4,\"name_2\":5}\n");
    run_free(&o);
}
END_TEST

START_TEST(metadata)
{
    struct run_out o = {0};
    JSONL(&o,
          "i,n,b,d,dt,s,mixed,empty\n"
          "1,1.5,true,2024-01-31,2024-01-31T10:00:00Z,x,1,\n"
          "-2,3,FALSE,2023-12-01,2024-02-01 08:30,y,2024-01-01,\n"
          "007x,,true,2024-02-29,2024-01-31,z,abc,\n",
          NULL);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    json_object *types;
    ck_assert(json_object_object_get_ex(o.res.metadata, "data_types", &types));
    ck_assert_str_eq(json_object_to_json_string_ext(types, JSON_C_TO_STRING_PLAIN),
                     "{\"i\":\"string\",\"n\":\"number\",\"b\":\"boolean\",\"d\":\"date\","
                     "\"dt\":\"datetime\",\"s\":\"string\",\"mixed\":\"string\",\"empty\":\"string\"}");
    ck_assert_str_eq(meta_str(&o, "rows_total"), "3");
    ck_assert_str_eq(meta_str(&o, "columns_count"), "8");
    ck_assert_str_eq(meta_str(&o, "delimiter_used"), ",");
    ck_assert_str_eq(meta_str(&o, "encoding_detected"), "utf-8");
    json_object *header;
    ck_assert(json_object_object_get_ex(o.res.metadata, "header_row", &header));
    ck_assert_int_eq(json_object_array_length(header), 8);
    run_free(&o);

    JSONL(&o, "zip,n\n01234,5\n02345,6\n", NULL);
    ck_assert(json_object_object_get_ex(o.res.metadata, "data_types", &types));
    ck_assert_str_eq(json_object_to_json_string_ext(types, JSON_C_TO_STRING_PLAIN),
                     "{\"zip\":\"string\",\"n\":\"integer\"}");
    ck_assert_str_eq(o.output, "{\"zip\":\"01234\",\"n\":5}\n{\"zip\":\"02345\",\"n\":6}\n");
    run_free(&o);
}
END_TEST

START_TEST(huge_single_field)
{
    size_t big = 10u << 20;
    size_t len = big + 16;
    char *in = malloc(len + 1);
    ck_assert_ptr_nonnull(in);
    memcpy(in, "a,b\n\"", 5);
    for (size_t i = 0; i < big; i++)
        in[5 + i] = (char)('a' + i % 26);
    in[5 + big / 2] = '"';   /* one doubled quote in the middle */
    in[5 + big / 2 + 1] = '"';
    memcpy(in + 5 + big, "\",1\n", 4);
    len = 5 + big + 4;
    struct run_out o = {0};
    run_engine(in, len, "big.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_eq(o.res.succeeded, 1);
    ck_assert_uint_eq(o.output_len, len);   /* quoted again the same way */
    ck_assert_mem_eq(o.output, in, len);
    run_free(&o);
    free(in);
}
END_TEST

/* Many records with quotes, doubled quotes and newlines across several
 * buffer refills: CSV out must equal CSV in. */
START_TEST(refill_boundaries_round_trip)
{
    size_t cap = 6u << 20, len = 0;
    char *in = malloc(cap);
    ck_assert_ptr_nonnull(in);
    len += (size_t)sprintf(in, "id,text,n\n");
    for (int i = 0; len < cap - 200; i++) {
        switch (i % 5) {
        case 0: len += (size_t)sprintf(in + len, "%d,plain text %d,%d\n", i, i, i * 7); break;
        case 1: len += (size_t)sprintf(in + len, "%d,\"with, comma\",%d\n", i, i); break;
        case 2: len += (size_t)sprintf(in + len, "%d,\"say \"\"%d\"\"\",%d\n", i, i, i); break;
        case 3: len += (size_t)sprintf(in + len, "%d,\"two\nlines %d\",\n", i, i); break;
        default: len += (size_t)sprintf(in + len, "%d,\"\",%d\n", i, i); break;
        }
    }
    struct run_out o = {0};
    run_engine(in, len, "r.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_eq(o.res.failed, 0);
    ck_assert_uint_eq(o.output_len, len);
    ck_assert(memcmp(o.output, in, len) == 0);
    run_free(&o);
    free(in);
}
END_TEST

START_TEST(csv_round_trip_semicolon_to_comma)
{
    struct run_out o = {0};
    RUN(&o, "a;b\n\"1,5\";x\n", NULL, NULL, "csv");
    ck_assert_str_eq(o.output, "a,b\n\"1,5\",x\n");
    run_free(&o);
}
END_TEST

START_TEST(bad_config_is_refused)
{
    struct run_out o = {0};
    RUN(&o, "a\n1\n", "{\"delimiter\":\"ab\"}", NULL, "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_CONFIG);
    ck_assert_ptr_nonnull(strstr(o.res.error, "processing_config.delimiter"));
    run_free(&o);
    RUN(&o, "a\n1\n", "{\"encoding\":\"ebcdic\"}", NULL, "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_CONFIG);
    run_free(&o);
}
END_TEST

START_TEST(wide_rows)
{
    size_t cols = 20000, cap = cols * 16 + 64, len = 0;
    char *in = malloc(cap);
    ck_assert_ptr_nonnull(in);
    for (size_t i = 0; i < cols; i++)
        len += (size_t)sprintf(in + len, "%sc%zu", i ? "," : "", i);
    in[len++] = '\n';
    for (size_t i = 0; i < cols; i++)
        len += (size_t)sprintf(in + len, "%s%zu", i ? "," : "", i);
    in[len++] = '\n';
    struct run_out o = {0};
    run_engine(in, len, "wide.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(meta_str(&o, "columns_count"), "20000");
    ck_assert_uint_eq(o.output_len, len);
    run_free(&o);

    /* past the column limit: refused, not a crash */
    len = 0;
    free(in);
    in = malloc(60000 * 2 + 8);
    for (size_t i = 0; i < 60000; i++)
        in[len++] = ',';
    in[len++] = '\n';
    run_engine(in, len, "wider.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(o.res.error, "fields"));
    run_free(&o);
    free(in);
}
END_TEST

/* A pseudo-random CSV of every shape the reader meets (plain, quoted with
 * delimiters, doubled quotes, line ends inside quotes, CRLF and lone CR,
 * blank and ragged rows, text after a closing quote, quotes and escapes in
 * unquoted text, null values, fields across 64-byte blocks, many doubled
 * quotes in one record), large enough to cross buffer refills. */
static char *mixed_csv(char delim, size_t cap, size_t *len_out)
{
    static const char *const pieces[] = {
        "plain", "", "NA", "\"q, d\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "\"\"",
        "a\"b", "\"ab\"cd", "x\\,y", "\"cr\rin\"", "12.50", "2024-02-29", "-7",
        "a fairly long unquoted value that runs across a whole block of input bytes",
        "\"a fairly long quoted value, with a comma, across a block of input bytes\"",
        "\"\"\"\"", "true",
    };
    enum { NPIECES = sizeof(pieces) / sizeof(pieces[0]) };
    char *in = malloc(cap + 256);
    ck_assert_ptr_nonnull(in);
    size_t len = (size_t)sprintf(in, "a%cb%cc%cd\n", delim, delim, delim);
    uint32_t x = 12345;
    while (len < cap) {
        x = x * 1103515245u + 12345u;
        unsigned shape = (x >> 16) % 100;
        int fields = shape < 3 ? 3 : shape < 5 ? 5 : 4;   /* some ragged rows */
        if (shape == 99) {
            in[len++] = '\n';   /* a blank line */
            continue;
        }
        if (shape == 98) {
            for (int k = 0; k < 12; k++)   /* more doubled quotes than the block scan keeps */
                len += (size_t)sprintf(in + len, "%s\"d\"\"%d\"", k ? (char[]){delim, 0} : "", k);
            len += (size_t)sprintf(in + len, "\n");
            continue;
        }
        for (int k = 0; k < fields; k++) {
            x = x * 1103515245u + 12345u;
            const char *piece = pieces[(x >> 16) % NPIECES];
            if (k)
                in[len++] = delim;
            len += (size_t)sprintf(in + len, "%s", piece);
        }
        x = x * 1103515245u + 12345u;
        unsigned end = (x >> 16) % 20;
        len += (size_t)sprintf(in + len, "%s", end == 0 ? "\r\n" : end == 1 ? "\r" : "\n");
    }
    *len_out = len;
    return in;
}

START_TEST(block_scan_matches_scan_record)
{
    static const struct {
        char delim;
        const char *config;
        const char *format;
    } cases[] = {
        {',', NULL, "jsonl"},
        {',', NULL, "csv"},
        {',', "{\"null_values\":[\"NA\",\"\"]}", "jsonl"},
        {';', "{\"delimiter\":\";\"}", "csv"},
        {',', "{\"escape_char\":\"\\\\\"}", "jsonl"},
        {',', "{\"has_header\":false}", "csv"},
        {',', "{\"quote_char\":\"\"}", "jsonl"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t len;
        char *in = mixed_csv(cases[c].delim, 3u << 20, &len);
        struct run_out fast = {0}, slow = {0};
        run_engine(in, len, "m.csv", cases[c].config, NULL, cases[c].format, &fast);
        read_csv_fast_path(false);
        run_engine(in, len, "m.csv", cases[c].config, NULL, cases[c].format, &slow);
        read_csv_fast_path(true);
        ck_assert_int_eq(fast.rc, slow.rc);
        ck_assert_int_eq(fast.rc, ENGINE_OK);
        ck_assert_int_eq(fast.res.total, slow.res.total);
        ck_assert_int_eq(fast.res.succeeded, slow.res.succeeded);
        ck_assert_int_eq(fast.res.failed, slow.res.failed);
        ck_assert_int_gt(fast.res.failed, 0);   /* the ragged rows are there */
        ck_assert_str_eq(fast.errors, slow.errors);
        ck_assert_str_eq(json_object_to_json_string(fast.res.metadata),
                         json_object_to_json_string(slow.res.metadata));
        ck_assert_uint_eq(fast.output_len, slow.output_len);
        ck_assert_msg(memcmp(fast.output, slow.output, fast.output_len) == 0,
                      "case %zu: the outputs differ", c);
        run_free(&fast);
        run_free(&slow);
        free(in);
    }
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, basic_types_and_nulls);
    tcase_add_test(tc, quoting_rfc4180);
    tcase_add_test(tc, line_numbers_are_physical);
    tcase_add_test(tc, crlf_and_cr_only);
    tcase_add_test(tc, no_final_newline_and_blank_lines);
    tcase_add_test(tc, bom_is_skipped);
    tcase_add_test(tc, empty_inputs);
    tcase_add_test(tc, header_only);
    tcase_add_test(tc, delimiters);
    tcase_add_test(tc, encodings);
    tcase_add_test(tc, invalid_utf8_stays_valid_json);
    tcase_add_test(tc, utf16_is_refused);
    tcase_add_test(tc, skip_rows_and_no_header);
    tcase_add_test(tc, quote_and_escape_chars);
    tcase_add_test(tc, null_values);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, header_names);
    tcase_add_test(tc, metadata);
    tcase_add_test(tc, huge_single_field);
    tcase_add_test(tc, refill_boundaries_round_trip);
    tcase_add_test(tc, csv_round_trip_semicolon_to_comma);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, wide_rows);
    tcase_add_test(tc, block_scan_matches_scan_record);
    suite_add_tcase(s, tc);
    return s;
}
