#include "jobd/webhook_sender.h"

#include <curl/curl.h>
#include <math.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/webhook.h"
#include "common/webhook_queue.h"

#define EXCERPT_MAX 512
/* Bytes of an answer read before the transfer is cut: its status is what counts. */
#define ANSWER_MAX (64 * 1024)
#define CONNECT_TIMEOUT_MS 5000
/* A lease outlasts the attempt's time limit by this much. */
#define LEASE_MARGIN_MS 5000

struct transfer {
    CURL *easy;
    struct curl_slist *headers;
    struct webhook_claim claim;
    char excerpt[EXCERPT_MAX + 1];
    size_t excerpt_len, answer_len;
    char curl_error[CURL_ERROR_SIZE];
    const char *refused; /* why the opensocket check said no, or NULL */
    int allow;
    double started;
    bool busy;
};

struct webhook_sender {
    const struct config *cfg;
    struct db *db;
    CURLM *multi;
    unsigned char box_key[SECRET_KEY_BYTES];
    int allow;
    struct transfer *slots;
    int nslots, running;
    double next_due; /* time_mono() when a delivery is due; HUGE_VAL when none */
};

/* ------------------------------------------------------------ one transfer */

static size_t keep_answer(char *data, size_t size, size_t n, void *ctx)
{
    struct transfer *t = ctx;
    size_t len = size * n;
    if (t->excerpt_len < EXCERPT_MAX) {
        size_t take = len < EXCERPT_MAX - t->excerpt_len ? len : EXCERPT_MAX - t->excerpt_len;
        memcpy(t->excerpt + t->excerpt_len, data, take);
        t->excerpt_len += take;
    }
    t->answer_len += len;
    return t->answer_len > ANSWER_MAX ? 0 : len;
}

/* Where the SSRF check happens: curl hands over the address it resolved. */
static curl_socket_t open_checked(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct transfer *t = ctx;
    const char *why = NULL;
    (void)purpose;
    if (!webhook_address_allowed(&a->addr, t->allow, &why)) {
        t->refused = why;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static void transfer_reset(struct transfer *t)
{
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    webhook_claim_free(&t->claim);
    memset(t, 0, sizeof(*t));
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
    char line[256];
    snprintf(line, sizeof(line), "%s: %s", name, value);
    struct curl_slist *next = curl_slist_append(list, line);
    return next != NULL ? next : list;
}

/* Records an attempt that never reached the network. */
static void record_local_failure(struct webhook_sender *s, const struct webhook_claim *c,
                                 const char *error)
{
    struct webhook_result r = {.error = error};
    long long retry = webhook_backoff_ms(c->attempt, s->cfg->webhook_retry_base_ms,
                                         s->cfg->webhook_retry_max_ms);
    if (webhook_record(s->db, c, &r, retry, s->cfg->webhook_retry_hours) != DB_OK)
        log_warn("webhook %s: cannot record the attempt: %s", c->id, db_last_error(s->db));
    log_warn("webhook %s attempt %lld: %s", c->id, c->attempt, error);
}

/* Starts the claimed attempt in slot t (the claim moves into it). */
static void transfer_start(struct webhook_sender *s, struct transfer *t, struct webhook_claim *c)
{
    char secret[WEBHOOK_SECRET_TEXT_MAX], signature[WEBHOOK_SIGNATURE_MAX], ts[24];
    long long now = (long long)time(NULL);
    memset(t, 0, sizeof(*t));
    t->claim = *c;
    memset(c, 0, sizeof(*c));
    if (webhook_open(s->box_key, t->claim.sealed, secret) != 0 ||
        webhook_sign(secret, t->claim.id, now, t->claim.payload, strlen(t->claim.payload),
                     signature) != 0) {
        record_local_failure(s, &t->claim, "the subscription's secret cannot be opened");
        sodium_memzero(secret, sizeof(secret));
        transfer_reset(t);
        return;
    }
    sodium_memzero(secret, sizeof(secret));
    snprintf(ts, sizeof(ts), "%lld", now);
    t->allow = s->allow;
    t->easy = curl_easy_init();
    if (t->easy == NULL) {
        record_local_failure(s, &t->claim, "out of memory");
        transfer_reset(t);
        return;
    }
    t->headers = add_header(NULL, "Content-Type", "application/json");
    t->headers = add_header(t->headers, "webhook-id", t->claim.id);
    t->headers = add_header(t->headers, "webhook-timestamp", ts);
    t->headers = add_header(t->headers, "webhook-signature", signature);
    t->headers = add_header(t->headers, "Expect", ""); /* no 100-continue round trip */
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, t->claim.url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect could lead anywhere */
    curl_easy_setopt(e, CURLOPT_PROXY, "");          /* no proxy from the environment */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->claim.payload);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->claim.payload));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "Quarry-Webhooks/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(s->cfg->webhook_timeout_seconds * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)fmin(CONNECT_TIMEOUT_MS, s->cfg->webhook_timeout_seconds * 1000.0));
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        record_local_failure(s, &t->claim, "cannot start the transfer");
        transfer_reset(t);
        return;
    }
    t->started = time_mono();
    t->busy = true;
    s->running++;
}

