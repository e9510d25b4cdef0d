/* test_xml.c — the streamed XML reader (read_xml.c): record detection,
 * flattening of attributes, text and nested elements, namespaces, and the
 * refusal of entity declarations (billion laughs, XXE). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "process/record.h"
#include "reader_harness.h"

extern const struct reader_ops reader_xml_ops;

static int run(struct harness *h, const char *text, const char *config)
{
    harness_write(h, text, strlen(text), ".xml");
    return harness_run(h, &reader_xml_ops, config, 0);
}

static const char *catalog =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<catalog>\n"
    "  <meta><count>2</count></meta>\n"
    "  <book id=\"1\">\n"
    "    <title>Dune</title>\n"
    "    <price currency=\"EUR\">12.50</price>\n"
    "    <author><name>Frank</name><born><year>1920</year></born></author>\n"
    "    <tag>sf</tag><tag>classic</tag>\n"
    "    <note/>\n"
    "  </book>\n"
    "  <book id=\"2\"><title><![CDATA[A & B]]></title><price>5</price></book>\n"
    "</catalog>\n";

START_TEST(detects_repeated_child_and_flattens)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, catalog, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"t:1\",\"title\":\"t:Dune\",\"price_currency\":\"t:EUR\","
                     "\"price\":\"t:12.50\",\"author_name\":\"t:Frank\",\"author_born_year\":"
                     "\"t:1920\",\"tag\":\"j:[\\\"sf\\\",\\\"classic\\\"]\",\"note\":null}");
    ck_assert_str_eq(harness_rec(&h, 1),
                     "{\"id\":\"t:2\",\"title\":\"t:A & B\",\"price\":\"t:5\"}");
    ck_assert_str_eq(harness_meta_str(&h, "root_element"), "catalog");
    ck_assert_str_eq(harness_meta_str(&h, "record_element"), "book");
    ck_assert_str_eq(harness_meta_str(&h, "records_found"), "2");
    ck_assert_str_eq(harness_meta_str(&h, "attributes_flattened"), "true");
    ck_assert_str_eq(harness_meta_str(&h, "attributes_count"), "3");
    ck_assert_str_eq(harness_meta_str(&h, "record_element_detected"), "true");
    harness_done(&h);
}
END_TEST

START_TEST(max_depth_and_flatten_nested)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, catalog, "{\"max_depth\":1}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"t:1\",\"title\":\"t:Dune\",\"price_currency\":\"t:EUR\","
                     "\"price\":\"t:12.50\",\"author_name\":\"t:Frank\",\"author_born\":"
                     "\"j:{\\\"year\\\":\\\"1920\\\"}\",\"tag\":\"j:[\\\"sf\\\",\\\"classic\\\"]\","
                     "\"note\":null}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, catalog, "{\"flatten_nested\":false,\"flatten_attributes\":false}"),
                     ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"@id\":\"t:1\",\"title\":\"t:Dune\",\"price\":\"j:{\\\"@currency\\\":"
                     "\\\"EUR\\\",\\\"_text\\\":\\\"12.50\\\"}\",\"author\":\"j:{\\\"name\\\":"
                     "\\\"Frank\\\",\\\"born\\\":{\\\"year\\\":\\\"1920\\\"}}\",\"tag\":"
                     "\"j:[\\\"sf\\\",\\\"classic\\\"]\",\"note\":null}");
    ck_assert_str_eq(harness_meta_str(&h, "attributes_flattened"), "false");
    ck_assert_str_eq(harness_meta_str(&h, "attributes_count"), "0");
    harness_done(&h);
}
END_TEST

START_TEST(record_and_root_element_options)
{
    struct harness h = {0};
    const char *doc = "<export><head><item>not a record</item></head>"
                      "<items><item><a>1</a></item><item><a>2</a></item></items></export>";
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"item\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"root_element\":\"items\",\"record_element\":\"item\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"a\":\"t:2\"}");
    /* root_element in the metadata: the element that holds the records */
    ck_assert_str_eq(harness_meta_str(&h, "root_element"), "items");
    ck_assert_str_eq(harness_meta_str(&h, "document_element"), "export");
    harness_done(&h);
    /* root_element alone: its repeated child is detected */
    ck_assert_int_eq(run(&h, doc, "{\"root_element\":\"items\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_meta_str(&h, "record_element"), "item");
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"root_element\":\"nope\"}"), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "nope"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"root_element\":\"nope\",\"record_element\":\"item\"}"),
                     ENGINE_BAD_INPUT);
    harness_done(&h);
}
END_TEST

