/* cli.c — `quarry-process run --input F --output G [--name N] [--steps JSON]
 * [--config JSON] [--output-format F] [--metadata]`.
 * Prints one JSON line with the counts (and the metadata when asked) on
 * stdout, row problems on stderr. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "process/cli.h"
#include "process/engine.h"

static volatile int cancel_flag;

static void on_signal(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

static void print_line_error(void *ctx, long long line, const char *column, const char *severity,
                             const char *code, const char *message)
{
    (void)ctx;
    fprintf(stderr, "line %lld%s%s: %s %s: %s\n", line, column ? " column " : "",
            column ? column : "", severity, code, message);
}

static void usage(FILE *to)
{
    char names[128];
    fprintf(to,
            "usage: quarry-process run --input FILE --output FILE [--name ORIGINAL_NAME]\n"
            "                          [--steps JSON] [--config JSON]\n"
            "                          [--output-format FORMAT] [--metadata]\n"
            "       quarry-process job JOB_ID\n"
            "FORMAT: %s\n",
            formats_writer_names(names, sizeof(names)));
}

/* Parses a JSON option; NULL and a message on stderr when it is not JSON. */
static json_object *parse_json_option(const char *name, const char *text)
{
    enum json_tokener_error err;
    json_object *v = json_tokener_parse_verbose(text, &err);
    if (!v && err != json_tokener_success) {
        fprintf(stderr, "quarry-process: --%s is not valid JSON: %s\n", name,
                json_tokener_error_desc(err));
        return NULL;
    }
    return v;
}

int cli_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'},
        {"steps", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"output-format", required_argument, NULL, 'f'},
        {"metadata", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct engine_job job = {0};
    const char *steps_text = NULL, *config_text = NULL;
    bool want_metadata = false;
    int opt, status = 2;
    json_object *summary = NULL;
    struct engine_result res;
    memset(&res, 0, sizeof(res));
    optind = 2;   /* argv[1] is "run" */
    while ((opt = getopt_long(argc, argv, "i:o:n:s:c:f:mh", options, NULL)) != -1) {
        switch (opt) {
        case 'i': job.input_path = optarg; break;
        case 'o': job.output_path = optarg; break;
        case 'n': job.input_name_hint = optarg; break;
        case 's': steps_text = optarg; break;
        case 'c': config_text = optarg; break;
        case 'f': job.output_format = optarg; break;
        case 'm': want_metadata = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!job.input_path || !job.output_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!job.input_name_hint)
        job.input_name_hint = job.input_path;
    if (steps_text && !(job.processing_steps = parse_json_option("steps", steps_text)))
        goto out;
    if (config_text && !(job.processing_config = parse_json_option("config", config_text)))
        goto out;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct engine_callbacks cb = {.line_error = print_line_error, .cancel = &cancel_flag};

    int rc = engine_run(&job, &cb, &res);
    summary = json_object_new_object();
    json_object_object_add(summary, "status", json_object_new_string(engine_status_name(rc)));
    json_object_object_add(summary, "total", json_object_new_int64(res.total));
    json_object_object_add(summary, "processed", json_object_new_int64(res.processed));
    json_object_object_add(summary, "succeeded", json_object_new_int64(res.succeeded));
    json_object_object_add(summary, "failed", json_object_new_int64(res.failed));
    json_object_object_add(summary, "warned", json_object_new_int64(res.warned));
    json_object_object_add(summary, "input_format", json_object_new_string(res.input_format));
    json_object_object_add(summary, "output_format", json_object_new_string(res.output_format));
    if (rc != ENGINE_OK)
        json_object_object_add(summary, "error", json_object_new_string(res.error));
    if (want_metadata && res.metadata)
        json_object_object_add(summary, "metadata", json_object_get(res.metadata));
    puts(json_object_to_json_string_ext(summary,
                                        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    status = rc == ENGINE_OK ? 0 : (rc == ENGINE_BAD_INPUT || rc == ENGINE_BAD_CONFIG) ? 2 : 1;
out:
    json_object_put(summary);
    json_object_put(res.metadata);
    json_object_put(job.processing_steps);
    json_object_put(job.processing_config);
    return status;
}
