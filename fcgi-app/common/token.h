#ifndef QUARRY_TOKEN_H
#define QUARRY_TOKEN_H
/* Bearer tokens, verified on one path that dispatches on the issuer:
 * - Quarry's own (no iss claim): HS256 JWTs with sub, iat, exp and a type,
 *   "access" for a user (sub = user id) or "service" for a service account
 *   (sub = its id, client = the client it may act in). Any other alg, a
 *   missing exp or a bad signature is refused.
 * - An external issuer's (iss names one of the issuers file): RS256 or
 *   ES256, signed by a key of the issuer's JWKS whose type matches the alg;
 *   iss, exp, nbf, aud or client_id, and token_use checked (issuers.h). */
#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/issuers.h"

enum token_status { TOKEN_OK = 0, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_NO_MEMORY };

enum token_kind { TOKEN_KIND_USER, TOKEN_KIND_SERVICE, TOKEN_KIND_EXTERNAL };

#define TOKEN_SUB_MAX 255

/* What a verified token says. */
struct token_claims {
    enum token_kind kind;
    char sub[TOKEN_SUB_MAX + 1]; /* user id, service account id, or the issuer's subject */
    char client[40];             /* service: the client (tenant) id it is limited to */
    char email[256];             /* external: the email claim, "" when absent or unverified */
    const struct issuer *issuer; /* external: who signed it */
    long long exp;
};

struct token_cache;

/* What verifies tokens in one process; nothing here is owned. */
struct token_verifier {
    const unsigned char *key;  /* Quarry's HS256 secret (SECRET_KEY_BYTES) */
    struct token_cache *cache; /* Quarry's tokens already verified; may be NULL */
    struct issuers *issuers;   /* may be NULL: no external issuers */
    long long leeway;          /* seconds of clock skew allowed on external exp and nbf */
};

/* Verifies token at time now (seconds) and fills *out. An external issuer's
 * unknown kid may read its JWKS again (issuer_key). */
enum token_status token_verify_bearer(struct token_verifier *v, const char *token, long long now,
                                      struct token_claims *out);
/* A service account's token: a string the caller frees with free(), or NULL. */
char *token_issue_service(const unsigned char key[SECRET_KEY_BYTES], const char *account_id,
                          const char *client_id, long long now, long long ttl_seconds);

/* Returns a token string the caller frees with free(), or NULL. */
char *token_issue(const unsigned char key[SECRET_KEY_BYTES], const char *user_id,
                  const char *email, long long now, long long ttl_seconds);
/* Verifies a user's access token at time now; on TOKEN_OK copies the
 * subject into sub. (token_verify_bearer is the request path.) */
enum token_status token_verify(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                               long long now, char *sub, size_t sub_len);

/* A per-process memory of tokens already verified, so that a client polling
 * with the same token pays for the signature check once. A hit needs the
 * exact token (compared in constant time); exp is still checked every time. */
/* slots is rounded to a power of two; NULL when out of memory. Owned by the
 * caller: token_cache_free(). */
struct token_cache *token_cache_new(size_t slots);
void token_cache_free(struct token_cache *cache);
/* token_verify through the cache (cache may be NULL: no caching). */
enum token_status token_verify_cached(struct token_cache *cache,
                                      const unsigned char key[SECRET_KEY_BYTES], const char *token,
                                      long long now, char *sub, size_t sub_len);
/* Hits since the cache was made, for tests and metrics. */
unsigned long token_cache_hits(const struct token_cache *cache);

#endif
