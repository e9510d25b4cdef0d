/* test_schema.c — engine_infer_schema over the JSON, JSON Lines, XML and
 * spreadsheet readers: nested objects and arrays, flattened columns, typed
 * values, sampling, and files that cannot be read. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "process/engine.h"

static char path[256];

static void write_input(const char *text, const char *suffix)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/quarry_schema_XXXXXX%s", dir, suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Infers the schema of path; config is JSON text or NULL. */
static json_object *infer(const char *hint, const char *config, long sample)
{
    json_object *cfg = config ? json_tokener_parse(config) : NULL;
    struct engine_job job = {.input_path = path, .input_name_hint = hint,
                             .processing_config = cfg};
    char err[256] = "";
    json_object *s = engine_infer_schema(&job, sample, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    json_object_put(cfg);
    return s;
}

static const char *get(json_object *s, const char *a, const char *b)
{
    json_object *x, *y;
    ck_assert_msg(json_object_object_get_ex(s, a, &x), "no %s", a);
    if (!b)
        return json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN);
    ck_assert_msg(json_object_object_get_ex(x, b, &y), "no %s.%s", a, b);
    return json_object_to_json_string_ext(y, JSON_C_TO_STRING_PLAIN);
}

static const char *col_type(json_object *s, const char *col)
{
    json_object *schema, *c, *t;
    ck_assert(json_object_object_get_ex(s, "schema", &schema));
    ck_assert_msg(json_object_object_get_ex(schema, col, &c), "no column %s", col);
    ck_assert(json_object_object_get_ex(c, "type", &t));
    return json_object_get_string(t);
}

static const char *people_json =
    "[{\"id\":1,\"name\":\"Ann\",\"score\":9.5,\"ok\":true,\"joined\":\"2020-01-15\","
    "\"addr\":{\"city\":\"Oslo\",\"geo\":{\"lat\":59.9}},\"tags\":[\"a\"]},"
    " {\"id\":2,\"name\":\"Bo\",\"score\":7,\"ok\":false,\"joined\":\"2021-02-03T10:00:00Z\","
    "\"addr\":{\"city\":null,\"geo\":{\"lat\":1}},\"tags\":[]},"
    " {\"id\":3,\"name\":\"Cyd\",\"score\":null,\"ok\":true,\"addr\":{\"city\":\"Rome\","
    "\"geo\":{\"lat\":2}},\"tags\":[\"b\",\"c\"],\"extra\":\"x\"}]";

START_TEST(json_flattened)
{
    write_input(people_json, ".json");
    json_object *s = infer("people.json", NULL, 0);
    ck_assert_str_eq(get(s, "schema", "id"),
                     "{\"type\":\"integer\",\"nullable\":false,\"min_length\":1,\"max_length\":1,"
                     "\"min\":1,\"max\":3,\"null_count\":0}");
    ck_assert_str_eq(col_type(s, "score"), "number");
    ck_assert_str_eq(col_type(s, "ok"), "boolean");
    ck_assert_str_eq(col_type(s, "joined"), "datetime");
    ck_assert_str_eq(col_type(s, "addr_city"), "string");
    ck_assert_str_eq(col_type(s, "addr_geo_lat"), "number");
    ck_assert_str_eq(col_type(s, "tags"), "array");
    ck_assert_str_eq(get(s, "summary", NULL),
                     "{\"total_fields\":9,\"required_fields\":5,\"optional_fields\":4,"
                     "\"nested_objects\":0,\"arrays\":1}");
    ck_assert_str_eq(get(s, "sample_info", "rows_analyzed"), "3");
    ck_assert_str_eq(get(s, "input_format", NULL), "\"json\"");
    json_object_put(s);
    unlink(path);
}
END_TEST

START_TEST(json_nested_kept_whole_and_sampled)
{
    write_input(people_json, ".json");
    json_object *s = infer("people.json", "{\"flatten_nested\":false}", 2);
    ck_assert_str_eq(col_type(s, "addr"), "object");
    ck_assert_str_eq(col_type(s, "tags"), "array");
    ck_assert_str_eq(col_type(s, "score"), "number");
    ck_assert_str_eq(get(s, "summary", "nested_objects"), "1");
    ck_assert_str_eq(get(s, "sample_info", "rows_analyzed"), "2");
    json_object *schema, *c;
    ck_assert(json_object_object_get_ex(s, "schema", &schema));
    ck_assert(!json_object_object_get_ex(schema, "extra", &c));   /* only in row 3 */
    json_object_put(s);
    unlink(path);
}
END_TEST

