/* test_json_path.c — the JSONPath subset of json_path.c: what compiles,
 * what is refused and why, and the state sets the JSON reader walks with. */
#include <check.h>
#include <string.h>

#include "process/json_path.h"

static struct jpath path;

static void compile_ok(const char *expr)
{
    char msg[256] = "";
    ck_assert_msg(jpath_compile(expr, &path, msg, sizeof(msg)) == 0, "%s: %s", expr, msg);
}

static void step_is(int i, enum jpath_kind kind, const char *name, long long index)
{
    ck_assert_int_gt(path.n, i);
    ck_assert_int_eq(path.steps[i].kind, kind);
    if (name != NULL) {
        ck_assert_uint_eq(path.steps[i].name_len, strlen(name));
        ck_assert_mem_eq(path.steps[i].name, name, strlen(name));
    }
    if (kind == JPATH_INDEX)
        ck_assert_int_eq(path.steps[i].index, index);
}

START_TEST(the_seed_forms_compile)
{
    compile_ok("$");
    ck_assert_int_eq(path.n, 0);
    compile_ok("$.data.customers[*]");
    ck_assert_int_eq(path.n, 3);
    step_is(0, JPATH_MEMBER, "data", 0);
    step_is(1, JPATH_MEMBER, "customers", 0);
    step_is(2, JPATH_ANY, NULL, 0);
    compile_ok("$..x");
    ck_assert_int_eq(path.n, 1);
    step_is(0, JPATH_DESCEND, "x", 0);
    compile_ok("$.a[0].b");
    ck_assert_int_eq(path.n, 3);
    step_is(0, JPATH_MEMBER, "a", 0);
    step_is(1, JPATH_INDEX, NULL, 0);
    step_is(2, JPATH_MEMBER, "b", 0);
}
END_TEST

START_TEST(other_forms_compile)
{
    compile_ok("$['first name'][\"la\\\"st\"][ 12 ].*");
    ck_assert_int_eq(path.n, 4);
    step_is(0, JPATH_MEMBER, "first name", 0);
    step_is(1, JPATH_MEMBER, "la\"st", 0);
    step_is(2, JPATH_INDEX, NULL, 12);
    step_is(3, JPATH_ANY, NULL, 0);
    compile_ok("$..['a.b'][*]");
    step_is(0, JPATH_DESCEND, "a.b", 0);
    step_is(1, JPATH_ANY, NULL, 0);
    compile_ok("$.caf\xc3\xa9.$ref.a-b_c");
    step_is(0, JPATH_MEMBER, "caf\xc3\xa9", 0);
    step_is(1, JPATH_MEMBER, "$ref", 0);
    step_is(2, JPATH_MEMBER, "a-b_c", 0);
    compile_ok("$['']");
    step_is(0, JPATH_MEMBER, "", 0);
}
END_TEST

