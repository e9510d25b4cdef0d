/* libFuzzer target for JWKS documents of external issuers: JSON, base64url
 * numbers, and OpenSSL building keys from them (common/jwk.c).
 * fuzz-link: fcgi-app/common/jwk.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwks set;
    char err[256];
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int n = jwks_parse(text, size, &set, err, sizeof(err));
    for (int i = 0; i < n; i++)
        if (jwks_find(&set, set.keys[i].kid) == NULL || set.keys[i].pem == NULL)
            abort();
    jwks_clear(&set);
    free(text);
    return 0;
}
