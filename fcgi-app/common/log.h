#ifndef QUARRY_LOG_H
#define QUARRY_LOG_H
/* One line per event on stderr: time, program, pid, level, request id, text.
 * The supervisor sends stderr to the program's log file. */

void log_init(const char *program);
/* The id of the request being served (from nginx's $request_id), or NULL
 * between requests. The string must live until the next call. */
void log_set_request(const char *request_id);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
