#include "common/cron.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define CRON_MAX_LEN 256
/* cron_next gives up after this many years without a match. */
#define CRON_SEARCH_YEARS 5

struct field_def {
    const char *name;
    int min, max;
    const char *const *names; /* names of min, min+1, …; NULL: numbers only */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

enum { F_MINUTE, F_HOUR, F_DAY, F_MONTH, F_WEEKDAY, F__MAX };
static const struct field_def fields[F__MAX] = {
    [F_MINUTE] = {"minute", 0, 59, NULL},
    [F_HOUR] = {"hour", 0, 23, NULL},
    [F_DAY] = {"day of month", 1, 31, NULL},
    [F_MONTH] = {"month", 1, 12, month_names},
    /* 7 is Sunday too; folded into 0 below. */
    [F_WEEKDAY] = {"day of week", 0, 7, day_names},
};

static const struct {
    const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

/* A number or a name of the field at *p; advances *p. -1 when there is none. */
static int read_value(const struct field_def *f, const char **p)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)*s) && v < 1000)
            v = v * 10 + (*s++ - '0');
        *p = s;
        return (int)v;
    }
    for (int i = 0; f->names != NULL && f->names[i] != NULL; i++) {
        if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
            *p = s + 3;
            return f->min + i;
        }
    }
    return -1;
}

/* One comma-separated item: `*`, `a`, `a-b`, each optionally `/step`. */
static int parse_item(const struct field_def *f, const char *s, const char *end, uint64_t *bits,
                      char *err, size_t err_len)
{
    int lo, hi, step = 1;
    const char *p = s;
    bool star = false, range = false;
    if (*p == '*') {
        star = true;
        lo = f->min;
        hi = f->max;
        p++;
    } else {
        lo = read_value(f, &p);
        if (lo < 0)
            goto bad;
        hi = lo;
        if (*p == '-') {
            range = true;
            p++;
            hi = read_value(f, &p);
            if (hi < 0)
                goto bad;
        }
    }
    if (p < end && *p == '/') {
        const char *q = ++p;
        step = read_value(&(struct field_def){"", 0, 0, NULL}, &p);
        if (p == q || step <= 0)
            goto bad;
        if (!star && !range)
            hi = f->max; /* "a/n": from a to the end */
    }
    if (p != end)
        goto bad;
    if (lo < f->min || hi > f->max || lo > hi) {
        snprintf(err, err_len, "%s values must be %d to %d (ranges low to high)", f->name, f->min,
                 f->max);
        return -1;
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << v;
    return 0;
bad:
    snprintf(err, err_len, "%s: cannot read \"%.*s\"", f->name, (int)(end - s), s);
    return -1;
}

static int parse_field(const struct field_def *f, const char *s, size_t len, uint64_t *bits,
                       bool *star, char *err, size_t err_len)
{
    const char *end = s + len;
    *bits = 0;
    *star = len == 1 && s[0] == '*';
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma != NULL ? comma : end;
        if (item_end == s) {
            snprintf(err, err_len, "%s has an empty list item", f->name);
            return -1;
        }
        if (parse_item(f, s, item_end, bits, err, err_len) != 0)
            return -1;
        s = comma != NULL ? comma + 1 : end;
        if (comma != NULL && s == end) {
            snprintf(err, err_len, "%s has an empty list item", f->name);
            return -1;
        }
    }
    return 0;
}

int cron_parse(const char *expr, struct cron *out, char *err, size_t err_len)
{
    const char *parts[F__MAX];
    size_t lens[F__MAX];
    int n = 0;
    memset(out, 0, sizeof(*out));
    if (expr == NULL || strlen(expr) > CRON_MAX_LEN) {
        snprintf(err, err_len, "a cron expression has at most %d characters", CRON_MAX_LEN);
        return -1;
    }
    while (*expr == ' ' || *expr == '\t')
        expr++;
    for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
        size_t len = strlen(macros[i].name);
        if (strncasecmp(expr, macros[i].name, len) == 0 &&
            expr[len + strspn(expr + len, " \t")] == '\0')
            return cron_parse(macros[i].expr, out, err, err_len);
    }
    for (const char *p = expr; *p != '\0';) {
        size_t len = strcspn(p, " \t");
        if (n == F__MAX) {
            snprintf(err, err_len, "a cron expression has 5 fields: minute hour day month weekday");
            return -1;
        }
        parts[n] = p;
        lens[n++] = len;
        p += len;
        p += strspn(p, " \t");
    }
    if (n != F__MAX) {
        snprintf(err, err_len, "a cron expression has 5 fields: minute hour day month weekday");
        return -1;
    }
    uint64_t bits[F__MAX];
    bool star[F__MAX];
    for (int i = 0; i < F__MAX; i++)
        if (parse_field(&fields[i], parts[i], lens[i], &bits[i], &star[i], err, err_len) != 0)
            return -1;
    if (bits[F_WEEKDAY] & (1u << 7))
        bits[F_WEEKDAY] = (bits[F_WEEKDAY] | 1u) & 0x7f;
    out->minutes = bits[F_MINUTE];
    out->hours = (uint32_t)bits[F_HOUR];
    out->days = (uint32_t)bits[F_DAY];
    out->months = (uint16_t)bits[F_MONTH];
    out->weekdays = (uint8_t)bits[F_WEEKDAY];
    out->days_star = star[F_DAY];
    out->weekdays_star = star[F_WEEKDAY];
    return 0;
}

