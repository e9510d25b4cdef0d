#include "common/token.h"

#include <errno.h>
#include <json-c/json.h>
#include <jwt.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* An HS256 token of the given type for sub, with one more claim (name,
 * value); free() the result. NULL on failure. */
static char *token_sign(const unsigned char key[SECRET_KEY_BYTES], const char *type,
                        const char *sub, const char *name, const char *value, long long now,
                        long long ttl_seconds)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grant(jwt, "sub", sub) != 0 || jwt_add_grant(jwt, name, value) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)(now + ttl_seconds)) != 0 ||
        jwt_add_grant(jwt, "type", type) != 0 ||
        jwt_set_alg(jwt, JWT_ALG_HS256, key, SECRET_KEY_BYTES) != 0)
        goto out;
    out = jwt_encode_str(jwt);
out:
    jwt_free(jwt);
    return out;
}

char *token_issue(const unsigned char key[SECRET_KEY_BYTES], const char *user_id,
                  const char *email, long long now, long long ttl_seconds)
{
    return token_sign(key, "access", user_id, "email", email, now, ttl_seconds);
}

char *token_issue_service(const unsigned char key[SECRET_KEY_BYTES], const char *account_id,
                          const char *client_id, long long now, long long ttl_seconds)
{
    return token_sign(key, "service", account_id, "client", client_id, now, ttl_seconds);
}

#define TOKEN_MAX_LEN 8192

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

/* The full check of one of Quarry's own tokens into *out. */
static enum token_status local_check(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                                     long long now, struct token_claims *out)
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
    const char *type = jwt_get_grant(jwt, "type"), *s = jwt_get_grant(jwt, "sub");
    const char *client = jwt_get_grant(jwt, "client");
    memset(out, 0, sizeof(*out));
    if (type != NULL && strcmp(type, "access") == 0) {
        out->kind = TOKEN_KIND_USER;
    } else if (type != NULL && strcmp(type, "service") == 0 && client != NULL &&
               strlen(client) < sizeof(out->client)) {
        out->kind = TOKEN_KIND_SERVICE;
        memcpy(out->client, client, strlen(client) + 1);
    } else {
        goto out;
    }
    if (s == NULL || strlen(s) >= sizeof(out->sub))
        goto out;
    if ((long long)exp <= now) {
        st = TOKEN_EXPIRED;
        goto out;
    }
    memcpy(out->sub, s, strlen(s) + 1);
    out->exp = (long long)exp;
    st = TOKEN_OK;
out:
    jwt_free(jwt);
    return st;
}

/* A user's access token (not a service account's) into sub. */
static enum token_status user_sub(enum token_status st, const struct token_claims *c, char *sub,
                                  size_t sub_len)
{
    if (st != TOKEN_OK)
        return st;
    if (c->kind != TOKEN_KIND_USER || strlen(c->sub) >= sub_len)
        return TOKEN_INVALID;
    memcpy(sub, c->sub, strlen(c->sub) + 1);
    return TOKEN_OK;
}

enum token_status token_verify(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                               long long now, char *sub, size_t sub_len)
{
    struct token_claims c;
    return user_sub(local_check(key, token, now, &c), &c, sub, sub_len);
}

struct token_cache_entry {
    char *token; /* NULL: empty slot */
    size_t len;
    unsigned char key[SECRET_KEY_BYTES]; /* what verified it: a hit needs the same key */
    struct token_claims claims;
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

/* The cache's slot for token (of len bytes, 1 to TOKEN_MAX_LEN), and
 * whether it holds that token verified with key: then *st is the answer
 * (expired or not) and *out its claims when OK. */
static struct token_cache_entry *cache_slot(struct token_cache *c,
                                            const unsigned char key[SECRET_KEY_BYTES],
                                            const char *token, size_t len, long long now,
                                            struct token_claims *out, enum token_status *st,
                                            bool *hit)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)token, len, c->hash_key);
    uint64_t slot;
    memcpy(&slot, h, sizeof(slot));
    struct token_cache_entry *e = &c->entries[slot & c->mask];
    /* Constant-time comparison: a cached token is a secret of its owner. */
    *hit = e->token != NULL && e->len == len && sodium_memcmp(e->token, token, len) == 0 &&
           sodium_memcmp(e->key, key, SECRET_KEY_BYTES) == 0;
    if (*hit) {
        c->hits++;
        *st = e->claims.exp <= now ? TOKEN_EXPIRED : TOKEN_OK;
        if (*st == TOKEN_OK)
            *out = e->claims;
    }
    return e;
}

