#ifndef QUARRY_CRON_H
#define QUARRY_CRON_H
/* Five-field cron expressions (minute hour day-of-month month day-of-week)
 * and the next time they fire in a time zone. Pure: no database, no I/O but
 * the system's time zone data.
 *
 * Syntax: `*`, a value, a range `a-b`, a step (`*` or a range followed by
 * `/n`, or `a/n`: from a to the field's end), lists of those joined by `,`; month names
 * JAN..DEC and day names SUN..SAT in any case; day 7 is Sunday; the macros
 * @yearly @annually @monthly @weekly @daily @midnight @hourly. When both the
 * day of month and the day of week are restricted (not a bare `*`), a day
 * matches if either matches (Vixie cron, croniter). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cron {
    uint64_t minutes;  /* bit m: minute m (0-59) */
    uint32_t hours;    /* bit h (0-23) */
    uint32_t days;     /* bit d (1-31) */
    uint16_t months;   /* bit m (1-12) */
    uint8_t weekdays;  /* bit w (0-6, 0 = Sunday) */
    bool days_star, weekdays_star;
};

/* Parses expr into out. 0, or -1 with a readable reason in err. */
int cron_parse(const char *expr, struct cron *out, char *err, size_t err_len);

/* True when tz names a zone of the system's time zone data ("UTC",
 * "Europe/Berlin"): letters, digits, '/', '_', '-', '+', no "..". */
bool cron_zone_valid(const char *tz);

/* The first time strictly after `after` (seconds since the epoch) at which
 * c fires, read on the wall clock of zone tz (NULL or "UTC": UTC). A wall
 * time that a daylight-saving change skips fires at the same offset after
 * the change; one that it repeats fires once, at its first occurrence.
 * 0 with *next, or -1 when c never fires in the next five years
 * ("0 0 30 2 *"). */
int cron_next(const struct cron *c, const char *tz, long long after, long long *next);

#endif
