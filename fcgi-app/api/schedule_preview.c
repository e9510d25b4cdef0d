/* The next runs of a schedule, before a pipeline is saved: the page shows
 * them beside the schedule field ("next runs" preview). Reads the schedule
 * the way a pipeline's is read (common/schedule.c), so the preview and the
 * scheduler cannot disagree. */
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/arena.h"
#include "common/ids.h"
#include "common/schedule.h"

#define PREVIEW_COUNT_DEFAULT 5
#define PREVIEW_COUNT_MAX 20

enum { SP_CRON, SP_TZ, SP_INTERVAL, SP_COUNT, SP__MAX };
static const struct field_spec preview_query[SP__MAX] = {
    [SP_CRON] = {"cron", FIELD_LINE, false, 1, 255},
    [SP_TZ] = {"timezone", FIELD_LINE, false, 1, 64},
    [SP_INTERVAL] = {"interval_seconds", FIELD_INT, false, 1, SCHEDULE_INTERVAL_MAX},
    [SP_COUNT] = {"count", FIELD_INT, false, 1, PREVIEW_COUNT_MAX},
};

/* schedule_parse's field ("schedule.timezone") as the query key it came from. */
static const char *query_key(const char *field)
{
    if (strcmp(field, "schedule.timezone") == 0)
        return "timezone";
    if (strcmp(field, "schedule.interval_seconds") == 0)
        return "interval_seconds";
    return "cron";
}

void pipelines_schedule_preview(struct request *req)
{
    json_object *v[SP__MAX];
    if (request_query(req, preview_query, SP__MAX, v, NULL) != 0)
        return;
    if (v[SP_CRON] == NULL && v[SP_INTERVAL] == NULL) {
        /* No schedule (a pipeline without one): no run. */
        json_object *none = json_object_new_object();
        json_object_object_add(none, "schedule", NULL);
        json_object_object_add(none, "next_runs", json_object_new_array());
        respond_json_put(req, 200, none);
        return;
    }
    if (v[SP_CRON] && v[SP_INTERVAL]) {
        respond_invalid(req, "cron",
                        "give cron (a 5-field cron expression) or interval_seconds, not both");
        return;
    }
    if (v[SP_INTERVAL] && v[SP_TZ]) {
        respond_invalid(req, "timezone", "timezone applies to a cron schedule only");
        return;
    }
    json_object *def = json_object_new_object();
    if (v[SP_CRON]) {
        json_object_object_add(def, "type", json_object_new_string("cron"));
        json_object_object_add(def, "expression", json_object_get(v[SP_CRON]));
        if (v[SP_TZ])
            json_object_object_add(def, "timezone", json_object_get(v[SP_TZ]));
    } else {
        json_object_object_add(def, "type", json_object_new_string("interval"));
        json_object_object_add(def, "interval_seconds", json_object_get(v[SP_INTERVAL]));
    }
    struct schedule s;
    char field[64], msg[256];
    int rc = schedule_parse(def, req->app->cfg.schedule_time_zone, &s, field, sizeof(field), msg,
                            sizeof(msg));
    json_object_put(def);
    if (rc != 0) {
        /* The message speaks of schedule.expression; the caller sent cron. */
        const char *key = query_key(field);
        size_t flen = strlen(field);
        respond_invalid(req, key,
                        strncmp(msg, field, flen) == 0
                            ? arena_printf(req->arena, "%s%s", key, msg + flen)
                            : msg);
        return;
    }
    long long count = v[SP_COUNT] ? json_object_get_int64(v[SP_COUNT]) : PREVIEW_COUNT_DEFAULT;
    json_object *runs = json_object_new_array();
    long long at = time_now_ms();
    for (long long i = 0; i < count; i++) {
        long long next;
        if (schedule_next(&s, at, 0, &next) != 0)
            break;
        char iso[ISO_TIME_LEN + 1];
        time_iso(next, iso);
        json_object_array_add(runs, json_object_new_string(iso));
        at = next;
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "schedule", schedule_to_json(&s));
    json_object_object_add(out, "next_runs", runs);
    respond_json_put(req, 200, out);
}

const struct route_doc pipelines_schedule_preview_doc = {
    .handler = pipelines_schedule_preview,
    .summary = "The next runs of a schedule (a preview: nothing is stored)",
    .description = "Give cron (a 5-field expression, with an optional timezone, else the "
                   "service's schedule time zone) or interval_seconds (neither: no schedule, no "
                   "run); count runs (default 5, at most 20) after now, in UTC. A cron "
                   "expression that never fires is refused. The schedule is read as POST "
                   "/pipelines reads one: a 422 here is the 422 the pipeline would get.",
    .status = 200,
    .answer = "SchedulePreview",
    .query = preview_query,
    .nquery = SP__MAX,
    .answers = "422",
};