/* local_check of a token the cache's slot e missed; a verified one takes
 * the slot. */
static enum token_status local_check_into(struct token_cache_entry *e,
                                          const unsigned char key[SECRET_KEY_BYTES],
                                          const char *token, size_t len, long long now,
                                          struct token_claims *out)
{
    enum token_status st = local_check(key, token, now, out);
    if (st != TOKEN_OK)
        return st;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return st; /* not cached, still verified */
    memcpy(copy, token, len + 1);
    free(e->token);
    e->token = copy;
    e->len = len;
    memcpy(e->key, key, SECRET_KEY_BYTES);
    e->claims = *out;
    return st;
}

/* local_check through the cache (c may be NULL). */
static enum token_status local_check_cached(struct token_cache *c,
                                            const unsigned char key[SECRET_KEY_BYTES],
                                            const char *token, long long now,
                                            struct token_claims *out)
{
    if (c == NULL || token == NULL)
        return local_check(key, token, now, out);
    size_t len = strlen(token);
    if (len == 0 || len > TOKEN_MAX_LEN)
        return TOKEN_INVALID;
    enum token_status st;
    bool hit;
    struct token_cache_entry *e = cache_slot(c, key, token, len, now, out, &st, &hit);
    return hit ? st : local_check_into(e, key, token, len, now, out);
}

enum token_status token_verify_cached(struct token_cache *c,
                                      const unsigned char key[SECRET_KEY_BYTES], const char *token,
                                      long long now, char *sub, size_t sub_len)
{
    struct token_claims claims;
    return user_sub(local_check_cached(c, key, token, now, &claims), &claims, sub, sub_len);
}

/* Segment i (0 header, 1 payload) of a JWS decoded from base64url and
 * parsed: a JSON object owned by the caller, or NULL. Nothing is verified. */
