/* test_writers.c — the CSV, JSON and JSON Lines writers
 * (fcgi-app/process/write_*.c), fed hand-made records through the
 * writer_ops interface. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/record.h"

struct sink {
    struct rec_env *env;
    const struct writer_ops *ops;
    void *state;
    char path[256];
};

static void sink_open(struct sink *s, const char *format, const char *const *columns, size_t n)
{
    s->env = rec_env_new(NULL);
    ck_assert_ptr_nonnull(s->env);
    s->ops = formats_writer(format);
    ck_assert_ptr_nonnull(s->ops);
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(s->path, sizeof(s->path), "%s/quarry_writer_XXXXXX", dir);
    int fd = mkstemp(s->path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct rec_columns cols = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(rec_columns_push(&cols, rec_intern(s->env, columns[i], strlen(columns[i]))), 0);
    struct writer_args args = {.path = s->path, .columns = &cols, .env = s->env};
    ck_assert_int_eq(s->ops->open(&s->state, &args), ENGINE_OK);
    rec_columns_free(&cols);
}

/* Writes one record of (name, type, value) triples; value NULL = null. */
static void sink_write(struct sink *s, size_t n, const char *const *names, const enum rec_type *types,
                       const char *const *values)
{
    struct rec_field fields[16];
    ck_assert_uint_le(n, 16);
    for (size_t i = 0; i < n; i++) {
        fields[i].name = rec_intern(s->env, names[i], strlen(names[i]));
        fields[i].type = values[i] ? types[i] : REC_NULL;
        fields[i].val = values[i] ? values[i] : "";
        fields[i].len = values[i] ? strlen(values[i]) : 0;
    }
    struct record rec = {.fields = fields, .nfields = n, .line = 1};
    ck_assert_int_eq(s->ops->write(s->state, &rec), ENGINE_OK);
}

/* Closes and returns the file's content (caller frees). */
static char *sink_close(struct sink *s)
{
    ck_assert_int_eq(s->ops->close(s->state), ENGINE_OK);
    FILE *f = fopen(s->path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    unlink(s->path);
    rec_env_free(s->env);
    return buf;
}

static const char *const AB[] = {"a", "b"};
static const enum rec_type TT[16] = {REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT,
                                      REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT,
                                      REC_TEXT, REC_TEXT, REC_TEXT, REC_TEXT};

START_TEST(csv_quotes_only_where_needed)
{
    struct sink s;
    sink_open(&s, "csv", AB, 2);
    const char *rows[][2] = {
        {"plain", " spaced "}, {"with,comma", "with\"quote"}, {"line\nbreak", "cr\rhere"},
        {"", NULL}, {"Müller", "x"},
    };
    for (size_t i = 0; i < 5; i++)
        sink_write(&s, 2, AB, TT, rows[i]);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "a,b\n"
                          "plain, spaced \n"
                          "\"with,comma\",\"with\"\"quote\"\n"
                          "\"line\nbreak\",\"cr\rhere\"\n"
                          "\"\",\n"
                          "Müller,x\n");
    free(out);
}
END_TEST

START_TEST(csv_matches_columns_by_name)
{
    struct sink s;
    sink_open(&s, "csv", AB, 2);
    const char *const ba[] = {"b", "a"};
    const char *const v1[] = {"2", "1"};
    sink_write(&s, 2, ba, TT, v1);
    const char *const only_b[] = {"b"};
    const char *const v2[] = {"3"};
    sink_write(&s, 1, only_b, TT, v2);
    const char *const abc[] = {"a", "b", "c"};
    const char *const v3[] = {"4", "5", "6"};
    sink_write(&s, 3, abc, TT, v3);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "a,b\n1,2\n,3\n4,5\n");
    free(out);
}
END_TEST

START_TEST(csv_header_from_first_record)
{
    struct sink s;
    sink_open(&s, "csv", NULL, 0);
    const char *const names[] = {"x,y", "z"};
    const char *const v[] = {"1", "2"};
    sink_write(&s, 2, names, TT, v);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "\"x,y\",z\n1,2\n");
    free(out);
}
END_TEST

START_TEST(jsonl_types)
{
    struct sink s;
    sink_open(&s, "jsonl", NULL, 0);
    const char *const names[] = {"t1", "t2", "t3", "t4", "t5", "s", "i", "n", "b", "j", "z", "e"};
    const enum rec_type types[] = {REC_TEXT,    REC_TEXT,   REC_TEXT,    REC_TEXT,
                                   REC_TEXT,    REC_STRING, REC_INTEGER, REC_NUMBER,
                                   REC_BOOLEAN, REC_JSON,   REC_TEXT,    REC_TEXT};
    const char *const values[] = {"12",   "-0.5e3", "007", "1.", "NaN", "42", "7",
                                  "2.25", "true",   "[1,{\"a\":2}]", NULL, ""};
    sink_write(&s, 12, names, types, values);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "{\"t1\":12,\"t2\":-0.5e3,\"t3\":\"007\",\"t4\":\"1.\",\"t5\":\"NaN\","
                          "\"s\":\"42\",\"i\":7,\"n\":2.25,\"b\":true,\"j\":[1,{\"a\":2}],"
                          "\"z\":null,\"e\":\"\"}\n");
    free(out);
}
END_TEST