START_TEST(jsonl_and_xml)
{
    write_input("{\"a\":1,\"b\":\"x\"}\nnot json\n{\"a\":2.5,\"c\":{\"d\":true}}\n", ".jsonl");
    json_object *s = infer("data.jsonl", NULL, 0);
    ck_assert_str_eq(col_type(s, "a"), "number");
    ck_assert_str_eq(col_type(s, "c_d"), "boolean");
    ck_assert_str_eq(get(s, "sample_info", "rows_analyzed"), "2");
    ck_assert_str_eq(get(s, "input_format", NULL), "\"jsonl\"");
    json_object_put(s);
    /* format "jsonlines" names the reader, whatever the file is called */
    s = infer("data.json", "{\"format\":\"jsonlines\"}", 0);
    ck_assert_str_eq(get(s, "input_format", NULL), "\"jsonl\"");
    json_object_put(s);
    unlink(path);

    write_input("<rows><row id=\"1\"><v>1.5</v><when>2024-01-01</when></row>"
                "<row id=\"2\"><v>2</v><when>2024-02-01</when><tag>a</tag><tag>b</tag></row>"
                "</rows>",
                ".xml");
    s = infer("rows.xml", NULL, 0);
    ck_assert_str_eq(col_type(s, "id"), "integer");
    ck_assert_str_eq(col_type(s, "v"), "number");
    ck_assert_str_eq(col_type(s, "when"), "date");
    ck_assert_str_eq(col_type(s, "tag"), "array");
    ck_assert_str_eq(get(s, "input_format", NULL), "\"xml\"");
    json_object_put(s);
    unlink(path);
}
END_TEST

START_TEST(spreadsheet)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/quarry_schema_%d.xlsx", dir, (int)getpid());
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    lxw_datetime d = {2024, 3, 1, 0, 0, 0};
    worksheet_write_string(ws, 0, 0, "n", NULL);
    worksheet_write_string(ws, 0, 1, "when", NULL);
    worksheet_write_string(ws, 0, 2, "flag", NULL);
    for (int r = 1; r <= 3; r++) {
        worksheet_write_number(ws, (lxw_row_t)r, 0, r * 10, NULL);
        worksheet_write_datetime(ws, (lxw_row_t)r, 1, &d, date);
        worksheet_write_boolean(ws, (lxw_row_t)r, 2, r & 1, NULL);
    }
    ck_assert_int_eq(workbook_close(wb), LXW_NO_ERROR);
    json_object *s = infer("book.bin", NULL, 0);
    ck_assert_str_eq(get(s, "schema", "n"),
                     "{\"type\":\"integer\",\"nullable\":false,\"min_length\":2,\"max_length\":2,"
                     "\"min\":10,\"max\":30,\"null_count\":0}");
    ck_assert_str_eq(col_type(s, "when"), "date");
    ck_assert_str_eq(col_type(s, "flag"), "boolean");
    ck_assert_str_eq(get(s, "input_format", NULL), "\"xlsx\"");
    json_object_put(s);
    unlink(path);
}
END_TEST

START_TEST(unreadable_files)
{
    char err[256];
    write_input("[{\"a\":", ".json");
    struct engine_job job = {.input_path = path, .input_name_hint = "bad.json"};
    json_object *s = engine_infer_schema(&job, 10, err, sizeof(err));
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, "ends"));
    unlink(path);

    write_input("<!DOCTYPE r [<!ENTITY a \"x\">]><r><i>&a;</i><i>2</i></r>", ".xml");
    s = engine_infer_schema(&job, 10, err, sizeof(err));
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, "entities"));
    unlink(path);
}
END_TEST

Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("schema");
    tcase_add_test(tc, json_flattened);
    tcase_add_test(tc, json_nested_kept_whole_and_sampled);
    tcase_add_test(tc, jsonl_and_xml);
    tcase_add_test(tc, spreadsheet);
    tcase_add_test(tc, unreadable_files);
    suite_add_tcase(s, tc);
    return s;
}