START_TEST(text_field_name_for_mixed_content)
{
    struct harness h = {0};
    const char *doc = "<r><e kind=\"x\">hello<b>bold</b></e><e kind=\"y\">bye</e></r>";
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"kind\":\"t:x\",\"_text\":\"t:hello\",\"b\":\"t:bold\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"kind\":\"t:y\",\"_text\":\"t:bye\"}");
    ck_assert_str_eq(harness_meta_str(&h, "text_field_name"), "_text");
    harness_done(&h);
    /* A child element named like the text field loses to the text. */
    ck_assert_int_eq(run(&h, "<r><e>hi<_text>child</_text></e></r>", NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"_text\":\"t:hi\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, "<r><e>hi<_text>child</_text></e></r>", "{\"text_field_name\":\"#text\"}"),
                     ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"#text\":\"t:hi\",\"_text\":\"t:child\"}");
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"text_field_name\":\"value\"}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 1), "{\"kind\":\"t:y\",\"value\":\"t:bye\"}");
    harness_done(&h);
}
END_TEST

START_TEST(namespaces)
{
    struct harness h = {0};
    const char *doc = "<feed xmlns=\"urn:default\" xmlns:p=\"urn:product\">"
                      "<p:item p:sku=\"A1\"><p:name>Pen</p:name><price>2</price></p:item>"
                      "<p:item p:sku=\"B2\"><p:name>Ink</p:name><price>3</price></p:item></feed>";
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"sku\":\"t:A1\",\"name\":\"t:Pen\",\"price\":\"t:2\"}");
    ck_assert_str_eq(harness_meta_str(&h, "record_element"), "item");
    json_object *ns;
    ck_assert(json_object_object_get_ex(h.metadata, "namespaces_detected", &ns));
    ck_assert_str_eq(json_object_to_json_string_ext(ns, JSON_C_TO_STRING_PLAIN), "[\"\",\"p\"]");
    ck_assert(json_object_object_get_ex(h.metadata, "namespace_uris", &ns));
    ck_assert_str_eq(json_object_to_json_string_ext(ns, JSON_C_TO_STRING_PLAIN),
                     "{\"\":\"urn:default\",\"p\":\"urn:product\"}");
    harness_done(&h);

    ck_assert_int_eq(run(&h, doc, "{\"namespace_aware\":true}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"{urn:product}sku\":\"t:A1\",\"{urn:product}name\":\"t:Pen\","
                     "\"{urn:default}price\":\"t:2\"}");
    ck_assert_str_eq(harness_meta_str(&h, "record_element"), "{urn:product}item");
    harness_done(&h);

    ck_assert_int_eq(run(&h, doc, "{\"namespace_aware\":true,\"namespaces\":{\"prod\":"
                                  "\"urn:product\"},\"record_element\":\"prod:item\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 1),
                     "{\"prod:sku\":\"t:B2\",\"prod:name\":\"t:Ink\",\"{urn:default}price\":"
                     "\"t:3\"}");
    harness_done(&h);

    /* a record_element in another namespace matches nothing */
    ck_assert_int_eq(run(&h, doc, "{\"namespace_aware\":true,\"record_element\":"
                                  "\"{urn:other}item\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
}
END_TEST

START_TEST(bad_config_is_refused)
{
    char field[64], msg[256];
    const char *bad[] = {"{\"record_element\":\"x:item\"}", "{\"record_element\":3}",
                         "{\"text_field_name\":\"\"}",     "{\"namespaces\":[1]}",
                         "{\"flatten_attributes\":\"yes\"}", "{\"root_element\":\"{}a\"}"};
    const char *fields[] = {"record_element",     "record_element", "text_field_name",
                            "namespaces",         "flatten_attributes", "root_element"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *c = json_tokener_parse(bad[i]);
        ck_assert_int_eq(reader_xml_ops.validate_config(c, field, sizeof(field), msg,
                                                        sizeof(msg)),
                         -1);
        ck_assert_str_eq(field, fields[i]);
        json_object_put(c);
    }
}
END_TEST

START_TEST(billion_laughs_is_refused)
{
    struct harness h = {0};
    const char *doc =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n"
        "<lolz><r><a>&lol9;</a></r><r><a>x</a></r></lolz>\n";
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "entities"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"r\"}"), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "entities"));
    harness_done(&h);
}
END_TEST

