#include "common/webhook.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ids.h"

static const char *const event_names[WEBHOOK_EVENT__MAX] = {
    [WEBHOOK_JOB_COMPLETED] = "job.completed",
    [WEBHOOK_JOB_FAILED] = "job.failed",
    [WEBHOOK_JOB_CANCELLED] = "job.cancelled",
    [WEBHOOK_EXECUTION_SUCCEEDED] = "execution.succeeded",
    [WEBHOOK_EXECUTION_FAILED] = "execution.failed",
    [WEBHOOK_PROGRESS_COMPLETED] = "progress.completed",
};

const char *webhook_event_name(enum webhook_event e)
{
    return e < WEBHOOK_EVENT__MAX ? event_names[e] : "unknown";
}

bool webhook_event_parse(const char *name, enum webhook_event *e)
{
    for (int i = 0; i < WEBHOOK_EVENT__MAX; i++)
        if (strcmp(event_names[i], name) == 0) {
            *e = (enum webhook_event)i;
            return true;
        }
    return false;
}

/* ------------------------------------------------------------ secrets */

void webhook_secret_new(char *text)
{
    unsigned char key[32];
    randombytes_buf(key, sizeof(key));
    memcpy(text, WEBHOOK_SECRET_PREFIX, strlen(WEBHOOK_SECRET_PREFIX));
    sodium_bin2base64(text + strlen(WEBHOOK_SECRET_PREFIX),
                      WEBHOOK_SECRET_TEXT_MAX - strlen(WEBHOOK_SECRET_PREFIX), key, sizeof(key),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
}

int webhook_secret_key(const char *text, unsigned char *key, size_t *key_len)
{
    size_t prefix = strlen(WEBHOOK_SECRET_PREFIX);
    const char *end = NULL;
    if (strncmp(text, WEBHOOK_SECRET_PREFIX, prefix) != 0 ||
        strlen(text) >= WEBHOOK_SECRET_TEXT_MAX)
        return -1;
    if (sodium_base642bin(key, WEBHOOK_SECRET_MAX, text + prefix, strlen(text + prefix), NULL,
                          key_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0' || *key_len < WEBHOOK_SECRET_MIN)
        return -1;
    return 0;
}

int webhook_box_key(const struct config *cfg, unsigned char key[SECRET_KEY_BYTES], char *err,
                    size_t err_len)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/webhook.key", cfg->secrets_dir);
    return config_read_key(path, key, err, err_len);
}

int webhook_seal(const unsigned char box_key[SECRET_KEY_BYTES], const char *secret, char *sealed)
{
    unsigned char buf[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                      WEBHOOK_SECRET_TEXT_MAX];
    size_t len = strlen(secret);
    if (len >= WEBHOOK_SECRET_TEXT_MAX)
        return -1;
    randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret, len,
                          buf, box_key);
    size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    sodium_bin2base64(sealed, WEBHOOK_SEALED_TEXT_MAX, buf, total, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int webhook_open(const unsigned char box_key[SECRET_KEY_BYTES], const char *sealed, char *secret)
{
    unsigned char buf[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                      WEBHOOK_SECRET_TEXT_MAX];
    size_t len = 0;
    if (sodium_base642bin(buf, sizeof(buf), sealed, strlen(sealed), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return -1;
    size_t text_len = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (crypto_secretbox_open_easy((unsigned char *)secret, buf + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, buf, box_key) != 0)
        return -1;
    secret[text_len] = '\0';
    return 0;
}

int webhook_sign(const char *secret, const char *id, long long timestamp, const char *body,
                 size_t body_len, char *signature)
{
    unsigned char key[WEBHOOK_SECRET_MAX], mac[crypto_auth_hmacsha256_BYTES];
    size_t key_len = 0;
    char ts[24];
    crypto_auth_hmacsha256_state st;
    if (webhook_secret_key(secret, key, &key_len) != 0)
        return -1;
    snprintf(ts, sizeof(ts), "%lld", timestamp);
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(signature, "v1,", 3);
    sodium_bin2base64(signature + 3, WEBHOOK_SIGNATURE_MAX - 3, mac, sizeof(mac),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
    return 0;
}

char *webhook_payload(const char *event, const char *data_json)
{
    char now[ISO_TIME_LEN + 1];
    time_iso(time_now_ms(), now);
    /* The event name is one of the table's: nothing to escape. */
    size_t len = strlen(event) + strlen(data_json) + sizeof(now) + 64;
    char *out = malloc(len);
    if (out != NULL)
        snprintf(out, len, "{\"type\":\"%s\",\"timestamp\":\"%s\",\"data\":%s}", event, now,
                 data_json);
    return out;
}

/* ------------------------------------------------------------ addresses */

int webhook_allow_parse(const char *text)
{
    static const struct {
        const char *name;
        int flag;
    } words[] = {
        {"loopback", WEBHOOK_ALLOW_LOOPBACK},
        {"private", WEBHOOK_ALLOW_PRIVATE},
        {"link-local", WEBHOOK_ALLOW_LINK_LOCAL},
    };
    int flags = 0;
    for (const char *p = text; *p != '\0';) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        size_t i = 0;
        for (; i < sizeof(words) / sizeof(words[0]); i++)
            if (strlen(words[i].name) == len && memcmp(words[i].name, p, len) == 0)
                break;
        if (i == sizeof(words) / sizeof(words[0]))
            return -1;
        flags |= words[i].flag;
        p += len;
    }
    return flags;
}

enum address_kind { ADDR_PUBLIC, ADDR_LOOPBACK, ADDR_PRIVATE, ADDR_LINK_LOCAL, ADDR_NEVER };

static bool in4(uint32_t a, uint32_t net, int bits)
{
    uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    return (a & mask) == (net & mask);
}

static enum address_kind kind4(uint32_t a)
{
    if (in4(a, 0x7f000000, 8))
        return ADDR_LOOPBACK;
    if (in4(a, 0x0a000000, 8) || in4(a, 0xac100000, 12) || in4(a, 0xc0a80000, 16) ||
        in4(a, 0x64400000, 10)) /* RFC 1918 and the shared 100.64/10 */
        return ADDR_PRIVATE;
    if (in4(a, 0xa9fe0000, 16))
        return ADDR_LINK_LOCAL; /* 169.254/16: cloud metadata lives here */
    if (in4(a, 0x00000000, 8) || in4(a, 0xe0000000, 4) || in4(a, 0xf0000000, 4) ||
        in4(a, 0xc0000000, 24) || in4(a, 0xc0000200, 24) || in4(a, 0xc6120000, 15) ||
        in4(a, 0xc6336400, 24) || in4(a, 0xcb007100, 24))
        return ADDR_NEVER; /* this network, multicast, reserved, protocol and documentation nets */
    return ADDR_PUBLIC;
}

static enum address_kind kind6(const unsigned char *b)
{
    static const unsigned char zero[16] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0)
        return kind4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    if (memcmp(b, zero, 15) == 0 && b[15] == 1)
        return ADDR_LOOPBACK;
    if (memcmp(b, zero, 16) == 0 || b[0] == 0xff)
        return ADDR_NEVER; /* unspecified, multicast */
    if ((b[0] & 0xfe) == 0xfc)
        return ADDR_PRIVATE; /* fc00::/7, unique local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return ADDR_LINK_LOCAL;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        return ADDR_PRIVATE; /* deprecated site-local */
    if (memcmp(b, zero, 12) == 0 || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||
        (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) || (b[0] == 0x20 && b[1] == 0x02))
        return ADDR_NEVER; /* IPv4-compatible, documentation, NAT64 and 6to4 (an IPv4 inside) */
    return ADDR_PUBLIC;
}

bool webhook_address_allowed(const struct sockaddr *sa, int allow, const char **why)
{
    enum address_kind k;
    if (sa->sa_family == AF_INET)
        k = kind4(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    else if (sa->sa_family == AF_INET6)
        k = kind6(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
    else
        k = ADDR_NEVER;
    switch (k) {
    case ADDR_PUBLIC: return true;
    case ADDR_LOOPBACK: *why = "a loopback address"; return (allow & WEBHOOK_ALLOW_LOOPBACK) != 0;
    case ADDR_PRIVATE: *why = "a private address"; return (allow & WEBHOOK_ALLOW_PRIVATE) != 0;
    case ADDR_LINK_LOCAL:
        *why = "a link-local address";
        return (allow & WEBHOOK_ALLOW_LINK_LOCAL) != 0;
    default: *why = "a reserved address"; return false;
    }
}

long long webhook_backoff_ms(long long attempts, long long base_ms, long long max_ms)
{
    long long delay = base_ms > 0 ? base_ms : 1;
    for (long long i = 1; i < attempts && delay < max_ms; i++)
        delay *= 2;
    return delay < max_ms ? delay : max_ms;
}
