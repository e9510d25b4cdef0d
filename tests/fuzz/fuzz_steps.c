/* fuzz_steps.c — libFuzzer target for the steps: the input is
 * "<processing_steps JSON>\0<CSV>". Steps that engine_validate_steps
 * accepts must then run without crashing over the CSV, and the counts must
 * add up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <json-c/json.h>

#include "process/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    size_t steps_len = (size_t)(nul - data);
    json_tokener *tok = json_tokener_new();
    json_object *steps = json_tokener_parse_ex(tok, (const char *)data, (int)steps_len);
    json_tokener_free(tok);
    if (!steps)
        return 0;
    char field[128], msg[256];
    if (engine_validate_steps(steps, field, sizeof(field), msg, sizeof(msg)) != 0) {
        json_object_put(steps);
        return 0;
    }
    const uint8_t *csv = nul + 1;
    size_t csv_len = size - steps_len - 1;
    int in = memfd_create("fuzz_in", 0), out = memfd_create("fuzz_out", 0);
    if (in < 0 || out < 0 || write(in, csv, csv_len) != (ssize_t)csv_len)
        abort();
    char in_path[64], out_path[64];
    snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in);
    snprintf(out_path, sizeof(out_path), "/proc/self/fd/%d", out);
    struct engine_job job = {
        .input_path = in_path,
        .input_name_hint = "fuzz.csv",
        .output_path = out_path,
        .processing_steps = steps,
        .output_format = "jsonl",
    };
    struct engine_result res;
    int rc = engine_run(&job, NULL, &res);
    if (rc == ENGINE_OK && (res.succeeded + res.failed > res.total || res.processed != res.total))
        abort();
    json_object_put(res.metadata);
    json_object_put(steps);
    close(in);
    close(out);
    return 0;
}
