/* fuzz_csv.c — libFuzzer target for the CSV reader and the writers.
 *
 * The first two bytes choose the options (delimiter, encoding, header,
 * quote and escape characters, skip_rows, output format); the rest is the
 * file. Input and output live in memfds, so nothing touches the disk. The
 * oracle besides the sanitizers: JSON Lines output must parse line by line,
 * the counts must add up, and the reader's block scan of plain records
 * must change nothing: each input is run a second time with it off
 * (read_csv_fast_path), and the status, the counts, the metadata and the
 * output bytes must be the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/engine.h"
#include "process/read_csv.h"

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

/* A digest of the row problems a run reported (line, code, message). */
static void note_line_error(void *ctx, long long line, const char *column, const char *severity,
                            const char *code, const char *message)
{
    uint64_t *h = ctx;
    char text[512];
    int n = snprintf(text, sizeof(text), "%lld|%s|%s|%s|%s", line, column ? column : "", severity,
                     code, message);
    for (int i = 0; i < n && i < (int)sizeof(text); i++)
        *h = (*h ^ (unsigned char)text[i]) * 0x100000001b3ull;
    *h = (*h ^ '\n') * 0x100000001b3ull;
}

/* The whole content of fd (malloc'd, *len bytes). */
static char *read_all(int fd, size_t *len)
{
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = malloc(size > 0 ? (size_t)size : 1);
    if (size < 0 || !text || (size > 0 && pread(fd, text, (size_t)size, 0) != size))
        abort();
    *len = (size_t)size;
    return text;
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
    uint64_t problems = 0xcbf29ce484222325ull, slow_problems = problems;
    struct engine_callbacks cb = {.ctx = &problems, .line_error = note_line_error};
    struct engine_result res;
    int rc = engine_run(&job, &cb, &res);
    if (rc == ENGINE_OK) {
        if (res.succeeded + res.failed > res.total || res.processed != res.total)
            abort();
        if (strcmp(format, "jsonl") == 0)
            check_jsonl(out);
    } else if (rc != ENGINE_BAD_INPUT && rc != ENGINE_BAD_CONFIG) {
        fprintf(stderr, "unexpected status %d: %s\n", rc, res.error);
        abort();
    }

    /* the same run with every record through scan_record */
    size_t out_len, slow_len;
    char *out_text = read_all(out, &out_len);
    int slow_out = memfd_create("fuzz_out_slow", 0);
    if (slow_out < 0)
        abort();
    char slow_path[64];
    snprintf(slow_path, sizeof(slow_path), "/proc/self/fd/%d", slow_out);
    job.output_path = slow_path;
    struct engine_result slow;
    cb.ctx = &slow_problems;
    read_csv_fast_path(false);
    int slow_rc = engine_run(&job, &cb, &slow);
    read_csv_fast_path(true);
    char *slow_text = read_all(slow_out, &slow_len);
    const char *meta = res.metadata ? json_object_to_json_string(res.metadata) : "";
    const char *slow_meta = slow.metadata ? json_object_to_json_string(slow.metadata) : "";
    if (slow_rc != rc || slow.total != res.total || slow.succeeded != res.succeeded ||
        slow.failed != res.failed || slow.warned != res.warned || strcmp(meta, slow_meta) != 0 ||
        problems != slow_problems ||
        strcmp(slow.error, res.error) != 0 || slow_len != out_len ||
        memcmp(slow_text, out_text, out_len) != 0) {
        fprintf(stderr, "the block scan differs from scan_record: rc %d/%d, rows %lld/%lld, "
                        "written %lld/%lld, failed %lld/%lld\nmetadata %s\nvs %s\n",
                rc, slow_rc, res.total, slow.total, res.succeeded, slow.succeeded, res.failed,
                slow.failed, meta, slow_meta);
        abort();
    }
    free(out_text);
    free(slow_text);
    json_object_put(slow.metadata);
    close(slow_out);

    json_object_put(res.metadata);
    json_object_put(cfg);
    close(in);
    close(out);
    return 0;
}
