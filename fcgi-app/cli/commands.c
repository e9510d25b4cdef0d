/* quarry-cli's commands but upload (upload.c): login, jobs, download,
 * progress; and the output they share. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

/* ------------------------------------------------------------ output */

void out_json(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

void out_bar(const struct cli *c, const char *label, double fraction, const char *detail)
{
    if (!c->tty || c->quiet || c->json)
        return;
    char bar[31];
    int filled = (int)(fraction * 30 + 0.5);
    if (filled < 0)
        filled = 0;
    if (filled > 30)
        filled = 30;
    for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%-24.24s [%s] %5.1f%% %s\033[K", label, bar, fraction * 100, detail ? detail : "");
    fflush(stderr);
}

void out_bar_done(const struct cli *c)
{
    if (c->tty && !c->quiet && !c->json)
        fputc('\n', stderr);
}

bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && v != NULL ? json_object_get_string(v) : "";
}

static long long int_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && v != NULL ? json_object_get_int64(v) : 0;
}

static bool finished(const char *status)
{
    return strcmp(status, "COMPLETED") == 0 || strcmp(status, "FAILED") == 0 ||
           strcmp(status, "CANCELLED") == 0;
}

/* ------------------------------------------------------------ login */

static void url_escape(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 4 < len; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, len - o, "%%%02X", ch);
    }
    out[o] = '\0';
}

