/* Webhook subscriptions: POST/GET/DELETE /webhooks, GET /webhooks/{id},
 * its deliveries with every attempt, and a redelivery by hand. The API only
 * records; quarry-jobd sends (jobd/webhook_sender.c). A user only ever sees
 * their own subscriptions. */
#include <curl/curl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/webhook_store.h"
#include "common/log.h"
#include "common/wake.h"
#include "common/webhook.h"

/* Subscriptions one user may have. */
#define WEBHOOKS_PER_USER 50

/* ------------------------------------------------------------ the target */

/* Why url cannot be a target, or NULL. The host is resolved here and every
 * address checked; the sender checks again where it connects (a name may
 * resolve elsewhere later). */
static const char *url_refusal(struct request *req, const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    const char *why = NULL;
    if (u == NULL)
        return "url cannot be parsed";
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        why = "url must be an absolute http or https URL";
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        why = "url must be an http or https URL";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        why = "url must not carry a user name or password";
        goto out;
    }
    int allow = webhook_allow_parse(req->app->cfg.webhook_allow);
    char name[256];
    size_t len = strlen(host);
    if (host[0] == '[' && len > 2 && len - 2 < sizeof(name))
        snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
    else
        snprintf(name, sizeof(name), "%s", host);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || res == NULL) {
        why = "url's host does not resolve";
        goto out;
    }
    for (struct addrinfo *ai = res; ai != NULL && why == NULL; ai = ai->ai_next) {
        const char *kind = NULL;
        if (allow < 0 || !webhook_address_allowed(ai->ai_addr, allow < 0 ? 0 : allow, &kind))
            why = arena_printf(req->arena,
                               "url's host resolves to %s, which this server does not send to",
                               kind ? kind : "an address");
    }
    freeaddrinfo(res);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return why;
}

/* The events as the canonical comma-separated set, or -1 after answering. */
static int read_events(struct request *req, json_object *array, const char **out)
{
    static const struct field_spec item = {"events[]", FIELD_STRING, true, 1, 32};
    bool seen[WEBHOOK_EVENT__MAX] = {false};
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(array, i);
        const char *path = arena_printf(req->arena, "events[%zu]", i);
        enum webhook_event e;
        if (request_value(req, v, path, &item) != 0)
            return -1;
        if (!webhook_event_parse(json_object_get_string(v), &e)) {
            respond_invalid(req, path,
                            arena_printf(req->arena, "%s must be one of job.completed, "
                                                     "job.failed, job.cancelled, "
                                                     "execution.succeeded, execution.failed, "
                                                     "progress.completed",
                                         path));
            return -1;
        }
        seen[e] = true;
    }
    char *set = arena_alloc(req->arena, 256);
    for (int e = 0; e < WEBHOOK_EVENT__MAX; e++)
        if (seen[e])
            snprintf(set + strlen(set), 256 - strlen(set), "%s%s", set[0] ? "," : "",
                     webhook_event_name((enum webhook_event)e));
    *out = set;
    return 0;
}

/* ------------------------------------------------------------ subscriptions */

enum { HOOK_URL, HOOK_EVENTS, HOOK_SECRET, HOOK_DESCRIPTION, HOOK__MAX };
static const struct field_spec hook_fields[HOOK__MAX] = {
    [HOOK_URL] = {"url", FIELD_LINE, true, 1, WEBHOOK_URL_MAX},
    [HOOK_EVENTS] = {"events", FIELD_ARRAY, true, 1, WEBHOOK_EVENT__MAX},
    [HOOK_SECRET] = {"secret", FIELD_LINE, false, 1, WEBHOOK_SECRET_TEXT_MAX - 1},
    [HOOK_DESCRIPTION] = {"description", FIELD_LINE, false, 0, 255},
};

