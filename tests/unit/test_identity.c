/* External issuers' tokens: JWKs turned into keys by OpenSSL, RS256 and
 * ES256 verified by libjwt, every claim check, and the refusals (alg
 * confusion, alg none, unknown kid, tampering). Keys are made here; the
 * JWKS and the issuers file are temporary files. */
#include <check.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/issuers.h"
#include "common/jwk.h"
#include "common/token.h"

#define NOW 1800000000LL
#define ISS "https://issuer.example"

static EVP_PKEY *rsa, *ec;
static char *rsa_private, *ec_private, *rsa_public;
static char jwks_path[64] = "/tmp/quarry-jwks-XXXXXX", issuers_path[64] = "/tmp/quarry-iss-XXXXXX";
static unsigned char secret[SECRET_KEY_BYTES];

static char *pem_of(EVP_PKEY *k, bool private_key)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    if (private_key)
        PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PUBKEY(b, k);
    long n = BIO_get_mem_data(b, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static void b64url(const unsigned char *bin, size_t len, char *out, size_t out_len)
{
    sodium_bin2base64(out, out_len, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void bn_b64(EVP_PKEY *k, const char *name, char *out, size_t out_len)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    EVP_PKEY_get_bn_param(k, name, &bn);
    int n = BN_bn2bin(bn, buf);
    b64url(buf, (size_t)n, out, out_len);
    BN_free(bn);
}

/* The JWKS with the RSA key as kid rsa1 and the EC key as ec1 (and, when
 * rotated, the RSA key also as rsa2). */
static void write_jwks(bool rotated)
{
    char n[700], e[16], x[64], y[64];
    unsigned char point[65];
    size_t plen = 0;
    bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n));
    bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e));
    EVP_PKEY_get_octet_string_param(ec, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &plen);
    b64url(point + 1, 32, x, sizeof(x));
    b64url(point + 33, 32, y, sizeof(y));
    char rsa2[1024] = "";
    if (rotated)
        snprintf(rsa2, sizeof(rsa2), ",{\"kty\":\"RSA\",\"kid\":\"rsa2\",\"n\":\"%s\",\"e\":\"%s\"}",
                 n, e);
    FILE *f = fopen(jwks_path, "w");
    fprintf(f,
            "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"use\":\"sig\",\"alg\":\"RS256\","
            "\"n\":\"%s\",\"e\":\"%s\"},"
            "{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
            "{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"c2VjcmV0\"}%s]}",
            n, e, x, y, rsa2);
    fclose(f);
}

static char *sign(jwt_alg_t alg, const char *kid, const char *key, const char *iss,
                  const char *aud, long long exp, const char *extra_json)
{
    jwt_t *jwt;
    jwt_new(&jwt);
    if (iss)
        jwt_add_grant(jwt, "iss", iss);
    jwt_add_grant(jwt, "sub", "subject-1");
    if (aud)
        jwt_add_grant(jwt, "aud", aud);
    jwt_add_grant(jwt, "email", "Someone@Example.com");
    jwt_add_grant_int(jwt, "exp", (long)exp);
    if (extra_json)
        jwt_add_grants_json(jwt, extra_json);
    if (kid)
        jwt_add_header(jwt, "kid", kid);
    jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0);
    char *t = jwt_encode_str(jwt);
    jwt_free(jwt);
    return t;
}

static struct issuers set;
static struct token_verifier verifier;

