#ifndef QUARRY_PASSWORD_H
#define QUARRY_PASSWORD_H
/* argon2id password hashes (libsodium crypto_pwhash_str, INTERACTIVE limits:
 * 64 MiB per hash, so the pool size bounds memory). */
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 128
/* What a password may be, in bytes: the API and quarry-api admin agree. */
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

/* 0, or -1 when out of memory. */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX]);
bool password_verify(const char *hash, const char *password);
/* Spends the time of a verification without a stored hash, so that a login for
 * an unknown user takes as long as one for a known user. */
void password_verify_dummy(const char *password);
bool password_needs_rehash(const char *hash);

/* The stored hash of an account that has no password (external identities,
 * service accounts): no password ever verifies against it. */
#define PASSWORD_NONE "!"

#endif
