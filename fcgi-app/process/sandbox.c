/* sandbox.c — quarry-process drops what it does not need before parsing.
 *
 * A memory-safety bug in a parser (libxml2, libzip, libfreexl, libmagic,
 * json-c, our own readers) should get as little as possible: the process
 * already runs as the service user, and here it also
 *   - sets no_new_privs (no set-user-id program can give it more),
 *   - bounds its address space, CPU time and the size of any file it
 *     writes (quarry.conf process_limit_*; SIGXFSZ is ignored so that a
 *     write past the bound fails with EFBIG, an ordinary error),
 *   - installs a seccomp filter denying, with EPERM rather than a kill so
 *     that a mistake shows as an error, the calls no job ever needs:
 *     running programs, tracing or reading other processes (ptrace is kept
 *     in the sanitizer build: LeakSanitizer needs it), kernel modules,
 *     keyrings, BPF, mounts and namespaces, and sockets of families other
 *     than unix, IPv4, IPv6 and netlink (MariaDB over its unix socket,
 *     PostgreSQL/MariaDB sources and webhooks over TCP, and glibc's resolver
 *     over netlink are all used).
 * A deny list rather than an allow list: the process links libraries (libpq,
 * libcurl, libmariadb) whose exact calls vary between versions, and a job
 * that stops on an unexpected EPERM in a library would be a worse failure
 * than the residual risk of a call nobody listed. */
#include "process/sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#if defined(__SANITIZE_ADDRESS__)
#define QUARRY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUARRY_ASAN 1
#endif
#endif
#ifndef QUARRY_ASAN
#define QUARRY_ASAN 0
#endif

int sandbox_sanitizer_build(void)
{
    return QUARRY_ASAN;
}

/* set_limit: soft = value, hard = value + slack (CPU: the soft limit sends
 * SIGXCPU, the hard one SIGKILL a little later). */
static int set_limit(int resource, long long value, long long slack, const char *name, char *err,
                     size_t errlen)
{
    if (value <= 0)
        return 0;
    struct rlimit rl = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)(value + slack)};
    struct rlimit old;
    /* Never raise a bound the process was started under. */
    if (getrlimit(resource, &old) == 0 && old.rlim_max != RLIM_INFINITY) {
        if (rl.rlim_max > old.rlim_max)
            rl.rlim_max = old.rlim_max;
        if (rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
    }
    if (setrlimit(resource, &rl) != 0) {
        snprintf(err, errlen, "setrlimit %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

/* The calls no job needs (each denied with EPERM). */
static const int denied_calls[] = {
    SCMP_SYS(execve),          SCMP_SYS(execveat),
    SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp),
    SCMP_SYS(pidfd_getfd),     SCMP_SYS(init_module),     SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),   SCMP_SYS(kexec_load),      SCMP_SYS(kexec_file_load),
    SCMP_SYS(bpf),             SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),
    SCMP_SYS(keyctl),          SCMP_SYS(add_key),         SCMP_SYS(request_key),
    SCMP_SYS(mount),           SCMP_SYS(umount2),         SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),          SCMP_SYS(unshare),         SCMP_SYS(setns),
    SCMP_SYS(swapon),          SCMP_SYS(swapoff),         SCMP_SYS(reboot),
    SCMP_SYS(acct),            SCMP_SYS(quotactl),        SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at), SCMP_SYS(fsopen),        SCMP_SYS(fsmount),
    SCMP_SYS(move_mount),      SCMP_SYS(open_tree),       SCMP_SYS(syslog),
    SCMP_SYS(iopl),            SCMP_SYS(ioperm),
};

/* Deny socket(family) when its first argument compares so to value.
 * libseccomp's SCMP_A0() leaves datum_b to the compound literal, which
 * clang's -Wmissing-field-initializers refuses: every field is named here. */
static int deny_socket_family(scmp_filter_ctx ctx, enum scmp_compare op, scmp_datum_t value)
{
    struct scmp_arg_cmp arg = { .arg = 0, .op = op, .datum_a = value, .datum_b = 0 };
    return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, &arg);
}

static int install_filter(char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(denied_calls) / sizeof(denied_calls[0]); i++) {
        /* A call this architecture lacks (e.g. iopl) resolves to a negative
         * pseudo number: nothing to deny. */
        if (denied_calls[i] < 0)
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied_calls[i], 0);
    }
    /* socket(): unix, IPv4, IPv6 and netlink only. libseccomp compares
     * one argument per rule: deny the ranges around the allowed families. */
    if (rc == 0)
        rc = deny_socket_family(ctx, SCMP_CMP_EQ, AF_UNSPEC);
    for (int family = AF_UNIX + 1; rc == 0 && family < AF_MAX; family++) {
        if (family == AF_INET || family == AF_INET6 || family == AF_NETLINK)
            continue;
        rc = deny_socket_family(ctx, SCMP_CMP_EQ, (scmp_datum_t)family);
    }
    if (rc == 0)
        rc = deny_socket_family(ctx, SCMP_CMP_GE, (scmp_datum_t)AF_MAX);
    /* LeakSanitizer stops the process's threads with ptrace at exit: the
     * sanitizer build keeps it. */
    if (rc == 0 && !QUARRY_ASAN)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(err, errlen, "seccomp filter: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

int sandbox_enter(const struct config *cfg, char *err, size_t errlen)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
        return -1;
    }
    /* A write past RLIMIT_FSIZE is then EFBIG, a clear job error. */
    signal(SIGXFSZ, SIG_IGN);
    if ((!QUARRY_ASAN &&
         set_limit(RLIMIT_AS, cfg->process_limit_as_bytes, 0, "RLIMIT_AS", err, errlen) != 0) ||
        set_limit(RLIMIT_CPU, cfg->process_limit_cpu_seconds, 10, "RLIMIT_CPU", err, errlen) != 0 ||
        set_limit(RLIMIT_FSIZE, cfg->process_limit_fsize_bytes, 0, "RLIMIT_FSIZE", err, errlen) != 0)
        return -1;
    return install_filter(err, errlen);
}