static void load_issuers(const char *extra)
{
    FILE *f = fopen(issuers_path, "w");
    fprintf(f,
            "{\"refresh_seconds\": 60, \"issuers\": [{\"name\": \"test\", \"issuer\": \"" ISS "\","
            " \"jwks_file\": \"%s\", \"audience\": \"quarry-app\"%s}]}",
            jwks_path, extra ? extra : "");
    fclose(f);
    char err[256];
    issuers_free(&set);
    ck_assert_int_eq(issuers_load(issuers_path, &set, err, sizeof(err)), 0);
    verifier = (struct token_verifier){secret, NULL, &set, 30};
}

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    rsa = EVP_RSA_gen(2048);
    ec = EVP_EC_gen("P-256");
    rsa_private = pem_of(rsa, true);
    ec_private = pem_of(ec, true);
    rsa_public = pem_of(rsa, false);
    close(mkstemp(jwks_path));
    close(mkstemp(issuers_path));
    randombytes_buf(secret, sizeof(secret));
    write_jwks(false);
    load_issuers(NULL);
}

static void teardown(void)
{
    issuers_free(&set);
    unlink(jwks_path);
    unlink(issuers_path);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    free(rsa_private);
    free(ec_private);
    free(rsa_public);
}

static enum token_status verify(const char *t, long long now, struct token_claims *c)
{
    return token_verify_bearer(&verifier, t, now, c);
}

START_TEST(rs256_and_es256_accepted)
{
    struct token_claims c;
    char *t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    ck_assert_int_eq(c.kind, TOKEN_KIND_EXTERNAL);
    ck_assert_str_eq(c.sub, "subject-1");
    ck_assert_str_eq(c.email, "Someone@Example.com");
    ck_assert_str_eq(c.issuer->name, "test");
    free(t);
    t = sign(JWT_ALG_ES256, "ec1", ec_private, ISS, "quarry-app", NOW + 600,
             "{\"aud\": [\"other\", \"quarry-app\"]}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    free(t);
    /* Quarry's own tokens still pass through the same door. */
    t = token_issue(secret, "11111111-2222-4333-8444-555555555555", "a@b.co", NOW, 100);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    ck_assert_int_eq(c.kind, TOKEN_KIND_USER);
    free(t);
    t = token_issue_service(secret, "11111111-2222-4333-8444-555555555555",
                            "21111111-2222-4333-8444-555555555555", NOW, 100);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    ck_assert_int_eq(c.kind, TOKEN_KIND_SERVICE);
    ck_assert_str_eq(c.client, "21111111-2222-4333-8444-555555555555");
    free(t);
}
END_TEST

START_TEST(claims_refused)
{
    struct token_claims c;
    char *t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "quarry-app", NOW - 100, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_EXPIRED);
    /* Within the leeway it still passes. */
    ck_assert_int_eq(verify(t, NOW - 80, &c), TOKEN_OK);
    free(t);
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, "https://other.example", "quarry-app", NOW + 600,
             NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "another-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "quarry-app", NOW + 600,
             "{\"nbf\": 1800000600}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    ck_assert_int_eq(verify(t, NOW + 590, &c), TOKEN_OK);
    free(t);
    /* An address marked unverified is not taken. */
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "quarry-app", NOW + 600,
             "{\"email_verified\": false}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    ck_assert_str_eq(c.email, "");
    free(t);
}
END_TEST

