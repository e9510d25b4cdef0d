/* The dispatcher's pure decisions: how a run's end maps to its job's outcome,
 * and the time limit of a job. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/job_queue.h"
#include "jobd/outcome.h"

/* wait(2) status words, built as the kernel does. */
#define EXITED(code) (((code) & 0xff) << 8)
#define SIGNALED(sig) ((sig) & 0x7f)

START_TEST(exit_zero_without_stop_checks_the_row)
{
    struct jobd_outcome o;
    jobd_outcome_for(EXITED(0), JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_FAIL);
    ck_assert_str_eq(o.message, "processing ended without a result");
}
END_TEST

START_TEST(killed_by_signal_is_readable)
{
    struct jobd_outcome o;
    jobd_outcome_for(SIGNALED(SIGKILL), JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_FAIL);
    ck_assert_str_eq(o.message, "quarry-process was killed by signal 9");
    jobd_outcome_for(SIGNALED(SIGSEGV), JOBD_STOP_NONE, 60, &o);
    ck_assert_str_eq(o.message, "quarry-process was killed by signal 11");
}
END_TEST

START_TEST(exit_codes_carry_their_reason)
{
    struct jobd_outcome o;
    jobd_outcome_for(EXITED(JOB_EXIT_DATABASE), JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_FAIL);
    ck_assert_str_eq(o.message, "quarry-process exited with status 3: the job could not be read "
                                "or written in the database");
    jobd_outcome_for(EXITED(1), JOBD_STOP_NONE, 60, &o);
    ck_assert_ptr_nonnull(strstr(o.message, "exited with status 1: an unexpected error"));
    jobd_outcome_for(EXITED(77), JOBD_STOP_NONE, 60, &o);
    ck_assert_ptr_nonnull(strstr(o.message, "exited with status 77: "));
    jobd_outcome_for(EXITED(JOB_EXIT_STOPPED), JOBD_STOP_NONE, 60, &o);
    ck_assert_str_eq(o.message, "quarry-process exited with status 5: stopped by SIGTERM");
}
END_TEST

START_TEST(cancel_wins_over_how_it_ended)
{
    struct jobd_outcome o;
    int endings[] = {EXITED(0), EXITED(JOB_EXIT_STOPPED), SIGNALED(SIGKILL), -1};
    for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
        jobd_outcome_for(endings[i], JOBD_STOP_CANCEL, 60, &o);
        ck_assert_int_eq(o.action, JOBD_CANCEL);
    }
}
END_TEST

START_TEST(timeout_fails_with_the_limit)
{
    struct jobd_outcome o;
    jobd_outcome_for(SIGNALED(SIGKILL), JOBD_STOP_TIMEOUT, 3, &o);
    ck_assert_int_eq(o.action, JOBD_FAIL);
    ck_assert_str_eq(o.message, "time limit of 3 s exceeded");
    jobd_outcome_for(EXITED(JOB_EXIT_STOPPED), JOBD_STOP_TIMEOUT, 3600, &o);
    ck_assert_str_eq(o.message, "time limit of 3600 s exceeded");
}
END_TEST

START_TEST(shutdown_requeues)
{
    struct jobd_outcome o;
    jobd_outcome_for(EXITED(JOB_EXIT_STOPPED), JOBD_STOP_SHUTDOWN, 60, &o);
    ck_assert_int_eq(o.action, JOBD_REQUEUE);
    jobd_outcome_for(SIGNALED(SIGKILL), JOBD_STOP_SHUTDOWN, 60, &o);
    ck_assert_int_eq(o.action, JOBD_REQUEUE);
}
END_TEST

START_TEST(unknown_status_goes_to_recovery)
{
    struct jobd_outcome o;
    jobd_outcome_for(-1, JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_RECOVER);
}
END_TEST

START_TEST(time_limit_takes_the_smaller)
{
    ck_assert_int_eq(jobd_time_limit(3600, NULL), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "{}"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": 5}"), 5);
    ck_assert_int_eq(jobd_time_limit(10, "{\"timeout_seconds\": 50}"), 10);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": 2.5}"), 3);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": 0.1}"), 1);
}
END_TEST

START_TEST(time_limit_ignores_nonsense)
{
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": 0}"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": -4}"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": \"5\"}"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "{\"timeout_seconds\": 1e300}"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "not json"), 3600);
    ck_assert_int_eq(jobd_time_limit(3600, "[1,2]"), 3600);
}
END_TEST

START_TEST(time_limit_zero_means_none)
{
    ck_assert_int_eq(jobd_time_limit(0, NULL), 0);
    ck_assert_int_eq(jobd_time_limit(0, "{\"timeout_seconds\": 7}"), 7);
}
END_TEST

static Suite *jobd_suite(void)
{
    Suite *s = suite_create("jobd");
    TCase *outcome = tcase_create("outcome");
    tcase_add_test(outcome, exit_zero_without_stop_checks_the_row);
    tcase_add_test(outcome, killed_by_signal_is_readable);
    tcase_add_test(outcome, exit_codes_carry_their_reason);
    tcase_add_test(outcome, cancel_wins_over_how_it_ended);
    tcase_add_test(outcome, timeout_fails_with_the_limit);
    tcase_add_test(outcome, shutdown_requeues);
    tcase_add_test(outcome, unknown_status_goes_to_recovery);
    suite_add_tcase(s, outcome);
    TCase *limit = tcase_create("time_limit");
    tcase_add_test(limit, time_limit_takes_the_smaller);
    tcase_add_test(limit, time_limit_ignores_nonsense);
    tcase_add_test(limit, time_limit_zero_means_none);
    suite_add_tcase(s, limit);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jobd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
