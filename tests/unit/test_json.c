/* test_json.c — the streamed JSON reader (read_json.c) and the flattening
 * it shares with JSON Lines (json_flat.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "process/json_flat.h"
#include "process/record.h"
#include "reader_harness.h"

extern const struct reader_ops reader_json_ops;

static int run(struct harness *h, const char *text, const char *config)
{
    harness_write(h, text, strlen(text), ".json");
    return harness_run(h, &reader_json_ops, config, 0);
}

START_TEST(top_level_array_keeps_types)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "[{\"id\":1,\"name\":\"Ann\",\"score\":9.50,\"ok\":true,\"x\":null},"
                             " {\"id\":-2,\"name\":\"B\\u00e9\",\"score\":1e3,\"ok\":false,\"x\":"
                             "18446744073709551615}]",
                         NULL),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"i:1\",\"name\":\"s:Ann\",\"score\":\"n:9.50\",\"ok\":\"b:true\","
                     "\"x\":null}");
    ck_assert_str_eq(harness_rec(&h, 1),
                     "{\"id\":\"i:-2\",\"name\":\"s:Bé\",\"score\":\"n:1e3\",\"ok\":\"b:false\","
                     "\"x\":\"i:18446744073709551615\"}");
    ck_assert_str_eq(harness_meta_str(&h, "records_found"), "2");
    ck_assert_str_eq(harness_meta_str(&h, "top_level"), "array");
    harness_done(&h);
}
END_TEST

START_TEST(array_path_skips_other_members)
{
    struct harness h = {0};
    const char *doc = "{\"meta\":{\"n\":[1,{\"a\":\"]}\"}],\"s\":\"x\\\"y\"},\"skip\":true,"
                      "\"data\":{\"total\":2,\"cust\\u006fmers\":[{\"id\":1},{\"id\":2}]},"
                      "\"after\":[]}";
    ck_assert_int_eq(run(&h, doc, "{\"array_path\":\"data.customers\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"id\":\"i:2\"}");
    ck_assert_str_eq(harness_meta_str(&h, "array_path"), "data.customers");
    ck_assert_str_eq(harness_meta_str(&h, "array_path_used"), "data.customers");
    ck_assert_str_eq(harness_meta_str(&h, "objects_found"), "2");
    harness_done(&h);
}
END_TEST

START_TEST(array_path_missing_or_not_array)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "{\"data\":{\"x\":1}}", "{\"array_path\":\"data.customers\"}"),
                     ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "no key \"customers\""));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "{\"data\":{\"customers\":5}}", "{\"array_path\":\"data.customers\"}"),
                     ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "is not an array"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "[1]", "{\"array_path\":\"data\"}"), ENGINE_BAD_INPUT);
    harness_done(&h);
}
END_TEST

START_TEST(bad_config_is_refused)
{
    char field[64], msg[256];
    const char *bad[] = {"{\"array_path\":\"a..b\"}", "{\"array_path\":5}",
                         "{\"max_depth\":-1}",        "{\"max_depth\":\"3\"}",
                         "{\"flatten_nested\":1}",    "{\"date_fields\":\"d\"}",
                         "{\"date_fields\":[1]}"};
    const char *fields[] = {"array_path", "array_path", "max_depth", "max_depth",
                            "flatten_nested", "date_fields", "date_fields[0]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *c = json_tokener_parse(bad[i]);
        ck_assert_int_eq(reader_json_ops.validate_config(c, field, sizeof(field), msg,
                                                         sizeof(msg)),
                         -1);
        ck_assert_str_eq(field, fields[i]);
        json_object_put(c);
    }
    json_object *ok = json_tokener_parse("{\"array_path\":\"a.b\",\"max_depth\":2,"
                                         "\"delimiter\":\";\"}");
    ck_assert_int_eq(reader_json_ops.validate_config(ok, field, sizeof(field), msg, sizeof(msg)),
                     0);
    json_object_put(ok);
}
END_TEST

START_TEST(flatten_nested_to_max_depth)
{
    struct harness h = {0};
    const char *doc =
        "[{\"id\":1,\"user\":{\"profile\":{\"address\":{\"city\":\"Oslo\",\"geo\":{\"lat\":1}}},"
        "\"tags\":[\"a\",\"b\"],\"empty\":{}}}]";
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"i:1\",\"user_profile_address_city\":\"s:Oslo\","
                     "\"user_profile_address_geo_lat\":\"i:1\",\"user_tags\":\"j:[\\\"a\\\","
                     "\\\"b\\\"]\",\"user_empty\":\"j:{}\"}");
    ck_assert_str_eq(harness_meta_str(&h, "max_nesting_depth"), "5");
    ck_assert_str_eq(harness_meta_str(&h, "flattened_fields"), "4");
    ck_assert_str_eq(harness_meta_str(&h, "flattened_field_names"),
                     "[ \"user_profile_address_city\", \"user_profile_address_geo_lat\", "
                     "\"user_tags\", \"user_empty\" ]");
    harness_done(&h);

    ck_assert_int_eq(run(&h, doc, "{\"max_depth\":2}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"i:1\",\"user_profile_address\":\"j:{\\\"city\\\":\\\"Oslo\\\","
                     "\\\"geo\\\":{\\\"lat\\\":1}}\",\"user_tags\":\"j:[\\\"a\\\",\\\"b\\\"]\","
                     "\"user_empty\":\"j:{}\"}");
    harness_done(&h);

    ck_assert_int_eq(run(&h, "[{\"a\":{\"b\":1}}]", "{\"flatten_nested\":false}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"a\":\"j:{\\\"b\\\":1}\"}");
    harness_done(&h);
}
END_TEST

START_TEST(flattened_duplicate_keeps_first)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "[{\"a_b\":1,\"a\":{\"b\":2},\"c\":3}]", NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"a_b\":\"i:1\",\"c\":\"i:3\"}");
    ck_assert_uint_eq(json_object_array_length(h.errors), 1);
    ck_assert_str_eq(harness_err(&h, 0), "1:warning:DUPLICATE_FIELD");
    harness_done(&h);
}
END_TEST

START_TEST(date_fields_parse_and_warn)
{
    struct harness h = {0};
    const char *doc = "[{\"d\":\"2024-02-29\",\"t\":\"2024-01-05T10:30:00+02:00\",\"u\":{\"at\":"
                      "\"2024-01-05 08:00:00.250Z\"}},{\"d\":\"2023-02-29\",\"t\":null,\"u\":"
                      "{\"at\":7}}]";
    ck_assert_int_eq(run(&h, doc, "{\"date_fields\":[\"d\",\"t\",\"u_at\"]}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"d\":\"s:2024-02-29\",\"t\":\"s:2024-01-05T08:30:00Z\","
                     "\"u_at\":\"s:2024-01-05T08:00:00.250Z\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"d\":\"s:2023-02-29\",\"t\":null,\"u_at\":\"i:7\"}");
    ck_assert_uint_eq(json_object_array_length(h.errors), 2);
    ck_assert_str_eq(harness_err(&h, 0), "2:warning:INVALID_DATE");
    ck_assert_str_eq(harness_err(&h, 1), "2:warning:INVALID_DATE");
    ck_assert_str_eq(harness_meta_str(&h, "dates_parsed"), "3");
    harness_done(&h);
}
END_TEST

START_TEST(single_object_and_scalars)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "\xEF\xBB\xBF {\"a\":1}\n", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_meta_str(&h, "top_level"), "object");
    harness_done(&h);

    ck_assert_int_eq(run(&h, "[1, \"x\", null, [2]]", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 4);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"value\":\"i:1\"}");
    ck_assert_str_eq(harness_rec(&h, 2), "{\"value\":null}");
    ck_assert_str_eq(harness_rec(&h, 3), "{\"value\":\"j:[2]\"}");
    harness_done(&h);

    ck_assert_int_eq(run(&h, "{\"a\":1}\n{\"a\":2}\n", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "jsonlines"));
    harness_done(&h);
}
END_TEST

START_TEST(empty_inputs)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "empty"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "  \n ", NULL), ENGINE_BAD_INPUT);
    harness_done(&h);
    ck_assert_int_eq(run(&h, "[]", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    ck_assert_int_eq(run(&h, " [ \n ] ", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
}
END_TEST

START_TEST(malformed_documents)
{
    struct harness h = {0};
    const char *bad[] = {"[{\"a\":1}", "[{\"a\":1} {\"a\":2}]", "[{\"a\":}]", "[{\"a\":1},",
                         "hello", "[{\"a\":\"unterminated}]", "{\"a\":1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(run(&h, bad[i], NULL) == ENGINE_BAD_INPUT, "accepted %s", bad[i]);
        ck_assert_str_ne(h.error, "");
        harness_done(&h);
    }
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    struct harness h = {0};
    size_t depth = 10000;
    char *doc = malloc(2 * depth + 3);
    doc[0] = '[';
    for (size_t i = 0; i < depth; i++) {
        doc[1 + i] = '[';
        doc[1 + depth + i] = ']';
    }
    doc[1 + 2 * depth] = ']';
    doc[2 + 2 * depth] = 0;
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "nested deeper"));
    harness_done(&h);

    /* deep nesting in a value that array_path skips is walked, not parsed */
    size_t n = strlen("{\"x\":") + 2 * depth + strlen(",\"d\":[{\"a\":1}]}") + 1;
    char *doc2 = malloc(n);
    char *p = doc2 + sprintf(doc2, "{\"x\":");
    memset(p, '[', depth);
    memset(p + depth, ']', depth);
    strcpy(p + 2 * depth, ",\"d\":[{\"a\":1}]}");
    ck_assert_int_eq(run(&h, doc2, "{\"array_path\":\"d\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    harness_done(&h);
    free(doc);
    free(doc2);
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "[{\"a\":\"ok\"},{\"a\":\"\xC3\x28\"}]", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "record 2"));
    harness_done(&h);
}
END_TEST

