#ifndef QUARRY_SEALED_H
#define QUARRY_SEALED_H
/* Secrets at rest: a source's password is sealed with libsodium's secretbox
 * (XSalsa20-Poly1305) under a key of the secrets directory, and stored with
 * the id of that key, so that keys can be rotated:
 *
 *   <secrets_dir>/source.key              the current key (64 hex digits)
 *   <secrets_dir>/source-keys/<id>.key    earlier keys, still able to open
 *
 * A key's id is the first 8 bytes (16 hex digits) of its BLAKE2b hash: it
 * names the key without revealing it. Rotation: move source.key to
 * source-keys/<id>.key and write a new source.key (tools/quarry
 * rotate-source-key); new and changed sources use the new key, old ones open
 * with the old one until they are saved again. */
#include <stddef.h>

#define SEALED_KEY_ID_LEN 16
/* Base64 text of nonce + MAC + a password of up to SEALED_PLAIN_MAX bytes. */
#define SEALED_PLAIN_MAX 512
#define SEALED_TEXT_MAX 1024

/* Seals plain under the current key: box gets the base64 text, key_id the
 * key's id. 0, or -1 with a reason in err (no key, too long). */
int sealed_seal(const char *secrets_dir, const char *plain, char key_id[SEALED_KEY_ID_LEN + 1],
                char box[SEALED_TEXT_MAX], char *err, size_t err_len);

/* Opens box with the key named key_id (the current one or an earlier one):
 * plain gets the NUL-terminated text. 0, or -1 with a reason in err (unknown
 * key, forged or damaged box). The caller wipes plain after use. */
int sealed_open(const char *secrets_dir, const char *key_id, const char *box,
                char plain[SEALED_PLAIN_MAX + 1], char *err, size_t err_len);

/* The id of a 32-byte key, as above. */
void sealed_key_id(const unsigned char key[32], char key_id[SEALED_KEY_ID_LEN + 1]);

#endif