/* One line from stdin, without its newline; no echo when it is a terminal. */
static int read_secret(char *buf, size_t len, bool prompt)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (prompt && tty)
        fputs("Password: ", stderr);
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        if (prompt)
            fputc('\n', stderr);
    }
    if (got == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static const char login_usage[] =
    "usage: quarry-cli login [--email EMAIL] [--password-stdin]\n"
    "  Logs in (POST /auth/login) and keeps the token in ~/.config/quarry/cli.json (0600),\n"
    "  with the server (--url) and the CA file (--cacert) given before the command.\n"
    "  The password is read from the terminal without echo, or one line of stdin.\n";

int cmd_login(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"email", required_argument, NULL, 'e'},
                                         {"password-stdin", no_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char password[1100], form[4400], user[800], pw[3300];
    int o;
    optind = 0; /* glibc: start over, argv[0] is the command */
    while ((o = getopt_long(argc, argv, "e:h", opts, NULL)) != -1) {
        if (o == 'e')
            snprintf(c->email, sizeof(c->email), "%s", optarg);
        else if (o == 's')
            continue;
        else {
            fputs(login_usage, o == 'h' ? stdout : stderr);
            return o == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (c->email[0] == '\0') {
        if (!isatty(STDIN_FILENO)) {
            fputs("quarry-cli login: --email is required when stdin is not a terminal\n", stderr);
            return EXIT_USAGE;
        }
        fputs("Email: ", stderr);
        if (fgets(c->email, sizeof(c->email), stdin) == NULL)
            return EXIT_USAGE;
        c->email[strcspn(c->email, "\r\n")] = '\0';
    }
    if (read_secret(password, sizeof(password), true) != 0 || password[0] == '\0') {
        fputs("quarry-cli login: no password given\n", stderr);
        return EXIT_USAGE;
    }
    url_escape(c->email, user, sizeof(user));
    url_escape(password, pw, sizeof(pw));
    snprintf(form, sizeof(form), "username=%s&password=%s", user, pw);
    memset(password, 0, sizeof(password));
    memset(pw, 0, sizeof(pw));
    struct http_answer a;
    struct http_request r = {.method = "POST", .path = "/auth/login", .form = form};
    http_call(c, &r, &a);
    memset(form, 0, sizeof(form));
    if (a.status != 200) {
        int rc = http_fail(c, &a, "login");
        http_answer_free(&a);
        return rc == EXIT_REFUSED && a.status == 400 ? EXIT_AUTH : rc;
    }
    json_object *body = json_tokener_parse(a.body ? a.body : "");
    http_answer_free(&a);
    snprintf(c->token, sizeof(c->token), "%s", str_of(body, "access_token"));
    long long ttl = int_of(body, "expires_in");
    if (c->token[0] == '\0' || session_save(c) != 0) {
        json_object_put(body);
        fputs("quarry-cli login: cannot save the token in the config dir\n", stderr);
        return EXIT_LOCAL;
    }
    if (c->json) {
        json_object *o2 = json_object_new_object();
        json_object_object_add(o2, "email", json_object_new_string(c->email));
        json_object_object_add(o2, "url", json_object_new_string(c->url));
        json_object_object_add(o2, "expires_in", json_object_new_int64(ttl));
        out_json(o2);
        json_object_put(o2);
    } else if (!c->quiet) {
        printf("logged in to %s as %s (the token is valid for %lld min)\n", c->url, c->email,
               ttl / 60);
    }
    json_object_put(body);
    return EXIT_OK;
}

/* ------------------------------------------------------------ jobs */

static void print_job_line(json_object *job)
{
    json_object *p = NULL;
    json_object_object_get_ex(job, "progress", &p);
    printf("%-36s  %-22s %5.1f%%  %-10s %s\n", str_of(job, "id"), str_of(job, "status"),
           p ? json_object_get_double(json_object_object_get(p, "percentage")) : 0.0,
           str_of(job, "output_format"), str_of(job, "file_name"));
}

static const char jobs_usage[] =
    "usage: quarry-cli jobs [ID] [--status STATUS] [--limit N] [--watch]\n"
    "  Without ID: the caller's jobs, newest first. With --watch: again every 2 s\n"
    "  until none of them is waiting or running.\n"
    "  With ID: that job. With --watch: its progress until it ends; the exit code\n"
    "  is 0 when it COMPLETED, 5 when it FAILED or was CANCELLED.\n";

int cmd_watch_job(struct cli *c, const char *id)
{
    char path[128];
    snprintf(path, sizeof(path), "/jobs/%s", id);
    for (;;) {
        json_object *job;
        int rc = http_json(c, "GET", path, NULL, &job);
        if (rc != 0)
            return rc;
        const char *status = str_of(job, "status");
        json_object *p = json_object_object_get(job, "progress");
        double pct = p ? json_object_get_double(json_object_object_get(p, "percentage")) : 0;
        char detail[96];
        snprintf(detail, sizeof(detail), "%s %lld rows", status,
                 p ? (long long)json_object_get_int64(json_object_object_get(p, "processed_records")) : 0);
        out_bar(c, str_of(job, "file_name"), pct / 100.0, detail);
        if (finished(status)) {
            out_bar_done(c);
            if (c->json)
                out_json(job);
            else if (!c->quiet)
                print_job_line(job);
            rc = strcmp(status, "COMPLETED") == 0 ? EXIT_OK : EXIT_JOB_FAILED;
            if (rc != EXIT_OK && !c->json)
                fprintf(stderr, "quarry-cli: job %s %s: %s\n", id, status, str_of(job, "error_message"));
            json_object_put(job);
            return rc;
        }
        json_object_put(job);
        usleep(1000 * 1000);
    }
}

int cmd_jobs(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"status", required_argument, NULL, 's'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"watch", no_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *status = NULL;
    long limit = 20;
    bool watch = false;
    int o;
    optind = 0; /* glibc: start over, argv[0] is the command */
    while ((o = getopt_long(argc, argv, "s:l:wh", opts, NULL)) != -1) {
        if (o == 's')
            status = optarg;
        else if (o == 'l')
            limit = strtol(optarg, NULL, 10);
        else if (o == 'w')
            watch = true;
        else {
            fputs(jobs_usage, o == 'h' ? stdout : stderr);
            return o == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (limit < 1 || limit > 1000 || optind < argc - 1) {
        fputs(jobs_usage, stderr);
        return EXIT_USAGE;
    }
    if (optind == argc - 1) {
        if (watch)
            return cmd_watch_job(c, argv[optind]);
        char path[128];
        json_object *job;
        snprintf(path, sizeof(path), "/jobs/%s", argv[optind]);
        int rc = http_json(c, "GET", path, NULL, &job);
        if (rc == 0) {
            if (c->json)
                out_json(job);
            else
                print_job_line(job);
            json_object_put(job);
        }
        return rc;
    }
    for (;;) {
        char path[160];
        json_object *list;
        snprintf(path, sizeof(path), "/jobs?limit=%ld%s%s", limit, status ? "&status=" : "",
                 status ? status : "");
        int rc = http_json(c, "GET", path, NULL, &list);
        if (rc != 0)
            return rc;
        bool active = false;
        size_t n = json_object_array_length(list);
        if (c->json)
            out_json(list);
        else if (n == 0)
            printf("no jobs\n");
        for (size_t i = 0; i < n; i++) {
            json_object *job = json_object_array_get_idx(list, i);
            if (!c->json)
                print_job_line(job);
            active = active || !finished(str_of(job, "status"));
        }
        json_object_put(list);
        fflush(stdout);
        if (!watch || !active)
            return EXIT_OK;
        sleep(2);
        if (!c->json)
            printf("\n");
    }
}

/* ------------------------------------------------------------ download */

static const char download_usage[] =
    "usage: quarry-cli download ID [-o FILE]\n"
    "  Saves the result of the COMPLETED job ID: to FILE, to stdout with -o -,\n"
    "  or by default to the result's own name in the current folder.\n";

int cmd_download(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL;
    int o;
    optind = 0; /* glibc: start over, argv[0] is the command */
    while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (o == 'o')
            output = optarg;
        else {
            fputs(download_usage, o == 'h' ? stdout : stderr);
            return o == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(download_usage, stderr);
        return EXIT_USAGE;
    }
    char path[160], name[512];
    json_object *job, *url;
    snprintf(path, sizeof(path), "/jobs/%s", argv[optind]);
    int rc = http_json(c, "GET", path, NULL, &job);
    if (rc != 0)
        return rc;
    const char *key = str_of(job, "output_object_key");
    const char *base = strrchr(key, '/');
    snprintf(name, sizeof(name), "%s", base && base[1] ? base + 1 : "result");
    json_object_put(job);
    snprintf(path, sizeof(path), "/jobs/%s/download-url", argv[optind]);
    json_object *empty = json_object_new_object();
    rc = http_json(c, "POST", path, empty, &url);
    json_object_put(empty);
    if (rc != 0)
        return rc;
    if (output == NULL)
        output = name;
    bool to_stdout = strcmp(output, "-") == 0;
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.part", output);
    FILE *f = to_stdout ? stdout : fopen(tmp, "wb");
    if (f == NULL) {
        json_object_put(url);
        fprintf(stderr, "quarry-cli download: cannot write %s\n", tmp);
        return EXIT_LOCAL;
    }
    struct http_answer a;
    struct http_request r = {.method = "GET", .path = str_of(url, "download_url"), .sink = f};
    http_call(c, &r, &a);
    json_object_put(url);
    bool ok = a.status == 200;
    if (!to_stdout && (fclose(f) != 0 || !ok || rename(tmp, output) != 0)) {
        unlink(tmp);
        ok = false;
    }
    if (!ok) {
        rc = a.status == 200 ? EXIT_LOCAL : http_fail(c, &a, "download");
        http_answer_free(&a);
        return rc;
    }
    http_answer_free(&a);
    if (!to_stdout) {
        if (c->json) {
            json_object *res = json_object_new_object();
            json_object_object_add(res, "path", json_object_new_string(output));
            out_json(res);
            json_object_put(res);
        } else if (!c->quiet) {
            printf("%s\n", output);
        }
    }
    return EXIT_OK;
}

/* ------------------------------------------------------------ progress */

static const char progress_usage[] =
    "usage: quarry-cli progress post KRN --filename NAME [--done N] [--warn N] [--failed N]\n"
    "                                    [--total N] [--last] [--error [LINE:]TEXT]...\n"
    "                                    [--warning [LINE:]TEXT]...\n"
    "       quarry-cli progress show KRN [--filename NAME]\n"
    "  Reports a file's progress for the client KRN (counts add up; --last completes it),\n"
    "  or shows the client's records.\n";

/* "[LINE:]TEXT" as {line?, message}. */
static json_object *message_of(const char *text)
{
    json_object *m = json_object_new_object();
    char *end;
    long long line = strtoll(text, &end, 10);
    if (end != text && *end == ':' && line >= 0) {
        json_object_object_add(m, "line", json_object_new_int64(line));
        text = end + 1;
    }
    json_object_object_add(m, "message", json_object_new_string(text));
    return m;
}

static void krn_path(char *buf, size_t len, const char *krn, const char *rest)
{
    char escaped[600];
    size_t o = 0;
    for (const char *s = krn; *s && o + 4 < sizeof(escaped); s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("-._~:", ch))
            escaped[o++] = (char)ch;
        else
            o += (size_t)snprintf(escaped + o, sizeof(escaped) - o, "%%%02X", ch);
    }
    escaped[o] = '\0';
    snprintf(buf, len, "/clients/%s/progress%s", escaped, rest);
}

int cmd_progress(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"filename", required_argument, NULL, 'f'}, {"done", required_argument, NULL, 'd'},
        {"warn", required_argument, NULL, 'w'},     {"failed", required_argument, NULL, 'x'},
        {"total", required_argument, NULL, 't'},    {"last", no_argument, NULL, 'l'},
        {"error", required_argument, NULL, 'E'},    {"warning", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    if (argc < 3 || (strcmp(argv[1], "post") != 0 && strcmp(argv[1], "show") != 0)) {
        bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fputs(progress_usage, help ? stdout : stderr);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    bool post = strcmp(argv[1], "post") == 0;
    const char *krn = argv[2];
    json_object *body = json_object_new_object(), *counts = json_object_new_object(),
                *errors = json_object_new_array(), *warnings = json_object_new_array();
    const char *filename = NULL;
    int o, rc = EXIT_USAGE;
    optind = 0; /* glibc: start over; argv[2] (the KRN) stands for the program name */
    while ((o = getopt_long(argc - 2, argv + 2, "f:h", opts, NULL)) != -1) {
        switch (o) {
        case 'f': filename = optarg; break;
        case 'd': json_object_object_add(counts, "done", json_object_new_int64(atoll(optarg))); break;
        case 'w': json_object_object_add(counts, "warn", json_object_new_int64(atoll(optarg))); break;
        case 'x': json_object_object_add(counts, "failed", json_object_new_int64(atoll(optarg))); break;
        case 't': json_object_object_add(body, "total", json_object_new_int64(atoll(optarg))); break;
        case 'l': json_object_object_add(body, "isLast", json_object_new_boolean(1)); break;
        case 'E': json_object_array_add(errors, message_of(optarg)); break;
        case 'W': json_object_array_add(warnings, message_of(optarg)); break;
        default:
            fputs(progress_usage, o == 'h' ? stdout : stderr);
            rc = o == 'h' ? EXIT_OK : EXIT_USAGE;
            goto out;
        }
    }
    if (optind != argc - 2 || (post && filename == NULL)) {
        fputs(progress_usage, stderr);
        goto out;
    }
    char path[800];
    json_object *answer = NULL;
    if (post) {
        json_object_object_add(body, "filename", json_object_new_string(filename));
        json_object_object_add(body, "counts", json_object_get(counts));
        if (json_object_array_length(errors) > 0)
            json_object_object_add(body, "errors", json_object_get(errors));
        if (json_object_array_length(warnings) > 0)
            json_object_object_add(body, "warnings", json_object_get(warnings));
        krn_path(path, sizeof(path), krn, "");
        rc = http_json(c, "POST", path, body, &answer);
    } else {
        char query[600] = "";
        if (filename != NULL) {
            char esc[550];
            url_escape(filename, esc, sizeof(esc));
            snprintf(query, sizeof(query), "?filename=%s", esc);
        }
        krn_path(path, sizeof(path), krn, query);
        rc = http_json(c, "GET", path, NULL, &answer);
    }
    if (rc == 0) {
        if (c->json || !post) {
            out_json(answer);
        } else if (!c->quiet) {
            json_object *cnt = json_object_object_get(answer, "counts");
            printf("%s %s: done %lld, warn %lld, failed %lld%s\n", str_of(answer, "result"),
                   str_of(answer, "filename"), int_of(cnt, "done"), int_of(cnt, "warn"),
                   int_of(cnt, "failed"),
                   json_object_get_boolean(json_object_object_get(answer, "isCompleted"))
                       ? " (completed)" : "");
        }
        json_object_put(answer);
    }
out:
    json_object_put(body);
    json_object_put(counts);
    json_object_put(errors);
    json_object_put(warnings);
    return rc;
}
