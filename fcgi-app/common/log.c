#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/ids.h"

static const char *log_program = "quarry";
static const char *log_request;

void log_init(const char *program)
{
    log_program = program;
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
