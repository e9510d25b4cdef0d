#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ids.h"

static const char *log_program = "quarry";
/* The request the calling thread is serving (quarry-api may run threads). */
static _Thread_local const char *log_request;

/* The file stderr goes to (QUARRY_LOG_FILE), for log_reopen. */
static char log_path[1024];

/* Async-signal-safe: open, dup2 and close only. */
static void reopen_stderr(void)
{
    if (log_path[0] == '\0')
        return;
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return;
    if (fd != STDERR_FILENO) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
}

static void on_usr1(int sig)
{
    (void)sig;
    int saved = errno;
    reopen_stderr();
    errno = saved;
}

void log_init(const char *program)
{
    log_program = program;
    const char *path = getenv("QUARRY_LOG_FILE");
    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(log_path))
        return;
    memcpy(log_path, path, strlen(path) + 1);
    reopen_stderr();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}


void log_set_request(const char *request_id)
{
    log_request = request_id;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
    char when[ISO_TIME_LEN + 1], text[2048];
    time_iso(time_now_ms(), when);
    vsnprintf(text, sizeof(text), fmt, ap);
    /* One fprintf per line so that lines from several workers do not interleave. */
    fprintf(stderr, "%s %s[%d] %s req=%s %s\n", when, log_program, (int)getpid(), level,
            log_request ? log_request : "-", text);
}

#define LOG_FN(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_line(level, fmt, ap);                                                                  \
        va_end(ap);                                                                                \
    }

LOG_FN(log_info, "info")
LOG_FN(log_warn, "warn")
LOG_FN(log_error, "error")
