#include "common/token.h"

#include <errno.h>
#include <jwt.h>
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

enum token_status token_verify(const unsigned char key[SECRET_KEY_BYTES], const char *token,
                               long long now, char *sub, size_t sub_len)
{
    jwt_t *jwt = NULL;
    enum token_status st = TOKEN_INVALID;
    if (token == NULL || *token == '\0' || strlen(token) > 4096)
        return TOKEN_INVALID;
    /* jwt_decode checks the signature with the key; it accepts other HMAC
     * algorithms too, so the algorithm is checked after. */
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
    st = TOKEN_OK;
out:
    jwt_free(jwt);
    return st;
}
