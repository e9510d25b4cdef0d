/* Settings (common/config.c): api_threads, quarry-api's threads per worker. */
#include <check.h>
#include <stdlib.h>

#include "common/config.h"

static int load_with_threads(const char *value, struct config *cfg)
{
    char err[256];
    unsetenv("QUARRY_CONFIG");
    if (value != NULL)
        setenv("QUARRY_API_THREADS", value, 1);
    else
        unsetenv("QUARRY_API_THREADS");
    int rc = config_load_settings(cfg, err, sizeof(err));
    unsetenv("QUARRY_API_THREADS");
    return rc;
}

START_TEST(api_threads)
{
    struct config cfg;
    ck_assert_int_eq(load_with_threads(NULL, &cfg), 0);
    ck_assert_int_eq(cfg.api_threads, 1); /* the prefork pool by default */
    ck_assert_int_eq(load_with_threads("8", &cfg), 0);
    ck_assert_int_eq(cfg.api_threads, 8);
    ck_assert_int_eq(load_with_threads("256", &cfg), 0);
    ck_assert_int_eq(cfg.api_threads, API_THREADS_MAX);
    ck_assert_int_eq(load_with_threads("0", &cfg), -1);
    ck_assert_int_eq(load_with_threads("257", &cfg), -1);
    ck_assert_int_eq(load_with_threads("four", &cfg), -1);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, api_threads);
    suite_add_tcase(s, tc);
    return s;
}
