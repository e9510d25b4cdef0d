#ifndef QUARRY_SIGNING_H
#define QUARRY_SIGNING_H
/* Signed object URLs: /objects/<key>?expires=<unix>&sig=<base64url HMAC-SHA256>
 * over the method, the key, the expiry and, for uploads, the size cap. */
#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

#define SIGNATURE_B64_LEN 43 /* 32 bytes, base64url without padding */

enum signing_status { SIGN_OK = 0, SIGN_INVALID, SIGN_EXPIRED };

/* Writes the base64url signature (SIGNATURE_B64_LEN + 1 bytes) into sig.
 * max_bytes is the upload cap, or -1 for downloads. */
void signing_sign(const unsigned char key[SECRET_KEY_BYTES], const char *method,
                  const char *object_key, long long expires, long long max_bytes, char *sig);
/* Checks a signature in constant time, then the expiry against now with a
 * skew allowance in seconds. */
enum signing_status signing_verify(const unsigned char key[SECRET_KEY_BYTES], const char *method,
                                   const char *object_key, long long expires, long long max_bytes,
                                   const char *sig, long long now, long long skew);
/* True when key is a well-formed object key: input/ or output/ or files/, then
 * a UUID, then one safe file name (no "..", no "/", no control bytes). */
bool signing_key_is_safe(const char *object_key);
/* Turns a user's file name into a safe one (letters, digits, . _ - kept; the
 * rest '_'; no leading dot; at most 128 bytes). out must hold len bytes. */
void signing_sanitize_name(const char *name, char *out, size_t len);

#endif