void webhooks_create(struct request *req)
{
    json_object *body = NULL, *v[HOOK__MAX];
    char secret[WEBHOOK_SECRET_TEXT_MAX], sealed[WEBHOOK_SEALED_TEXT_MAX], err[256];
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1];
    unsigned char box_key[SECRET_KEY_BYTES], key[WEBHOOK_SECRET_MAX];
    size_t key_len;
    struct webhook_row w = {0};
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, hook_fields, HOOK__MAX, v) != 0 ||
        read_events(req, v[HOOK_EVENTS], &w.events) != 0)
        goto out;
    w.url = json_object_get_string(v[HOOK_URL]);
    const char *why = url_refusal(req, w.url);
    if (why != NULL) {
        respond_invalid(req, "url", why);
        goto out;
    }
    if (v[HOOK_SECRET] != NULL) {
        snprintf(secret, sizeof(secret), "%s", json_object_get_string(v[HOOK_SECRET]));
        if (webhook_secret_key(secret, key, &key_len) != 0) {
            respond_invalid(req, "secret",
                            "secret must be whsec_ and the base64 of 24 to 64 random bytes");
            goto out;
        }
        sodium_memzero(key, sizeof(key));
    } else {
        webhook_secret_new(secret);
    }
    long long count = 0;
    enum db_status st = webhook_count(req->app->db, req->user.id, &count);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    if (count >= WEBHOOKS_PER_USER) {
        respond_error(req, 409, "CONFLICT",
                      arena_printf(req->arena, "A user may have at most %d webhooks",
                                   WEBHOOKS_PER_USER),
                      NULL);
        goto out;
    }
    if (webhook_box_key(&req->app->cfg, box_key, err, sizeof(err)) != 0 ||
        webhook_seal(box_key, secret, sealed) != 0) {
        log_error("webhooks: %s", err);
        respond_error(req, 500, "INTERNAL_ERROR", "The secret cannot be stored", NULL);
        goto out;
    }
    sodium_memzero(box_key, sizeof(box_key));
    id_uuid4(id);
    time_db(time_now_ms(), now);
    w.id = id;
    w.user_id = req->user.id;
    w.description = v[HOOK_DESCRIPTION] ? json_object_get_string(v[HOOK_DESCRIPTION]) : NULL;
    w.created_at = now;
    st = webhook_insert(req->app->db, &w, sealed);
    if (respond_unless_ok(req, st) != 0)
        goto out;
    log_info("webhook created id=%s events=%s", id, w.events);
    /* The secret is shown once, here: the receiver needs it to verify. */
    json_object *o = webhook_to_json(&w);
    json_object_object_add(o, "secret", json_object_new_string(secret));
    respond_json_put(req, 201, o);
out:
    sodium_memzero(secret, sizeof(secret));
    json_object_put(body);
}

void webhooks_list(struct request *req)
{
    struct page page = PAGE_BY_TIME_ID;
    json_object *array;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0)
        return;
    enum db_status st = webhook_list(req->app->db, req->arena, req->user.id, page.skip, page.limit,
                                     page.after, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

/* The caller's subscription named in the path, or 404 / 403 and -1. */
static int webhook_load_own(struct request *req, struct webhook_row *w)
{
    const char *id = req->params[0];
    enum db_status st = id_is_uuid(id) ? webhook_get(req->app->db, req->arena, id, w) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? w->user_id : "", "WEBHOOK_NOT_FOUND",
                                "webhook");
}

void webhooks_get(struct request *req)
{
    struct webhook_row w;
    if (webhook_load_own(req, &w) == 0)
        respond_json_put(req, 200, webhook_to_json(&w));
}

void webhooks_delete(struct request *req)
{
    struct webhook_row w;
    if (webhook_load_own(req, &w) != 0)
        return;
    enum db_status st = webhook_delete(req->app->db, w.id);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "WEBHOOK_NOT_FOUND", "Webhook not found", NULL);
        return;
    }
    if (respond_unless_ok(req, st) != 0)
        return;
    log_info("webhook deleted id=%s", w.id);
    respond_empty(req, 204);
}

/* ------------------------------------------------------------ deliveries */

enum { DELIVERIES_STATUS, DELIVERIES__MAX };
static const struct field_spec deliveries_query[DELIVERIES__MAX] = {
    [DELIVERIES_STATUS] = {"status", FIELD_STRING, false, 1, 16},
};

