#ifndef QUARRY_API_TUS_H
#define QUARRY_API_TUS_H
/* The tus 1.0 protocol's header values (https://tus.io/protocols/resumable-upload):
 * pure parsers and formatters, no I/O, fuzzed (tests/fuzz/fuzz_tus.c).
 * The handlers are api/uploads.c. */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TUS_VERSION "1.0.0"
#define TUS_EXTENSIONS "creation,creation-with-upload,termination,checksum,expiration"
#define TUS_CHECKSUMS "sha1,md5,sha256"
#define TUS_METADATA_MAX 4096   /* the Upload-Metadata header we keep */
#define TUS_METADATA_PAIRS 16
#define TUS_METADATA_VALUE_MAX 1024

/* One Upload-Metadata pair: a key, and its value decoded from base64
 * (has_value false for a key without one). */
struct tus_pair {
    char key[64];
    char value[TUS_METADATA_VALUE_MAX + 1];
    size_t value_len;
    bool has_value;
};

struct tus_metadata {
    struct tus_pair pairs[TUS_METADATA_PAIRS];
    int n;
};

/* Parses "key base64,key2 base64,key3": keys are 1-63 characters of
 * printable ASCII without spaces or commas, unique; values standard
 * base64. 0, or -1 with a reason in *why. */
int tus_metadata_parse(const char *header, struct tus_metadata *out, const char **why);
/* The value of key (NUL-terminated, may hold NULs before value_len), or NULL. */
const struct tus_pair *tus_metadata_get(const struct tus_metadata *m, const char *key);

/* Upload-Offset and Upload-Length: a non-negative decimal integer, at most
 * 2^62, nothing else. 0 with *out, or -1. */
int tus_parse_size(const char *text, long long *out);

enum tus_algorithm { TUS_SHA1, TUS_MD5, TUS_SHA256 };
/* Upload-Checksum: "<algorithm> <base64 digest>": 0 with the algorithm and
 * the digest (at most 64 bytes), -1 when malformed, -2 when the algorithm
 * is not one of TUS_CHECKSUMS. */
int tus_checksum_parse(const char *header, enum tus_algorithm *algo, unsigned char *digest,
                       size_t *digest_len);
/* The digest's length for the algorithm. */
size_t tus_digest_len(enum tus_algorithm algo);

/* An RFC 9110 HTTP-date ("Wed, 25 Jun 2014 16:00:00 GMT") into buf (at
 * least 30 bytes), for Upload-Expires. */
void tus_http_date(time_t t, char *buf, size_t len);

#endif
