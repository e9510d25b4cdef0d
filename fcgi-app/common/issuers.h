#ifndef QUARRY_ISSUERS_H
#define QUARRY_ISSUERS_H
/* External token issuers (an AWS Cognito user pool, Google, any OpenID
 * provider), as the operator lists them in a JSON file (issuers_file):
 *
 *   [{"name": "cognito", "issuer": "https://cognito-idp.<region>.amazonaws.com/<pool>",
 *     "jwks_uri": "https://…/.well-known/jwks.json", "client_id": "…",
 *     "token_use": "access", "email_claim": "email"},
 *    {"name": "google", "issuer": "https://accounts.google.com",
 *     "jwks_file": "/etc/quarry/google-jwks.json", "audience": "…"}]
 *
 * Each process keeps each issuer's keys in memory. An unknown kid makes it
 * read the JWKS again, at most once per refresh interval; a fetch that fails
 * or times out keeps the keys it had. */
#include <stdbool.h>
#include <stddef.h>

#include "common/jwk.h"

#define ISSUER_NAME_MAX 64
#define ISSUER_TEXT_MAX 512

struct issuer {
    char name[ISSUER_NAME_MAX + 1];  /* Quarry's name for it (logs, the admin API) */
    char iss[ISSUER_TEXT_MAX + 1];   /* the exact iss claim */
    char jwks_uri[ISSUER_TEXT_MAX + 1];  /* https only; or */
    char jwks_file[ISSUER_TEXT_MAX + 1];
    char ca_file[ISSUER_TEXT_MAX + 1];   /* trust for jwks_uri ("" = the system's) */
    char audience[ISSUER_TEXT_MAX + 1];  /* "" or: aud must name it */
    char client_id[ISSUER_TEXT_MAX + 1]; /* "" or: client_id must equal it (Cognito access tokens) */
    char token_use[32];                  /* "" or: token_use must equal it (Cognito) */
    char email_claim[64];                /* default "email" */
    /* The key cache of this process. */
    struct jwks keys;
    long long fetched_at;  /* last attempt, seconds; 0 = never */
    unsigned long fetches; /* attempts, for metrics and tests */
};

struct issuers {
    struct issuer *list; /* malloc'd */
    int n;
    long long refresh_seconds; /* the least time between two reads of one JWKS */
    long long fetch_timeout_ms;
    bool curl_ready; /* curl_global_init was called (an issuer has a jwks_uri) */
};

/* Reads the issuers file at path into out (released with issuers_free, also
 * after a failure). An empty path gives no issuers. 0, or -1 with the
 * reason in err. */
int issuers_load(const char *path, struct issuers *out, char *err, size_t err_len);
void issuers_free(struct issuers *set);
/* The issuer whose iss is iss, or NULL. */
struct issuer *issuers_find(struct issuers *set, const char *iss);
/* The issuer's key named kid at time now (seconds): from the cache, or after
 * reading the JWKS again when kid is unknown and the last read is at least
 * refresh_seconds old (the first use always reads). NULL when there is no
 * such key. */
const struct jwk *issuer_key(struct issuers *set, struct issuer *is, const char *kid,
                             long long now);

#endif
