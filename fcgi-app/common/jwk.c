#include "common/jwk.h"

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
#define NUMBER_MAX_BYTES (RSA_MAX_BITS / 8)
#define P256_COORD_BYTES 32

const char *jwk_alg_name(enum jwk_type type)
{
    return type == JWK_ES256 ? "ES256" : "RS256";
}

static const char *member_string(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* base64url (padding tolerated) into out; the decoded length, or -1. */
static long decode_b64url(const char *s, unsigned char *out, size_t max)
{
    size_t len = 0;
    const char *end = NULL;
    if (s == NULL || *s == '\0')
        return -1;
    if (sodium_base642bin(out, max, s, strlen(s), "=", &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        *end != '\0')
        return -1;
    return (long)len;
}

/* The key as SubjectPublicKeyInfo PEM into k (malloc'd); takes pkey. */
static int pem_of(EVP_PKEY *pkey, struct jwk *k)
{
    int rc = -1;
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    if (mem == NULL || PEM_write_bio_PUBKEY(mem, pkey) != 1)
        goto out;
    long n = BIO_get_mem_data(mem, &data);
    if (n <= 0 || (k->pem = malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(k->pem, data, (size_t)n);
    k->pem[n] = '\0';
    k->pem_len = (size_t)n;
    rc = 0;
out:
    BIO_free(mem);
    EVP_PKEY_free(pkey);
    return rc;
}

/* The public key from params, checked by OpenSSL; NULL when it is not one. */
static EVP_PKEY *key_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (pkey == NULL)
        return NULL;
    /* An EC point off the curve, or an RSA modulus that is even or tiny,
     * never becomes a key. */
    EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = check != NULL && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

static int rsa_key(json_object *o, struct jwk *k)
{
    unsigned char n_buf[NUMBER_MAX_BYTES + 1], e_buf[16];
    long n_len = decode_b64url(member_string(o, "n"), n_buf, sizeof(n_buf));
    long e_len = decode_b64url(member_string(o, "e"), e_buf, sizeof(e_buf));
    if (n_len <= 0 || e_len <= 0)
        return -1;
    BIGNUM *n = BN_bin2bn(n_buf, (int)n_len, NULL), *e = BN_bin2bn(e_buf, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    int bits = n ? BN_num_bits(n) : 0;
    if (n != NULL && e != NULL && bld != NULL && bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
        pkey = key_from_params("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    if (pkey == NULL)
        return -1;
    k->type = JWK_RS256;
    return pem_of(pkey, k);
}

static int ec_key(json_object *o, struct jwk *k)
{
    /* The uncompressed point: 0x04 || x || y. */
    unsigned char point[1 + 2 * P256_COORD_BYTES], coord[P256_COORD_BYTES + 1];
    const char *crv = member_string(o, "crv");
    if (crv == NULL || strcmp(crv, "P-256") != 0)
        return -1;
    point[0] = 0x04;
    if (decode_b64url(member_string(o, "x"), coord, sizeof(coord)) != P256_COORD_BYTES)
        return -1;
    memcpy(point + 1, coord, P256_COORD_BYTES);
    if (decode_b64url(member_string(o, "y"), coord, sizeof(coord)) != P256_COORD_BYTES)
        return -1;
    memcpy(point + 1 + P256_COORD_BYTES, coord, P256_COORD_BYTES);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    if (bld != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) == 1)
        pkey = key_from_params("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (pkey == NULL)
        return -1;
    k->type = JWK_ES256;
    return pem_of(pkey, k);
}

/* One entry of "keys": 0 kept, -1 skipped. */
static int take_key(json_object *o, struct jwk *k)
{
    if (!json_object_is_type(o, json_type_object))
        return -1;
    const char *kty = member_string(o, "kty"), *kid = member_string(o, "kid");
    const char *use = member_string(o, "use"), *alg = member_string(o, "alg");
    if (kty == NULL || kid == NULL || *kid == '\0' || strlen(kid) > JWK_KID_MAX)
        return -1;
    if (use != NULL && strcmp(use, "sig") != 0)
        return -1;
    memset(k, 0, sizeof(*k));
    memcpy(k->kid, kid, strlen(kid) + 1);
    int rc = -1;
    if (strcmp(kty, "RSA") == 0)
        rc = rsa_key(o, k);
    else if (strcmp(kty, "EC") == 0)
        rc = ec_key(o, k);
    /* A key published for another algorithm is not ours to use. */
    if (rc == 0 && alg != NULL && strcmp(alg, jwk_alg_name(k->type)) != 0) {
        free(k->pem);
        k->pem = NULL;
        rc = -1;
    }
    return rc;
}

int jwks_parse(const char *text, size_t len, struct jwks *out, char *err, size_t err_len)
{
    json_object *doc = NULL, *keys;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (len > JWKS_MAX_BYTES) {
        snprintf(err, err_len, "the JWKS is larger than %d bytes", JWKS_MAX_BYTES);
        return -1;
    }
    json_tokener *tok = json_tokener_new_ex(16);
    if (tok == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    doc = json_tokener_parse_ex(tok, text, (int)len);
    bool whole = json_tokener_get_error(tok) == json_tokener_success &&
                 json_tokener_get_parse_end(tok) <= len;
    json_tokener_free(tok);
    if (doc == NULL || !whole || !json_object_is_type(doc, json_type_object) ||
        !json_object_object_get_ex(doc, "keys", &keys) ||
        !json_object_is_type(keys, json_type_array)) {
        snprintf(err, err_len, "not a JWKS (a JSON object with a \"keys\" array)");
        goto out;
    }
    size_t n = json_object_array_length(keys);
    for (size_t i = 0; i < n && out->n < JWKS_MAX_KEYS; i++) {
        struct jwk *k = &out->keys[out->n];
        if (take_key(json_object_array_get_idx(keys, i), k) != 0)
            continue;
        if (jwks_find(out, k->kid) != NULL) { /* the first of a kid counts */
            free(k->pem);
            k->pem = NULL;
            continue;
        }
        out->n++;
    }
    rc = out->n;
out:
    json_object_put(doc);
    return rc;
}

void jwks_clear(struct jwks *set)
{
    for (int i = 0; i < set->n; i++)
        free(set->keys[i].pem);
    memset(set, 0, sizeof(*set));
}

const struct jwk *jwks_find(const struct jwks *set, const char *kid)
{
    if (kid == NULL)
        return NULL;
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->keys[i].kid, kid) == 0)
            return &set->keys[i];
    return NULL;
}
