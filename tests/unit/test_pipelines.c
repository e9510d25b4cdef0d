/* Pure parts of pipelines: transformation_rules compiled to steps
 * (api/pipeline_rules.c), the classes of execution errors
 * (common/error_class.c), dependency_met and schedules' next slots. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api/pipeline_rules.h"
#include "common/error_class.h"
#include "common/pipeline_queue.h"
#include "common/schedule.h"

static const char *compile(const char *rules_json, char *field, size_t field_len)
{
    static char out[4096];
    char msg[300];
    json_object *rules = json_tokener_parse(rules_json), *steps = json_object_new_array();
    ck_assert_ptr_nonnull(rules);
    field[0] = '\0';
    int rc = pipeline_rules_compile(rules, steps, field, field_len, msg, sizeof(msg));
    snprintf(out, sizeof(out), "%s",
             rc == 0 ? json_object_to_json_string_ext(steps, JSON_C_TO_STRING_PLAIN) : "ERROR");
    if (rc != 0)
        ck_assert_msg(strstr(msg, field) == msg, "message \"%s\" starts with its field %s", msg,
                      field);
    json_object_put(rules);
    json_object_put(steps);
    return out;
}

START_TEST(rules_compile_to_steps)
{
    char field[160];
    ck_assert_str_eq(
        compile("[{\"rule_type\":\"FIELD_MAPPING\",\"source_field\":\"customer_name\","
                "\"target_field\":\"name\",\"transformation\":\"UPPERCASE\"}]",
                field, sizeof(field)),
        "[{\"type\":\"rename\",\"params\":{\"mapping\":{\"customer_name\":\"name\"}}},"
        "{\"type\":\"transform\",\"params\":{\"column\":\"name\",\"function\":\"uppercase\"}}]");
    ck_assert_str_eq(compile("[{\"rule_type\":\"field_mapping\",\"source_field\":\"a\","
                             "\"transformation\":\"Trim\"}]",
                             field, sizeof(field)),
                     "[{\"type\":\"transform\",\"params\":{\"column\":\"a\",\"function\":\"trim\"}}]");
    ck_assert_str_eq(compile("[{\"rule_type\":\"DATA_TYPE_CONVERSION\",\"field\":\"d\","
                             "\"target_type\":\"DATE\",\"format\":\"%d/%m/%Y\"}]",
                             field, sizeof(field)),
                     "[{\"type\":\"cast\",\"params\":{\"column\":\"d\",\"type\":\"date\","
                     "\"format\":\"%d\\/%m\\/%Y\"}}]");
    ck_assert_str_eq(compile("[{\"rule_type\":\"VALIDATION\",\"field\":\"e\",\"rule\":\"EMAIL\","
                             "\"severity\":\"WARNING\"},{\"rule_type\":\"FILTER\",\"field\":\"n\","
                             "\"operator\":\"GT\",\"value\":3},{\"rule_type\":\"DEDUPLICATION\"},"
                             "{\"rule_type\":\"DEFAULT_VALUE\",\"field\":\"c\",\"value\":\"x\"}]",
                             field, sizeof(field)),
                     "[{\"type\":\"validate\",\"params\":{\"column\":\"e\",\"rule\":\"email\","
                     "\"severity\":\"warning\"}},{\"type\":\"filter\",\"params\":{\"column\":\"n\","
                     "\"operator\":\"gt\",\"value\":3}},{\"type\":\"dedupe\",\"params\":{}},"
                     "{\"type\":\"transform\",\"params\":{\"column\":\"c\",\"function\":"
                     "\"fill_null\",\"value\":\"x\"}}]");
    ck_assert_str_eq(compile("[]", field, sizeof(field)), "[]");
}
END_TEST

START_TEST(rules_refused_name_their_field)
{
    static const struct {
        const char *rules, *field;
    } bad[] = {
        {"[5]", "transformation_rules[0]"},
        {"[{}]", "transformation_rules[0].rule_type"},
        {"[{\"rule_type\":\"NOPE\"}]", "transformation_rules[0].rule_type"},
        {"[{\"rule_type\":\"FIELD_MAPPING\"}]", "transformation_rules[0].field"},
        {"[{\"rule_type\":\"FIELD_MAPPING\",\"source_field\":\"a\"}]",
         "transformation_rules[0].target_field"},
        {"[{\"rule_type\":\"FIELD_MAPPING\",\"source_field\":\"a\",\"transformation\":\"SHOUT\"}]",
         "transformation_rules[0].transformation"},
        {"[{\"rule_type\":\"FILTER\",\"field\":\"a\",\"operator\":\"eq\",\"value\":1},"
         "{\"rule_type\":\"DATA_TYPE_CONVERSION\",\"field\":\"a\",\"target_type\":\"money\"}]",
         "transformation_rules[1].target_type"},
        {"[{\"rule_type\":\"VALIDATION\",\"field\":\"a\"}]", "transformation_rules[0].rule"},
        {"[{\"rule_type\":\"FILTER\",\"field\":\"a\",\"operator\":\"like\",\"value\":1}]",
         "transformation_rules[0].operator"},
        {"[{\"rule_type\":\"SELECT_FIELDS\"}]", "transformation_rules[0].fields"},
        {"[{\"rule_type\":\"DEFAULT_VALUE\",\"field\":\"a\"}]", "transformation_rules[0].value"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char field[160];
        ck_assert_str_eq(compile(bad[i].rules, field, sizeof(field)), "ERROR");
        ck_assert_msg(strcmp(field, bad[i].field) == 0, "%s: field %s, want %s", bad[i].rules,
                      field, bad[i].field);
    }
}
END_TEST

START_TEST(error_classes)
{
    struct error_class c = error_class_of_row("VALIDATION_EMAIL", "error");
    ck_assert_str_eq(c.type, "VALIDATION_ERROR");
    ck_assert_str_eq(c.severity, "MEDIUM");
    c = error_class_of_row("VALIDATION_MAX", "warning");
    ck_assert_str_eq(c.severity, "LOW");
    c = error_class_of_row("RAGGED_ROW", "error");
    ck_assert_str_eq(c.type, "PARSING_ERROR");
    c = error_class_of_row("CAST_ERROR", "error");
    ck_assert_str_eq(c.type, "TRANSFORMATION_ERROR");
    c = error_class_of_row("OUT_OF_MEMORY", "error");
    ck_assert_str_eq(c.severity, "CRITICAL");
    c = error_class_of_row("SOMETHING_NEW", "error");
    ck_assert_str_eq(c.type, "PROCESSING_ERROR");
    c = error_class_of_run("source: no uploaded file matches x*.csv");
    ck_assert_str_eq(c.type, "SOURCE_ERROR");
    ck_assert_str_eq(c.severity, "HIGH");
    c = error_class_of_run("bad config: processing_steps[0].params.column: no column x");
    ck_assert_str_eq(c.type, "CONFIGURATION_ERROR");
    c = error_class_of_run("time limit of 5 s exceeded");
    ck_assert_str_eq(c.type, "TIMEOUT_ERROR");
    c = error_class_of_run("quarry-process was killed by signal 9");
    ck_assert_str_eq(c.type, "SYSTEM_ERROR");
    ck_assert_str_eq(c.severity, "CRITICAL");
    c = error_class_of_run("quarry-process exited with status 3: the job could not be read or "
                           "written in the database");
    ck_assert_str_eq(c.type, "DATABASE_ERROR");
    c = error_class_of_run(NULL);
    ck_assert_str_eq(c.type, "PROCESSING_ERROR");
}
END_TEST

START_TEST(dependencies_met)
{
    ck_assert(dependency_met("SUCCESS", "SUCCESS", 0));
    ck_assert(!dependency_met("SUCCESS", "FAILED", 10));
    ck_assert(!dependency_met("SUCCESS", NULL, 0));
    ck_assert(dependency_met("COMPLETION", "FAILED", 0));
    ck_assert(!dependency_met("COMPLETION", "CANCELLED", 0));
    ck_assert(dependency_met("DATA_AVAILABILITY", "SUCCESS", 1));
    ck_assert(!dependency_met("DATA_AVAILABILITY", "SUCCESS", 0));
}
END_TEST

START_TEST(interval_slots_keep_their_phase)
{
    char field[64], msg[256];
    struct schedule s;
    long long next;
    json_object *v = json_tokener_parse("{\"type\":\"interval\",\"interval_seconds\":60}");
    ck_assert_int_eq(schedule_parse(v, "UTC", &s, field, sizeof(field), msg, sizeof(msg)), 0);
    json_object_put(v);
    /* No phase: an interval from now. */
    ck_assert_int_eq(schedule_next(&s, 1000000, 0, &next), 0);
    ck_assert_int_eq(next, 1060000);
    /* After downtime (ten slots missed): the next slot of the phase, once. */
    ck_assert_int_eq(schedule_next(&s, 1000000 + 600500, 1000000, &next), 0);
    ck_assert_int_eq(next, 1000000 + 660000);
    v = json_tokener_parse("\"0 2 * * *\"");
    ck_assert_int_eq(schedule_parse(v, "UTC", &s, field, sizeof(field), msg, sizeof(msg)), 0);
    json_object_put(v);
    ck_assert(s.as_text);
    ck_assert_int_eq(schedule_next(&s, 1767949200000LL, 0, &next), 0); /* 2026-01-09 09:00 */
    ck_assert_int_eq(next, 1768010400000LL);                          /* 2026-01-10 02:00 */
}
END_TEST

Suite *pipelines_suite(void)
{
    Suite *s = suite_create("pipelines");
    TCase *t = tcase_create("pipelines");
    tcase_add_test(t, rules_compile_to_steps);
    tcase_add_test(t, rules_refused_name_their_field);
    tcase_add_test(t, error_classes);
    tcase_add_test(t, dependencies_met);
    tcase_add_test(t, interval_slots_keep_their_phase);
    suite_add_tcase(s, t);
    return s;
}
