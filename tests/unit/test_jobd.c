/* The dispatcher's decisions (how a run's end maps to its job's outcome, the
 * time limit of a job), how it spawns a worker (descriptors, stdin, process
 * group) and how retention removes a job's objects. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/job_queue.h"
#include "jobd/outcome.h"
#include "jobd/retention.h"
#include "jobd/spawn.h"

#define JOB_ID "0b6f6a52-3a52-4d1c-9a36-5b8d1e0c2f11"

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

START_TEST(killed_by_signal_is_retried_with_its_reason)
{
    struct jobd_outcome o;
    jobd_outcome_for(SIGNALED(SIGKILL), JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_RECOVER);
    ck_assert_str_eq(o.message, "quarry-process was killed by signal 9 (SIGKILL)");
    jobd_outcome_for(SIGNALED(SIGSEGV), JOBD_STOP_NONE, 60, &o);
    ck_assert_int_eq(o.action, JOBD_RECOVER);
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
    ck_assert_ptr_nonnull(strstr(o.message, "adopted"));
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

/* ---- spawn ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/quarry-test-jobd.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static char *read_all(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(spawn_closes_descriptors_and_leads_its_group)
{
    char bin[128], out[128], env[160], fdvar[32], report[512];
    make_tmpdir();
    snprintf(bin, sizeof(bin), "%s/worker", tmpdir);
    snprintf(out, sizeof(out), "%s/report", tmpdir);
    /* The worker reports its arguments, stdin, whether the descriptor the
     * parent left open (no close-on-exec, as libfcgi does) reached it, and
     * whether it leads its own process group. */
    write_file(bin,
               "#!/bin/sh\n"
               "{ echo \"args=$1,$2\"; echo \"stdin=$(readlink /proc/$$/fd/0)\";\n"
               "  if [ -e /proc/$$/fd/$LEAK_FD ]; then echo leaked; else echo closed; fi;\n"
               "  set -- $(sed 's/.*) //' /proc/$$/stat); [ \"$3\" = $$ ] && echo leader;\n"
               "} > \"$REPORT\"\n",
               0755);
    int leak = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
    ck_assert_int_gt(leak, 2);
    snprintf(env, sizeof(env), "%s", out);
    snprintf(fdvar, sizeof(fdvar), "%d", leak);
    setenv("REPORT", env, 1);
    setenv("LEAK_FD", fdvar, 1);
    pid_t pid = 0;
    ck_assert_int_eq(spawn_worker(bin, JOB_ID, &pid), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    read_all(out, report, sizeof(report));
    ck_assert_ptr_nonnull(strstr(report, "args=job," JOB_ID "\n"));
    ck_assert_ptr_nonnull(strstr(report, "stdin=/dev/null\n"));
    ck_assert_ptr_nonnull(strstr(report, "closed\n"));
    ck_assert_ptr_nonnull(strstr(report, "leader\n"));
    close(leak);
    remove_tmpdir();
}
END_TEST

START_TEST(spawn_reports_a_missing_binary)
{
    pid_t pid = 0;
    int rc = spawn_worker("/nonexistent/quarry-process", JOB_ID, &pid);
    if (rc == 0) {
        /* Some libcs report exec failure as exit 127 of the child instead. */
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 127);
    } else {
        ck_assert_int_eq(rc, ENOENT);
    }
}
END_TEST

START_TEST(worker_identity)
{
    ck_assert(!spawn_is_worker(getpid(), "quarry-process", JOB_ID));
    ck_assert(!spawn_is_worker(0, "quarry-process", JOB_ID));
    ck_assert(!spawn_is_worker(-1, "quarry-process", JOB_ID));
    ck_assert_int_eq(spawn_find_worker("quarry-process", JOB_ID), 0);
}
END_TEST

/* ---- retention ---- */

