#include "jobd/spawn.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int spawn_worker(const char *bin, const char *id, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    char *argv[] = {(char *)bin, "job", (char *)id, NULL};
    int rc;

    if ((rc = posix_spawn_file_actions_init(&actions)) != 0)
        return rc;
    if ((rc = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigemptyset(&none);
    sigfillset(&defaults);
    /* The dispatcher blocks SIGCHLD/SIGTERM for its signalfd and ignores
     * SIGPIPE: none of that may reach the worker. */
    if ((rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&actions, 2, 1)) != 0 ||
        (rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                                  POSIX_SPAWN_SETPGROUP)) != 0)
        goto out;
    rc = posix_spawnp(pid, bin, &actions, &attr, argv, environ);
out:
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* Reads /proc/<pid>/cmdline into buf; returns its length (0 for a zombie or
 * a process that is gone). */
static size_t read_cmdline(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return (size_t)n;
}

bool spawn_is_worker(pid_t pid, const char *bin, const char *id)
{
    char cmd[4096];
    if (pid <= 0)
        return false;
    size_t n = read_cmdline(pid, cmd, sizeof(cmd));
    if (n == 0)
        return false;
    const char *argv0 = cmd;
    const char *arg1 = argv0 + strlen(argv0) + 1;
    if ((size_t)(arg1 - cmd) >= n)
        return false;
    const char *arg2 = arg1 + strlen(arg1) + 1;
    if ((size_t)(arg2 - cmd) >= n)
        return false;
    return strcmp(base_name(argv0), base_name(bin)) == 0 && strcmp(arg1, "job") == 0 &&
           strcmp(arg2, id) == 0;
}

pid_t spawn_find_worker(const char *bin, const char *id)
{
    DIR *dir = opendir("/proc");
    pid_t found = 0;
    struct dirent *e;
    if (dir == NULL)
        return 0;
    while (found == 0 && (e = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
        if (spawn_is_worker(pid, bin, id))
            found = pid;
    }
    closedir(dir);
    return found;
}

void spawn_signal(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    if (kill(-pid, sig) != 0 && errno == ESRCH)
        kill(pid, sig);
}
