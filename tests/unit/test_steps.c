/* test_steps.c — the processing steps (fcgi-app/process/step_*.c), their
 * validation (engine_validate_steps / engine_validate_config), the counts
 * and engine_output_name. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "engine_harness.h"

static const char *const PEOPLE =
    "id,name,city,amount,date,email\n"
    "1,Ann,New York,10,2024-01-15,ann@example.com\n"
    "2,bob,Boston,9.5,2023-12-31,bob@example\n"
    "3,Cy,new york,100,2024-03-01,\n"
    "4,Dee,,-2,2024-01-15T10:00:00Z,dee@mail.example.org\n";

/* Runs steps over PEOPLE and returns the ids written, e.g. "1,3". */
static void ids_after(const char *steps, const char *want)
{
    struct run_out o = {0};
    RUN(&o, PEOPLE, NULL, steps, "jsonl");
    ck_assert_msg(o.rc == ENGINE_OK, "%s: %s", steps, o.res.error);
    char got[128] = "";
    json_object *line;
    char *save = NULL;
    for (char *tok = strtok_r(o.output, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        line = json_tokener_parse(tok);
        ck_assert_ptr_nonnull(line);
        json_object *id;
        ck_assert(json_object_object_get_ex(line, "id", &id));
        size_t used = strlen(got);
        snprintf(got + used, sizeof(got) - used, "%s%s", used ? "," : "", json_object_get_string(id));
        json_object_put(line);
    }
    ck_assert_msg(strcmp(got, want) == 0, "%s: got [%s], want [%s]", steps, got, want);
    ck_assert_int_eq(o.res.failed, 0);
    ck_assert_int_eq(o.res.processed, 4);
    run_free(&o);
}

static void filter_ids(const char *column, const char *op, const char *value, const char *want)
{
    char steps[512];
    snprintf(steps, sizeof(steps),
             "[{\"type\":\"filter\",\"params\":{\"column\":\"%s\",\"operator\":\"%s\"%s%s}}]", column,
             op, value ? ",\"value\":" : "", value ? value : "");
    ids_after(steps, want);
}

START_TEST(filter_operators)
{
    filter_ids("city", "eq", "\"New York\"", "1");
    filter_ids("city", "ne", "\"New York\"", "2,3,4");   /* null is "not equal" */
    filter_ids("amount", "gt", "9.5", "1,3");           /* numbers, not text: "100" > 9.5 */
    filter_ids("amount", "gte", "\"9.5\"", "1,2,3");
    filter_ids("amount", "lt", "10", "2,4");
    filter_ids("amount", "lte", "10", "1,2,4");
    filter_ids("amount", "eq", "10.0", "1");
    filter_ids("date", "gte", "\"2024-01-15\"", "1,3,4");   /* dates as instants */
    filter_ids("date", "lt", "\"2024-01-01\"", "2");
    filter_ids("name", "contains", "\"n\"", "1");
    filter_ids("name", "starts_with", "\"b\"", "2");
    filter_ids("email", "ends_with", "\".org\"", "4");
    filter_ids("id", "in", "[1, \"3\", 7]", "1,3");
    filter_ids("id", "not_in", "[1,3]", "2,4");
    filter_ids("city", "is_null", NULL, "4");
    filter_ids("email", "not_null", NULL, "1,2,4");
    filter_ids("email", "regex", "\"^[a-z]+@example\\\\.com$\"", "1");
    filter_ids("city", "==", "\"Boston\"", "2");
    /* long lists are searched, not scanned: same answers */
    filter_ids("amount", "in", "[10.0, 1, 2, 3, 4, 5, 6, 7, 8, \"abc\", \"-2\"]", "1,4");
    filter_ids("date", "in",
               "[\"2024-01-15T00:00:00Z\", \"x\", \"y\", \"z\", \"a\", \"b\", \"c\", \"d\", \"e\"]", "1");
    filter_ids("city", "not_in",
               "[\"Boston\", \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"]", "1,3,4");
    ids_after("[{\"type\":\"filter\",\"params\":{\"column\":\"city\",\"operator\":\"in\",\"value\":"
              "[\"NEW YORK\",\"q\",\"r\",\"s\",\"t\",\"u\",\"v\",\"w\",\"x\"],\"case_sensitive\":false}}]",
              "1,3");
    ids_after("[{\"type\":\"filter\",\"params\":{\"column\":\"city\",\"operator\":\"eq\","
              "\"value\":\"NEW YORK\",\"case_sensitive\":false}}]",
              "1,3");
}
END_TEST

START_TEST(filter_counts_dropped_not_failed)
{
    struct run_out o = {0};
    RUN(&o, PEOPLE, NULL,
        "[{\"type\":\"filter\",\"params\":{\"column\":\"id\",\"operator\":\"eq\",\"value\":2}}]", "csv");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_eq(o.res.total, 4);
    ck_assert_int_eq(o.res.processed, 4);
    ck_assert_int_eq(o.res.succeeded, 1);
    ck_assert_int_eq(o.res.failed, 0);
    ck_assert_str_eq(meta_str(&o, "rows_filtered_out"), "3");
    ck_assert_str_eq(o.output, "id,name,city,amount,date,email\n2,bob,Boston,9.5,2023-12-31,bob@example\n");
    run_free(&o);
}
END_TEST

START_TEST(select_drop_rename)
{
    struct run_out o = {0};
    RUN(&o, "a,b,c\n1,2,3\n", NULL,
        "[{\"type\":\"select\",\"params\":{\"columns\":[\"c\",\"a\"]}}]", "csv");
    ck_assert_str_eq(o.output, "c,a\n3,1\n");
    run_free(&o);

    RUN(&o, "a,b,c\n1,2,3\n", NULL, "[{\"type\":\"drop\",\"params\":{\"columns\":[\"b\"]}}]", "csv");
    ck_assert_str_eq(o.output, "a,c\n1,3\n");
    run_free(&o);

    RUN(&o, "a,b,c\n1,2,3\n", NULL,
        "[{\"type\":\"rename\",\"params\":{\"mapping\":{\"a\":\"b\",\"b\":\"a\"}}},"
        "{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"eq\",\"value\":2}}]",
        "jsonl");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "{\"b\":1,\"a\":2,\"c\":3}\n");
    run_free(&o);

    /* header-only input still gets the output columns */
    RUN(&o, "a,b,c\n", NULL,
        "[{\"type\":\"rename\",\"params\":{\"mapping\":{\"a\":\"x\"}}},"
        "{\"type\":\"drop\",\"params\":{\"columns\":[\"b\"]}}]",
        "csv");
    ck_assert_str_eq(o.output, "x,c\n");
    run_free(&o);
}
END_TEST