static json_object *segment_json(const char *token, int i)
{
    const char *start = token;
    for (int k = 0; k < i; k++) {
        start = strchr(start, '.');
        if (start == NULL)
            return NULL;
        start++;
    }
    const char *end = strchr(start, '.');
    if (end == NULL)
        return NULL;
    size_t len = (size_t)(end - start), out_len = 0;
    unsigned char buf[TOKEN_MAX_LEN];
    const char *stop = NULL;
    if (len == 0 || sodium_base642bin(buf, sizeof(buf) - 1, start, len, NULL, &out_len, &stop,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        stop != end)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(8);
    if (tok == NULL)
        return NULL;
    json_object *o = json_tokener_parse_ex(tok, (const char *)buf, (int)out_len);
    bool ok = json_tokener_get_error(tok) == json_tokener_success && o != NULL &&
              json_object_is_type(o, json_type_object);
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static const char *json_text(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* True when the aud claim (a string or an array of strings) names want. */
static bool audience_has(jwt_t *jwt, const char *want)
{
    const char *one = jwt_get_grant(jwt, "aud");
    if (one != NULL)
        return strcmp(one, want) == 0;
    char *text = jwt_get_grants_json(jwt, "aud");
    json_object *list = text ? json_tokener_parse(text) : NULL;
    bool found = false;
    if (json_object_is_type(list, json_type_array))
        for (size_t i = 0; i < json_object_array_length(list) && !found; i++) {
            json_object *v = json_object_array_get_idx(list, i);
            found = json_object_is_type(v, json_type_string) &&
                    strcmp(json_object_get_string(v), want) == 0;
        }
    json_object_put(list);
    free(text);
    return found;
}

/* The claims of a token whose signature libjwt has verified with the issuer's key. */
static enum token_status external_claims(const struct token_verifier *v, struct issuer *is,
                                         jwt_t *jwt, long long now, struct token_claims *out)
{
    const char *iss = jwt_get_grant(jwt, "iss"), *sub = jwt_get_grant(jwt, "sub");
    if (iss == NULL || strcmp(iss, is->iss) != 0 || sub == NULL || *sub == '\0' ||
        strlen(sub) >= sizeof(out->sub))
        return TOKEN_INVALID;
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    if (errno == ENOENT || errno == EINVAL)
        return TOKEN_INVALID;
    errno = 0;
    long nbf = jwt_get_grant_int(jwt, "nbf");
    bool has_nbf = errno != ENOENT;
    if (has_nbf && errno == EINVAL)
        return TOKEN_INVALID;
    if (is->audience[0] != '\0' && !audience_has(jwt, is->audience))
        return TOKEN_INVALID;
    const char *client_id = jwt_get_grant(jwt, "client_id");
    if (is->client_id[0] != '\0' && (client_id == NULL || strcmp(client_id, is->client_id) != 0))
        return TOKEN_INVALID;
    const char *use = jwt_get_grant(jwt, "token_use");
    if (is->token_use[0] != '\0' && (use == NULL || strcmp(use, is->token_use) != 0))
        return TOKEN_INVALID;
    if (has_nbf && (long long)nbf > now + v->leeway)
        return TOKEN_INVALID;
    if ((long long)exp + v->leeway <= now)
        return TOKEN_EXPIRED;
    memset(out, 0, sizeof(*out));
    out->kind = TOKEN_KIND_EXTERNAL;
    out->issuer = is;
    out->exp = (long long)exp;
    memcpy(out->sub, sub, strlen(sub) + 1);
    /* An address the issuer says it has not verified is not taken. */
    const char *email = jwt_get_grant(jwt, is->email_claim);
    errno = 0;
    int verified = jwt_get_grant_bool(jwt, "email_verified");
    bool unverified = errno == 0 && verified == 0;
    if (email != NULL && !unverified && strlen(email) < sizeof(out->email))
        memcpy(out->email, email, strlen(email) + 1);
    return TOKEN_OK;
}

/* An external issuer's token: the header's alg must be the one the key
 * named by its kid verifies, before libjwt sees the token (libjwt 1.10
 * verifies with whatever alg the header names, so an HS256 token would
 * otherwise be checked with the public key as an HMAC secret). */
static enum token_status external_check(struct token_verifier *v, struct issuer *is,
                                        const char *token, json_object *header, long long now,
                                        struct token_claims *out)
{
    const char *alg = json_text(header, "alg"), *kid = json_text(header, "kid");
    if (alg == NULL || kid == NULL || (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0))
        return TOKEN_INVALID;
    const struct jwk *key = issuer_key(v->issuers, is, kid, now);
    if (key == NULL || strcmp(jwk_alg_name(key->type), alg) != 0)
        return TOKEN_INVALID;
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, (const unsigned char *)key->pem, (int)key->pem_len) != 0 ||
        jwt == NULL)
        return TOKEN_INVALID;
    jwt_alg_t want = key->type == JWK_ES256 ? JWT_ALG_ES256 : JWT_ALG_RS256;
    enum token_status st =
        jwt_get_alg(jwt) == want ? external_claims(v, is, jwt, now, out) : TOKEN_INVALID;
    jwt_free(jwt);
    return st;
}

enum token_status token_verify_bearer(struct token_verifier *v, const char *token, long long now,
                                      struct token_claims *out)
{
    size_t len = token != NULL ? strlen(token) : 0;
    if (len == 0 || len > TOKEN_MAX_LEN)
        return TOKEN_INVALID;
    /* The cache holds only tokens verified as Quarry's own (no iss; below):
     * one found there is answered as local_check_cached would, without
     * decoding its payload again. */
    struct token_cache_entry *slot = NULL;
    if (v->cache != NULL) {
        enum token_status st;
        bool hit;
        slot = cache_slot(v->cache, v->key, token, len, now, out, &st, &hit);
        if (hit)
            return st;
    }
    json_object *payload = segment_json(token, 1);
    if (payload == NULL)
        return TOKEN_INVALID;
    json_object *iss_value = NULL;
    bool has_iss = json_object_object_get_ex(payload, "iss", &iss_value);
    struct issuer *is = NULL;
    if (has_iss && v->issuers != NULL)
        is = issuers_find(v->issuers, json_text(payload, "iss"));
    json_object_put(payload);
    /* Quarry's own tokens carry no iss; any other iss must be configured. */
    if (!has_iss)
        return slot != NULL ? local_check_into(slot, v->key, token, len, now, out)
                            : local_check(v->key, token, now, out);
    if (is == NULL)
        return TOKEN_INVALID;
    json_object *header = segment_json(token, 0);
    if (header == NULL)
        return TOKEN_INVALID;
    enum token_status st = external_check(v, is, token, header, now, out);
    json_object_put(header);
    return st;
}
