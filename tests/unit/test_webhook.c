/* Standard Webhooks signing (the specification's own test vector), secrets,
 * sealing at rest, the SSRF address rules and the retry schedule
 * (common/webhook.c). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/webhook.h"

START_TEST(signature_matches_the_specification)
{
    char sig[WEBHOOK_SIGNATURE_MAX];
    const char *body = "{\"test\": 2432232314}";
    ck_assert_int_eq(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                  "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig),
                     0);
    ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /* Another timestamp, id or body signs differently. */
    char other[WEBHOOK_SIGNATURE_MAX];
    webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                 1614265331, body, strlen(body), other);
    ck_assert_str_ne(sig, other);
}
END_TEST

START_TEST(secrets)
{
    unsigned char key[WEBHOOK_SECRET_MAX];
    size_t len;
    char text[WEBHOOK_SECRET_TEXT_MAX];
    webhook_secret_new(text);
    ck_assert_int_eq(strncmp(text, "whsec_", 6), 0);
    ck_assert_int_eq(webhook_secret_key(text, key, &len), 0);
    ck_assert_uint_eq(len, 32);
    ck_assert_int_eq(webhook_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &len), -1);
    ck_assert_int_eq(webhook_secret_key("whsec_c2hvcnQ=", key, &len), -1);      /* 5 bytes */
    ck_assert_int_eq(webhook_secret_key("whsec_not base64!", key, &len), -1);
    ck_assert_int_eq(webhook_secret_key("whsec_", key, &len), -1);
}
END_TEST

START_TEST(sealed_at_rest)
{
    unsigned char box[SECRET_KEY_BYTES], other[SECRET_KEY_BYTES];
    char sealed[WEBHOOK_SEALED_TEXT_MAX], opened[WEBHOOK_SECRET_TEXT_MAX], again[WEBHOOK_SEALED_TEXT_MAX];
    randombytes_buf(box, sizeof(box));
    randombytes_buf(other, sizeof(other));
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    ck_assert_int_eq(webhook_seal(box, secret, sealed), 0);
    ck_assert_ptr_null(strstr(sealed, "MfKQ9r8G"));
    ck_assert_int_eq(webhook_open(box, sealed, opened), 0);
    ck_assert_str_eq(opened, secret);
    webhook_seal(box, secret, again);
    ck_assert_str_ne(sealed, again); /* a fresh nonce each time */
    ck_assert_int_eq(webhook_open(other, sealed, opened), -1);
    sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(webhook_open(box, sealed, opened), -1);
    ck_assert_int_eq(webhook_open(box, "", opened), -1);
}
END_TEST

static bool allowed(const char *text, int allow)
{
    struct sockaddr_storage ss = {0};
    const char *why = NULL;
    if (strchr(text, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, text, &a->sin_addr), 1);
    }
    bool ok = webhook_address_allowed((struct sockaddr *)&ss, allow, &why);
    ck_assert(ok || why != NULL);
    return ok;
}