START_TEST(unsupported_forms_are_refused_with_a_reason)
{
    struct {
        const char *expr, *reason;
    } cases[] = {
        {"", "starts with $"},
        {"data.customers", "starts with $"},
        {"$[?(@.price < 10)]", "filter expressions"},
        {"$[(@.length-1)]", "script expressions"},
        {"$[-1]", "negative indexes"},
        {"$[0:2]", "slices"},
        {"$[:2]", "slices"},
        {"$[0,1]", "unions"},
        {"$['a','b']", "unions"},
        {"$..*", "..* is not supported"},
        {"$..[0]", "quoted name"},
        {"$.", "a name must follow"},
        {"$.a..", "a name must follow"},
        {"$.[0]", "a name must follow"},
        {"$['a", "not closed"},
        {"$['a\\n']", "may be escaped"},
        {"$[0", "expected ]"},
        {"$[x]", "unexpected character"},
        {"$a", "expected '.'"},
        {"$.a b", "expected '.'"},
        {"$.a[9999999999]", "too large"},
        {"@.a", "starts with $"},
        {"$.a@", "only meaningful in filters"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char msg[256] = "";
        ck_assert_msg(jpath_compile(cases[i].expr, &path, msg, sizeof(msg)) == -1, "%s",
                      cases[i].expr);
        ck_assert_msg(strstr(msg, cases[i].reason) != NULL, "%s: %s", cases[i].expr, msg);
    }
}
END_TEST

START_TEST(limits)
{
    char expr[JPATH_MAX_LEN + 8], msg[256];
    /* 32 steps compile, 33 do not. */
    strcpy(expr, "$");
    for (int i = 0; i < 32; i++)
        strcat(expr, ".a");
    ck_assert_int_eq(jpath_compile(expr, &path, msg, sizeof(msg)), 0);
    ck_assert_int_eq(path.n, 32);
    strcat(expr, ".a");
    ck_assert_int_eq(jpath_compile(expr, &path, msg, sizeof(msg)), -1);
    ck_assert_ptr_nonnull(strstr(msg, "more than 32 steps"));
    /* The longest expression: one name of JPATH_MAX_LEN - 2 characters. */
    memset(expr, 'x', sizeof(expr));
    expr[0] = '$';
    expr[1] = '.';
    expr[JPATH_MAX_LEN] = '\0';
    ck_assert_int_eq(jpath_compile(expr, &path, msg, sizeof(msg)), 0);
    ck_assert_uint_eq(path.steps[0].name_len, JPATH_MAX_LEN - 2);
    expr[JPATH_MAX_LEN] = 'x';
    expr[JPATH_MAX_LEN + 1] = '\0';
    ck_assert_int_eq(jpath_compile(expr, &path, msg, sizeof(msg)), -1);
    ck_assert_ptr_nonnull(strstr(msg, "longer than"));
    /* The same bound for the dotted keys of array_path, and no empty key. */
    ck_assert_int_eq(jpath_from_dotted("data.customers", &path), 0);
    step_is(1, JPATH_MEMBER, "customers", 0);
    ck_assert_int_eq(jpath_from_dotted("a..b", &path), -1);
}
END_TEST

START_TEST(states_follow_members_and_elements)
{
    compile_ok("$.data.customers[*]");
    uint64_t root = jpath_root();
    ck_assert(!jpath_selected(&path, root));
    ck_assert(jpath_wants_key(&path, root));
    ck_assert_uint_eq(jpath_member(&path, root, "meta", 4), 0);
    uint64_t data = jpath_member(&path, root, "data", 4);
    ck_assert_uint_ne(data, 0);
    ck_assert_uint_eq(jpath_element(&path, root, 0), 0);
    uint64_t list = jpath_member(&path, data, "customers", 9);
    ck_assert(!jpath_selected(&path, list));
    ck_assert(!jpath_wants_key(&path, list));
    ck_assert(jpath_selected(&path, jpath_element(&path, list, 0)));
    ck_assert(jpath_selected(&path, jpath_member(&path, list, "k", 1))); /* [*] on an object */

    compile_ok("$.a[1]");
    uint64_t a = jpath_member(&path, root, "a", 1);
    ck_assert(!jpath_selected(&path, jpath_element(&path, a, 0)));
    ck_assert(jpath_selected(&path, jpath_element(&path, a, 1)));
    ck_assert_uint_eq(jpath_member(&path, a, "1", 1), 0);
}
END_TEST

START_TEST(descent_keeps_looking_deeper)
{
    compile_ok("$..x[0]");
    uint64_t root = jpath_root();
    uint64_t other = jpath_member(&path, root, "y", 1);
    ck_assert_uint_eq(other, root); /* still looking */
    uint64_t deeper = jpath_element(&path, other, 5);
    ck_assert_uint_eq(deeper, root);
    uint64_t x = jpath_member(&path, deeper, "x", 1);
    ck_assert_uint_eq(x, root | 2); /* found, and still looking below it */
    ck_assert(jpath_selected(&path, jpath_element(&path, x, 0)));
    ck_assert(!jpath_selected(&path, jpath_element(&path, x, 1)));
}
END_TEST

Suite *json_path_suite(void)
{
    Suite *s = suite_create("json_path");
    TCase *tc = tcase_create("json_path");
    tcase_add_test(tc, the_seed_forms_compile);
    tcase_add_test(tc, other_forms_compile);
    tcase_add_test(tc, unsupported_forms_are_refused_with_a_reason);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, states_follow_members_and_elements);
    tcase_add_test(tc, descent_keeps_looking_deeper);
    suite_add_tcase(s, tc);
    return s;
}