/* The answer's first bytes as one line of printable text. */
static const char *excerpt_text(struct transfer *t)
{
    for (size_t i = 0; i < t->excerpt_len; i++)
        if ((unsigned char)t->excerpt[i] < 0x20 || t->excerpt[i] == 0x7f)
            t->excerpt[i] = ' ';
    t->excerpt[t->excerpt_len] = '\0';
    return t->excerpt_len > 0 ? t->excerpt : NULL;
}

static void transfer_done(struct webhook_sender *s, struct transfer *t, CURLcode code)
{
    long status = 0;
    char error[400] = "";
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    struct webhook_result r = {0};
    r.http_status = status;
    r.delivered = status >= 200 && status < 300;
    r.duration_ms = (long long)((time_mono() - t->started) * 1000.0);
    if (t->refused != NULL) {
        snprintf(error, sizeof(error), "refused: the target resolves to %s (webhook_allow)",
                 t->refused);
    } else if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && status > 0)) {
        snprintf(error, sizeof(error), "%s", t->curl_error[0] ? t->curl_error : curl_easy_strerror(code));
    } else if (!r.delivered) {
        snprintf(error, sizeof(error), "the receiver answered %ld", status);
    }
    r.error = error[0] ? error : NULL;
    r.excerpt = excerpt_text(t);
    long long retry = webhook_backoff_ms(t->claim.attempt, s->cfg->webhook_retry_base_ms,
                                         s->cfg->webhook_retry_max_ms);
    if (webhook_record(s->db, &t->claim, &r, retry, s->cfg->webhook_retry_hours) != DB_OK)
        log_warn("webhook %s: cannot record attempt %lld (its lease runs out and it is sent again): %s",
                 t->claim.id, t->claim.attempt, db_last_error(s->db));
    if (r.delivered)
        log_info("webhook %s attempt %lld: delivered (%ld, %lld ms)", t->claim.id,
                 t->claim.attempt, status, r.duration_ms);
    else
        log_warn("webhook %s attempt %lld: %s; next in %lld ms unless past the retry window",
                 t->claim.id, t->claim.attempt, error, retry);
    curl_multi_remove_handle(s->multi, t->easy);
    transfer_reset(t);
    s->running--;
}

/* ------------------------------------------------------------ the loop's side */

static void settle_finished(struct webhook_sender *s)
{
    int left = 0;
    CURLMsg *m;
    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        struct transfer *t = (struct transfer *)(void *)priv;
        if (t != NULL && t->busy)
            transfer_done(s, t, m->data.result);
    }
}

