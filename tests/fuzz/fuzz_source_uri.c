/* libFuzzer target for source connection URIs (what POST /sources and the
 * seed's /mongo/credentials parse) and the name checks beside them.
 * fuzz-link: fcgi-app/common/source_uri.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/source_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), msg[256];
    struct source_uri uri;
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (source_uri_parse(text, &uri, msg, sizeof(msg)) == SOURCE_URI_OK) {
        /* What the parser accepts is what the API stores: it must be clean. */
        if (!source_host_valid(uri.host) || uri.port < 0 || uri.port > 65535 ||
            strlen(uri.username) > SOURCE_NAME_MAX || strlen(uri.database) > SOURCE_NAME_MAX)
            abort();
    }
    source_identifier_valid(text);
    free(text);
    return 0;
}
