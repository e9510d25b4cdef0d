#include "intake/intake.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/progress_post.h"
#include "common/progress_store.h"
#include "common/rate_limit.h"

#define BATCH_ATTEMPTS 5
#define APPLY_ATTEMPTS 3
#define BODY_MAX (1024 * 1024)
#define JSON_DEPTH 16

static const char *const reason_names[REASON__MAX] = {
    [REASON_NONE] = "none",           [REASON_MALFORMED] = "malformed",
    [REASON_UNAUTHORISED] = "unauthorised", [REASON_OVER_LIMIT] = "over_limit",
    [REASON_FORBIDDEN] = "forbidden", [REASON_COMPLETED] = "completed",
};

const char *intake_reason_name(enum intake_reason reason)
{
    return reason >= 0 && reason < REASON__MAX ? reason_names[reason] : "unknown";
}

static void dead(struct intake_outcome *o, enum intake_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void dead(struct intake_outcome *o, enum intake_reason reason, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    o->result = INTAKE_DEAD;
    o->reason = reason;
    snprintf(o->detail, sizeof(o->detail), "%s: %s", reason_names[reason], text);
}

/* The body as a JSON object (owned by the caller), or NULL with o dead. */
static json_object *parse_body(const struct delivery *d, struct intake_outcome *o)
{
    if (d->len > BODY_MAX) {
        dead(o, REASON_MALFORMED, "the body is larger than %d bytes", BODY_MAX);
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (tok == NULL) {
        dead(o, REASON_MALFORMED, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, d->body, (int)d->len);
    bool ok = json_tokener_get_error(tok) == json_tokener_success &&
              json_object_is_type(obj, json_type_object) &&
              json_tokener_get_parse_end(tok) == d->len;
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(obj);
        dead(o, REASON_MALFORMED, "the body is not one JSON object");
        return NULL;
    }
    return obj;
}

/* The members a batch has looked up: a batch usually comes from few
 * reporters, so most messages need no query for theirs. */
#define MEMBERS_CACHED 16
struct member_cache {
    struct {
        const struct intake_client *client;
        char email[256], user_id[UUID_LEN + 1];
    } seen[MEMBERS_CACHED];
    int n;
};

static enum db_status member_of(struct db *db, struct member_cache *cache,
                                const struct intake_client *client, const char *email,
                                char user_id[UUID_LEN + 1])
{
    for (int i = 0; i < cache->n; i++)
        if (cache->seen[i].client == client && strcmp(cache->seen[i].email, email) == 0) {
            memcpy(user_id, cache->seen[i].user_id, UUID_LEN + 1);
            return DB_OK;
        }
    enum db_status st = intake_member(db, client->id, email, user_id);
    if (st == DB_OK && cache->n < MEMBERS_CACHED) {
        cache->seen[cache->n].client = client;
        snprintf(cache->seen[cache->n].email, sizeof(cache->seen[0].email), "%s", email);
        memcpy(cache->seen[cache->n].user_id, user_id, UUID_LEN + 1);
        cache->n++;
    }
    return st;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* One delivery inside the batch's transaction. DB errors are returned;
 * everything the message itself decides goes to *o. A message the broker
 * has not delivered before is looked up in intake_messages only when
 * check_all: the unique key there still stops a second copy (the batch is
 * then rolled back and tried again with check_all). */
static enum db_status apply_one(struct db *db, struct arena *a, const struct config *cfg,
                                struct member_cache *members, const struct intake_client *client,
                                const struct delivery *d, bool check_all,
                                struct intake_outcome *o, struct intake_stats *stats)
{
    struct progress_post post = {0};
    struct progress_post_extra extra;
    struct progress_post_error perr;
    char user_id[UUID_LEN + 1], email[256];
    enum db_status st = DB_OK;
    memset(o, 0, sizeof(*o));
    if (client == NULL) {
        dead(o, REASON_UNAUTHORISED, "the queue names no client");
        return DB_OK;
    }
    json_object *body = parse_body(d, o);
    if (body == NULL)
        return DB_OK;
    if (progress_post_read(body, a, &post, &extra, &perr) != 0) {
        dead(o, REASON_MALFORMED, "%s", perr.message);
        goto out;
    }
    if (extra.client_krn == NULL || extra.email == NULL) {
        dead(o, REASON_MALFORMED, "%s is required", extra.client_krn ? "email" : "clientKrn");
        goto out;
    }
    if (strcmp(extra.client_krn, client->krn) != 0) {
        dead(o, REASON_UNAUTHORISED, "clientKrn %.100s is not the client of this queue (%.100s)",
             extra.client_krn, client->krn);
        goto out;
    }
    if (d->message_id[0] != '\0' && (d->redelivered || check_all)) {
        bool seen = false;
        st = intake_seen(db, client->id, d->message_id, &seen);
        if (st != DB_OK || seen) {
            o->result = INTAKE_DUPLICATE;
            goto out;
        }
    }
    snprintf(email, sizeof(email), "%s", extra.email);
    lower(email);
    st = member_of(db, members, client, email, user_id);
    if (st == DB_NO_ROW) {
        st = DB_OK;
        dead(o, REASON_UNAUTHORISED, "%.100s is not a member of %.100s", email, client->krn);
        goto out;
    }
    if (st != DB_OK)
        goto out;
    struct rate_rule rule = rate_rule_of(cfg, LIMIT_PROGRESS);
    if (rule.limit > 0) {
        struct rate_decision dec;
        st = rate_limit_hit(db, user_id, rate_limit_name(LIMIT_PROGRESS), rule,
                            (long long)time(NULL), &dec);
        if (st != DB_OK)
            goto out;
        if (!dec.allowed) {
            dead(o, REASON_OVER_LIMIT, "at most %lld progress messages per %lld seconds",
                 rule.limit, rule.window_seconds);
            goto out;
        }
    }
    post.client_id = client->id;
    post.user_id = user_id;
    post.keep = cfg->max_line_errors;
    enum progress_outcome outcome = PROGRESS_UPDATED;
    char record[UUID_LEN + 1];
    for (int i = 0; i < APPLY_ATTEMPTS; i++) {
        st = progress_apply(db, &post, &outcome, record, NULL);
        if (st != DB_DUPLICATE)
            break;
    }
    if (st != DB_OK)
        goto out;
    if (outcome == PROGRESS_NOT_CREATOR) {
        dead(o, REASON_FORBIDDEN, "only the original creator can update %.200s",
             post.filename);
        goto out;
    }
    if (outcome == PROGRESS_COMPLETED) {
        dead(o, REASON_COMPLETED, "%.200s is completed already", post.filename);
        goto out;
    }
    if (post.is_last) {
        st = progress_emit_completed(db, a, record);
        if (st != DB_OK)
            goto out;
    }
    if (d->message_id[0] != '\0')
        st = intake_mark(db, client->id, d->message_id);
    else
        stats->without_id++;
    o->result = INTAKE_APPLIED;
out:
    json_object_put(body);
    return st;
}

enum db_status intake_apply_batch(struct db *db, struct arena *a, const struct config *cfg,
                                  const struct intake_client *clients,
                                  const struct delivery *deliveries, int n,
                                  struct intake_outcome *outcomes, struct intake_stats *stats)
{
    enum db_status st = DB_ERROR;
    for (int attempt = 0; attempt < BATCH_ATTEMPTS; attempt++) {
        struct intake_stats before = *stats;
        if (attempt > 0)
            stats->retries++;
        struct member_cache members = {.n = 0};
        st = progress_begin(db);
        for (int i = 0; st == DB_OK && i < n; i++) {
            const struct delivery *d = &deliveries[i];
            const struct intake_client *c = d->queue >= 0 ? &clients[d->queue] : NULL;
            st = apply_one(db, a, cfg, &members, c, d, attempt > 0, &outcomes[i], stats);
        }
        st = db_end(db, st);
        if (st == DB_OK)
            break;
        /* Nothing of this try counts: it was rolled back. */
        unsigned long long retries = stats->retries;
        *stats = before;
        stats->retries = retries;
        if (st == DB_UNAVAILABLE)
            break;
        /* A deadlock or a message applied by another consumer meanwhile
         * (DB_DUPLICATE on intake_messages): the next try sees it. */
        log_info("intake: batch of %d rolled back (%s), trying again", n,
                 st == DB_DUPLICATE ? "applied elsewhere meanwhile" : db_last_error(db));
    }
    if (st != DB_OK)
        return st;
    stats->batches++;
    for (int i = 0; i < n; i++) {
        stats->received++;
        if (outcomes[i].result == INTAKE_APPLIED)
            stats->applied++;
        else if (outcomes[i].result == INTAKE_DUPLICATE)
            stats->duplicates++;
        else
            stats->dead[outcomes[i].reason]++;
    }
    return DB_OK;
}

void intake_stats_save(const char *run_dir, const struct intake_stats *s, int queues)
{
    char path[600], tmp[620];
    snprintf(path, sizeof(path), "%s/intake.prom", run_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    fprintf(f,
            "# HELP quarry_intake_messages_total Queue messages quarry-intake has settled, by outcome.\n"
            "# TYPE quarry_intake_messages_total counter\n"
            "quarry_intake_messages_total{outcome=\"applied\"} %llu\n"
            "quarry_intake_messages_total{outcome=\"duplicate\"} %llu\n",
            s->applied, s->duplicates);
    for (int r = REASON_MALFORMED; r < REASON__MAX; r++)
        fprintf(f, "quarry_intake_messages_total{outcome=\"dead_letter\",reason=\"%s\"} %llu\n",
                reason_names[r], s->dead[r]);
    fprintf(f,
            "# HELP quarry_intake_messages_without_id_total Applied messages that had no message_id"
            " (a redelivery of one would be applied again).\n"
            "# TYPE quarry_intake_messages_without_id_total counter\n"
            "quarry_intake_messages_without_id_total %llu\n"
            "# HELP quarry_intake_batches_total Transactions that applied a batch.\n"
            "# TYPE quarry_intake_batches_total counter\nquarry_intake_batches_total %llu\n"
            "# HELP quarry_intake_batch_retries_total Batches rolled back and tried again.\n"
            "# TYPE quarry_intake_batch_retries_total counter\n"
            "quarry_intake_batch_retries_total %llu\n"
            "# HELP quarry_intake_queues Client queues consumed.\n"
            "# TYPE quarry_intake_queues gauge\nquarry_intake_queues %d\n"
            "# HELP quarry_intake_updated_seconds When quarry-intake last wrote these (Unix time).\n"
            "# TYPE quarry_intake_updated_seconds gauge\nquarry_intake_updated_seconds %lld\n",
            s->without_id, s->batches, s->retries, queues, (long long)time(NULL));
    if (fclose(f) == 0)
        rename(tmp, path);
}
