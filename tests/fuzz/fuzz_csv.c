/* fuzz_csv.c — libFuzzer target for the CSV reader and the writers.
 *
 * The first two bytes choose the options (delimiter, encoding, header,
 * quote and escape characters, skip_rows, output format); the rest is the
 * file. Input and output live in memfds, so nothing touches the disk. The
 * oracle besides the sanitizers: JSON Lines output must parse line by line,
 * and the counts must add up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/engine.h"

static const char *const delimiters[] = {"auto", ",", ";", "\\t", "|"};
static const char *const encodings[] = {"auto", "utf-8", "latin-1", "windows-1252"};
static const char *const formats[] = {"csv", "jsonl", "json", "csv"};

static void check_jsonl(int fd)
{
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0)
        return;
    char *text = malloc((size_t)size + 1);
    if (!text || pread(fd, text, (size_t)size, 0) != size)
        abort();
    text[size] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_tokener *tok = json_tokener_new();
        json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
        if (!o || json_tokener_get_parse_end(tok) != strlen(line) ||
            !json_object_is_type(o, json_type_object)) {
            fprintf(stderr, "invalid JSON Lines output: %s\n", line);
            abort();
        }
        json_object_put(o);
        json_tokener_free(tok);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t a = data[0], b = data[1];
    data += 2;
    size -= 2;

    int in = memfd_create("fuzz_in", 0), out = memfd_create("fuzz_out", 0);
    if (in < 0 || out < 0 || write(in, data, size) != (ssize_t)size)
        abort();
    char in_path[64], out_path[64], config[256];
    snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in);
    snprintf(out_path, sizeof(out_path), "/proc/self/fd/%d", out);
    snprintf(config, sizeof(config),
             "{\"format\":\"csv\",\"delimiter\":\"%s\",\"encoding\":\"%s\",\"has_header\":%s,"
             "\"quote_char\":\"%s\",\"escape_char\":\"%s\",\"skip_rows\":%d,"
             "\"null_values\":[\"NA\",\"\"]}",
             delimiters[a % 5], encodings[(a >> 3) & 3], (a & 0x20) ? "false" : "true",
             (b & 1) ? "'" : "\\\"", (b & 2) ? "\\\\" : "", (b >> 2) & 3);
    const char *format = formats[(b >> 4) & 3];

    json_object *cfg = json_tokener_parse(config);
    if (!cfg)
        abort();
    struct engine_job job = {
        .input_path = in_path,
        .input_name_hint = "fuzz.csv",
        .output_path = out_path,
        .processing_config = cfg,
        .output_format = format,
    };
    struct engine_result res;
    int rc = engine_run(&job, NULL, &res);
    if (rc == ENGINE_OK) {
        if (res.succeeded + res.failed > res.total || res.processed != res.total)
            abort();
        if (strcmp(format, "jsonl") == 0)
            check_jsonl(out);
    } else if (rc != ENGINE_BAD_INPUT && rc != ENGINE_BAD_CONFIG) {
        fprintf(stderr, "unexpected status %d: %s\n", rc, res.error);
        abort();
    }
    json_object_put(res.metadata);
    json_object_put(cfg);
    close(in);
    close(out);
    return 0;
}
