/* libFuzzer target for the tus header values a client sends
 * (api/tus.c): Upload-Metadata pairs with base64 values, Upload-Offset and
 * Upload-Length sizes, and Upload-Checksum. The input is split at its first
 * two NUL bytes into the three texts.
 * fuzz-link: fcgi-app/api/tus.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/tus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 3);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = text[size + 1] = text[size + 2] = '\0';
    const char *meta = text;
    const char *number = meta + strlen(meta) + 1;
    if (number > text + size)
        number = text + size;
    const char *sum = number + strlen(number) + 1;
    if (sum > text + size + 1)
        sum = text + size + 1;

    struct tus_metadata m;
    const char *why = NULL;
    if (tus_metadata_parse(meta, &m, &why) == 0) {
        for (int i = 0; i < m.n; i++) {
            const struct tus_pair *p = tus_metadata_get(&m, m.pairs[i].key);
            if (p == NULL || p->value_len > TUS_METADATA_VALUE_MAX)
                abort();
        }
    } else if (why == NULL) {
        abort();
    }
    long long v;
    if (tus_parse_size(number, &v) == 0 && (v < 0 || v > (1LL << 62)))
        abort();
    enum tus_algorithm algo;
    unsigned char digest[64];
    size_t len = 0;
    if (tus_checksum_parse(sum, &algo, digest, &len) == 0 && len != tus_digest_len(algo))
        abort();
    free(text);
    return 0;
}