START_TEST(retention_removes_only_the_jobs_directory)
{
    char path[256], outside[256], link[256];
    make_tmpdir();
    snprintf(path, sizeof(path), "%s/output", tmpdir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/output/%s", tmpdir, JOB_ID);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/output/%s/sub", tmpdir, JOB_ID);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/output/%s/sub/a.csv", tmpdir, JOB_ID);
    write_file(path, "a\n", 0644);
    snprintf(outside, sizeof(outside), "%s/keep.txt", tmpdir);
    write_file(outside, "keep\n", 0644);
    /* A symlink inside is removed, never followed. */
    snprintf(link, sizeof(link), "%s/output/%s/link", tmpdir, JOB_ID);
    ck_assert_int_eq(symlink(outside, link), 0);
    ck_assert_int_eq(retention_remove_objects(tmpdir, "output", JOB_ID), 0);
    snprintf(path, sizeof(path), "%s/output/%s", tmpdir, JOB_ID);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(access(outside, F_OK), 0);
    /* Nothing there is no error; anything but a UUID is refused. */
    ck_assert_int_eq(retention_remove_objects(tmpdir, "output", JOB_ID), 0);
    ck_assert_int_eq(retention_remove_objects(tmpdir, "output", ".."), -1);
    ck_assert_int_eq(retention_remove_objects(tmpdir, "output", ""), -1);
    snprintf(path, sizeof(path), "%s/output", tmpdir);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(retention_removes_stale_upload_temps)
{
    char dir[256], path[300], keep[300], young[300], link[300];
    make_tmpdir();
    snprintf(dir, sizeof(dir), "%s/files", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/files/.tmp", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/upload-old", dir);
    write_file(path, "x", 0600);
    snprintf(young, sizeof(young), "%s/upload-young", dir);
    write_file(young, "x", 0600);
    snprintf(keep, sizeof(keep), "%s/other-old", dir);
    write_file(keep, "x", 0600);
    snprintf(link, sizeof(link), "%s/upload-link", dir);
    ck_assert_int_eq(symlink(keep, link), 0);
    /* Age the old ones by two hours. */
    struct timespec old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    ck_assert_int_eq(utimensat(AT_FDCWD, keep, old, 0), 0);
    ck_assert_int_eq(utimensat(AT_FDCWD, link, old, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_int_eq(retention_remove_stale_uploads(tmpdir, 3600, time(NULL)), 1);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(access(young, F_OK), 0);  /* still being written, maybe */
    ck_assert_int_eq(access(keep, F_OK), 0);   /* not an upload's temp */
    ck_assert_int_eq(faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW), 0); /* not a file */
    /* No such folder is no error. */
    ck_assert_int_eq(retention_remove_stale_uploads("/nonexistent", 0, time(NULL)), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(job_states_round_trip_by_name)
{
    enum job_status s;
    for (int i = 0; i < JOB_STATUS__MAX; i++) {
        ck_assert(job_status_parse(job_status_name(i), &s));
        ck_assert_int_eq(s, i);
    }
    ck_assert_str_eq(job_status_name(JOB_CANCELLATION_REQUESTED), "CANCELLATION_REQUESTED");
    ck_assert(!job_status_parse("running", &s));
    ck_assert(!job_status_parse(NULL, &s));
    ck_assert_int_eq(job_status_of_row("DONE"), JOB_FAILED);
    ck_assert(job_status_active(JOB_RUNNING) && job_status_active(JOB_CANCELLATION_REQUESTED));
    ck_assert(!job_status_active(JOB_QUEUED) && !job_status_active(JOB_CANCELLED));
}
END_TEST

Suite *jobd_suite(void)
{
    Suite *s = suite_create("jobd");
    TCase *outcome = tcase_create("outcome");
    tcase_add_test(outcome, exit_zero_without_stop_checks_the_row);
    tcase_add_test(outcome, killed_by_signal_is_retried_with_its_reason);
    tcase_add_test(outcome, exit_codes_carry_their_reason);
    tcase_add_test(outcome, cancel_wins_over_how_it_ended);
    tcase_add_test(outcome, timeout_fails_with_the_limit);
    tcase_add_test(outcome, shutdown_requeues);
    tcase_add_test(outcome, unknown_status_goes_to_recovery);
    tcase_add_test(outcome, job_states_round_trip_by_name);
    suite_add_tcase(s, outcome);
    TCase *limit = tcase_create("time_limit");
    tcase_add_test(limit, time_limit_takes_the_smaller);
    tcase_add_test(limit, time_limit_ignores_nonsense);
    tcase_add_test(limit, time_limit_zero_means_none);
    suite_add_tcase(s, limit);
    TCase *spawn = tcase_create("spawn");
    tcase_add_test(spawn, spawn_closes_descriptors_and_leads_its_group);
    tcase_add_test(spawn, spawn_reports_a_missing_binary);
    tcase_add_test(spawn, worker_identity);
    suite_add_tcase(s, spawn);
    TCase *retention = tcase_create("retention");
    tcase_add_test(retention, retention_removes_only_the_jobs_directory);
    tcase_add_test(retention, retention_removes_stale_upload_temps);
    suite_add_tcase(s, retention);
    return s;
}
