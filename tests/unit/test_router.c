/* The route table matcher: literal segments, {params}, methods, no trailing slash. */
#include <check.h>
#include <stdlib.h>

#include "api/router.h"

static void h(struct request *req) { (void)req; }

static const struct route routes[] = {
    {"GET", "/api/v1/jobs", h, ROUTE_USER},
    {"POST", "/api/v1/jobs", h, ROUTE_USER},
    {"GET", "/api/v1/jobs/{id}", h, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/cancel", h, ROUTE_USER},
    {"POST", "/api/v1/clients/{krn}/members", h, ROUTE_ADMIN},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static struct arena arena;

static enum route_match match(const char *method, const char *path, const struct route **r,
                              const char **params, int *n)
{
    return router_match(routes, N, &arena, method, path, r, params, 4, n);
}

START_TEST(literal_and_method)
{
    const struct route *r = NULL;
    const char *p[4];
    int n = -1;
    ck_assert_int_eq(match("GET", "/api/v1/jobs", &r, p, &n), ROUTE_FOUND);
    ck_assert_ptr_eq(r, &routes[0]);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(match("POST", "/api/v1/jobs", &r, p, &n), ROUTE_FOUND);
    ck_assert_ptr_eq(r, &routes[1]);
    ck_assert_int_eq(match("DELETE", "/api/v1/jobs", &r, p, &n), ROUTE_NO_METHOD);
    ck_assert_int_eq(match("HEAD", "/api/v1/jobs", &r, p, &n), ROUTE_FOUND);
    ck_assert_ptr_eq(r, &routes[0]);
}
END_TEST

START_TEST(params_are_decoded)
{
    const struct route *r = NULL;
    const char *p[4];
    int n = 0;
    ck_assert_int_eq(match("GET", "/api/v1/jobs/abc", &r, p, &n), ROUTE_FOUND);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(p[0], "abc");
    ck_assert_int_eq(match("POST", "/api/v1/clients/krn%3Aacme%3Aclient%3A7/members", &r, p, &n),
                     ROUTE_FOUND);
    ck_assert_str_eq(p[0], "krn:acme:client:7");
    /* An encoded slash stays inside its segment. */
    ck_assert_int_eq(match("GET", "/api/v1/jobs/a%2Fb", &r, p, &n), ROUTE_FOUND);
    ck_assert_str_eq(p[0], "a/b");
}
END_TEST

START_TEST(no_match)
{
    const struct route *r = NULL;
    const char *p[4];
    int n = 0;
    ck_assert_int_eq(match("GET", "/api/v1/job", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/jobs//cancel", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/jobs/x/y", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "/", &r, p, &n), ROUTE_NO_PATH);
    /* One canonical path per route: a trailing '/' is another path. */
    ck_assert_int_eq(match("GET", "/api/v1/jobs/", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("POST", "/api/v1/jobs/x/cancel/", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/jobs/x/", &r, p, &n), ROUTE_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/jobs/x/cancel", &r, p, &n), ROUTE_NO_METHOD);
}
END_TEST

static void arena_setup(void)
{
    arena_init(&arena, 4096);
}

static void arena_teardown(void)
{
    arena_free(&arena);
}

Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("match");
    tcase_add_unchecked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_test(tc, literal_and_method);
    tcase_add_test(tc, params_are_decoded);
    tcase_add_test(tc, no_match);
    suite_add_tcase(s, tc);
    return s;
}
