/* Declared field validation, email and UTF-8 checks, form and query parsing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "common/validate.h"

static const struct field_spec fields[] = {
    {"email", FIELD_EMAIL, true, 3, 254},
    {"password", FIELD_STRING, true, 8, 64},
    {"age", FIELD_INT, false, 0, 150},
    {"steps", FIELD_ARRAY, false, 0, 3},
};

static int check_json(const char *text, const char **field)
{
    json_object *v[4], *o = json_tokener_parse(text);
    char msg[128];
    ck_assert_ptr_nonnull(o);
    int rc = validate_fields(o, fields, 4, v, field, msg, sizeof(msg));
    json_object_put(o);
    return rc;
}

START_TEST(fields_ok_and_bad)
{
    const char *f;
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"12345678\"}", &f), 0);
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"12345678\",\"extra\":1}", &f), 0);
    ck_assert_int_eq(check_json("{\"password\":\"12345678\"}", &f), -1);
    ck_assert_str_eq(f, "email");
    ck_assert_int_eq(check_json("{\"email\":\"nope\",\"password\":\"12345678\"}", &f), -1);
    ck_assert_str_eq(f, "email");
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"short\"}", &f), -1);
    ck_assert_str_eq(f, "password");
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":12345678}", &f), -1);
    ck_assert_str_eq(f, "password");
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"12345678\",\"age\":151}", &f), -1);
    ck_assert_str_eq(f, "age");
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"12345678\",\"age\":null}", &f), 0);
    ck_assert_int_eq(check_json("{\"email\":\"a@b.co\",\"password\":\"12345678\",\"steps\":[1,2,3,4]}", &f), -1);
    ck_assert_str_eq(f, "steps");
}
END_TEST

START_TEST(emails)
{
    ck_assert(validate_email("user@example.com"));
    ck_assert(validate_email("first.last+tag@sub.example.org"));
    ck_assert(!validate_email("user@"));
    ck_assert(!validate_email("@example.com"));
    ck_assert(!validate_email("user@example"));
    ck_assert(!validate_email("us er@example.com"));
    ck_assert(!validate_email("a@b@c.com"));
    ck_assert(!validate_email("a@example..com"));
}
END_TEST

START_TEST(utf8)
{
    ck_assert(validate_utf8("plain", 5));
    ck_assert(validate_utf8("caf\xc3\xa9", 5));
    ck_assert(!validate_utf8("caf\xe9", 4));
    ck_assert(!validate_utf8("\xc0\xaf", 2));         /* overlong '/' */
    ck_assert(!validate_utf8("\xed\xa0\x80", 3));     /* surrogate */
    ck_assert(!validate_utf8("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    ck_assert(!validate_utf8("\xe2\x82", 2));         /* truncated */
}
END_TEST

START_TEST(forms)
{
    struct arena a;
    arena_init(&a, 1024);
    const char *form = "username=a%40b.co&password=p%26ss+word&empty=&flag";
    ck_assert_str_eq(form_value(&a, form, "username"), "a@b.co");
    ck_assert_str_eq(form_value(&a, form, "password"), "p&ss word");
    ck_assert_str_eq(form_value(&a, form, "empty"), "");
    ck_assert_str_eq(form_value(&a, form, "flag"), "");
    ck_assert_ptr_null(form_value(&a, form, "user"));
    ck_assert_ptr_null(form_value(&a, "", "x"));
    ck_assert_str_eq(url_decode(&a, "%zz%4", 5, false), "%zz%4");
    ck_assert_str_eq(url_decode(&a, "a+b%20c", 7, false), "a+b c");
    arena_free(&a);
}
END_TEST

START_TEST(lines_names_and_one_value)
{
    static const struct field_spec line = {"file_name", FIELD_LINE, true, 1, 255};
    static const struct field_spec name = {"username", FIELD_NAME, false, 1, 64};
    char msg[128];
    json_object *ok = json_object_new_string("a b.csv"), *crlf = json_object_new_string("a\r\nb");
    json_object *at = json_object_new_string("a@b"), *num = json_object_new_int(3);
    ck_assert_int_eq(validate_value(ok, &line, "file_name", msg, sizeof(msg)), 0);
    ck_assert_int_eq(validate_value(crlf, &line, "file_name", msg, sizeof(msg)), -1);
    ck_assert_str_eq(msg, "file_name must be one line of text");
    ck_assert_int_eq(validate_value(at, &name, "username", msg, sizeof(msg)), -1);
    ck_assert_int_eq(validate_value(num, &name, "items[2]", msg, sizeof(msg)), -1);
    ck_assert_str_eq(msg, "items[2] must be a string");
    ck_assert(validate_name("a.b_c-9"));
    ck_assert(!validate_name(""));
    ck_assert(!validate_name("a b"));
    json_object_put(ok);
    json_object_put(crlf);
    json_object_put(at);
    json_object_put(num);
}
END_TEST

Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("all");
    tcase_add_test(tc, fields_ok_and_bad);
    tcase_add_test(tc, emails);
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, forms);
    tcase_add_test(tc, lines_names_and_one_value);
    suite_add_tcase(s, tc);
    return s;
}
