#ifndef QUARRY_INTAKE_BROKER_H
#define QUARRY_INTAKE_BROKER_H
/* The AMQP 0-9-1 side of quarry-intake (librabbitmq): one connection,
 * channel 1 consumes the clients' queues with manual acks and a prefetch,
 * channel 2 publishes dead letters inside AMQP transactions (tx.commit
 * returns once the broker has them). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

struct broker;

/* One delivery, copied out of librabbitmq's buffers. */
struct delivery {
    uint64_t tag;
    int queue;          /* index into the queues given to broker_consume */
    char *body;         /* malloc'd, NUL-terminated */
    size_t len;
    char message_id[256]; /* "" when the property is absent */
    bool redelivered;
};

/* Connects, logs in, opens both channels and declares the dead-letter
 * queue. NULL (logged) when the broker cannot be reached. */
struct broker *broker_connect(const struct config *cfg, const char *password);
void broker_close(struct broker *b);
/* Declares the n queues (durable) and consumes them. 0 or -1 (logged). */
int broker_consume(struct broker *b, const char *const *queues, int n);
/* Waits up to timeout_ms for the next delivery into *d (free with
 * delivery_clear). 1 got one, 0 timed out, -1 the connection is lost. */
int broker_next(struct broker *b, int timeout_ms, struct delivery *d);
void delivery_clear(struct delivery *d);
/* Publishes d's body to the dead-letter queue with the reason and its
 * queue in headers, and commits. 0 or -1 (connection lost). */
int broker_dead_letter(struct broker *b, const struct delivery *d, const char *queue,
                       const char *reason);
/* Acks every delivery up to and including tag. 0 or -1. */
int broker_ack_upto(struct broker *b, uint64_t tag);

#endif
