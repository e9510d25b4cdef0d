/* fuzz_json.c — libFuzzer target for the streamed JSON reader (read_json.c)
 * and the flattening it shares with JSON Lines (json_flat.c).
 *
 * The first byte chooses the options (array_path or json_path,
 * flatten_nested, max_depth, date_fields); the rest is the file, in a memfd.
 * fuzz_json_path.c varies the JSONPath itself. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_reader.h"
#include "process/formats.h"

static const char *const paths[] = {NULL, "data", "data.items", "a.b.c"};
static const char *const json_paths[] = {"$..items[*]", "$.data[0].a", "$..d"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t a = data[0];
    char path[64], config[256];
    int fd = fuzz_memfd(data + 1, size - 1, path, sizeof(path));
    /* Bits 6-7: 0 for array_path (bits 0-1), else one of json_paths. */
    const char *key = (a >> 6) ? "json_path" : "array_path";
    const char *selection = (a >> 6) ? json_paths[(a >> 6) - 1] : paths[a & 3];
    snprintf(config, sizeof(config),
             "{%s%s%s%s%s\"flatten_nested\":%s,\"max_depth\":%d,\"date_fields\":[\"d\",\"a_d\"]}",
             selection ? "\"" : "", selection ? key : "", selection ? "\":\"" : "",
             selection ? selection : "", selection ? "\"," : "", (a & 4) ? "false" : "true",
             (a >> 3) & 7);
    fuzz_read(formats_reader("json"), path, config, NULL, NULL);
    formats_reader("json")->sniff(data + 1, size - 1, "fuzz.json");
    close(fd);
    return 0;
}
