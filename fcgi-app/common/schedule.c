#include "common/schedule.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int fail(char *field, size_t field_len, const char *name, char *msg, size_t msg_len,
                const char *text)
{
    snprintf(field, field_len, "%s", name);
    snprintf(msg, msg_len, "%s", text);
    return -1;
}

static int parse_cron(const char *expr, const char *tz, struct schedule *out, char *field,
                      size_t field_len, const char *name, char *msg, size_t msg_len)
{
    char err[160];
    long long next;
    if (cron_parse(expr, &out->cron, err, sizeof(err)) != 0) {
        snprintf(msg, msg_len, "%s: %s", name, err);
        snprintf(field, field_len, "%s", name);
        return -1;
    }
    if (!cron_zone_valid(tz))
        return fail(field, field_len, "schedule.timezone", msg, msg_len,
                    "schedule.timezone is not a known time zone (e.g. UTC, Europe/Berlin)");
    if (cron_next(&out->cron, tz, (long long)time(NULL), &next) != 0)
        return fail(field, field_len, name, msg, msg_len,
                    "the cron expression never fires (no such day in five years)");
    out->type = SCHEDULE_CRON;
    snprintf(out->expression, sizeof(out->expression), "%s", expr);
    snprintf(out->timezone, sizeof(out->timezone), "%s", tz);
    return 0;
}

int schedule_parse(json_object *v, const char *default_tz, struct schedule *out, char *field,
                   size_t field_len, char *msg, size_t msg_len)
{
    json_object *type = NULL, *expr = NULL, *tz = NULL, *interval = NULL;
    memset(out, 0, sizeof(*out));
    if (json_object_is_type(v, json_type_string)) {
        out->as_text = true;
        return parse_cron(json_object_get_string(v), default_tz, out, field, field_len,
                          "schedule", msg, msg_len);
    }
    if (!json_object_is_type(v, json_type_object))
        return fail(field, field_len, "schedule", msg, msg_len,
                    "schedule must be a cron expression or an object with type cron or interval");
    json_object_object_get_ex(v, "type", &type);
    if (!json_object_object_get_ex(v, "expression", &expr))
        json_object_object_get_ex(v, "cron", &expr);
    json_object_object_get_ex(v, "timezone", &tz);
    json_object_object_get_ex(v, "interval_seconds", &interval);
    const char *kind = type != NULL && json_object_is_type(type, json_type_string)
                           ? json_object_get_string(type)
                           : type == NULL ? (interval != NULL ? "interval" : "cron") : "";
    if (strcmp(kind, "interval") == 0) {
        if (interval == NULL || !json_object_is_type(interval, json_type_int) ||
            json_object_get_int64(interval) < 1 ||
            json_object_get_int64(interval) > SCHEDULE_INTERVAL_MAX) {
            snprintf(field, field_len, "schedule.interval_seconds");
            snprintf(msg, msg_len, "schedule.interval_seconds must be an integer from 1 to %lld",
                     SCHEDULE_INTERVAL_MAX);
            return -1;
        }
        out->type = SCHEDULE_INTERVAL;
        out->interval_seconds = json_object_get_int64(interval);
        return 0;
    }
    if (strcmp(kind, "cron") != 0)
        return fail(field, field_len, "schedule.type", msg, msg_len,
                    "schedule.type must be cron or interval");
    if (expr == NULL || !json_object_is_type(expr, json_type_string))
        return fail(field, field_len, "schedule.expression", msg, msg_len,
                    "schedule.expression (a 5-field cron expression) is required");
    if (tz != NULL && !json_object_is_type(tz, json_type_string))
        return fail(field, field_len, "schedule.timezone", msg, msg_len,
                    "schedule.timezone must be a string");
    return parse_cron(json_object_get_string(expr), tz ? json_object_get_string(tz) : default_tz,
                      out, field, field_len, "schedule.expression", msg, msg_len);
}

json_object *schedule_to_json(const struct schedule *s)
{
    json_object *o = json_object_new_object();
    if (s->type == SCHEDULE_INTERVAL) {
        json_object_object_add(o, "type", json_object_new_string("interval"));
        json_object_object_add(o, "interval_seconds", json_object_new_int64(s->interval_seconds));
        return o;
    }
    json_object_object_add(o, "type", json_object_new_string("cron"));
    json_object_object_add(o, "expression", json_object_new_string(s->expression));
    json_object_object_add(o, "timezone", json_object_new_string(s->timezone));
    if (s->as_text)
        json_object_object_add(o, "as_text", json_object_new_boolean(1));
    return o;
}

int schedule_next(const struct schedule *s, long long after_ms, long long phase_ms,
                  long long *next_ms)
{
    if (s->type == SCHEDULE_INTERVAL) {
        long long step = s->interval_seconds * 1000;
        if (phase_ms <= 0 || phase_ms > after_ms) {
            *next_ms = (phase_ms > after_ms ? phase_ms : after_ms + step);
            return 0;
        }
        /* The next slot of the same phase: a missed stretch is skipped, not replayed. */
        *next_ms = phase_ms + ((after_ms - phase_ms) / step + 1) * step;
        return 0;
    }
    long long next;
    long long after = after_ms >= 0 ? after_ms / 1000 : -((-after_ms + 999) / 1000);
    if (cron_next(&s->cron, s->timezone, after, &next) != 0)
        return -1;
    *next_ms = next * 1000;
    return 0;
}
