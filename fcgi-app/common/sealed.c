#include "common/sealed.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"

void sealed_key_id(const unsigned char key[32], char key_id[SEALED_KEY_ID_LEN + 1])
{
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash(hash, sizeof(hash), key, 32, NULL, 0);
    sodium_bin2hex(key_id, SEALED_KEY_ID_LEN + 1, hash, SEALED_KEY_ID_LEN / 2);
}

static int current_key(const char *dir, unsigned char key[32], char *err, size_t err_len)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/source.key", dir);
    return config_read_key(path, key, err, err_len);
}

/* The key named id: source.key when its id matches, else source-keys/<id>.key
 * (whose content must have that id too). */
static int key_by_id(const char *dir, const char *id, unsigned char key[32], char *err,
                     size_t err_len)
{
    char path[700], have[SEALED_KEY_ID_LEN + 1];
    if (strlen(id) != SEALED_KEY_ID_LEN || strspn(id, "0123456789abcdef") != SEALED_KEY_ID_LEN) {
        snprintf(err, err_len, "malformed key id");
        return -1;
    }
    if (current_key(dir, key, err, err_len) == 0) {
        sealed_key_id(key, have);
        if (strcmp(have, id) == 0)
            return 0;
    }
    snprintf(path, sizeof(path), "%s/source-keys/%s.key", dir, id);
    if (config_read_key(path, key, err, err_len) != 0) {
        snprintf(err, err_len, "the key %s is not in the secrets directory", id);
        return -1;
    }
    sealed_key_id(key, have);
    if (strcmp(have, id) != 0) {
        sodium_memzero(key, 32);
        snprintf(err, err_len, "source-keys/%s.key holds another key", id);
        return -1;
    }
    return 0;
}

int sealed_seal(const char *secrets_dir, const char *plain, char key_id[SEALED_KEY_ID_LEN + 1],
                char box[SEALED_TEXT_MAX], char *err, size_t err_len)
{
    unsigned char key[32], raw[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                               SEALED_PLAIN_MAX];
    size_t n = strlen(plain);
    if (n > SEALED_PLAIN_MAX) {
        snprintf(err, err_len, "the secret is longer than %d bytes", SEALED_PLAIN_MAX);
        return -1;
    }
    if (current_key(secrets_dir, key, err, err_len) != 0)
        return -1;
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n, raw,
                          key);
    sealed_key_id(key, key_id);
    sodium_memzero(key, sizeof(key));
    sodium_bin2base64(box, SEALED_TEXT_MAX, raw,
                      crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n,
                      sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int sealed_open(const char *secrets_dir, const char *key_id, const char *box,
                char plain[SEALED_PLAIN_MAX + 1], char *err, size_t err_len)
{
    unsigned char key[32], raw[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                               SEALED_PLAIN_MAX];
    size_t n = 0;
    if (key_id == NULL || box == NULL) {
        snprintf(err, err_len, "no secret stored");
        return -1;
    }
    if (sodium_base642bin(raw, sizeof(raw), box, strlen(box), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        snprintf(err, err_len, "damaged secret");
        return -1;
    }
    if (key_by_id(secrets_dir, key_id, key, err, err_len) != 0)
        return -1;
    size_t len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    int rc = crypto_secretbox_open_easy((unsigned char *)plain, raw + crypto_secretbox_NONCEBYTES,
                                        n - crypto_secretbox_NONCEBYTES, raw, key);
    sodium_memzero(key, sizeof(key));
    if (rc != 0) {
        snprintf(err, err_len, "the secret does not open with key %s", key_id);
        return -1;
    }
    plain[len] = '\0';
    return 0;
}
