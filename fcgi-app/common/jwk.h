#ifndef QUARRY_JWK_H
#define QUARRY_JWK_H
/* JSON Web Keys (RFC 7517) of an external token issuer, turned into the PEM
 * public keys libjwt verifies with. The key itself is built by OpenSSL from
 * the JWK's numbers (RSA n/e, EC P-256 x/y): no cryptography of our own.
 * Only signing keys Quarry accepts are kept: RSA of 2048-8192 bits (RS256)
 * and EC on P-256 (ES256), each with a kid. Others are skipped, not errors:
 * an issuer may publish keys for other uses beside ours. */
#include <stddef.h>

#define JWK_KID_MAX 128
#define JWKS_MAX_KEYS 32
/* A JWKS document larger than this is refused (a fetch stops there too). */
#define JWKS_MAX_BYTES (256 * 1024)

/* What a key verifies: the one alg a token signed with it may name. */
enum jwk_type { JWK_RS256 = 1, JWK_ES256 };

struct jwk {
    char kid[JWK_KID_MAX + 1];
    enum jwk_type type;
    char *pem; /* SubjectPublicKeyInfo PEM, malloc'd */
    size_t pem_len;
};

struct jwks {
    struct jwk keys[JWKS_MAX_KEYS];
    int n;
};

/* Parses a JWKS document ({"keys":[...]}) of len bytes into out, which the
 * caller releases with jwks_clear() (also after a failure). Returns the
 * number of usable keys (0 is an answer, not an error), or -1 when the
 * document is not a JWKS, with the reason in err. */
int jwks_parse(const char *text, size_t len, struct jwks *out, char *err, size_t err_len);
/* Frees the keys' PEM texts and empties set. */
void jwks_clear(struct jwks *set);
/* The key named kid, or NULL. */
const struct jwk *jwks_find(const struct jwks *set, const char *kid);
/* "RS256" or "ES256". */
const char *jwk_alg_name(enum jwk_type type);

#endif