START_TEST(address_rules)
{
    const int all = WEBHOOK_ALLOW_LOOPBACK | WEBHOOK_ALLOW_PRIVATE | WEBHOOK_ALLOW_LINK_LOCAL;
    static const char *const public_ones[] = {"93.184.216.34", "8.8.8.8", "2606:4700::1111"};
    static const char *const loopback[] = {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"};
    static const char *const private_ones[] = {"10.0.0.1", "172.16.5.4", "172.31.255.255",
                                               "192.168.1.1", "100.64.0.1", "fd00::2", "fc00::1",
                                               "::ffff:10.1.2.3"};
    static const char *const link_local[] = {"169.254.169.254", "fe80::1"};
    static const char *const never[] = {"0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255",
                                        "240.0.0.1", "192.0.2.2", "::", "ff02::1",
                                        "2001:db8::1", "64:ff9b::a00:1", "2002:a00:1::1"};
    for (size_t i = 0; i < sizeof(public_ones) / sizeof(*public_ones); i++)
        ck_assert_msg(allowed(public_ones[i], 0), "%s", public_ones[i]);
    for (size_t i = 0; i < sizeof(loopback) / sizeof(*loopback); i++) {
        ck_assert_msg(!allowed(loopback[i], 0), "%s", loopback[i]);
        ck_assert_msg(!allowed(loopback[i], WEBHOOK_ALLOW_PRIVATE), "%s", loopback[i]);
        ck_assert_msg(allowed(loopback[i], WEBHOOK_ALLOW_LOOPBACK), "%s", loopback[i]);
    }
    for (size_t i = 0; i < sizeof(private_ones) / sizeof(*private_ones); i++) {
        ck_assert_msg(!allowed(private_ones[i], WEBHOOK_ALLOW_LOOPBACK), "%s", private_ones[i]);
        ck_assert_msg(allowed(private_ones[i], WEBHOOK_ALLOW_PRIVATE), "%s", private_ones[i]);
    }
    for (size_t i = 0; i < sizeof(link_local) / sizeof(*link_local); i++) {
        ck_assert_msg(!allowed(link_local[i], WEBHOOK_ALLOW_LOOPBACK | WEBHOOK_ALLOW_PRIVATE), "%s",
                      link_local[i]);
        ck_assert_msg(allowed(link_local[i], WEBHOOK_ALLOW_LINK_LOCAL), "%s", link_local[i]);
    }
    for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++)
        ck_assert_msg(!allowed(never[i], all), "%s", never[i]);
}
END_TEST

START_TEST(allow_words_events_and_backoff)
{
    ck_assert_int_eq(webhook_allow_parse(""), 0);
    ck_assert_int_eq(webhook_allow_parse("loopback"), WEBHOOK_ALLOW_LOOPBACK);
    ck_assert_int_eq(webhook_allow_parse("private, link-local"),
                     WEBHOOK_ALLOW_PRIVATE | WEBHOOK_ALLOW_LINK_LOCAL);
    ck_assert_int_eq(webhook_allow_parse("loopback,everything"), -1);
    enum webhook_event e;
    ck_assert(webhook_event_parse("execution.failed", &e) && e == WEBHOOK_EXECUTION_FAILED);
    ck_assert(!webhook_event_parse("job.exploded", &e));
    ck_assert_str_eq(webhook_event_name(WEBHOOK_PROGRESS_COMPLETED), "progress.completed");
    /* 5 s, 10 s, 20 s, … doubling up to the cap: about 30 attempts in a day. */
    ck_assert_int_eq(webhook_backoff_ms(1, 5000, 3600000), 5000);
    ck_assert_int_eq(webhook_backoff_ms(2, 5000, 3600000), 10000);
    ck_assert_int_eq(webhook_backoff_ms(4, 5000, 3600000), 40000);
    ck_assert_int_eq(webhook_backoff_ms(40, 5000, 3600000), 3600000);
    ck_assert_int_eq(webhook_backoff_ms(1000000, 5000, 3600000), 3600000);
}
END_TEST

START_TEST(payload_envelope)
{
    char *p = webhook_payload("job.completed", "{\"id\":\"x\"}");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(strncmp(p, "{\"type\":\"job.completed\",\"timestamp\":\"", 37), 0);
    ck_assert_ptr_nonnull(strstr(p, "Z\",\"data\":{\"id\":\"x\"}}"));
    free(p);
}
END_TEST

Suite *webhook_suite(void)
{
    if (sodium_init() < 0)
        abort();
    Suite *s = suite_create("webhook");
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, signature_matches_the_specification);
    tcase_add_test(tc, secrets);
    tcase_add_test(tc, sealed_at_rest);
    tcase_add_test(tc, address_rules);
    tcase_add_test(tc, allow_words_events_and_backoff);
    tcase_add_test(tc, payload_envelope);
    suite_add_tcase(s, tc);
    return s;
}