static int claim_more(struct webhook_sender *s)
{
    int free_slots = s->nslots - s->running;
    if (free_slots <= 0)
        return 0;
    struct webhook_claim claims[64];
    int n = 0;
    if (free_slots > 64)
        free_slots = 64;
    long long lease = s->cfg->webhook_timeout_seconds * 1000 + LEASE_MARGIN_MS;
    if (webhook_claim_due(s->db, lease, free_slots, claims, &n) != DB_OK)
        return -1;
    for (int i = 0, slot = 0; i < n; i++) {
        while (slot < s->nslots && s->slots[slot].busy)
            slot++;
        transfer_start(s, &s->slots[slot], &claims[i]);
    }
    return 0;
}

int webhook_sender_tick(struct webhook_sender *s)
{
    int still = 0;
    curl_multi_perform(s->multi, &still);
    settle_finished(s);
    if (claim_more(s) != 0)
        return -1;
    curl_multi_perform(s->multi, &still);
    settle_finished(s);
    long long ms = -1;
    if (webhook_next_due_ms(s->db, &ms) != DB_OK)
        return -1;
    s->next_due = ms < 0 ? HUGE_VAL : time_mono() + (double)ms / 1000.0;
    return 0;
}

double webhook_sender_wait_seconds(const struct webhook_sender *s)
{
    double wait = s->next_due - time_mono();
    long curl_ms = -1;
    if (s->running > 0 && curl_multi_timeout(s->multi, &curl_ms) == CURLM_OK && curl_ms >= 0)
        wait = fmin(wait, (double)curl_ms / 1000.0);
    /* A due delivery while every slot is busy waits for a transfer to end. */
    if (s->running >= s->nslots)
        wait = fmax(wait, 0.05);
    return wait < 0 ? 0 : wait;
}

int webhook_sender_poll(struct webhook_sender *s, struct pollfd *fds, int nfds, int timeout_ms)
{
    struct curl_waitfd extra[8];
    int numfds = 0, ready = 0;
    if (nfds > 8)
        return poll(fds, (nfds_t)nfds, timeout_ms);
    for (int i = 0; i < nfds; i++) {
        extra[i].fd = fds[i].fd;
        extra[i].events = (short)((fds[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
                                  (fds[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0));
        extra[i].revents = 0;
    }
    if (curl_multi_wait(s->multi, extra, (unsigned)nfds, timeout_ms, &numfds) != CURLM_OK)
        return poll(fds, (nfds_t)nfds, timeout_ms);
    for (int i = 0; i < nfds; i++) {
        fds[i].revents = (short)((extra[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
                                 (extra[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0));
        if (fds[i].revents)
            ready++;
    }
    return ready;
}

struct webhook_sender *webhook_sender_new(const struct config *cfg, struct db *db)
{
    char err[512];
    int allow = webhook_allow_parse(cfg->webhook_allow);
    if (allow < 0) {
        log_error("webhook_allow: use loopback, private and link-local only (got \"%s\"); "
                  "webhooks are not sent", cfg->webhook_allow);
        return NULL;
    }
    struct webhook_sender *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cfg = cfg;
    s->db = db;
    s->allow = allow;
    s->next_due = 0;
    s->nslots = cfg->webhook_concurrency > 0 ? (int)cfg->webhook_concurrency : 1;
    if (webhook_box_key(cfg, s->box_key, err, sizeof(err)) != 0) {
        log_error("webhooks are not sent: %s", err);
        free(s);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        (s->multi = curl_multi_init()) == NULL ||
        (s->slots = calloc((size_t)s->nslots, sizeof(*s->slots))) == NULL) {
        log_error("webhooks are not sent: libcurl cannot start");
        webhook_sender_free(s);
        return NULL;
    }
    return s;
}

void webhook_sender_free(struct webhook_sender *s)
{
    if (s == NULL)
        return;
    for (int i = 0; s->slots != NULL && i < s->nslots; i++)
        if (s->slots[i].busy) {
            curl_multi_remove_handle(s->multi, s->slots[i].easy);
            transfer_reset(&s->slots[i]);
        }
    free(s->slots);
    if (s->multi != NULL)
        curl_multi_cleanup(s->multi);
    curl_global_cleanup();
    sodium_memzero(s->box_key, sizeof(s->box_key));
    free(s);
}