START_TEST(keys_and_algs_refused)
{
    struct token_claims c;
    /* Unknown kid, and a kid whose key is of the other type. */
    char *t = sign(JWT_ALG_RS256, "nope", rsa_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_ES256, "rsa1", ec_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    /* The classic confusion: HS256 keyed with the issuer's public key. */
    t = sign(JWT_ALG_HS256, "rsa1", rsa_public, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_NONE, "rsa1", NULL, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    /* The same with no iss goes to Quarry's own check, and fails there. */
    t = sign(JWT_ALG_HS256, "rsa1", rsa_public, NULL, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    /* A tampered payload: the signature no longer matches. */
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, "quarry-app", NOW + 600, NULL);
    char *dot = strchr(t, '.') + 1;
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
}
END_TEST

START_TEST(rotation_is_rate_limited)
{
    struct token_claims c;
    char *t = sign(JWT_ALG_RS256, "rsa2", rsa_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    unsigned long fetches = set.list[0].fetches;
    write_jwks(true);
    /* Within the refresh interval the JWKS is not read again. */
    ck_assert_int_eq(verify(t, NOW + 10, &c), TOKEN_INVALID);
    ck_assert_uint_eq(set.list[0].fetches, fetches);
    ck_assert_int_eq(verify(t, NOW + 60, &c), TOKEN_OK);
    ck_assert_uint_eq(set.list[0].fetches, fetches + 1);
    free(t);
    /* A JWKS that turns unreadable keeps the keys already read. */
    FILE *f = fopen(jwks_path, "w");
    fputs("{\"keys\": 7}", f);
    fclose(f);
    t = sign(JWT_ALG_RS256, "rsa3", rsa_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW + 200, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_ES256, "ec1", ec_private, ISS, "quarry-app", NOW + 600, NULL);
    ck_assert_int_eq(verify(t, NOW + 200, &c), TOKEN_OK);
    free(t);
}
END_TEST

START_TEST(cognito_shape)
{
    struct token_claims c;
    load_issuers(", \"audience\": \"\", \"client_id\": \"app-client\", \"token_use\": \"access\"");
    char *t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, NULL, NOW + 600,
                   "{\"client_id\": \"app-client\", \"token_use\": \"access\"}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_OK);
    free(t);
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, NULL, NOW + 600,
             "{\"client_id\": \"app-client\", \"token_use\": \"id\"}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
    t = sign(JWT_ALG_RS256, "rsa1", rsa_private, ISS, NULL, NOW + 600,
             "{\"client_id\": \"other\", \"token_use\": \"access\"}");
    ck_assert_int_eq(verify(t, NOW, &c), TOKEN_INVALID);
    free(t);
}
END_TEST

START_TEST(jwks_documents)
{
    struct jwks set_;
    char err[128];
    ck_assert_int_eq(jwks_parse("[]", 2, &set_, err, sizeof(err)), -1);
    jwks_clear(&set_);
    ck_assert_int_eq(jwks_parse("{\"keys\":[]}", 11, &set_, err, sizeof(err)), 0);
    jwks_clear(&set_);
    /* A point off the curve, a short RSA modulus: skipped. */
    const char *bad = "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-256\","
                      "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                      "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"},"
                      "{\"kty\":\"RSA\",\"kid\":\"b\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}";
    ck_assert_int_eq(jwks_parse(bad, strlen(bad), &set_, err, sizeof(err)), 0);
    jwks_clear(&set_);
}
END_TEST

START_TEST(issuers_files)
{
    struct issuers s;
    char err[256];
    const char *bad[] = {
        "{}",
        "[{\"name\":\"a\"}]",
        "[{\"name\":\"a\",\"issuer\":\"i\",\"jwks_file\":\"f\"}]",
        "[{\"name\":\"a\",\"issuer\":\"i\",\"jwks_uri\":\"http://x\",\"audience\":\"q\"}]",
        "[{\"name\":\"a\",\"issuer\":\"i\",\"jwks_uri\":\"https://x\",\"jwks_file\":\"f\","
        "\"audience\":\"q\"}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FILE *f = fopen(issuers_path, "w");
        fputs(bad[i], f);
        fclose(f);
        ck_assert_int_eq(issuers_load(issuers_path, &s, err, sizeof(err)), -1);
        issuers_free(&s);
    }
    ck_assert_int_eq(issuers_load("", &s, err, sizeof(err)), 0);
    ck_assert_int_eq(s.n, 0);
    issuers_free(&s);
}
END_TEST

Suite *identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *tc = tcase_create("external issuers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rs256_and_es256_accepted);
    tcase_add_test(tc, claims_refused);
    tcase_add_test(tc, keys_and_algs_refused);
    tcase_add_test(tc, rotation_is_rate_limited);
    tcase_add_test(tc, cognito_shape);
    tcase_add_test(tc, jwks_documents);
    tcase_add_test(tc, issuers_files);
    suite_add_tcase(s, tc);
    return s;
}