START_TEST(quadratic_blowup_and_xxe_are_refused)
{
    struct harness h = {0};
    /* one big entity used many times, after enough records that the
     * declaration is seen before the references are reached */
    size_t n = 20000;
    char *doc = malloc(n + 4096 + 20 * 1000);
    char *p = doc + sprintf(doc, "<!DOCTYPE r [<!ENTITY big \"");
    memset(p, 'x', n);
    p += n;
    p += sprintf(p, "\">]><r>");
    for (int i = 0; i < 1000; i++)
        p += sprintf(p, "<i>&big;</i>");
    strcpy(p, "</r>");
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "entities"));
    harness_done(&h);
    free(doc);

    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "
                      "\"file:///etc/passwd\">]><r><i><a>&xxe;</a></i><i><a>2</a></i></r>";
    ck_assert_int_eq(run(&h, xxe, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "entities"));
    harness_done(&h);

    /* a plain DOCTYPE without entities is fine */
    ck_assert_int_eq(run(&h, "<!DOCTYPE r><r><i>1</i><i>2</i></r>", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    harness_done(&h);
}
END_TEST

START_TEST(malformed_and_empty)
{
    struct harness h = {0};
    ck_assert_int_eq(run(&h, "", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "empty"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "<r><i>1</i><i>2</r>", NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "invalid XML at line 1"));
    harness_done(&h);
    ck_assert_int_eq(run(&h, "<r><i>\xC3\x28</i></r>", NULL), ENGINE_BAD_INPUT);
    harness_done(&h);
    ck_assert_int_eq(run(&h, "<r/>", NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);
    ck_assert_int_eq(run(&h, "<r>&undefined;</r>", NULL), ENGINE_BAD_INPUT);
    harness_done(&h);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    struct harness h = {0};
    size_t depth = 10000;
    char *doc = malloc(depth * 7 + 64);
    char *p = doc + sprintf(doc, "<r><i>");
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "<a>");
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "</a>");
    strcpy(p, "</i></r>");
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_BAD_INPUT);
    harness_done(&h);
    free(doc);
}
END_TEST

START_TEST(many_records_stream)
{
    struct harness h = {0};
    size_t n = 30000;
    char *doc = malloc(n * 64 + 64);
    char *p = doc + sprintf(doc, "<rows>\n");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "<row n=\"%zu\"><v>%zu</v></row>\n", i, i * 2);
    strcpy(p, "</rows>\n");
    ck_assert_int_eq(run(&h, doc, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), n);
    ck_assert_str_eq(harness_rec(&h, 29999), "{\"n\":\"t:29999\",\"v\":\"t:59998\"}");
    harness_done(&h);
    free(doc);
}
END_TEST

START_TEST(sniff_scores)
{
    const char *decl = "<?xml version=\"1.0\"?><a/>";
    const char *bare = "\n  <rows><row/></rows>";
    ck_assert_int_ge(reader_xml_ops.sniff((const unsigned char *)decl, strlen(decl), NULL), 90);
    ck_assert_int_ge(reader_xml_ops.sniff((const unsigned char *)bare, strlen(bare), NULL), 70);
    ck_assert_int_eq(reader_xml_ops.sniff((const unsigned char *)"a,b", 3, "x.xml"), 0);
    ck_assert_int_eq(reader_xml_ops.sniff((const unsigned char *)"<3 love", 7, NULL), 0);
}
END_TEST

/* max_record_bytes: a record element whose names, attribute values and
 * text pass the cap is a row error (RECORD_TOO_LARGE) and the next record
 * is read; up to the cap it reads. */
START_TEST(record_size_cap)
{
    struct harness h = {0};
    const char *doc = "<r><i a=\"xy\">hello</i>"
                      "<i>0123456789012345678901234567890123456789</i>"
                      "<i><b>ok</b></i></r>";
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"i\",\"max_record_bytes\":20}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_uint_eq(h.rejected, 1);
    ck_assert_str_eq(harness_err(&h, 0), "2:error:RECORD_TOO_LARGE");
    ck_assert_str_eq(harness_meta_str(&h, "records_too_large"), "1");
    harness_done(&h);
    /* the first record is 9 bytes (i, a, xy, hello) */
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"i\",\"max_record_bytes\":9}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    harness_done(&h);
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"i\",\"max_record_bytes\":8}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_err(&h, 0), "1:error:RECORD_TOO_LARGE");
    harness_done(&h);
    /* the default cap reads them all */
    ck_assert_int_eq(run(&h, doc, "{\"record_element\":\"i\"}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    harness_done(&h);
    char field[64], msg[256];
    json_object *c = json_tokener_parse("{\"max_record_bytes\":0}");
    ck_assert_int_eq(reader_xml_ops.validate_config(c, field, sizeof(field), msg, sizeof(msg)), -1);
    ck_assert_str_eq(field, "max_record_bytes");
    json_object_put(c);
}
END_TEST

Suite *xml_suite(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("xml");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, detects_repeated_child_and_flattens);
    tcase_add_test(tc, record_size_cap);
    tcase_add_test(tc, max_depth_and_flatten_nested);
    tcase_add_test(tc, record_and_root_element_options);
    tcase_add_test(tc, text_field_name_for_mixed_content);
    tcase_add_test(tc, namespaces);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, billion_laughs_is_refused);
    tcase_add_test(tc, quadratic_blowup_and_xxe_are_refused);
    tcase_add_test(tc, malformed_and_empty);
    tcase_add_test(tc, deep_nesting_is_refused);
    tcase_add_test(tc, many_records_stream);
    tcase_add_test(tc, sniff_scores);
    suite_add_tcase(s, tc);
    return s;
}