bool cron_zone_valid(const char *tz)
{
    char path[320];
    struct stat st;
    if (tz == NULL || tz[0] == '\0' || strlen(tz) > 64 || strstr(tz, "..") != NULL ||
        !isalpha((unsigned char)tz[0]))
        return false;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("/_-+", *p) == NULL)
            return false;
    if (strcmp(tz, "UTC") == 0)
        return true;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- wall clock arithmetic ---- */

static bool is_utc(const char *tz)
{
    return tz == NULL || tz[0] == '\0' || strcmp(tz, "UTC") == 0;
}

/* TZ is the process's: threads of quarry-api take turns at it. */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

/* Points TZ at tz for localtime_r/mktime; the previous value goes to saved
 * (restored by zone_leave). The programs otherwise only use UTC functions. */
static void zone_enter(const char *tz, char *saved, size_t len, bool *had)
{
    const char *old = getenv("TZ");
    *had = old != NULL;
    snprintf(saved, len, "%s", old != NULL ? old : "");
    if (old == NULL || strcmp(old, tz) != 0) {
        setenv("TZ", tz, 1);
        tzset();
    }
}

static void zone_leave(const char *tz, const char *saved, bool had)
{
    if (had && strcmp(saved, tz) == 0)
        return;
    if (had)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* Wall time as a count of seconds (the civil calendar read as if it were UTC). */
static long long wall_of(const struct tm *tm)
{
    struct tm t = *tm;
    return (long long)timegm(&t);
}

static void wall_tm(long long wall, struct tm *tm)
{
    time_t t = (time_t)wall;
    gmtime_r(&t, tm);
}

static long long wall_from_instant(long long instant, bool utc)
{
    if (utc)
        return instant;
    struct tm tm;
    time_t t = (time_t)instant;
    localtime_r(&t, &tm);
    return wall_of(&tm);
}

/* The instant of a wall time: its first occurrence when a change repeats it;
 * for one a change skips, the instant the same distance after the change. */
static long long instant_from_wall(long long wall, bool utc)
{
    if (utc)
        return wall;
    struct tm tm;
    wall_tm(wall, &tm);
    tm.tm_isdst = -1;
    time_t a = mktime(&tm);
    /* mktime may pick the later of two occurrences: an hour (or the
     * change's size) earlier has the same wall time when it is repeated. */
    for (int shift = 3600; shift >= 1800; shift -= 1800) {
        struct tm back;
        time_t earlier = a - shift;
        localtime_r(&earlier, &back);
        if (wall_of(&back) == wall)
            return (long long)earlier;
    }
    return (long long)a;
}

static bool day_matches(const struct cron *c, const struct tm *tm)
{
    bool dom = (c->days >> tm->tm_mday) & 1u, dow = (c->weekdays >> tm->tm_wday) & 1u;
    if (c->days_star || c->weekdays_star)
        return (c->days_star || dom) && (c->weekdays_star || dow);
    return dom || dow;
}

int cron_next(const struct cron *c, const char *tz, long long after, long long *next)
{
    bool utc = is_utc(tz), had = false;
    char saved[128];
    int rc = -1;
    if (!utc) {
        pthread_mutex_lock(&zone_lock);
        zone_enter(tz, saved, sizeof(saved), &had);
    }
    long long wall = wall_from_instant(after, utc);
    long long limit = wall + (long long)CRON_SEARCH_YEARS * 366 * 86400;
    struct tm tm;
    wall_tm(wall - (((wall % 60) + 60) % 60) + 60, &tm);
    while (wall_of(&tm) < limit) {
        if (!((c->months >> (tm.tm_mon + 1)) & 1u)) {
            tm.tm_mon++, tm.tm_mday = 1, tm.tm_hour = 0, tm.tm_min = 0;
        } else if (!day_matches(c, &tm)) {
            tm.tm_mday++, tm.tm_hour = 0, tm.tm_min = 0;
        } else if (!((c->hours >> tm.tm_hour) & 1u)) {
            tm.tm_hour++, tm.tm_min = 0;
        } else if (!((c->minutes >> tm.tm_min) & 1ULL)) {
            tm.tm_min++;
        } else {
            long long instant = instant_from_wall(wall_of(&tm), utc);
            if (instant > after) {
                *next = instant;
                rc = 0;
                break;
            }
            tm.tm_min++; /* a repeated wall time already passed */
        }
        wall_tm(wall_of(&tm), &tm); /* normalises, and sets the weekday */
    }
    if (!utc) {
        zone_leave(tz, saved, had);
        pthread_mutex_unlock(&zone_lock);
    }
    return rc;
}
