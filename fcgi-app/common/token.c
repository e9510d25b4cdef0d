#include "common/token.h"

#include <errno.h>
#include <jwt.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

char *token_issue(const unsigned char key[SECRET_KEY_BYTES], const char *user_id,
                  const char *email, long long now, long long ttl_seconds)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grant(jwt, "sub", user_id) != 0 || jwt_add_grant(jwt, "email", email) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)(now + ttl_seconds)) != 0 ||
        jwt_add_grant(jwt, "type", "access") != 0 ||
        jwt_set_alg(jwt, JWT_ALG_HS256, key, SECRET_KEY_BYTES) != 0)
        goto out;
    out = jwt_encode_str(jwt);
out:
    jwt_free(jwt);
    return out;
}

#define TOKEN_MAX_LEN 4096

/* The HS256 signature of "header.payload", checked in constant time with
 * libsodium. libjwt 1.10 compares signatures with strcmp, so a forgery is
 * refused here before libjwt sees it. */
static bool signature_valid(const unsigned char key[SECRET_KEY_BYTES], const char *token)
{
    const char *dot = strrchr(token, '.');
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    size_t mac_len = 0;
    const char *end = NULL;
    if (dot == NULL || dot == token)
        return false;
    if (sodium_base642bin(mac, sizeof(mac), dot + 1, strlen(dot + 1), NULL, &mac_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        mac_len != sizeof(mac) || *end != '\0')
        return false;
    crypto_auth_hmacsha256_state st;
    unsigned char want[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, SECRET_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, (size_t)(dot - token));
    crypto_auth_hmacsha256_final(&st, want);
    return sodium_memcmp(want, mac, sizeof(mac)) == 0;
}

/* The full check; on TOKEN_OK also gives the expiry. */
static enum token_status token_check(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                                     long long now, char *sub, size_t sub_len, long long *exp_out)
{
    jwt_t *jwt = NULL;
    enum token_status st = TOKEN_INVALID;
    if (token == NULL || *token == '\0' || strlen(token) > TOKEN_MAX_LEN)
        return TOKEN_INVALID;
    if (!signature_valid(key, token))
        return TOKEN_INVALID;
    /* jwt_decode checks the signature again and parses; it accepts other
     * HMAC algorithms too, so the algorithm is checked after. */
    if (jwt_decode(&jwt, token, key, SECRET_KEY_BYTES) != 0 || jwt == NULL)
        return TOKEN_INVALID;
    if (jwt_get_alg(jwt) != JWT_ALG_HS256)
        goto out;
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    if (errno == ENOENT || errno == EINVAL)
        goto out;
    const char *type = jwt_get_grant(jwt, "type");
    if (type == NULL || strcmp(type, "access") != 0)
        goto out;
    const char *s = jwt_get_grant(jwt, "sub");
    if (s == NULL || strlen(s) >= sub_len)
        goto out;
    if ((long long)exp <= now) {
        st = TOKEN_EXPIRED;
        goto out;
    }
    memcpy(sub, s, strlen(s) + 1);
    *exp_out = (long long)exp;
    st = TOKEN_OK;
out:
    jwt_free(jwt);
    return st;
}

enum token_status token_verify(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                               long long now, char *sub, size_t sub_len)
{
    long long exp;
    return token_check(key, token, now, sub, sub_len, &exp);
}

struct token_cache_entry {
    char *token; /* NULL: empty slot */
    size_t len;
    unsigned char key[SECRET_KEY_BYTES]; /* what verified it: a hit needs the same key */
    char sub[64];
    long long exp;
};

struct token_cache {
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    size_t mask;
    unsigned long hits;
    struct token_cache_entry entries[];
};

struct token_cache *token_cache_new(size_t slots)
{
    size_t n = 1;
    while (n < slots && n < (1u << 16))
        n <<= 1;
    struct token_cache *c = calloc(1, sizeof(*c) + n * sizeof(struct token_cache_entry));
    if (c == NULL)
        return NULL;
    /* A keyed hash: nobody can aim tokens at one slot to evict others. */
    randombytes_buf(c->hash_key, sizeof(c->hash_key));
    c->mask = n - 1;
    return c;
}

void token_cache_free(struct token_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        free(c->entries[i].token);
    sodium_memzero(c, sizeof(*c) + (c->mask + 1) * sizeof(struct token_cache_entry));
    free(c);
}

unsigned long token_cache_hits(const struct token_cache *c)
{
    return c ? c->hits : 0;
}

enum token_status token_verify_cached(struct token_cache *c,
                                      const unsigned char key[SECRET_KEY_BYTES], const char *token,
                                      long long now, char *sub, size_t sub_len)
{
    long long exp;
    if (c == NULL || token == NULL)
        return token_verify(key, token, now, sub, sub_len);
    size_t len = strlen(token);
    if (len == 0 || len > TOKEN_MAX_LEN)
        return TOKEN_INVALID;
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)token, len, c->hash_key);
    uint64_t slot;
    memcpy(&slot, h, sizeof(slot));
    struct token_cache_entry *e = &c->entries[slot & c->mask];
    /* Constant-time comparison: a cached token is a secret of its owner. */
    if (e->token != NULL && e->len == len && sodium_memcmp(e->token, token, len) == 0 &&
        sodium_memcmp(e->key, key, SECRET_KEY_BYTES) == 0 && strlen(e->sub) < sub_len) {
        c->hits++;
        if (e->exp <= now)
            return TOKEN_EXPIRED;
        memcpy(sub, e->sub, strlen(e->sub) + 1);
        return TOKEN_OK;
    }
    enum token_status st = token_check(key, token, now, sub, sub_len, &exp);
    if (st != TOKEN_OK || strlen(sub) >= sizeof(e->sub))
        return st;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return st; /* not cached, still verified */
    memcpy(copy, token, len + 1);
    free(e->token);
    e->token = copy;
    e->len = len;
    e->exp = exp;
    memcpy(e->key, key, SECRET_KEY_BYTES);
    memcpy(e->sub, sub, strlen(sub) + 1);
    return st;
}
