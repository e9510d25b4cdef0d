#ifndef QUARRY_WEBHOOK_H
#define QUARRY_WEBHOOK_H
/* Webhooks as the Standard Webhooks specification has them: what the API
 * (subscriptions), the emitters (wherever a job, an execution or a progress
 * record ends) and the sender in quarry-jobd share. Pure functions, no SQL
 * (that is common/webhook_queue.c) and no network (jobd/webhook_sender.c).
 *
 * A subscription's secret is "whsec_" + base64 of 24 to 64 random bytes;
 * the signature of one attempt is
 *     webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
 * where key is the secret's bytes, id the delivery's id (the same on every
 * attempt) and timestamp the attempt's Unix time in seconds. At rest the
 * secret is sealed with libsodium's secretbox under webhook.key (secrets
 * dir), so a copy of the database alone cannot forge a delivery. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/config.h"

#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_SECRET_MIN 24
#define WEBHOOK_SECRET_MAX 64
#define WEBHOOK_SECRET_TEXT_MAX 96   /* "whsec_" + base64 of 64 bytes, and the NUL */
#define WEBHOOK_SEALED_TEXT_MAX 256  /* base64 of nonce + box of the largest secret */
#define WEBHOOK_SIGNATURE_MAX 64     /* "v1," + base64 of 32 bytes, and the NUL */
#define WEBHOOK_URL_MAX 2048

/* The events, by name; a subscription keeps them as a comma-separated set. */
enum webhook_event {
    WEBHOOK_JOB_COMPLETED,
    WEBHOOK_JOB_FAILED,
    WEBHOOK_JOB_CANCELLED,
    WEBHOOK_EXECUTION_SUCCEEDED,
    WEBHOOK_EXECUTION_FAILED,
    WEBHOOK_PROGRESS_COMPLETED,
    WEBHOOK_EVENT__MAX,
};
const char *webhook_event_name(enum webhook_event e);
/* The event of a name; false when there is none. */
bool webhook_event_parse(const char *name, enum webhook_event *e);

/* A new random secret (WEBHOOK_SECRET_TEXT_MAX bytes). */
void webhook_secret_new(char *text);
/* The key bytes of a "whsec_…" secret (at most WEBHOOK_SECRET_MAX); -1 when
 * it is not one (no prefix, not base64, fewer than 24 or more than 64 bytes). */
int webhook_secret_key(const char *text, unsigned char *key, size_t *key_len);

/* Reads <secrets_dir>/webhook.key; 0, or -1 with err. */
int webhook_box_key(const struct config *cfg, unsigned char key[SECRET_KEY_BYTES], char *err,
                    size_t err_len);
/* Seals a secret's text for the database (base64 of nonce and box, at most
 * WEBHOOK_SEALED_TEXT_MAX bytes with the NUL); opens one. 0, or -1 (a box
 * that does not open under this key). */
int webhook_seal(const unsigned char box_key[SECRET_KEY_BYTES], const char *secret, char *sealed);
int webhook_open(const unsigned char box_key[SECRET_KEY_BYTES], const char *sealed, char *secret);

/* The webhook-signature value for one attempt (WEBHOOK_SIGNATURE_MAX bytes). */
int webhook_sign(const char *secret, const char *id, long long timestamp, const char *body,
                 size_t body_len, char *signature);

/* The body of a delivery: {"type":event,"timestamp":now,"data":data}, where
 * data is JSON text (an object). Owned by the caller (free); NULL when out of
 * memory. */
char *webhook_payload(const char *event, const char *data_json);

/* Which kinds of address the operator lets targets have (webhook_allow: a
 * comma-separated list of loopback, private, link-local; empty by default). */
enum {
    WEBHOOK_ALLOW_LOOPBACK = 1,
    WEBHOOK_ALLOW_PRIVATE = 2,
    WEBHOOK_ALLOW_LINK_LOCAL = 4,
};
/* The flags of a webhook_allow value; -1 for an unknown word. */
int webhook_allow_parse(const char *text);
/* Whether a target may have this address: public unicast always; loopback,
 * private (RFC 1918, fc00::/7, 100.64/10) and link-local (169.254/16,
 * fe80::/10) only when allowed; never unspecified, multicast, broadcast or
 * reserved ranges. IPv4-mapped IPv6 counts as its IPv4 address. When
 * refused, *why names the kind ("a loopback address"). */
bool webhook_address_allowed(const struct sockaddr *sa, int allow, const char **why);

/* The retry schedule: the delay before attempt n+1 after n failed ones:
 * base_ms * 2^(n-1), at most max_ms. */
long long webhook_backoff_ms(long long attempts, long long base_ms, long long max_ms);

#endif
