/* Tokens, passwords and signed URLs: the security primitives. */
#include <check.h>
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/password.h"
#include "common/signing.h"
#include "common/token.h"

static unsigned char key[SECRET_KEY_BYTES], other[SECRET_KEY_BYTES];
#define NOW 1800000000LL

static char *forge(const unsigned char *k, jwt_alg_t alg, long long exp, bool with_exp)
{
    jwt_t *jwt;
    jwt_new(&jwt);
    jwt_add_grant(jwt, "sub", "11111111-2222-4333-8444-555555555555");
    jwt_add_grant(jwt, "type", "access");
    if (with_exp)
        jwt_add_grant_int(jwt, "exp", (long)exp);
    jwt_set_alg(jwt, alg, alg == JWT_ALG_NONE ? NULL : k, alg == JWT_ALG_NONE ? 0 : SECRET_KEY_BYTES);
    char *s = jwt_encode_str(jwt);
    jwt_free(jwt);
    return s;
}

START_TEST(token_round_trip)
{
    char sub[64];
    char *t = token_issue(key, "11111111-2222-4333-8444-555555555555", "a@b.co", NOW, 1800);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(token_verify(key, t, NOW + 10, sub, sizeof(sub)), TOKEN_OK);
    ck_assert_str_eq(sub, "11111111-2222-4333-8444-555555555555");
    ck_assert_int_eq(token_verify(key, t, NOW + 1800, sub, sizeof(sub)), TOKEN_EXPIRED);
    ck_assert_int_eq(token_verify(other, t, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    /* One flipped character of the signature. */
    size_t len = strlen(t);
    t[len - 2] = t[len - 2] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(token_verify(key, t, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    free(t);
}
END_TEST

START_TEST(token_refusals)
{
    char sub[64];
    char *none = forge(key, JWT_ALG_NONE, NOW + 100, true);
    ck_assert_int_eq(token_verify(key, none, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    free(none);
    char *hs512 = forge(key, JWT_ALG_HS512, NOW + 100, true);
    ck_assert_int_eq(token_verify(key, hs512, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    free(hs512);
    char *no_exp = forge(key, JWT_ALG_HS256, 0, false);
    ck_assert_int_eq(token_verify(key, no_exp, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    free(no_exp);
    ck_assert_int_eq(token_verify(key, "garbage", NOW, sub, sizeof(sub)), TOKEN_INVALID);
    ck_assert_int_eq(token_verify(key, "a.b.c", NOW, sub, sizeof(sub)), TOKEN_INVALID);
    ck_assert_int_eq(token_verify(key, "", NOW, sub, sizeof(sub)), TOKEN_INVALID);
}
END_TEST

START_TEST(token_cache_hits_and_refusals)
{
    char sub[64];
    struct token_cache *c = token_cache_new(8);
    ck_assert_ptr_nonnull(c);
    char *t = token_issue(key, "11111111-2222-4333-8444-555555555555", "a@b.co", NOW, 100);
    ck_assert_int_eq(token_verify_cached(c, key, t, NOW, sub, sizeof(sub)), TOKEN_OK);
    ck_assert_uint_eq(token_cache_hits(c), 0);
    memset(sub, 0, sizeof(sub));
    ck_assert_int_eq(token_verify_cached(c, key, t, NOW + 1, sub, sizeof(sub)), TOKEN_OK);
    ck_assert_uint_eq(token_cache_hits(c), 1);
    ck_assert_str_eq(sub, "11111111-2222-4333-8444-555555555555");
    /* exp is still checked on a hit. */
    ck_assert_int_eq(token_verify_cached(c, key, t, NOW + 100, sub, sizeof(sub)), TOKEN_EXPIRED);
    /* A token that differs in one byte is not a hit, and fails the full check. */
    size_t len = strlen(t);
    t[len - 1] = t[len - 1] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(token_verify_cached(c, key, t, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    /* Refused tokens are never remembered. */
    ck_assert_int_eq(token_verify_cached(c, key, t, NOW, sub, sizeof(sub)), TOKEN_INVALID);
    ck_assert_int_eq(token_verify_cached(c, key, "garbage", NOW, sub, sizeof(sub)), TOKEN_INVALID);
    ck_assert_int_eq(token_verify_cached(c, key, "", NOW, sub, sizeof(sub)), TOKEN_INVALID);
    /* Many tokens through few slots: each still verifies right. */
    for (int i = 0; i < 50; i++) {
        char *u = token_issue(key, "11111111-2222-4333-8444-555555555555", "a@b.co", NOW + i, 100);
        ck_assert_int_eq(token_verify_cached(c, key, u, NOW + i, sub, sizeof(sub)), TOKEN_OK);
        ck_assert_int_eq(token_verify_cached(c, other, u, NOW + i, sub, sizeof(sub)),
                         TOKEN_INVALID);
        free(u);
    }
    free(t);
    token_cache_free(c);
}
END_TEST

START_TEST(password_hash_verify)
{
    char hash[PASSWORD_HASH_MAX];
    ck_assert_int_eq(password_hash("correct horse", hash), 0);
    ck_assert(strncmp(hash, "$argon2id$", 10) == 0);
    ck_assert(password_verify(hash, "correct horse"));
    ck_assert(!password_verify(hash, "correct horsE"));
    ck_assert(!password_verify("not a hash", "x"));
    ck_assert(!password_needs_rehash(hash));
}
END_TEST

START_TEST(signed_urls)
{
    char sig[SIGNATURE_B64_LEN + 1];
    const char *k = "input/11111111-2222-4333-8444-555555555555/data.csv";
    signing_sign(key, "PUT", k, NOW + 900, 1000, sig);
    ck_assert_int_eq(strlen(sig), SIGNATURE_B64_LEN);
    ck_assert_int_eq(signing_verify(key, "PUT", k, NOW + 900, 1000, sig, NOW, 30), SIGN_OK);
    ck_assert_int_eq(signing_verify(key, "GET", k, NOW + 900, 1000, sig, NOW, 30), SIGN_INVALID);
    ck_assert_int_eq(signing_verify(key, "PUT", k, NOW + 901, 1000, sig, NOW, 30), SIGN_INVALID);
    ck_assert_int_eq(signing_verify(key, "PUT", k, NOW + 900, 1001, sig, NOW, 30), SIGN_INVALID);
    ck_assert_int_eq(signing_verify(other, "PUT", k, NOW + 900, 1000, sig, NOW, 30), SIGN_INVALID);
    ck_assert_int_eq(signing_verify(key, "PUT", k, NOW + 900, 1000, sig, NOW + 931, 30),
                     SIGN_EXPIRED);
    ck_assert_int_eq(signing_verify(key, "PUT", k, NOW + 900, 1000, "short", NOW, 30), SIGN_INVALID);
}
END_TEST

START_TEST(object_keys)
{
    ck_assert(signing_key_is_safe("input/11111111-2222-4333-8444-555555555555/data.csv"));
    ck_assert(signing_key_is_safe("output/11111111-2222-4333-8444-555555555555/a_processed.csv"));
    ck_assert(!signing_key_is_safe("input/11111111-2222-4333-8444-555555555555/../x"));
    ck_assert(!signing_key_is_safe("input/11111111-2222-4333-8444-555555555555/.hidden"));
    ck_assert(!signing_key_is_safe("input/../../etc/passwd"));
    ck_assert(!signing_key_is_safe("secrets/11111111-2222-4333-8444-555555555555/x"));
    ck_assert(!signing_key_is_safe("input/11111111-2222-4333-8444-555555555555/a/b"));
    ck_assert(!signing_key_is_safe("input/11111111-2222-4333-8444-555555555555/"));
    char out[64];
    signing_sanitize_name("../../etc/passwd", out, sizeof(out));
    ck_assert_str_eq(out, "_._.._etc_passwd");
    signing_sanitize_name("report 2026 (final).csv", out, sizeof(out));
    ck_assert_str_eq(out, "report_2026__final_.csv");
    signing_sanitize_name("", out, sizeof(out));
    ck_assert_str_eq(out, "file");
}
END_TEST

static void make_keys(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    randombytes_buf(key, sizeof(key));
    randombytes_buf(other, sizeof(other));
}

Suite *auth_crypto_suite(void)
{
    Suite *s = suite_create("auth_crypto");
    TCase *tc = tcase_create("all");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, make_keys, NULL);
    tcase_add_test(tc, token_round_trip);
    tcase_add_test(tc, token_refusals);
    tcase_add_test(tc, token_cache_hits_and_refusals);
    tcase_add_test(tc, password_hash_verify);
    tcase_add_test(tc, signed_urls);
    tcase_add_test(tc, object_keys);
    suite_add_tcase(s, tc);
    return s;
}