START_TEST(unknown_column_fails_the_run)
{
    struct run_out o = {0};
    RUN(&o, "a,b\n1,2\n", NULL, "[{\"type\":\"select\",\"params\":{\"columns\":[\"zz\"]}}]", "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_CONFIG);
    ck_assert_ptr_nonnull(strstr(o.res.error, "\"zz\" does not exist"));
    run_free(&o);

    RUN(&o, "a,b\n1,2\n", NULL,
        "[{\"type\":\"rename\",\"params\":{\"mapping\":{\"a\":\"b\"}}}]", "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_CONFIG);
    run_free(&o);
}
END_TEST

static void transform_case(const char *function, const char *extra, const char *in,
                           const char *want)
{
    char steps[512], input[256], expect[256];
    snprintf(steps, sizeof(steps),
             "[{\"type\":\"transform\",\"params\":{\"column\":\"v\",\"function\":\"%s\"%s}}]",
             function, extra);
    snprintf(input, sizeof(input), "k,v\n1,%s\n", in);
    snprintf(expect, sizeof(expect), "k,v\n1,%s\n", want);
    struct run_out o = {0};
    RUN(&o, input, NULL, steps, "csv");
    ck_assert_msg(o.rc == ENGINE_OK, "%s: %s", function, o.res.error);
    ck_assert_msg(strcmp(o.output, expect) == 0, "%s(%s): got [%s] want [%s]", function, in,
                  o.output, expect);
    run_free(&o);
}

START_TEST(transform_functions)
{
    transform_case("uppercase", "", "M\xc3\xbcller abc", "M\xc3\xbcLLER ABC");
    transform_case("lowercase", "", "\xc3\x89T\xc3\x89 ABC", "\xc3\x89t\xc3\x89 abc");
    transform_case("trim", "", "\"  a b \t\"", "a b");
    transform_case("ltrim", "", "\"  a \"", "a ");
    transform_case("rtrim", "", "\"  a \"", "  a");
    transform_case("strip_whitespace", "", "\"\xc2\xa0 x \xc2\xa0\"", "x");
    transform_case("collapse_whitespace", "", "\"  a   b \t c  \"", "a b c");
    transform_case("remove_whitespace", "", "\" a b c \"", "abc");
    transform_case("title", "", "hello wORLD o'neil-smith", "Hello World O'neil-Smith");
    transform_case("capitalize", "", "hELLO world", "Hello world");
    transform_case("remove_non_numeric", "", "\"$-1,234.50\"", "-1234.50");
    transform_case("remove_non_alphanumeric", "", "a-b_c! \xc3\xa9", "abc\xc3\xa9");
    transform_case("replace", ",\"find\":\"ab\",\"replacement\":\"X\"", "abcab", "XcX");
    transform_case("replace", ",\"find\":\"a\"", "banana", "bnn");
    transform_case("truncate", ",\"length\":3", "\xc3\xa9t\xc3\xa9s", "\xc3\xa9t\xc3\xa9");
    transform_case("fill_null", ",\"value\":\"n/a\"", "", "n/a");
    transform_case("uppercase", "", "", "");   /* null stays null */
}
END_TEST

static void cast_case(const char *type, const char *extra, const char *in, const char *want_json)
{
    char steps[512], input[256];
    snprintf(steps, sizeof(steps),
             "[{\"type\":\"cast\",\"params\":{\"column\":\"v\",\"type\":\"%s\"%s}}]", type, extra);
    snprintf(input, sizeof(input), "k,v\n1,%s\n", in);
    struct run_out o = {0};
    RUN(&o, input, NULL, steps, "jsonl");
    ck_assert_msg(o.rc == ENGINE_OK, "%s: %s", type, o.res.error);
    char expect[256];
    if (want_json)
        snprintf(expect, sizeof(expect), "{\"k\":1,\"v\":%s}\n", want_json);
    else
        snprintf(expect, sizeof(expect), "%s", "");
    ck_assert_msg(strcmp(o.output, expect) == 0, "cast %s(%s): got [%s] want [%s]", type, in,
                  o.output, expect);
    if (!want_json) {
        ck_assert_int_eq(o.res.failed, 1);
        ck_assert_ptr_nonnull(strstr(o.errors, "2:error:CAST_ERROR:v"));
    }
    run_free(&o);
}

START_TEST(cast_types)
{
    cast_case("integer", "", " 42 ", "42");
    cast_case("integer", "", "12.0", "12");
    cast_case("integer", "", "12.5", NULL);
    cast_case("integer", "", "abc", NULL);
    cast_case("number", "", "1.50", "1.50");
    cast_case("number", "", "+.5", "0.5");
    cast_case("number", "", "1e3", "1e3");
    cast_case("number", "", "NaN", NULL);
    cast_case("boolean", "", "Yes", "true");
    cast_case("boolean", "", "0", "false");
    cast_case("boolean", "", "maybe", NULL);
    cast_case("date", "", "2024-02-29", "\"2024-02-29\"");
    cast_case("date", "", "2023-02-29", NULL);
    cast_case("date", ",\"format\":\"%d/%m/%Y\"", "31/12/2024", "\"2024-12-31\"");
    cast_case("date", ",\"format\":\"%d/%m/%Y\"", "31/02/2024", NULL);
    cast_case("datetime", "", "2024-01-15 10:30", "\"2024-01-15T10:30:00\"");
    cast_case("datetime", "", "2024-01-15T10:30:00+02:00", "\"2024-01-15T08:30:00Z\"");
    cast_case("datetime", ",\"format\":\"%m/%d/%Y %H:%M\"", "12/31/2024 23:59",
              "\"2024-12-31T23:59:00\"");
    cast_case("string", "", "007", "\"007\"");
    cast_case("string", "", "12", "\"12\"");
    cast_case("integer", "", "", "null");
    cast_case("integer", ",\"on_error\":\"null\"", "x", "null");
}
END_TEST

START_TEST(cast_on_error_null_warns)
{
    struct run_out o = {0};
    RUN(&o, "v\nx\n1\n", NULL,
        "[{\"type\":\"cast\",\"params\":{\"column\":\"v\",\"type\":\"integer\",\"on_error\":\"null\"}}]",
        "jsonl");
    ck_assert_str_eq(o.output, "{\"v\":null}\n{\"v\":1}\n");
    ck_assert_int_eq(o.res.warned, 1);
    ck_assert_int_eq(o.res.failed, 0);
    ck_assert_str_eq(o.errors, "2:warning:CAST_ERROR:v\n");
    run_free(&o);
}
END_TEST

static void validate_case(const char *rule, const char *value, const char *want_ids)
{
    char steps[512];
    snprintf(steps, sizeof(steps),
             "[{\"type\":\"validate\",\"params\":{\"column\":\"%s\",\"rule\":\"%s\"%s%s}}]",
             strcmp(rule, "email") == 0 ? "email" : strstr(rule, "length") || strcmp(rule, "required") == 0 ? "city"
                                                                                          : "amount",
             rule, value ? ",\"value\":" : "", value ? value : "");
    struct run_out o = {0};
    RUN(&o, PEOPLE, NULL, steps, "jsonl");
    ck_assert_msg(o.rc == ENGINE_OK, "%s: %s", rule, o.res.error);
    char got[64] = "";
    char *save = NULL;
    for (char *tok = strtok_r(o.output, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        json_object *line = json_tokener_parse(tok), *id;
        ck_assert(json_object_object_get_ex(line, "id", &id));
        size_t used = strlen(got);
        snprintf(got + used, sizeof(got) - used, "%s%s", used ? "," : "", json_object_get_string(id));
        json_object_put(line);
    }
    ck_assert_msg(strcmp(got, want_ids) == 0, "%s: got [%s] want [%s]", rule, got, want_ids);
    ck_assert_int_eq(o.res.failed + o.res.succeeded, 4);
    run_free(&o);
}

START_TEST(validate_rules)
{
    validate_case("required", NULL, "1,2,3");
    validate_case("email", NULL, "1,3,4");   /* 3 is null: not asked */
    validate_case("min", "0", "1,2,3");
    validate_case("max", "10", "1,2,4");
    validate_case("in", "[10, 100]", "1,3");
    validate_case("not_in", "[10]", "2,3,4");
    validate_case("integer", NULL, "1,3,4");
    validate_case("number", NULL, "1,2,3,4");
    validate_case("regex", "\"^[0-9]+$\"", "1,3");
    validate_case("min_length", "7", "1,3,4");   /* city: "Boston" has 6; null passes */
    validate_case("max_length", "6", "2,4");
}
END_TEST

START_TEST(validate_severity)
{
    struct run_out o = {0};
    RUN(&o, PEOPLE, NULL,
        "[{\"type\":\"validate\",\"params\":{\"column\":\"email\",\"rule\":\"email\",\"severity\":\"warning\"}}]",
        "csv");
    ck_assert_int_eq(o.res.succeeded, 4);
    ck_assert_int_eq(o.res.warned, 1);
    ck_assert_int_eq(o.res.failed, 0);
    ck_assert_str_eq(o.errors, "3:warning:VALIDATION_EMAIL:email\n");
    run_free(&o);

    RUN(&o, PEOPLE, NULL,
        "[{\"type\":\"validate\",\"params\":{\"column\":\"city\",\"rule\":\"required\"}},"
        "{\"type\":\"validate\",\"params\":{\"column\":\"email\",\"rule\":\"required\",\"severity\":\"warning\"}}]",
        "csv");
    ck_assert_int_eq(o.res.succeeded, 3);
    ck_assert_int_eq(o.res.failed, 1);
    ck_assert_int_eq(o.res.warned, 1);
    ck_assert_str_eq(o.errors, "4:warning:VALIDATION_REQUIRED:email\n5:error:VALIDATION_REQUIRED:city\n");
    run_free(&o);
}
END_TEST

START_TEST(dedupe)
{
    struct run_out o = {0};
    const char *in = "a,b\n1,x\n1,y\n1,x\n2,\n2,\"\"\n2,\n";
    RUN(&o, in, NULL, "[{\"type\":\"dedupe\",\"params\":{\"columns\":[\"a\"]}}]", "csv");
    ck_assert_str_eq(o.output, "a,b\n1,x\n2,\n");
    ck_assert_str_eq(meta_str(&o, "duplicates_removed"), "4");
    ck_assert_int_eq(o.res.failed, 0);
    run_free(&o);

    RUN(&o, in, NULL, "[{\"type\":\"dedupe\",\"params\":{}}]", "csv");
    ck_assert_str_eq(o.output, "a,b\n1,x\n1,y\n2,\n2,\"\"\n");   /* null and "" differ */
    run_free(&o);
}
END_TEST

START_TEST(convert_format_picks_the_writer)
{
    struct run_out o = {0};
    RUN(&o, "a\n1\n", NULL, "[{\"type\":\"convert_format\",\"params\":{\"to_format\":\"json\"}}]",
        "csv");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.res.output_format, "json");
    ck_assert_str_eq(o.output, "[\n{\"a\":1}\n]\n");
    run_free(&o);
}
END_TEST

/* A value on which a regex needs more than its match budget fails its row
 * (REGEX_BUDGET); the other rows are judged as usual. */
START_TEST(regex_budget_is_a_row_error)
{
    static const char *const input =
        "id,s\n"
        "1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n"
        "2,aaaa\n"
        "3,b\n";
    static const char *const steps[] = {
        "[{\"type\":\"filter\",\"params\":{\"column\":\"s\",\"operator\":\"regex\","
        "\"value\":\"^(a|aa)+\\\\1$\"}}]",
        "[{\"type\":\"validate\",\"params\":{\"column\":\"s\",\"rule\":\"regex\","
        "\"value\":\"^(a|aa)+\\\\1$\"}}]",
    };
    for (size_t i = 0; i < 2; i++) {
        struct run_out o = {0};
        RUN(&o, input, NULL, steps[i], "jsonl");
        ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
        ck_assert_int_eq(o.res.processed, 3);
        /* filter drops "b"; validate fails it */
        ck_assert_int_eq(o.res.failed, i == 0 ? 1 : 2);
        ck_assert_msg(strstr(o.errors, "2:error:REGEX_BUDGET:s\n") != NULL, "%s", o.errors);
        ck_assert_msg(strstr(o.output, "\"aaaa\"") != NULL, "%s", o.output);
        ck_assert_msg(strstr(o.output, "\"b\"") == NULL, "%s", o.output);
        run_free(&o);
    }
}
END_TEST

static void bad_steps(const char *steps, const char *want_field)
{
    char field[128] = "", msg[256] = "";
    json_object *j = json_tokener_parse(steps);
    ck_assert_msg(j != NULL, "test JSON: %s", steps);
    int rc = engine_validate_steps(j, field, sizeof(field), msg, sizeof(msg));
    ck_assert_msg(rc == -1, "%s should be refused", steps);
    ck_assert_msg(strcmp(field, want_field) == 0, "%s: field [%s] want [%s] (%s)", steps, field,
                  want_field, msg);
    ck_assert(msg[0] != '\0');
    json_object_put(j);
}

START_TEST(validate_steps_field_paths)
{
    bad_steps("{}", "processing_steps");
    bad_steps("[1]", "processing_steps[0]");
    bad_steps("[{\"params\":{}}]", "processing_steps[0].type");
    bad_steps("[{\"type\":\"explode\"}]", "processing_steps[0].type");
    bad_steps("[{\"type\":\"select\",\"params\":{\"columns\":[\"a\"]}},{\"type\":\"filter\",\"params\":{\"operator\":\"eq\",\"value\":1}}]",
              "processing_steps[1].params.column");
    bad_steps("[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"like\",\"value\":1}}]",
              "processing_steps[0].params.operator");
    bad_steps("[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"eq\"}}]",
              "processing_steps[0].params.value");
    bad_steps("[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"in\",\"value\":1}}]",
              "processing_steps[0].params.value");
    bad_steps("[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"regex\",\"value\":\"(\"}}]",
              "processing_steps[0].params.value");
    /* Over the pattern budget (process/pattern.h): refused before any run. */
    bad_steps("[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"regex\","
              "\"value\":\"((a{1000}){1000}){1000}\"}}]",
              "processing_steps[0].params.value");
    bad_steps("[{\"type\":\"validate\",\"params\":{\"column\":\"a\",\"rule\":\"regex\","
              "\"value\":\"(.{0,65535}){65535}\"}}]",
              "processing_steps[0].params.value");
    bad_steps("[{\"type\":\"select\",\"params\":{\"columns\":[\"a\",\"\"]}}]",
              "processing_steps[0].params.columns[1]");
    bad_steps("[{\"type\":\"select\"}]", "processing_steps[0].params.columns");
    bad_steps("[{\"type\":\"select\",\"params\":[]}]", "processing_steps[0].params");
    bad_steps("[{\"type\":\"rename\",\"params\":{\"mapping\":{\"a\":1}}}]",
              "processing_steps[0].params.mapping.a");
    bad_steps("[{\"type\":\"transform\",\"params\":{\"column\":\"a\",\"function\":\"shout\"}}]",
              "processing_steps[0].params.function");
    bad_steps("[{\"type\":\"cast\",\"params\":{\"column\":\"a\",\"type\":\"money\"}}]",
              "processing_steps[0].params.type");
    bad_steps("[{\"type\":\"cast\",\"params\":{\"column\":\"a\",\"type\":\"integer\",\"format\":\"%d\"}}]",
              "processing_steps[0].params.format");
    bad_steps("[{\"type\":\"validate\",\"params\":{\"column\":\"a\",\"rule\":\"min\"}}]",
              "processing_steps[0].params.value");
    bad_steps("[{\"type\":\"validate\",\"params\":{\"column\":\"a\",\"rule\":\"email\",\"severity\":\"fatal\"}}]",
              "processing_steps[0].params.severity");
    bad_steps("[{\"type\":\"convert_format\",\"params\":{\"to_format\":\"pdf\"}}]",
              "processing_steps[0].params.to_format");

    char field[128], msg[256];
    json_object *ok = json_tokener_parse(
        "[{\"type\":\"filter\",\"params\":{\"column\":\"a\",\"operator\":\"is_null\"}},"
        "{\"type\":\"dedupe\"},{\"type\":\"convert_format\",\"params\":{\"to_format\":\"jsonlines\"}}]");
    ck_assert_int_eq(engine_validate_steps(ok, field, sizeof(field), msg, sizeof(msg)), 0);
    json_object_put(ok);
    ck_assert_int_eq(engine_validate_steps(NULL, field, sizeof(field), msg, sizeof(msg)), 0);
}
END_TEST

static void bad_config(const char *config, const char *want_field)
{
    char field[128] = "", msg[256] = "";
    json_object *j = json_tokener_parse(config);
    ck_assert_int_eq(engine_validate_config(j, field, sizeof(field), msg, sizeof(msg)), -1);
    ck_assert_msg(strcmp(field, want_field) == 0, "%s: field [%s] want [%s]", config, field,
                  want_field);
    json_object_put(j);
}

START_TEST(validate_config_field_paths)
{
    bad_config("[]", "processing_config");
    bad_config("{\"delimiter\":\"::\"}", "processing_config.delimiter");
    bad_config("{\"encoding\":\"utf-16\"}", "processing_config.encoding");
    bad_config("{\"skip_rows\":-1}", "processing_config.skip_rows");
    bad_config("{\"has_header\":\"yes\"}", "processing_config.has_header");
    bad_config("{\"quote_char\":\"ab\"}", "processing_config.quote_char");
    bad_config("{\"null_values\":[\"NA\",3]}", "processing_config.null_values[1]");
    bad_config("{\"chunk_size\":0}", "processing_config.chunk_size");
    bad_config("{\"format\":\"pdf\"}", "processing_config.format");
    char field[128], msg[256];
    json_object *ok = json_tokener_parse(
        "{\"delimiter\":\";\",\"encoding\":\"latin-1\",\"skip_rows\":2,\"has_header\":true,"
        "\"quote_char\":\"'\",\"escape_char\":\"\\\\\",\"null_values\":[\"NA\"],\"chunk_size\":500}");
    ck_assert_int_eq(engine_validate_config(ok, field, sizeof(field), msg, sizeof(msg)), 0);
    json_object_put(ok);
}
END_TEST

START_TEST(output_names)
{
    char buf[256];
    engine_output_name("customers.csv", "jsonl", buf, sizeof(buf));
    ck_assert_str_eq(buf, "customers_processed.jsonl");
    engine_output_name("data.v2.xlsx", NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "data.v2_processed.xlsx");
    engine_output_name("../../etc/passwd", "csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "passwd_processed.csv");
    engine_output_name("..\\..\\evil..name.csv", "json", buf, sizeof(buf));
    ck_assert_str_eq(buf, "evil_.name_processed.json");
    engine_output_name(".hidden", "csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "_hidden_processed.csv");
    engine_output_name("a\nb\"c.csv", "csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "a_b_c_processed.csv");
    engine_output_name("", "csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "output_processed.csv");
    engine_output_name(NULL, NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "output_processed.csv");
    engine_output_name("report.xml", NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "report_processed.csv");
}
END_TEST

/* Keys use a URL-safe form of the output name; the name itself is given back
 * for the download's Content-Disposition. */
START_TEST(output_key_names)
{
    char buf[256];
    engine_output_key_name("my data_processed.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "my_data_processed.csv");
    engine_output_key_name("r\xc3\xa9sum\xc3\xa9#1_processed.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "r_sum__1_processed.csv");
    engine_output_key_name("\xe6\x97\xa5\xe6\x9c\xac.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "__.csv");
    engine_output_key_name("a%2Fb?c&d=e+f'g\"h_processed.jsonl", buf, sizeof(buf));
    ck_assert_str_eq(buf, "a_2Fb_c_d_e_f_g_h_processed.jsonl");
    engine_output_key_name("", buf, sizeof(buf));
    ck_assert_str_eq(buf, "output");
    engine_output_display_name("my data.csv", "my_data_processed.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "my data_processed.csv");
    engine_output_display_name("r\xc3\xa9sum\xc3\xa9#1.csv", "r_sum__1_processed.parquet", buf,
                               sizeof(buf));
    ck_assert_str_eq(buf, "r\xc3\xa9sum\xc3\xa9#1_processed.parquet");
    /* Not made from that input: the key's own name. */
    engine_output_display_name("other.csv", "my_data_processed.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "my_data_processed.csv");
    engine_output_display_name(NULL, "orders.csv", buf, sizeof(buf));
    ck_assert_str_eq(buf, "orders.csv");
}
END_TEST

START_TEST(cancel_and_progress)
{
    size_t n = 300000, len = 0;
    char *in = malloc(n * 12 + 16);
    ck_assert_ptr_nonnull(in);
    len += (size_t)sprintf(in, "a,b\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(in + len, "%zu,x\n", i);
    struct run_out o = {0};
    memset(&o, 0, sizeof(o));
    run_engine(in, len, "p.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_ge(o.progress_calls, 4);   /* every 65536 rows and at the end */
    run_free(&o);

    o.cancel = 1;
    run_engine(in, len, "p.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_CANCELLED);
    ck_assert_int_le(o.res.total, 1024);
    ck_assert_ptr_null(o.output);
    run_free(&o);
    free(in);
}
END_TEST

START_TEST(line_error_cap)
{
    size_t n = 12000, len = 0;
    char *in = malloc(n * 4 + 16);
    len += (size_t)sprintf(in, "a,b\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(in + len, "x\n");
    struct run_out o = {0};
    memset(&o, 0, sizeof(o));
    run_engine(in, len, "e.csv", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_eq(o.res.failed, (long long)n);
    ck_assert_int_eq(o.nerrors, 10001);   /* the cap, then one TOO_MANY_ERRORS */
    ck_assert_str_eq(meta_str(&o, "row_problems"), "12000");
    run_free(&o);
    free(in);
}
END_TEST

START_TEST(infer_schema)
{
    char path[256];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/quarry_schema_XXXXXX", dir);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, PEOPLE, strlen(PEOPLE)), (ssize_t)strlen(PEOPLE));
    close(fd);
    struct engine_job job = {.input_path = path, .input_name_hint = "people.csv"};
    char err[256] = "";
    json_object *s = engine_infer_schema(&job, 0, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    json_object *schema, *col, *v, *summary, *info;
    ck_assert(json_object_object_get_ex(s, "schema", &schema));
    ck_assert(json_object_object_get_ex(schema, "amount", &col));
    ck_assert_str_eq(json_object_to_json_string_ext(col, JSON_C_TO_STRING_PLAIN),
                     "{\"type\":\"number\",\"nullable\":false,\"min_length\":2,\"max_length\":3,"
                     "\"min\":-2.0,\"max\":100.0,\"null_count\":0}");
    ck_assert(json_object_object_get_ex(schema, "id", &col));
    ck_assert(json_object_object_get_ex(col, "max", &v));
    ck_assert_int_eq(json_object_get_int64(v), 4);
    ck_assert(json_object_object_get_ex(schema, "city", &col));
    ck_assert(json_object_object_get_ex(col, "nullable", &v));
    ck_assert(json_object_get_boolean(v));
    ck_assert(json_object_object_get_ex(schema, "date", &col));
    ck_assert(json_object_object_get_ex(col, "type", &v));
    ck_assert_str_eq(json_object_get_string(v), "datetime");
    ck_assert(json_object_object_get_ex(s, "summary", &summary));
    ck_assert_str_eq(json_object_to_json_string_ext(summary, JSON_C_TO_STRING_PLAIN),
                     "{\"total_fields\":6,\"required_fields\":4,\"optional_fields\":2,"
                     "\"nested_objects\":0,\"arrays\":0}");
    ck_assert(json_object_object_get_ex(s, "sample_info", &info));
    ck_assert(json_object_object_get_ex(info, "rows_analyzed", &v));
    ck_assert_int_eq(json_object_get_int64(v), 4);
    json_object_put(s);

    s = engine_infer_schema(&job, 2, err, sizeof(err));   /* a sample: rows 1 and 2 */
    ck_assert_ptr_nonnull(s);
    ck_assert(json_object_object_get_ex(s, "schema", &schema));
    ck_assert(json_object_object_get_ex(schema, "date", &col));
    ck_assert(json_object_object_get_ex(col, "type", &v));
    ck_assert_str_eq(json_object_get_string(v), "date");
    json_object_put(s);

    struct engine_job bad = {.input_path = "/nonexistent/file.csv"};
    ck_assert_ptr_null(engine_infer_schema(&bad, 10, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
    unlink(path);
}
END_TEST

Suite *steps_suite(void)
{
    Suite *s = suite_create("steps");
    TCase *tc = tcase_create("steps");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, filter_operators);
    tcase_add_test(tc, filter_counts_dropped_not_failed);
    tcase_add_test(tc, select_drop_rename);
    tcase_add_test(tc, unknown_column_fails_the_run);
    tcase_add_test(tc, transform_functions);
    tcase_add_test(tc, cast_types);
    tcase_add_test(tc, cast_on_error_null_warns);
    tcase_add_test(tc, validate_rules);
    tcase_add_test(tc, validate_severity);
    tcase_add_test(tc, dedupe);
    tcase_add_test(tc, convert_format_picks_the_writer);
    tcase_add_test(tc, validate_steps_field_paths);
    tcase_add_test(tc, regex_budget_is_a_row_error);
    tcase_add_test(tc, validate_config_field_paths);
    tcase_add_test(tc, output_names);
    tcase_add_test(tc, output_key_names);
    tcase_add_test(tc, cancel_and_progress);
    tcase_add_test(tc, line_error_cap);
    tcase_add_test(tc, infer_schema);
    suite_add_tcase(s, tc);
    return s;
}
