#include "common/ids.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void id_uuid4(char *buf)
{
    unsigned char b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(buf, UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

bool id_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != UUID_LEN)
        return false;
    for (int i = 0; i < UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

long long time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void split_ms(long long ms, struct tm *tm, int *millis)
{
    time_t secs = (time_t)(ms / 1000);
    *millis = (int)(ms % 1000);
    if (*millis < 0) {
        *millis += 1000;
        secs -= 1;
    }
    gmtime_r(&secs, tm);
}

/* Formats into a roomy buffer first: the compiler cannot know the fields are small. */
static void format_time(long long ms, char sep, const char *zone, char *buf, size_t len)
{
    struct tm tm;
    int millis;
    char tmp[96];
    split_ms(ms, &tm, &millis);
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d%c%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, millis, zone);
    snprintf(buf, len, "%.*s", (int)(len - 1), tmp);
}

void time_iso(long long ms, char *buf)
{
    format_time(ms, 'T', "Z", buf, ISO_TIME_LEN + 1);
}

void time_db(long long ms, char *buf)
{
    format_time(ms, ' ', "", buf, DB_TIME_LEN + 1);
}

long long time_db_to_ms(const char *db)
{
    struct tm tm = {0};
    int millis = 0, n = 0;
    if (db == NULL)
        return -1;
    if (sscanf(db, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    if (db[n] == '.') {
        /* Up to six fractional digits; keep milliseconds. */
        int digits = 0;
        for (const char *p = db + n + 1; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
            if (digits < 3)
                millis = millis * 10 + (*p - '0');
        for (; digits < 3; digits++)
            millis *= 10;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + millis;
}

static int two_digits(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* The text MariaDB sends for a valid DATETIME(3) (or DATETIME) since 1970,
 * "2026-01-09 10:00:00.123", is already the ISO text's digits: copied with
 * its 'T' and 'Z', as time_iso(time_db_to_ms(db)) would write it, without
 * sscanf, timegm and gmtime. Anything else: false, for the general way. */
static bool db_time_quick_iso(const char *db, char *buf)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    static const unsigned char month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 19; i++) {
        char c = db[i];
        if (shape[i] == 'd' ? c < '0' || c > '9' : c != shape[i])
            return false;
    }
    const char *frac = db + 19;
    if (*frac == '.') {
        int n = 0;
        while (n < 7 && frac[1 + n] >= '0' && frac[1 + n] <= '9')
            n++;
        if (n < 3 || n > 6 || frac[1 + n] != '\0')
            return false;
    } else if (*frac != '\0') {
        return false;
    }
    int year = two_digits(db) * 100 + two_digits(db + 2), month = two_digits(db + 5),
        day = two_digits(db + 8);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || two_digits(db + 11) > 23 ||
        two_digits(db + 14) > 59 || two_digits(db + 17) > 59)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > month_days[month - 1] + (month == 2 && leap))
        return false;
    memcpy(buf, db, 10);
    buf[10] = 'T';
    memcpy(buf + 11, db + 11, 8);
    if (*frac == '.')
        memcpy(buf + 19, frac, 4);
    else
        memcpy(buf + 19, ".000", 4);
    buf[23] = 'Z';
    buf[24] = '\0';
    return true;
}

bool time_db_to_iso(const char *db, char *buf)
{
    if (db != NULL && db_time_quick_iso(db, buf))
        return true;
    long long ms = time_db_to_ms(db);
    if (ms < 0)
        return false;
    time_iso(ms, buf);
    return true;
}
