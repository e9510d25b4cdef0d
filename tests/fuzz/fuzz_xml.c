/* fuzz_xml.c — libFuzzer target for the streamed XML reader (read_xml.c).
 *
 * The first byte chooses the options (record_element, root_element,
 * flatten_attributes, namespace_aware with a namespaces map, max_depth);
 * the rest is the document, in a memfd. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_reader.h"
#include "process/formats.h"

static const char *const records[] = {NULL, "item", "r", "p:item"};
static const char *const roots[] = {NULL, "root", "items", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t a = data[0];
    char path[64], config[512], rec[64] = "", root[64] = "";
    int fd = fuzz_memfd(data + 1, size - 1, path, sizeof(path));
    if (records[a & 3])
        snprintf(rec, sizeof(rec), "\"record_element\":\"%s\",", records[a & 3]);
    if (roots[(a >> 2) & 3])
        snprintf(root, sizeof(root), "\"root_element\":\"%s\",", roots[(a >> 2) & 3]);
    snprintf(config, sizeof(config),
             "{%s%s\"flatten_attributes\":%s,\"namespace_aware\":%s,"
             "\"namespaces\":{\"p\":\"urn:p\"},\"max_depth\":%d,\"text_field_name\":\"%s\"}",
             rec, root, (a & 16) ? "false" : "true", (a & 32) ? "true" : "false", (a >> 6) & 3,
             (a & 0x80) ? "value" : "#text");
    fuzz_read(formats_reader("xml"), path, config, NULL, NULL);
    formats_reader("xml")->sniff(data + 1, size - 1, NULL);
    close(fd);
    return 0;
}
