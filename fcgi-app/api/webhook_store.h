#ifndef QUARRY_API_WEBHOOK_STORE_H
#define QUARRY_API_WEBHOOK_STORE_H
/* Every statement of the API on webhooks, webhook_deliveries and
 * webhook_attempts: subscriptions, their deliveries with every attempt, and
 * a redelivery by hand. Emitting and sending are common/webhook_queue.c's. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

/* A subscription as text; strings live in the arena (or the caller's
 * memory for inserts). */
struct webhook_row {
    const char *id, *user_id, *url, *events, *description, *created_at;
};

enum db_status webhook_insert(struct db *db, const struct webhook_row *w, const char *sealed);
/* How many subscriptions the user has. */
enum db_status webhook_count(struct db *db, const char *user_id, long long *n);
/* The subscription, whoever owns it; DB_NO_ROW when there is none. */
enum db_status webhook_get(struct db *db, struct arena *a, const char *id, struct webhook_row *out);
/* A page of the user's subscriptions, newest first (ties by id), after the
 * cursor after (created_at, id) when it is not NULL (*page owned by the
 * caller, also after a failure); *next gets the cursor of the page's last
 * subscription when more follow (else NULL). */
enum db_status webhook_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                            long long limit, const char *const *after, json_object **page,
                            long long *total, const char **next);
/* Deletes the subscription with its deliveries and their attempts, in one
 * transaction. */
enum db_status webhook_delete(struct db *db, const char *id);

/* A page of a subscription's deliveries, newest first, each with its
 * attempts; status NULL for all; after NULL or the cursor's created_at and
 * id. *page owned by the caller; *next the cursor after the page (in a),
 * NULL on the last. */
enum db_status webhook_delivery_list(struct db *db, struct arena *a, const char *webhook_id,
                                     const char *status, const char *const *after, long long skip,
                                     long long limit, json_object **page, long long *total,
                                     const char **next);
/* One delivery of the subscription with its attempts (*out owned by the
 * caller); DB_NO_ROW when the subscription has no such delivery. */
enum db_status webhook_delivery_get(struct db *db, struct arena *a, const char *webhook_id,
                                    const char *delivery_id, json_object **out);
/* Sends a finished delivery again (same id and body; a new retry window
 * from now): *changed false when it is still pending. */
enum db_status webhook_redeliver(struct db *db, const char *webhook_id, const char *delivery_id,
                                 bool *changed);

/* The subscription object of the API (no secret): owned by the caller. */
json_object *webhook_to_json(const struct webhook_row *w);

#endif
