#include "jobd/scheduler.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/pipeline_queue.h"
#include "common/schedule.h"

/* Slots fired per pass; a pass that fills it is followed by another at once. */
#define SCHEDULE_BATCH 200
#define SCHEDULE_TEXT_MAX 512

struct due {
    char id[UUID_LEN + 1];
    char slot[DB_TIME_LEN + 1];
    char schedule[SCHEDULE_TEXT_MAX];
};

struct due_list {
    struct due items[SCHEDULE_BATCH];
    int n;
};

static int take_due(void *ctx, const struct db_row *row)
{
    struct due_list *l = ctx;
    const char *const *v = row->values;
    if (l->n == SCHEDULE_BATCH || v[0] == NULL || strlen(v[0]) != UUID_LEN || v[1] == NULL)
        return 0;
    struct due *d = &l->items[l->n++];
    memcpy(d->id, v[0], UUID_LEN + 1);
    snprintf(d->slot, sizeof(d->slot), "%s", v[1]);
    snprintf(d->schedule, sizeof(d->schedule), "%s", v[2] ? v[2] : "");
    return 0;
}

/* The slot after this one, or "" when the schedule has none (or is unreadable). */
static void next_slot(const struct config *cfg, const struct due *d, long long now_ms,
                      char *out)
{
    char field[64], msg[256];
    struct schedule s;
    long long next;
    out[0] = '\0';
    json_object *o = json_tokener_parse(d->schedule);
    int rc = o != NULL ? schedule_parse(o, cfg->schedule_time_zone, &s, field, sizeof(field), msg,
                                        sizeof(msg))
                       : -1;
    json_object_put(o);
    if (rc != 0) {
        log_warn("pipeline %s: unreadable schedule: not fired again", d->id);
        return;
    }
    if (schedule_next(&s, now_ms, time_db_to_ms(d->slot), &next) == 0)
        time_db(next, out);
}

struct fire_ctx {
    const char *host, *next;
    const struct due *d;
    char execution_id[UUID_LEN + 1], job_id[UUID_LEN + 1];
    long long affected;
};

/* One try: the guarded move of next_fire_at, then the execution. Run again
 * whole when it lost a conflict (another node's dispatcher fired the same
 * slot and certified first: the retry's guard then finds the slot moved). */
static enum db_status fire_once(struct db *db, void *arg)
{
    struct fire_ctx *f = arg;
    f->affected = 0;
    f->execution_id[0] = '\0';
    enum db_status st = db_exec(db,
                                "UPDATE pipelines SET next_fire_at = ? WHERE id = ? AND next_fire_at = ?"
                                " AND is_active = 1",
                                DB_PARAMS(P_STR(f->next[0] ? f->next : NULL), P_STR(f->d->id),
                                          P_STR(f->d->slot)),
                                &f->affected);
    if (st != DB_OK || f->affected != 1)
        return st == DB_OK ? DB_NO_ROW : st;
    struct execution_request r = {f->d->id, "schedule", "{}", NULL, f->d->slot, f->host};
    st = pipeline_execution_insert(db, &r, f->execution_id, f->job_id);
    if (st == DB_DUPLICATE) {
        /* Fired already (its next_fire_at was set back by hand): keep the move. */
        st = DB_OK;
        f->execution_id[0] = '\0';
    }
    return st;
}

/* Claims the slot and queues its execution in one transaction. 1 when this
 * dispatcher fired it, 0 when another one had, -1 on a database failure. */
static int fire(struct db *db, const struct config *cfg, const char *host, const struct due *d,
                long long now_ms)
{
    char next[DB_TIME_LEN + 1];
    next_slot(cfg, d, now_ms, next);
    struct fire_ctx f = {.host = host, .next = next, .d = d};
    enum db_status st = db_transaction(db, DB_REPEATABLE_READ, fire_once, &f);
    if (st == DB_NO_ROW)
        return 0;
    if (st != DB_OK)
        return -1;
    if (f.execution_id[0] != '\0')
        log_info("pipeline %s: slot %s fired: execution %s (next %s)", d->id, d->slot,
                 f.execution_id, next[0] ? next : "none");
    return f.execution_id[0] != '\0';
}

static int take_time(void *ctx, const struct db_row *row)
{
    if (row->values[0] != NULL)
        snprintf(ctx, DB_TIME_LEN + 8, "%s", row->values[0]);
    return 1;
}

int scheduler_pass(struct db *db, const struct config *cfg, const char *host, long long now_ms,
                   long long *next_due_ms)
{
    static struct due_list due;
    char now[DB_TIME_LEN + 1];
    int fired = 0;
    double started = time_mono();
    *next_due_ms = 0;
    time_db(now_ms, now);
    due.n = 0;
    if (db_query(db,
                 "SELECT id, next_fire_at, schedule FROM pipelines WHERE next_fire_at <= ?"
                 " AND is_active = 1 ORDER BY next_fire_at LIMIT ?",
                 DB_PARAMS(P_STR(now), P_INT(SCHEDULE_BATCH)), take_due, &due) != DB_OK)
        return -1;
    for (int i = 0; i < due.n; i++) {
        int rc = fire(db, cfg, host, &due.items[i], now_ms);
        if (rc < 0)
            return -1;
        fired += rc;
    }
    if (fired > 0)
        log_info("scheduler: %d slot(s) fired in %.1f ms", fired, (time_mono() - started) * 1000);
    if (due.n == SCHEDULE_BATCH) {
        *next_due_ms = now_ms; /* more are due: come back at once */
        return fired;
    }
    char earliest[DB_TIME_LEN + 8] = "";
    if (db_query(db,
                 "SELECT MIN(next_fire_at) FROM pipelines WHERE is_active = 1"
                 " AND next_fire_at IS NOT NULL",
                 DB_NO_PARAMS, take_time, earliest) != DB_OK)
        return -1;
    if (earliest[0] != '\0')
        *next_due_ms = time_db_to_ms(earliest);
    return fired;
}
