/* quarry-process's sandbox (process/sandbox.c): after sandbox_enter a
 * denied call fails with EPERM (never a kill), what a job needs still works,
 * and the limits are the configuration's. Each case runs in a child of its
 * own: the filter and the limits cannot be undone. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process/sandbox.h"

/* The checks of a child: its exit status names the first one that failed. */
static int in_sandbox(void)
{
    struct config cfg;
    char err[256];
    memset(&cfg, 0, sizeof(cfg));
    cfg.process_limit_as_bytes = 4LL * 1024 * 1024 * 1024;
    cfg.process_limit_cpu_seconds = 77;
    cfg.process_limit_fsize_bytes = 4096;
    if (sandbox_enter(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "sandbox_enter: %s\n", err);
        return 10;
    }
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 11;
    char *argv[] = {(char *)"/bin/true", NULL};
    char *envp[] = {NULL};
    errno = 0;
    if (execve("/bin/true", argv, envp) != -1 || errno != EPERM)
        return 12;
    errno = 0;
    if (unshare(CLONE_NEWUSER) != -1 || errno != EPERM)
        return 21;
    errno = 0;
    if (!sandbox_sanitizer_build() &&
        (ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL) != -1 || errno != EPERM))
        return 22;
    errno = 0;
    if (socket(AF_PACKET, SOCK_RAW, 0) != -1 || errno != EPERM)
        return 13;
    errno = 0;
    if (socket(AF_BLUETOOTH, SOCK_STREAM, 0) != -1 || errno != EPERM)
        return 14;
    /* What jobs use: unix sockets (MariaDB), TCP (sources, webhooks), files. */
    int u = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
    int t6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (u < 0 || t < 0 || (t6 < 0 && errno != EAFNOSUPPORT))
        return 15;
    close(u);
    close(t);
    if (t6 >= 0)
        close(t6);
    struct rlimit rl;
    if (getrlimit(RLIMIT_CPU, &rl) != 0 || rl.rlim_cur != 77 || rl.rlim_max != 87)
        return 16;
    if (getrlimit(RLIMIT_AS, &rl) != 0 ||
        rl.rlim_cur != (sandbox_sanitizer_build() ? RLIM_INFINITY : 4ULL * 1024 * 1024 * 1024))
        return 17;
    /* Past RLIMIT_FSIZE a write fails with EFBIG (SIGXFSZ is ignored). */
    char path[] = "/tmp/quarry-sandbox-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 18;
    unlink(path);
    static char block[8192];
    ssize_t n = write(fd, block, sizeof(block));
    if (n != 4096)
        return 19;
    errno = 0;
    if (write(fd, block, 1) != -1 || errno != EFBIG)
        return 20;
    close(fd);
    return 0;
}

START_TEST(denied_calls_fail_with_eperm)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(in_sandbox());
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "the child was killed by signal %d",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_msg(WEXITSTATUS(status) == 0, "check %d failed", WEXITSTATUS(status));
}
END_TEST

START_TEST(zero_means_no_limit)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct config cfg;
        char err[256];
        struct rlimit before, after;
        memset(&cfg, 0, sizeof(cfg));
        getrlimit(RLIMIT_FSIZE, &before);
        if (sandbox_enter(&cfg, err, sizeof(err)) != 0)
            _exit(1);
        getrlimit(RLIMIT_FSIZE, &after);
        _exit(before.rlim_cur == after.rlim_cur && before.rlim_max == after.rlim_max ? 0 : 2);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("sandbox");
    tcase_add_test(tc, denied_calls_fail_with_eperm);
    tcase_add_test(tc, zero_means_no_limit);
    suite_add_tcase(s, tc);
    return s;
}
