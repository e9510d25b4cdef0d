#ifndef QUARRY_SCHEDULE_H
#define QUARRY_SCHEDULE_H
/* A pipeline's schedule: a cron expression read in a time zone, or a fixed
 * interval. As the API takes it: "0 2 * * *", {"type":"cron","expression",
 * "timezone"?} or {"type":"interval","interval_seconds"}; as it is stored:
 * the object, normalised (schedule_to_json). */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/cron.h"

#define SCHEDULE_INTERVAL_MAX (366LL * 86400)

enum schedule_type { SCHEDULE_CRON, SCHEDULE_INTERVAL };

struct schedule {
    enum schedule_type type;
    struct cron cron;
    char expression[260];
    char timezone[72];
    long long interval_seconds;
    bool as_text; /* given as a bare cron string: shown back that way */
};

/* Reads v (a string or an object) into out; default_tz is the zone of a cron
 * schedule that names none. 0, or -1 with the field to blame ("schedule",
 * "schedule.timezone", …) and a message. A cron expression that never fires
 * is refused. */
int schedule_parse(json_object *v, const char *default_tz, struct schedule *out, char *field,
                   size_t field_len, char *msg, size_t msg_len);
/* The stored form (normalised object); owned by the caller. */
json_object *schedule_to_json(const struct schedule *s);
/* The first slot strictly after after_ms (ms since the epoch). An interval
 * keeps the phase of phase_ms (a past slot; 0: none, so after + interval).
 * 0 with *next_ms, or -1 when the schedule never fires again. */
int schedule_next(const struct schedule *s, long long after_ms, long long phase_ms,
                  long long *next_ms);

#endif