/* Elements that straddle the reader's 256 KiB chunks, and many of them. */
START_TEST(large_array_streams_across_chunks)
{
    struct harness h = {0};
    size_t n = 20000;
    size_t cap = n * 80 + 16;
    char *doc = malloc(cap);
    size_t len = 0;
    doc[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len, "%s{\"id\":%zu,\"name\":\"n%zu\",\"v\":%zu.5}",
                                i ? ",\n " : "", i, i, i);
    doc[len++] = ']';
    harness_write(&h, doc, len, ".json");
    ck_assert_int_eq(harness_run(&h, &reader_json_ops, NULL, 0), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), n);
    ck_assert_str_eq(harness_rec(&h, 12345),
                     "{\"id\":\"i:12345\",\"name\":\"s:n12345\",\"v\":\"n:12345.5\"}");
    harness_done(&h);
    free(doc);
}
END_TEST

/* The FastAPI ETL document's examples: json_path "$" (the root is already an
 * array), "$" beside array_path, and its JSONPath for the nested array. */
START_TEST(json_path_seed_examples)
{
    struct harness h = {0};
    const char *customers = "[{\"id\": 1, \"name\": \"John\", \"email\": \"john@example.com\"},"
                            " {\"id\": 2, \"name\": \"Jane\", \"email\": \"jane@example.com\"}]";
    ck_assert_int_eq(run(&h, customers, "{\"json_path\":\"$\",\"chunk_size\":1000}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "array");
    ck_assert_ptr_null(harness_meta_str(&h, "json_path_used"));
    harness_done(&h);

    const char *api = "{\"status\": \"success\", \"data\": {\"customers\": ["
                      "{\"id\": 1, \"name\": \"John\"}, {\"id\": 2, \"name\": \"Jane\"}]}}";
    ck_assert_int_eq(run(&h, api, "{\"json_path\":\"$.data.customers[*]\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"id\":\"i:2\",\"name\":\"s:Jane\"}");
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "nested_array");
    ck_assert_str_eq(harness_meta_str(&h, "json_path_used"), "$.data.customers[*]");
    ck_assert_str_eq(harness_meta_str(&h, "top_level"), "object");
    harness_done(&h);

    /* The seed's generic example: json_path "$" (the default) and array_path. */
    ck_assert_int_eq(run(&h, api, "{\"json_path\":\"$\",\"array_path\":\"data.customers\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "nested_array");
    ck_assert_str_eq(harness_meta_str(&h, "array_path_used"), "data.customers");
    harness_done(&h);

    /* A path to an array without [*] gives its elements too. */
    ck_assert_int_eq(run(&h, api, "{\"json_path\":\"$.data.customers\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    harness_done(&h);
}
END_TEST

START_TEST(json_path_descent_index_and_names)
{
    struct harness h = {0};
    /* $..x: every member x at any depth; a selected array gives its
     * elements; a selected value is not searched further. */
    const char *doc = "{\"a\": {\"x\": {\"id\": 1, \"x\": {\"id\": 9}}},"
                      " \"b\": [{\"x\": {\"id\": 2}}, {\"y\": {\"x\": [{\"id\": 3}, {\"id\": 4}]}}],"
                      " \"c\": \"x\"}";
    ck_assert_int_eq(run(&h, doc, "{\"json_path\":\"$..x\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 4);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"id\":\"i:1\",\"x_id\":\"i:9\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"id\":\"i:2\"}");
    ck_assert_str_eq(harness_rec(&h, 3), "{\"id\":\"i:4\"}");
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "mixed");
    harness_done(&h);

    /* $.a[0].b: one object, one record; escaped keys are compared decoded. */
    const char *pages = "{\"p\\u0061ges\": [{\"items\": {\"k\": 1}}, {\"items\": {\"k\": 2}}]}";
    ck_assert_int_eq(run(&h, pages, "{\"json_path\":\"$.pages[1].items\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"k\":\"i:2\"}");
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "nested_values");
    harness_done(&h);

    /* Quoted names, .* and scalars: a selected scalar is a record "value". */
    const char *odd = "{\"first name\": {\"a\": 1, \"b\": [true]}, \"n\": {\"id\": 5}}";
    ck_assert_int_eq(run(&h, odd, "{\"json_path\":\"$['first name'].*\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"value\":\"i:1\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"value\":\"b:true\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, odd, "{\"json_path\":\"$..id\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"value\":\"i:5\"}");
    harness_done(&h);

    /* [n] and [*] on the top-level array. */
    ck_assert_int_eq(run(&h, "[{\"a\":1},{\"a\":2},{\"a\":3}]", "{\"json_path\":\"$[2]\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"a\":\"i:3\"}");
    ck_assert_str_eq(harness_meta_str(&h, "json_structure"), "array");
    harness_done(&h);
}
END_TEST

START_TEST(json_path_that_selects_nothing)
{
    struct harness h = {0};
    const char *empty = "{\"data\": {\"customers\": []}}";
    /* An empty array where the path ends: no records, not a mistake. */
    ck_assert_int_eq(run(&h, empty, "{\"json_path\":\"$.data.customers[*]\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    ck_assert_int_eq(run(&h, empty, "{\"json_path\":\"$.data.customers\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    /* A path that leads nowhere is the user's mistake: the run fails. */
    const char *nowhere[] = {"$.data.customer[*]", "$.data.customers.x", "$..missing",
                             "$.data[0]"};
    for (size_t i = 0; i < sizeof(nowhere) / sizeof(nowhere[0]); i++) {
        char config[128];
        snprintf(config, sizeof(config), "{\"json_path\":\"%s\"}", nowhere[i]);
        ck_assert_int_eq(run(&h, empty, config), ENGINE_BAD_INPUT);
        ck_assert_msg(strstr(h.error, "selects nothing") != NULL, "%s: %s", nowhere[i], h.error);
        harness_done(&h);
    }
    /* A path into a scalar document. */
    ck_assert_int_eq(run(&h, "5", "{\"json_path\":\"$.a\"}"), ENGINE_BAD_INPUT);
    harness_done(&h);
}
END_TEST

START_TEST(json_path_walks_the_whole_document)
{
    struct harness h = {0};
    /* Records before and after other members; a malformed part after the
     * records is still found; so is data after the document. */
    ck_assert_int_eq(run(&h, "{\"a\":[{\"x\":1}],\"b\":{\"a\":[{\"x\":2}]}}",
                         "{\"json_path\":\"$..a[*]\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    harness_done(&h);
    ck_assert_int_eq(run(&h, "{\"a\":[{\"x\":1}] \"b\":1}", "{\"json_path\":\"$.a[*]\"}"),
                     ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "expected ',' or '}'"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "[{\"a\":1}] [{\"a\":2}]", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "more data after the JSON document"));
    harness_done(&h);

    /* Descent enters every container: its depth is bounded. */
    size_t depth = 5000;
    char *doc = malloc(2 * depth + 1);
    memset(doc, '[', depth);
    memset(doc + depth, ']', depth);
    doc[2 * depth] = 0;
    ck_assert_int_eq(run(&h, doc, "{\"json_path\":\"$..x\"}"), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "nested deeper than"));
    harness_done(&h);
    free(doc);

    /* Streamed: records of a large nested array across many chunks. */
    size_t n = 20000, cap = n * 64 + 64, len = 0;
    char *big = malloc(cap);
    len += (size_t)snprintf(big, cap, "{\"meta\":{\"n\":%zu},\"page\":{\"items\":[", n);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s{\"id\":%zu,\"tag\":\"t%zu\"}",
                                i ? "," : "", i, i);
    len += (size_t)snprintf(big + len, cap - len, "]}}");
    harness_write(&h, big, len, ".json");
    ck_assert_int_eq(harness_run(&h, &reader_json_ops, "{\"json_path\":\"$..items[*]\"}", 0),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), n);
    ck_assert_str_eq(harness_rec(&h, 12345), "{\"id\":\"i:12345\",\"tag\":\"s:t12345\"}");
    harness_done(&h);
    free(big);
}
END_TEST

START_TEST(json_path_config_is_checked)
{
    char field[64], msg[256];
    const char *bad[] = {"{\"json_path\":\"$[?(@.a > 1)]\"}", "{\"json_path\":\"$.a[0:2]\"}",
                         "{\"json_path\":\"$..*\"}",          "{\"json_path\":\"data.x\"}",
                         "{\"json_path\":5}",
                         "{\"json_path\":\"$.a\",\"array_path\":\"a\"}"};
    const char *reasons[] = {"filter expressions", "slices", "..*", "starts with $",
                             "must be a JSONPath", "not both"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *c = json_tokener_parse(bad[i]);
        ck_assert_int_eq(reader_json_ops.validate_config(c, field, sizeof(field), msg,
                                                         sizeof(msg)),
                         -1);
        ck_assert_str_eq(field, "json_path");
        ck_assert_msg(strstr(msg, reasons[i]) != NULL, "%s: %s", bad[i], msg);
        json_object_put(c);
    }
    json_object *ok = json_tokener_parse("{\"json_path\":\"$\",\"array_path\":\"a.b\"}");
    ck_assert_int_eq(reader_json_ops.validate_config(ok, field, sizeof(field), msg, sizeof(msg)),
                     0);
    json_object_put(ok);
}
END_TEST

/* max_record_bytes: a record past the cap fails the file with its number
 * and offset; records up to the cap, and a selected array's elements, read;
 * the default cap is 16 MiB. */
START_TEST(record_size_cap)
{
    struct harness h = {0};
    const char *doc = "[{\"a\":1},{\"s\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},{\"a\":2}]";
    ck_assert_int_eq(run(&h, doc, "{\"max_record_bytes\":32}"), ENGINE_BAD_INPUT);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_msg(strstr(h.error, "record 2 (byte 10) is larger than 32 bytes") != NULL, "%s",
                  h.error);
    ck_assert_msg(strstr(h.error, "max_record_bytes") != NULL, "%s", h.error);
    harness_done(&h);

    /* the second record is 58 bytes: exactly at a cap of 58 it reads */
    ck_assert_int_eq(run(&h, doc, "{\"max_record_bytes\":58}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"max_record_bytes\":57}"), ENGINE_BAD_INPUT);
    harness_done(&h);

    /* a single-object document is one record */
    ck_assert_int_eq(run(&h, "{\"a\":\"0123456789\"}", "{\"max_record_bytes\":10}"),
                     ENGINE_BAD_INPUT);
    ck_assert_msg(strstr(h.error, "record 1 (byte 1)") != NULL, "%s", h.error);
    harness_done(&h);

    /* a record larger than one read chunk under the default cap */
    size_t big = (1u << 20);
    char *text = malloc(big + 64);
    size_t len = (size_t)sprintf(text, "[{\"s\":\"");
    memset(text + len, 'y', big);
    len += big;
    len += (size_t)sprintf(text + len, "\"}]");
    harness_write(&h, text, len, ".json");
    ck_assert_int_eq(harness_run(&h, &reader_json_ops, NULL, 0), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    harness_done(&h);
    harness_write(&h, text, len, ".json");
    ck_assert_int_eq(harness_run(&h, &reader_json_ops, "{\"max_record_bytes\":1000}", 0),
                     ENGINE_BAD_INPUT);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    free(text);

    char field[64], msg[256];
    const char *bad[] = {"{\"max_record_bytes\":0}", "{\"max_record_bytes\":\"1\"}",
                         "{\"max_record_bytes\":268435457}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *c = json_tokener_parse(bad[i]);
        ck_assert_int_eq(reader_json_ops.validate_config(c, field, sizeof(field), msg,
                                                         sizeof(msg)),
                         -1);
        ck_assert_str_eq(field, "max_record_bytes");
        json_object_put(c);
    }
}
END_TEST

START_TEST(sniff_scores)
{
    const char *arr = "  [{\"a\":1}]";
    const char *obj = "{\n \"a\": 1\n}";
    const char *lines = "{\"a\":1}\n{\"a\":2}\n";
    ck_assert_int_ge(reader_json_ops.sniff((const unsigned char *)arr, strlen(arr), NULL), 80);
    ck_assert_int_ge(reader_json_ops.sniff((const unsigned char *)obj, strlen(obj), "x.json"), 80);
    ck_assert_int_le(reader_json_ops.sniff((const unsigned char *)lines, strlen(lines), NULL), 30);
    ck_assert_int_eq(reader_json_ops.sniff((const unsigned char *)"a,b\n1,2", 7, NULL), 0);
    ck_assert_int_eq(jflat_shape((const unsigned char *)lines, strlen(lines)), JFLAT_LINES);
    ck_assert_int_eq(jflat_shape((const unsigned char *)obj, strlen(obj)), JFLAT_OBJECT);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, top_level_array_keeps_types);
    tcase_add_test(tc, array_path_skips_other_members);
    tcase_add_test(tc, array_path_missing_or_not_array);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, record_size_cap);
    tcase_add_test(tc, flatten_nested_to_max_depth);
    tcase_add_test(tc, flattened_duplicate_keeps_first);
    tcase_add_test(tc, date_fields_parse_and_warn);
    tcase_add_test(tc, single_object_and_scalars);
    tcase_add_test(tc, empty_inputs);
    tcase_add_test(tc, malformed_documents);
    tcase_add_test(tc, deep_nesting_is_refused);
    tcase_add_test(tc, invalid_utf8_is_refused);
    tcase_add_test(tc, large_array_streams_across_chunks);
    tcase_add_test(tc, json_path_seed_examples);
    tcase_add_test(tc, json_path_descent_index_and_names);
    tcase_add_test(tc, json_path_that_selects_nothing);
    tcase_add_test(tc, json_path_walks_the_whole_document);
    tcase_add_test(tc, json_path_config_is_checked);
    tcase_add_test(tc, sniff_scores);
    suite_add_tcase(s, tc);
    return s;
}