void webhooks_deliveries(struct request *req)
{
    struct webhook_row w;
    struct page page = PAGE_BY_TIME_ID;
    json_object *v[DELIVERIES__MAX], *array;
    long long total = 0;
    if (request_query(req, deliveries_query, DELIVERIES__MAX, v, &page) != 0)
        return;
    const char *status = v[DELIVERIES_STATUS] ? json_object_get_string(v[DELIVERIES_STATUS]) : NULL;
    if (status != NULL && strcmp(status, "PENDING") != 0 && strcmp(status, "SUCCEEDED") != 0 &&
        strcmp(status, "FAILED") != 0) {
        respond_invalid(req, "status", "status must be PENDING, SUCCEEDED or FAILED");
        return;
    }
    if (webhook_load_own(req, &w) != 0)
        return;
    const char *next = NULL;
    enum db_status st = webhook_delivery_list(req->app->db, req->arena, w.id, status, page.after,
                                              page.skip, page.limit, &array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

void webhooks_redeliver(struct request *req)
{
    struct webhook_row w;
    json_object *body = NULL, *delivery = NULL;
    const char *delivery_id = req->params[1];
    bool changed = false;
    if (request_json_body(req, &body) != 0)
        return;
    json_object_put(body);
    if (webhook_load_own(req, &w) != 0)
        return;
    enum db_status st = id_is_uuid(delivery_id)
                            ? webhook_delivery_get(req->app->db, req->arena, w.id, delivery_id,
                                                   &delivery)
                            : DB_NO_ROW;
    json_object_put(delivery);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "DELIVERY_NOT_FOUND", "Delivery not found", NULL);
        return;
    }
    if (respond_unless_ok(req, st) != 0)
        return;
    st = webhook_redeliver(req->app->db, w.id, delivery_id, &changed);
    if (respond_unless_ok(req, st) != 0)
        return;
    if (!changed) {
        respond_error(req, 409, "CONFLICT", "The delivery is still pending", NULL);
        return;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("webhook %s: delivery %s sent again by hand", w.id, delivery_id);
    st = webhook_delivery_get(req->app->db, req->arena, w.id, delivery_id, &delivery);
    if (respond_unless_ok(req, st) != 0)
        return;
    respond_json_put(req, 202, delivery);
}

/* ------------------------------------------------------------ docs */

const struct route_doc webhooks_create_doc = {
    .handler = webhooks_create,
    .summary = "Subscribe a URL to events (Standard Webhooks signatures)",
    .description =
        "Each delivery is a POST of {type, timestamp, data} with the headers webhook-id (the "
        "same on every attempt), webhook-timestamp (Unix seconds) and webhook-signature "
        "(v1,<base64 HMAC-SHA256 of \"id.timestamp.body\" keyed with the secret's bytes>). "
        "The secret (whsec_…) is generated unless given, and shown only in this answer. "
        "A non-2xx answer or none is tried again with growing delays for 24 hours. The URL "
        "must resolve to a public address unless the operator allows others (webhook_allow).",
    .status = 201,
    .answer = "WebhookCreated",
    .answers = "409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, hook_fields, HOOK__MAX}},
    .example = "{\"url\":\"http://localhost:9000/hooks/quarry\",\"events\":[\"job.completed\","
               "\"job.failed\"],\"description\":\"nightly imports\"}",
};

const struct route_doc webhooks_list_doc = {
    .handler = webhooks_list,
    .summary = "The caller's webhooks",
    .status = 200,
    .answer = "Webhook[]",
    .paged = true,
};

const struct route_doc webhooks_get_doc = {
    .handler = webhooks_get,
    .summary = "One webhook (without its secret)",
    .status = 200,
    .answer = "Webhook",
};

const struct route_doc webhooks_delete_doc = {
    .handler = webhooks_delete,
    .summary = "Delete a webhook with its deliveries",
    .status = 204,
};

const struct route_doc webhooks_deliveries_doc = {
    .handler = webhooks_deliveries,
    .summary = "A webhook's deliveries, newest first, each with every attempt",
    .status = 200,
    .answer = "WebhookDelivery[]",
    .query = deliveries_query,
    .nquery = DELIVERIES__MAX,
    .paged = true,
};

const struct route_doc webhooks_redeliver_doc = {
    .handler = webhooks_redeliver,
    .summary = "Send a finished delivery again (same webhook-id and body)",
    .status = 202,
    .answer = "WebhookDelivery",
    .answers = "409",
    .body = DOC_BODY_JSON,
};
