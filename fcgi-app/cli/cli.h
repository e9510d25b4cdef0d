#ifndef QUARRY_CLI_H
#define QUARRY_CLI_H
/* quarry-cli: Quarry's command-line client (libcurl, json-c). What its
 * commands share: the settings of one run, the HTTP calls (http.c), the
 * saved login (session.c), and the exit codes scripts rely on. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/quarry-cli.1). */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_REFUSED = 1,  /* the API refused the request (a 4xx other than 401) */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_NETWORK = 3,  /* no answer, or the server failed (5xx) */
    EXIT_AUTH = 4,     /* not logged in, or the token was refused (401) */
    EXIT_JOB_FAILED = 5, /* a job or an upload ended FAILED or CANCELLED */
    EXIT_LOCAL = 6,    /* a local file could not be read or written */
};

struct cli {
    char url[512];     /* https://host:port, no trailing slash */
    char cacert[1024]; /* CA file to trust, "" for the system's */
    bool insecure;
    char token[4096];
    char email[256];
    bool json;         /* machine output on stdout */
    bool quiet;        /* no progress on stderr */
    bool tty;          /* stderr is a terminal: progress bars */
};

/* ---- http.c ---- */

/* One answer: status (0 when none came), the body (NUL-terminated), and
 * the response headers the caller asked for. */
struct http_answer {
    long status;
    char *body;
    size_t len;
    char error[256];   /* why there was no answer */
    char location[1024], upload_offset[32], file_id[64], job_id[64];
};
void http_answer_free(struct http_answer *a);

/* A request to the API (path under /api/v1, or a full URL) with optional
 * JSON, form or raw body and extra header lines (NULL-terminated). */
struct http_request {
    const char *method, *path;
    json_object *json;
    const char *form;
    const char *content_type;
    const void *raw;        /* raw body bytes ... */
    long long raw_len;
    FILE *raw_file;         /* ... or raw_len bytes of this file from raw_offset */
    long long raw_offset;
    const char *const *headers;
    bool auth;
    FILE *sink;             /* the body goes here instead of into memory */
    void (*progress)(void *ctx, long long sent);
    void *progress_ctx;
};
int http_init(void);
void http_cleanup(void);
int http_call(const struct cli *c, const struct http_request *r, struct http_answer *a);
/* The exit code for an answer that is not what was wanted, after printing
 * its error (the API's message, or why no answer came) to stderr. */
int http_fail(const struct cli *c, const struct http_answer *a, const char *doing);
/* A JSON call: *out (owned by the caller) is the parsed body of a 2xx
 * answer. 0, or the exit code after printing the error. */
int http_json(const struct cli *c, const char *method, const char *path, json_object *body,
              json_object **out);

/* ---- session.c ---- */

/* Fills c from the saved login and the environment (QUARRY_URL,
 * QUARRY_CACERT, QUARRY_TOKEN). */
void session_load(struct cli *c);
/* Saves url, cacert, token, email: $XDG_CONFIG_HOME/quarry/cli.json (0600). */
int session_save(const struct cli *c);
/* The path of a file in the CLI's state dir ($XDG_STATE_HOME/quarry), the
 * dir made 0700; into buf. 0, or -1. */
int session_state_path(const char *name, char *buf, size_t len);

/* ---- commands ---- */
int cmd_login(struct cli *c, int argc, char **argv);
int cmd_upload(struct cli *c, int argc, char **argv);
int cmd_jobs(struct cli *c, int argc, char **argv);
int cmd_download(struct cli *c, int argc, char **argv);
int cmd_progress(struct cli *c, int argc, char **argv);
/* Follows a job until it ends: 0 COMPLETED, EXIT_JOB_FAILED otherwise. */
int cmd_watch_job(struct cli *c, const char *id);

/* ---- output helpers (commands.c) ---- */
/* Prints o as JSON (one line) on stdout. */
void out_json(json_object *o);
/* A progress bar on stderr when it is a terminal and not quiet. */
void out_bar(const struct cli *c, const char *label, double fraction, const char *detail);
void out_bar_done(const struct cli *c);
/* Whether argv[i] asks for help. */
bool wants_help(int argc, char **argv);

#endif
