#ifndef QUARRY_TOKEN_H
#define QUARRY_TOKEN_H
/* Access tokens: HS256 JWTs with sub, email, iat and exp. Any other alg, a
 * missing exp or a bad signature is refused. */
#include <stddef.h>

#include "common/config.h"

enum token_status { TOKEN_OK = 0, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_NO_MEMORY };

/* Returns a token string the caller frees with free(), or NULL. */
char *token_issue(const unsigned char key[SECRET_KEY_BYTES], const char *user_id,
                  const char *email, long long now, long long ttl_seconds);
/* Verifies token at time now; on TOKEN_OK copies the subject into sub. */
enum token_status token_verify(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                               long long now, char *sub, size_t sub_len);

/* A per-process memory of tokens already verified, so that a client polling
 * with the same token pays for the signature check once. A hit needs the
 * exact token (compared in constant time); exp is still checked every time. */
struct token_cache;

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
