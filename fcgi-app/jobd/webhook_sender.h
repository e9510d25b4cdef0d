#ifndef QUARRY_JOBD_WEBHOOK_SENDER_H
#define QUARRY_JOBD_WEBHOOK_SENDER_H
/* The webhook sender inside quarry-jobd: claims due deliveries
 * (common/webhook_queue.h), POSTs each signed as Standard Webhooks says with
 * libcurl's multi interface, and records every attempt. Never in an API
 * worker: a slow receiver holds a transfer here, not a request. It shares
 * the dispatcher's single-threaded loop: the dispatcher's poll(2) becomes a
 * curl_multi_wait() over its own descriptors and the transfers' sockets.
 *
 * Targets are checked where curl opens the connection (its opensocket
 * callback sees the address it resolved), so a name that resolves to a
 * refused address at delivery time is refused too. */
#include <poll.h>

#include "common/config.h"
#include "common/db.h"

struct webhook_sender;

/* A sender for the dispatcher; cfg and db are borrowed. NULL (logged) when
 * webhook.key cannot be read or libcurl cannot start: the dispatcher then
 * runs without it. Owned by the caller (webhook_sender_free). */
struct webhook_sender *webhook_sender_new(const struct config *cfg, struct db *db);
/* Abandons transfers in flight: their leases run out and the next claim
 * (here after a restart, or another host's) sends them again. */
void webhook_sender_free(struct webhook_sender *s);

/* Settles finished transfers and starts due deliveries while fewer than
 * webhook_concurrency are in flight. -1 when the database failed. */
int webhook_sender_tick(struct webhook_sender *s);
/* Seconds until the sender wants a tick of its own (a delivery due, a
 * transfer's timer); a large value when nothing is pending. */
double webhook_sender_wait_seconds(const struct webhook_sender *s);
/* poll(2) over fds and the transfers' sockets at once; the same return
 * convention (fds[i].revents filled). */
int webhook_sender_poll(struct webhook_sender *s, struct pollfd *fds, int nfds, int timeout_ms);

#endif
