/* quarry-cli: Quarry from the command line (libcurl, json-c). Global
 * options come before the command; each command has its own --help. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: quarry-cli [--url URL] [--cacert FILE] [--insecure] [--json] [--quiet] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  login                 log in; the token is kept in ~/.config/quarry/cli.json (0600)\n"
    "  upload FILE           a resumable upload: a new file, or a job with --steps/--to\n"
    "  jobs [ID] [--watch]   your jobs, or one job (--watch: until it ends)\n"
    "  download ID           the result of a completed job\n"
    "  progress post|show KRN  report or read a client's file progress\n"
    "\n"
    "  --url URL      the server (default: the one logged in to, QUARRY_URL, https://localhost:8443)\n"
    "  --cacert FILE  trust this CA file (QUARRY_CACERT); --insecure trusts any certificate\n"
    "  --json         machine output on stdout; --quiet: no progress on stderr\n"
    "exit codes: 0 ok, 1 refused by the API, 2 usage, 3 no answer or a server error,\n"
    "            4 not logged in, 5 the job failed or was cancelled, 6 a local file error\n"
    "Each command takes --help. See quarry-cli(1).\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
                                         {"cacert", required_argument, NULL, 'c'},
                                         {"insecure", no_argument, NULL, 'k'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    static const struct {
        const char *name;
        int (*run)(struct cli *c, int argc, char **argv);
    } commands[] = {{"login", cmd_login},       {"upload", cmd_upload},
                    {"jobs", cmd_jobs},         {"download", cmd_download},
                    {"progress", cmd_progress}};
    struct cli c = {0};
    const char *url = NULL, *cacert = NULL;
    int o;
    session_load(&c);
    while ((o = getopt_long(argc, argv, "+u:c:kjqhV", opts, NULL)) != -1) {
        switch (o) {
        case 'u': url = optarg; break;
        case 'c': cacert = optarg; break;
        case 'k': c.insecure = true; break;
        case 'j': c.json = true; break;
        case 'q': c.quiet = true; break;
        case 'V': printf("quarry-cli %s\n", PACKAGE_VERSION); return EXIT_OK;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (url != NULL) {
        snprintf(c.url, sizeof(c.url), "%s", url);
        size_t n = strlen(c.url);
        while (n > 0 && c.url[n - 1] == '/')
            c.url[--n] = '\0';
    }
    if (cacert != NULL)
        snprintf(c.cacert, sizeof(c.cacert), "%s", cacert);
    c.tty = isatty(STDERR_FILENO);
    if (optind >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) != 0)
            continue;
        if (http_init() != 0) {
            fputs("quarry-cli: libcurl cannot start\n", stderr);
            return EXIT_LOCAL;
        }
        int rc = commands[i].run(&c, argc - optind, argv + optind);
        http_cleanup();
        return rc;
    }
    fprintf(stderr, "quarry-cli: no command %s\n%s", argv[optind], usage);
    return EXIT_USAGE;
}
