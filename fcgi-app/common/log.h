#ifndef QUARRY_LOG_H
#define QUARRY_LOG_H
/* One line per event on stderr: time, program, pid, level, request id, text.
 * The supervisor sends stderr to the program's log file. */

/* Names the program in every line. When QUARRY_LOG_FILE names the log file,
 * stderr is (re)opened on it, appending, now and on every SIGUSR1: after
 * logrotate moves the file aside, `tools/quarry logs-reopen` (or the
 * postrotate of systemd/logrotate.d/quarry) sends SIGUSR1 and the next line
 * goes to a new file. */
void log_init(const char *program);
/* The id of the request being served (from nginx's $request_id), or NULL
 * between requests. The string must live until the next call. */
void log_set_request(const char *request_id);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
