/* fuzz_jsonl.c — libFuzzer target for the JSON Lines reader (read_jsonl.c).
 *
 * The first byte chooses the options (flatten_nested, max_depth,
 * date_fields); the rest is the file, in a memfd. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_reader.h"
#include "process/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t a = data[0];
    char path[64], config[256];
    int fd = fuzz_memfd(data + 1, size - 1, path, sizeof(path));
    snprintf(config, sizeof(config),
             "{\"flatten_nested\":%s,\"max_depth\":%d,\"date_fields\":%s}",
             (a & 1) ? "false" : "true", (a >> 1) & 7, (a & 16) ? "[\"d\",\"u_at\"]" : "null");
    fuzz_read(formats_reader("jsonl"), path, config, NULL, NULL);
    formats_reader("jsonl")->sniff(data + 1, size - 1, NULL);
    close(fd);
    return 0;
}
