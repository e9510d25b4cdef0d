/* check_main.c — the one main() of the unit tests. Every tests/unit/test_*.c
 * exports its suite; unit_suites.c (generated from UNIT_TESTS in local.mk)
 * lists them. Each case is reported in TAP on standard output, which
 * automake's TAP driver counts; Check's own summary follows for a reader. */
#include <check.h>
#include <stdlib.h>

extern Suite *(*const unit_suites[])(void);

int main(void)
{
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; unit_suites[i] != NULL; i++)
        srunner_add_suite(sr, unit_suites[i]());
    srunner_set_tap(sr, "-");
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
