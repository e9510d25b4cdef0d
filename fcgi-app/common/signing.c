#include "common/signing.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/ids.h"

void signing_sign(const unsigned char key[SECRET_KEY_BYTES], const char *method,
                  const char *object_key, long long expires, long long max_bytes, char *sig)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char tail[64];
    /* Fields are separated by '\n', which a key can never contain. */
    int n = snprintf(tail, sizeof(tail), "\n%lld\n%lld", expires, max_bytes);
    crypto_auth_hmacsha256_init(&st, key, SECRET_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)object_key, strlen(object_key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tail, (size_t)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(sig, SIGNATURE_B64_LEN + 1, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum signing_status signing_verify(const unsigned char key[SECRET_KEY_BYTES], const char *method,
                                   const char *object_key, long long expires, long long max_bytes,
                                   const char *sig, long long now, long long skew)
{
    char want[SIGNATURE_B64_LEN + 1];
    if (sig == NULL || strlen(sig) != SIGNATURE_B64_LEN)
        return SIGN_INVALID;
    signing_sign(key, method, object_key, expires, max_bytes, want);
    if (sodium_memcmp(want, sig, SIGNATURE_B64_LEN) != 0)
        return SIGN_INVALID;
    if (expires + skew < now)
        return SIGN_EXPIRED;
    return SIGN_OK;
}

bool signing_key_is_safe(const char *object_key)
{
    static const char *const prefixes[] = {"input/", "output/", "files/"};
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(object_key, prefixes[i], strlen(prefixes[i])) == 0)
            rest = object_key + strlen(prefixes[i]);
    if (rest == NULL || strlen(rest) < UUID_LEN + 2 || rest[UUID_LEN] != '/')
        return false;
    char id[UUID_LEN + 1];
    memcpy(id, rest, UUID_LEN);
    id[UUID_LEN] = '\0';
    if (!id_is_uuid(id))
        return false;
    const char *name = rest + UUID_LEN + 1;
    if (*name == '\0' || *name == '.' || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '%' || c == '?' || c == '#')
            return false;
    }
    return true;
}

void signing_sanitize_name(const char *name, char *out, size_t len)
{
    size_t o = 0;
    if (len == 0)
        return;
    for (const char *p = name; *p && o + 1 < len && o < 128; p++) {
        unsigned char c = (unsigned char)*p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        if (o == 0 && c == '.')
            keep = false;
        out[o++] = keep ? (char)c : '_';
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, len, "file");
}
