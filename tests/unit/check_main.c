/* check_main.c — the one main() of the unit tests. Every tests/unit/test_*.c
 * exports its suite; unit_suites.c (generated from UNIT_TESTS in local.mk)
 * lists them. Each case is reported in TAP on standard output, which
 * automake's TAP driver counts; Check's own summary follows for a reader. */
#include <check.h>
#include <stdlib.h>

extern Suite *(*const unit_suites[])(void);

int main(void)
{
    /* Check's default of 4 s per case is for a quiet machine: an
     * AddressSanitizer build on two busy cores ran past it. A case that sets
     * its own timeout keeps it; CK_DEFAULT_TIMEOUT in the environment wins. */
    setenv("CK_DEFAULT_TIMEOUT", "60", 0);
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; unit_suites[i] != NULL; i++)
        srunner_add_suite(sr, unit_suites[i]());
    srunner_set_tap(sr, "-");
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