START_TEST(json_escaping)
{
    struct sink s;
    sink_open(&s, "jsonl", NULL, 0);
    const char *const names[] = {"k\"ey", "v"};
    const char *const values[] = {"q\"b\\s/\x01\t\n\r\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 bad\xff\xc3 \xed\xa0\x80"};
    sink_write(&s, 2, names, TT, values);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "{\"k\\\"ey\":\"q\\\"b\\\\s/\\u0001\\t\\n\\r\\u001f\x7f\","
                          "\"v\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 bad\\ufffd\\ufffd "
                          "\\ufffd\\ufffd\\ufffd\"}\n");
    json_object *parsed = json_tokener_parse(out);
    ck_assert_ptr_nonnull(parsed);
    json_object_put(parsed);
    free(out);
}
END_TEST

/* Long strings take the general path: the result must be the same. */
START_TEST(json_long_strings)
{
    size_t n = 300000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 1000 == 999 ? '"' : (char)('a' + i % 26);
    big[n] = '\0';
    struct sink s;
    sink_open(&s, "json", NULL, 0);
    const char *const names[] = {"big"};
    const char *const values[] = {big};
    for (int k = 0; k < 8; k++)
        sink_write(&s, 1, names, TT, values);
    char *out = sink_close(&s);
    json_object *parsed = json_tokener_parse(out);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_int_eq(json_object_array_length(parsed), 8);
    for (size_t k = 0; k < 8; k++) {
        json_object *v;
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(parsed, k), "big", &v));
        ck_assert_str_eq(json_object_get_string(v), big);
    }
    json_object_put(parsed);
    free(out);
    free(big);
}
END_TEST

START_TEST(json_array_shape)
{
    struct sink s;
    sink_open(&s, "json", NULL, 0);
    char *out = sink_close(&s);
    ck_assert_str_eq(out, "[]\n");
    free(out);

    sink_open(&s, "json", NULL, 0);
    const char *const names[] = {"a"};
    const char *const v1[] = {"1"}, *const v2[] = {"x"};
    sink_write(&s, 1, names, TT, v1);
    sink_write(&s, 1, names, TT, v2);
    out = sink_close(&s);
    ck_assert_str_eq(out, "[\n{\"a\":1},\n{\"a\":\"x\"}\n]\n");
    free(out);
}
END_TEST

START_TEST(many_columns_and_changing_keys)
{
    struct sink s;
    sink_open(&s, "jsonl", NULL, 0);
    char names_buf[16][16];
    const char *names[16];
    const char *values[16];
    for (int i = 0; i < 16; i++) {
        snprintf(names_buf[i], sizeof(names_buf[i]), "c%d", i);
        names[i] = names_buf[i];
        values[i] = "1";
    }
    for (int r = 0; r < 300; r++) {   /* the key cache grows and is refreshed */
        char extra[16];
        snprintf(extra, sizeof(extra), "k%d", r);
        names[r % 16] = extra;
        sink_write(&s, 16, names, TT, values);
        names[r % 16] = names_buf[r % 16];
    }
    char *out = sink_close(&s);
    int lines = 0;
    char *save = NULL;
    for (char *tok = strtok_r(out, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(tok);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(json_object_object_length(o), 16);
        char want[16];
        snprintf(want, sizeof(want), "k%d", lines);
        ck_assert(json_object_object_get_ex(o, want, NULL));
        json_object_put(o);
        lines++;
    }
    ck_assert_int_eq(lines, 300);
    free(out);
}
END_TEST

START_TEST(unwritable_output)
{
    struct rec_env *env = rec_env_new(NULL);
    const struct writer_ops *ops = formats_writer("csv");
    struct rec_columns cols = {0};
    struct writer_args args = {.path = "/nonexistent-dir/x.csv", .columns = &cols, .env = env};
    void *state = NULL;
    ck_assert_int_eq(ops->open(&state, &args), ENGINE_IO_ERROR);
    ck_assert_ptr_nonnull(strstr(rec_env_error(env), "cannot create"));
    rec_env_free(env);
}
END_TEST

START_TEST(format_table)
{
    ck_assert_ptr_nonnull(formats_writer("csv"));
    ck_assert_ptr_nonnull(formats_writer("jsonlines"));
    ck_assert_str_eq(formats_writer("ndjson")->extension, "jsonl");
    ck_assert_ptr_null(formats_writer("pdf"));
    ck_assert_ptr_nonnull(formats_reader("csv"));
}
END_TEST

Suite *writers_suite(void)
{
    Suite *s = suite_create("writers");
    TCase *tc = tcase_create("writers");
    tcase_add_test(tc, csv_quotes_only_where_needed);
    tcase_add_test(tc, csv_matches_columns_by_name);
    tcase_add_test(tc, csv_header_from_first_record);
    tcase_add_test(tc, jsonl_types);
    tcase_add_test(tc, json_escaping);
    tcase_add_test(tc, json_long_strings);
    tcase_add_test(tc, json_array_shape);
    tcase_add_test(tc, many_columns_and_changing_keys);
    tcase_add_test(tc, unwritable_output);
    tcase_add_test(tc, format_table);
    suite_add_tcase(s, tc);
    return s;
}
