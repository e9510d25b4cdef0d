#include "api/tus.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static bool key_char(char c)
{
    return c > ' ' && c < 0x7f && c != ',';
}

int tus_metadata_parse(const char *header, struct tus_metadata *out, const char **why)
{
    out->n = 0;
    if (strlen(header) > TUS_METADATA_MAX) {
        *why = "Upload-Metadata is too long";
        return -1;
    }
    for (const char *p = header; *p != '\0';) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        size_t len = strcspn(p, ",");
        /* One pair: key, then optionally one space and the value. */
        size_t key_len = 0;
        while (key_len < len && key_char(p[key_len]))
            key_len++;
        if (key_len == 0 || key_len >= sizeof(out->pairs[0].key)) {
            *why = "Upload-Metadata has a key that is empty, too long or not plain ASCII";
            return -1;
        }
        if (out->n == TUS_METADATA_PAIRS) {
            *why = "Upload-Metadata has too many pairs";
            return -1;
        }
        struct tus_pair *pair = &out->pairs[out->n];
        memcpy(pair->key, p, key_len);
        pair->key[key_len] = '\0';
        for (int i = 0; i < out->n; i++)
            if (strcmp(out->pairs[i].key, pair->key) == 0) {
                *why = "Upload-Metadata has a key twice";
                return -1;
            }
        const char *value = p + key_len;
        size_t value_len = len - key_len;
        while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
            value_len--;
        pair->has_value = value_len > 0;
        pair->value_len = 0;
        pair->value[0] = '\0';
        if (pair->has_value) {
            const char *end = NULL;
            if (value[0] != ' ' || value_len < 2 ||
                sodium_base642bin((unsigned char *)pair->value, TUS_METADATA_VALUE_MAX, value + 1,
                                  value_len - 1, NULL, &pair->value_len, &end,
                                  sodium_base64_VARIANT_ORIGINAL) != 0 ||
                end != value + value_len) {
                *why = "Upload-Metadata has a value that is not base64";
                return -1;
            }
            pair->value[pair->value_len] = '\0';
        }
        out->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

const struct tus_pair *tus_metadata_get(const struct tus_metadata *m, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->pairs[i].key, key) == 0)
            return &m->pairs[i];
    return NULL;
}

int tus_parse_size(const char *text, long long *out)
{
    long long v = 0;
    if (text == NULL || *text == '\0')
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > ((1LL << 62) - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > (1LL << 62))
        return -1;
    *out = v;
    return 0;
}

size_t tus_digest_len(enum tus_algorithm algo)
{
    switch (algo) {
    case TUS_SHA1: return 20;
    case TUS_MD5: return 16;
    default: return 32;
    }
}

int tus_checksum_parse(const char *header, enum tus_algorithm *algo, unsigned char *digest,
                       size_t *digest_len)
{
    static const struct {
        const char *name;
        enum tus_algorithm algo;
    } names[] = {{"sha1", TUS_SHA1}, {"md5", TUS_MD5}, {"sha256", TUS_SHA256}};
    const char *sp = strchr(header, ' ');
    if (sp == NULL || sp == header || strchr(sp + 1, ' ') != NULL)
        return -1;
    size_t name_len = (size_t)(sp - header);
    size_t i = 0;
    for (; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == name_len && memcmp(names[i].name, header, name_len) == 0)
            break;
    if (i == sizeof(names) / sizeof(names[0]))
        return -2;
    *algo = names[i].algo;
    const char *end = NULL;
    if (sodium_base642bin(digest, 64, sp + 1, strlen(sp + 1), NULL, digest_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0' || *digest_len != tus_digest_len(*algo))
        return -1;
    return 0;
}

void tus_http_date(time_t t, char *buf, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
