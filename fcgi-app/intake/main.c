/* quarry-intake: consumes Pebbles progress messages from AMQP 0-9-1 queues,
 * one queue per client (intake_queue_prefix + the client's krn), and
 * applies them with the progress store the API uses. A batch of deliveries
 * is applied in one transaction and acked after its commit; a redelivered
 * message (same message_id) is applied once; a message that cannot be
 * applied goes to the dead-letter queue with the reason in a header. Run
 * under the stack script's supervisor; QUARRY_CONFIG names its settings. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/config.h"
#include "common/db.h"
#include "common/ids.h"
#include "common/log.h"
#include "intake/broker.h"
#include "intake/intake.h"
#include "intake/intake_store.h"

#define FIRST_WAIT_MS 1000
#define MORE_WAIT_MS 5
#define BATCH_MAX 5000
#define RETRY_SLEEP_S 1

static volatile sig_atomic_t stopping;

static void on_terminate(int sig)
{
    (void)sig;
    stopping = 1;
}

static int read_password(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    if (path[0] == '\0')
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(out, (int)len, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

struct intake {
    struct config cfg;
    char password[256];
    struct db *db;
    struct arena arena;
    struct intake_client *clients;
    int nclients;
    struct delivery *batch;
    struct intake_outcome *outcomes;
    int batch_max;
    struct intake_stats stats;
};

static bool same_clients(const struct intake_client *a, int na, const struct intake_client *b,
                         int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i].id, b[i].id) != 0 || strcmp(a[i].krn, b[i].krn) != 0)
            return false;
    return true;
}

/* Settles a collected batch: apply, dead-letter, ack. 0, or -1 when the
 * broker connection is lost (the unacked deliveries come back). */
static int settle(struct intake *in, struct broker *b, int n)
{
    enum db_status st;
    while ((st = intake_apply_batch(in->db, &in->arena, &in->cfg, in->clients, in->batch, n,
                                    in->outcomes, &in->stats)) != DB_OK) {
        log_warn("intake: batch of %d not applied (%s); retrying", n, db_last_error(in->db));
        if (stopping)
            return -1;
        sleep(RETRY_SLEEP_S);
    }
    for (int i = 0; i < n; i++) {
        if (in->outcomes[i].result != INTAKE_DEAD)
            continue;
        const struct delivery *d = &in->batch[i];
        const char *queue = d->queue >= 0 ? in->clients[d->queue].krn : "?";
        log_info("intake: dead letter from %s (message_id %s): %s", queue,
                 d->message_id[0] ? d->message_id : "-", in->outcomes[i].detail);
        if (broker_dead_letter(b, d, queue, in->outcomes[i].detail) != 0)
            return -1;
    }
    if (broker_ack_upto(b, in->batch[n - 1].tag) != 0)
        return -1;
    intake_stats_save(in->cfg.run_dir, &in->stats, in->nclients);
    return 0;
}

/* Consumes until the connection fails, the clients change, or a signal. */
static void consume(struct intake *in, struct broker *b)
{
    double next_scan = time_mono() + (double)in->cfg.intake_rescan_seconds;
    intake_stats_save(in->cfg.run_dir, &in->stats, in->nclients);
    while (!stopping) {
        int n = 0, got = 0;
        while (n < in->batch_max &&
               (got = broker_next(b, n == 0 ? FIRST_WAIT_MS : MORE_WAIT_MS, &in->batch[n])) > 0)
            n++;
        if (n > 0) {
            int rc = settle(in, b, n);
            for (int i = 0; i < n; i++)
                delivery_clear(&in->batch[i]);
            arena_reset(&in->arena);
            if (rc != 0)
                return;
        }
        if (got < 0)
            return;
        if (time_mono() >= next_scan) {
            struct intake_client *now = NULL;
            int nnow = 0;
            next_scan = time_mono() + (double)in->cfg.intake_rescan_seconds;
            intake_forget(in->db, in->cfg.intake_dedupe_hours);
            if (intake_clients(in->db, &now, &nnow) == DB_OK &&
                !same_clients(now, nnow, in->clients, in->nclients)) {
                log_info("intake: clients changed (%d -> %d): reconnecting", in->nclients, nnow);
                free(now);
                return;
            }
            free(now);
        }
    }
}

static void run(struct intake *in)
{
    while (!stopping) {
        free(in->clients);
        in->clients = NULL;
        if (intake_clients(in->db, &in->clients, &in->nclients) != DB_OK) {
            log_warn("intake: cannot read the clients (%s)", db_last_error(in->db));
            sleep(RETRY_SLEEP_S);
            continue;
        }
        struct broker *b = broker_connect(&in->cfg, in->password);
        if (b == NULL) {
            sleep(RETRY_SLEEP_S);
            continue;
        }
        const char **queues = calloc((size_t)in->nclients + 1, sizeof(*queues));
        for (int i = 0; queues != NULL && i < in->nclients; i++)
            queues[i] = arena_printf(&in->arena, "%s%s", in->cfg.intake_queue_prefix,
                                     in->clients[i].krn);
        if (queues != NULL && broker_consume(b, queues, in->nclients) == 0) {
            log_info("intake: consuming %d client queues", in->nclients);
            consume(in, b);
        }
        free(queues);
        arena_reset(&in->arena);
        broker_close(b);
        if (!stopping)
            sleep(RETRY_SLEEP_S);
    }
}

int main(int argc, char **argv)
{
    static struct intake in;
    char err[512];
    (void)argv;
    log_init("quarry-intake");
    if (argc > 1) {
        fprintf(stderr, "usage: quarry-intake (settings come from QUARRY_CONFIG and QUARRY_*)\n");
        return 2;
    }
    setvbuf(stderr, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_terminate; /* no SA_RESTART: a wait for the broker returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (config_load_settings(&in.cfg, err, sizeof(err)) != 0) {
        log_error("configuration: %s", err);
        return 2;
    }
    if (read_password(in.cfg.intake_amqp_password_file, in.password, sizeof(in.password)) != 0) {
        log_error("cannot read %s", in.cfg.intake_amqp_password_file);
        return 2;
    }
    in.batch_max = in.cfg.intake_batch < 1         ? 1
                   : in.cfg.intake_batch > BATCH_MAX ? BATCH_MAX
                                                     : (int)in.cfg.intake_batch;
    in.batch = calloc((size_t)in.batch_max, sizeof(*in.batch));
    in.outcomes = calloc((size_t)in.batch_max, sizeof(*in.outcomes));
    in.db = db_open(&in.cfg);
    if (in.batch == NULL || in.outcomes == NULL || in.db == NULL) {
        log_error("out of memory");
        return 1;
    }
    arena_init(&in.arena, 64 * 1024);
    log_info("starting: amqp %s:%d vhost %s, batch %d, prefetch %lld", in.cfg.intake_amqp_host,
             in.cfg.intake_amqp_port, in.cfg.intake_amqp_vhost, in.batch_max,
             in.cfg.intake_prefetch);
    run(&in);
    log_info("stopping");
    arena_free(&in.arena);
    free(in.clients);
    free(in.batch);
    free(in.outcomes);
    db_close(in.db);
    return 0;
}
