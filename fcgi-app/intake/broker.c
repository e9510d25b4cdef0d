#include "intake/broker.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/log.h"

#define CONSUME_CHANNEL 1
#define DEAD_CHANNEL 2
#define FRAME_MAX 131072
#define HEARTBEAT_SECONDS 30
#define QUEUES_MAX 4096

struct broker {
    amqp_connection_state_t conn;
    char dead_queue[128];
    int nqueues;
    char **tags; /* consumer tag i consumes queue i */
};

/* true when the reply is normal; otherwise logs what went wrong. */
static bool reply_ok(amqp_rpc_reply_t r, const char *what)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return true;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        log_warn("amqp %s: %s", what, amqp_error_string2(r.library_error));
        return false;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD ||
            r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            /* Both close methods start with reply_code and reply_text. */
            amqp_connection_close_t *m = r.reply.decoded;
            log_warn("amqp %s: server closed: %u %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        } else {
            log_warn("amqp %s: server error (method 0x%08x)", what, r.reply.id);
        }
        return false;
    default:
        log_warn("amqp %s: no reply", what);
        return false;
    }
}

struct broker *broker_connect(const struct config *cfg, const char *password)
{
    struct broker *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    snprintf(b->dead_queue, sizeof(b->dead_queue), "%s", cfg->intake_dead_letter_queue);
    b->conn = amqp_new_connection();
    amqp_socket_t *sock = b->conn ? amqp_tcp_socket_new(b->conn) : NULL;
    struct timeval timeout = {5, 0};
    if (sock == NULL ||
        amqp_socket_open_noblock(sock, cfg->intake_amqp_host, cfg->intake_amqp_port, &timeout) !=
            AMQP_STATUS_OK) {
        log_warn("amqp: cannot connect to %s:%d", cfg->intake_amqp_host, cfg->intake_amqp_port);
        goto fail;
    }
    if (!reply_ok(amqp_login(b->conn, cfg->intake_amqp_vhost, 0, FRAME_MAX, HEARTBEAT_SECONDS,
                             AMQP_SASL_METHOD_PLAIN, cfg->intake_amqp_user, password),
                  "login"))
        goto fail;
    amqp_channel_open(b->conn, CONSUME_CHANNEL);
    if (!reply_ok(amqp_get_rpc_reply(b->conn), "channel.open"))
        goto fail;
    amqp_channel_open(b->conn, DEAD_CHANNEL);
    if (!reply_ok(amqp_get_rpc_reply(b->conn), "channel.open"))
        goto fail;
    amqp_tx_select(b->conn, DEAD_CHANNEL);
    if (!reply_ok(amqp_get_rpc_reply(b->conn), "tx.select"))
        goto fail;
    amqp_queue_declare(b->conn, DEAD_CHANNEL, amqp_cstring_bytes(b->dead_queue), 0, 1, 0, 0,
                       amqp_empty_table);
    if (!reply_ok(amqp_get_rpc_reply(b->conn), "queue.declare (dead letters)"))
        goto fail;
    uint16_t prefetch = cfg->intake_prefetch > 65535 ? 65535 : (uint16_t)cfg->intake_prefetch;
    amqp_basic_qos(b->conn, CONSUME_CHANNEL, 0, prefetch, 0);
    if (!reply_ok(amqp_get_rpc_reply(b->conn), "basic.qos"))
        goto fail;
    return b;
fail:
    broker_close(b);
    return NULL;
}

