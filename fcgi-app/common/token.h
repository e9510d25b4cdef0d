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

#endif