void broker_close(struct broker *b)
{
    if (b == NULL)
        return;
    if (b->conn != NULL) {
        amqp_connection_close(b->conn, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(b->conn);
    }
    for (int i = 0; i < b->nqueues; i++)
        free(b->tags[i]);
    free(b->tags);
    free(b);
}

int broker_consume(struct broker *b, const char *const *queues, int n)
{
    if (n > QUEUES_MAX) {
        log_error("amqp: %d queues, more than %d", n, QUEUES_MAX);
        return -1;
    }
    b->tags = calloc((size_t)(n ? n : 1), sizeof(*b->tags));
    if (b->tags == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        amqp_queue_declare(b->conn, CONSUME_CHANNEL, amqp_cstring_bytes(queues[i]), 0, 1, 0, 0,
                           amqp_empty_table);
        if (!reply_ok(amqp_get_rpc_reply(b->conn), "queue.declare"))
            return -1;
        char tag[32];
        snprintf(tag, sizeof(tag), "quarry-intake-%d", i);
        amqp_basic_consume(b->conn, CONSUME_CHANNEL, amqp_cstring_bytes(queues[i]),
                           amqp_cstring_bytes(tag), 0, 0, 0, amqp_empty_table);
        if (!reply_ok(amqp_get_rpc_reply(b->conn), "basic.consume"))
            return -1;
        b->tags[i] = strdup(tag);
        b->nqueues = i + 1;
        if (b->tags[i] == NULL)
            return -1;
    }
    return 0;
}

static int queue_of_tag(const struct broker *b, amqp_bytes_t tag)
{
    for (int i = 0; i < b->nqueues; i++)
        if (strlen(b->tags[i]) == tag.len && memcmp(b->tags[i], tag.bytes, tag.len) == 0)
            return i;
    return -1;
}

void delivery_clear(struct delivery *d)
{
    free(d->body);
    memset(d, 0, sizeof(*d));
}

int broker_next(struct broker *b, int timeout_ms, struct delivery *d)
{
    amqp_envelope_t env;
    struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    memset(d, 0, sizeof(*d));
    amqp_maybe_release_buffers(b->conn);
    amqp_rpc_reply_t r = amqp_consume_message(b->conn, &env, &timeout, 0);
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        /* A frame that is not a delivery (a tx.commit-ok, a heartbeat...): read it off. */
        amqp_frame_t frame;
        if (amqp_simple_wait_frame_noblock(b->conn, &frame, &timeout) != AMQP_STATUS_OK)
            return -1;
        if (frame.frame_type == AMQP_FRAME_METHOD &&
            (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
             frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD)) {
            log_warn("amqp: the broker closed the connection or channel");
            return -1;
        }
        return 0;
    }
    if (!reply_ok(r, "consume"))
        return -1;
    d->tag = env.delivery_tag;
    d->redelivered = env.redelivered != 0;
    d->queue = queue_of_tag(b, env.consumer_tag);
    d->len = env.message.body.len;
    d->body = malloc(d->len + 1);
    if (d->body != NULL) {
        memcpy(d->body, env.message.body.bytes, d->len);
        d->body[d->len] = '\0';
    }
    const amqp_basic_properties_t *p = &env.message.properties;
    if ((p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) && p->message_id.len < sizeof(d->message_id)) {
        memcpy(d->message_id, p->message_id.bytes, p->message_id.len);
        d->message_id[p->message_id.len] = '\0';
    }
    amqp_destroy_envelope(&env);
    if (d->body == NULL)
        return -1;
    return 1;
}

int broker_dead_letter(struct broker *b, const struct delivery *d, const char *queue,
                       const char *reason)
{
    amqp_table_entry_t entries[3];
    entries[0].key = amqp_cstring_bytes("x-quarry-reason");
    entries[0].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[0].value.value.bytes = amqp_cstring_bytes(reason);
    entries[1].key = amqp_cstring_bytes("x-quarry-queue");
    entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[1].value.value.bytes = amqp_cstring_bytes(queue);
    entries[2].key = amqp_cstring_bytes("x-quarry-message-id");
    entries[2].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[2].value.value.bytes = amqp_cstring_bytes(d->message_id);
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof(props));
    props._flags = AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2; /* persistent */
    props.headers.num_entries = 3;
    props.headers.entries = entries;
    if (d->message_id[0] != '\0') {
        props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        props.message_id = amqp_cstring_bytes(d->message_id);
    }
    amqp_bytes_t body = {d->len, d->body};
    if (amqp_basic_publish(b->conn, DEAD_CHANNEL, amqp_empty_bytes,
                           amqp_cstring_bytes(b->dead_queue), 0, 0, &props, body) != 0)
        return -1;
    amqp_tx_commit(b->conn, DEAD_CHANNEL);
    return reply_ok(amqp_get_rpc_reply(b->conn), "tx.commit") ? 0 : -1;
}

int broker_ack_upto(struct broker *b, uint64_t tag)
{
    return amqp_basic_ack(b->conn, CONSUME_CHANNEL, tag, 1) == 0 ? 0 : -1;
}
