/* step_cast.c — converts a column to a type.
 * params: {column, type: integer|number|boolean|date|datetime|string,
 *          format? (strptime, for date/datetime, e.g. "%d/%m/%Y"),
 *          on_error?: "error" (default: the row fails) | "null" (the cell
 *          becomes null and the row gets a warning)}
 * Results: integers and numbers in JSON form, booleans true/false, dates
 * YYYY-MM-DD, datetimes YYYY-MM-DDTHH:MM:SS (with Z when the input had a
 * zone, converted to UTC). Without a format, dates must be ISO 8601.
 * Nulls stay null. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "process/step_util.h"
#include "process/text.h"

enum cast_type { CAST_INTEGER, CAST_NUMBER, CAST_BOOLEAN, CAST_DATE, CAST_DATETIME, CAST_STRING };

static const char *const type_names[] = {
    "integer", "number", "boolean", "date", "datetime", "string", NULL,
};
static const char *const on_error_names[] = {"error", "null", NULL};

struct cast {
    struct rec_env *env;
    const char *column;
    size_t hint;
    enum cast_type type;
    char *format;         /* NULL: ISO */
    bool format_has_zone;
    bool null_on_error;
    long long failed;
};

static int cast_validate(json_object *params, char *field, size_t field_len, char *msg,
                         size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    int type = 0, on_error = 0;
    const char *format;
    if (param_string(params, "column", true, NULL, &e) ||
        param_enum(params, "type", type_names, true, &type, &e) ||
        param_string(params, "format", false, &format, &e) ||
        param_enum(params, "on_error", on_error_names, false, &on_error, &e))
        return -1;
    if (format && (strlen(format) > 64 || !strchr(format, '%')))
        return step_err_set(&e, "format", "must be a strptime format such as \"%%d/%%m/%%Y\"");
    if (format && type != CAST_DATE && type != CAST_DATETIME)
        return step_err_set(&e, "format", "applies only to date and datetime");
    return 0;
}

static void cast_free(void *state)
{
    struct cast *c = state;
    if (!c)
        return;
    free(c->format);
    free(c);
}

static int cast_init(void **state, json_object *params, struct rec_env *env)
{
    struct cast *c = calloc(1, sizeof(*c));
    if (!c)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    c->env = env;
    char field[64], msg[128];
    struct step_err e = {field, sizeof(field), msg, sizeof(msg)};
    int type = 0, on_error = 0;
    const char *format = NULL;
    param_enum(params, "type", type_names, true, &type, &e);
    param_enum(params, "on_error", on_error_names, false, &on_error, &e);
    param_string(params, "format", false, &format, &e);
    c->type = (enum cast_type)type;
    c->null_on_error = on_error == 1;
    const char *column = json_object_get_string(param_get(params, "column"));
    c->column = rec_intern(env, column, strlen(column));
    if (format) {
        c->format = strdup(format);
        c->format_has_zone = strstr(format, "%z") || strstr(format, "%Z");
    }
    if (!c->column || (format && !c->format)) {
        cast_free(c);
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    }
    *state = c;
    return ENGINE_OK;
}

static int cast_columns(void *state, struct rec_columns *cols)
{
    struct cast *c = state;
    return step_need_column(c->env, cols, c->column, "cast");
}

static bool parse_boolean(const char *p, size_t len, bool *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1", "on"};
    static const char *const no[] = {"false", "f", "no", "n", "0", "off"};
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < 6; i++) {
        if (strlen(yes[i]) == len && strncasecmp(p, yes[i], len) == 0) {
            *out = true;
            return true;
        }
        if (strlen(no[i]) == len && strncasecmp(p, no[i], len) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Parses with the user's strptime format. *utc says the time was zoned and
 * is now UTC. */
static bool parse_with_format(const struct cast *c, const char *p, size_t len, struct tm *tm)
{
    char buf[128];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    memset(tm, 0, sizeof(*tm));
    tm->tm_mday = 1;
    const char *end = strptime(buf, c->format, tm);
    if (!end)
        return false;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0')
        return false;
    /* strptime takes 31/02: normalise and compare to catch it. */
    long gmtoff = tm->tm_gmtoff;
    struct tm check = *tm;
    time_t t = timegm(&check);
    if (check.tm_mday != tm->tm_mday || check.tm_mon != tm->tm_mon)
        return false;
    if (c->format_has_zone) {
        t -= gmtoff;
        gmtime_r(&t, tm);
    }
    return true;
}

static bool parse_iso_tm(const char *p, size_t len, struct tm *tm, bool *zoned, double *frac)
{
    double epoch;
    bool has_time;
    if (!text_parse_iso(p, len, &epoch, &has_time))
        return false;
    /* A zone is a Z or a sign after the time. */
    *zoned = false;
    for (size_t i = 11; has_time && i < len; i++)
        if (p[i] == 'Z' || p[i] == 'z' || p[i] == '+' || p[i] == '-')
            *zoned = true;
    double whole = floor(epoch);
    *frac = epoch - whole;
    time_t t = (time_t)whole;
    return gmtime_r(&t, tm) != NULL;
}

/* The usual case: the text already is the JSON form (blanks aside), so the
 * cell only needs trimming. */
static bool plain_number(struct rec_field *f, bool integer_only)
{
    const char *p = f->val;
    size_t len = f->len;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (!text_is_json_number(p, len))
        return false;
    if (integer_only && (memchr(p, '.', len) || memchr(p, 'e', len) || memchr(p, 'E', len) ||
                         len > 19))
        return false;
    f->val = p;
    f->len = len;
    return true;
}

/* Writes the converted value into the record's memory. Returns 1 done, 0
 * not convertible, -1 out of memory. */
static int convert(struct cast *c, struct record *rec, struct rec_field *f)
{
    char out[96];
    int n = -1;
    int64_t i64;
    double d;
    bool b, zoned = false;
    struct tm tm;
    double frac = 0;
    switch (c->type) {
    case CAST_STRING:
        f->type = REC_STRING;
        return 1;
    case CAST_INTEGER:
        if (plain_number(f, true)) {
            f->type = REC_INTEGER;
            return 1;
        }
        if (text_parse_int64(f->val, f->len, &i64)) {
            n = snprintf(out, sizeof(out), "%" PRId64, i64);
        } else if (text_parse_double(f->val, f->len, &d) && d == floor(d) && fabs(d) < 9.2e18) {
            n = snprintf(out, sizeof(out), "%" PRId64, (int64_t)d);   /* "12.0" -> 12 */
        } else {
            return 0;
        }
        f->type = REC_INTEGER;
        break;
    case CAST_NUMBER:
        if (plain_number(f, false)) {
            f->type = REC_NUMBER;
            return 1;
        }
        if (!text_parse_double(f->val, f->len, &d))
            return 0;
        n = snprintf(out, sizeof(out), "%.17g", d);
        /* Prefer the shortest form that reads back the same. */
        for (int prec = 1; prec < 17; prec++) {
            char tmp[64];
            int m = snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
            if (strtod(tmp, NULL) == d) {
                memcpy(out, tmp, (size_t)m + 1);
                n = m;
                break;
            }
        }
        f->type = REC_NUMBER;
        break;
    case CAST_BOOLEAN:
        if (!parse_boolean(f->val, f->len, &b))
            return 0;
        n = snprintf(out, sizeof(out), "%s", b ? "true" : "false");
        f->type = REC_BOOLEAN;
        break;
    case CAST_DATE:
    case CAST_DATETIME:
        if (c->format ? !parse_with_format(c, f->val, f->len, &tm)
                      : !parse_iso_tm(f->val, f->len, &tm, &zoned, &frac))
            return 0;
        if (c->format)
            zoned = c->format_has_zone;
        if (c->type == CAST_DATE)
            n = snprintf(out, sizeof(out), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday);
        else
            n = snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (c->type == CAST_DATETIME && frac >= 0.0005)
            n += snprintf(out + n, sizeof(out) - (size_t)n, ".%03d", (int)(frac * 1000 + 0.5) % 1000);
        if (c->type == CAST_DATETIME && zoned)
            n += snprintf(out + n, sizeof(out) - (size_t)n, "Z");
        f->type = REC_STRING;
        break;
    }
    char *mem = rec_alloc(rec, (size_t)n);
    if (!mem)
        return -1;
    memcpy(mem, out, (size_t)n);
    f->val = mem;
    f->len = (size_t)n;
    return 1;
}

static int cast_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct cast *c = state;
    long k = rec_find(rec, c->column, &c->hint);
    if (k < 0 || rec->fields[k].type == REC_NULL)
        return STEP_KEEP;
    struct rec_field *f = &rec->fields[k];
    int rc = convert(c, rec, f);
    if (rc > 0)
        return STEP_KEEP;
    char shown[80];
    step_quote_value(shown, sizeof(shown), f->val, f->len);
    issue->column = c->column;
    if (rc < 0)
        return step_out_of_memory(issue);
    c->failed++;
    issue->code = "CAST_ERROR";
    snprintf(issue->message, sizeof(issue->message), "cannot convert \"%s\" to %s%s%s", shown,
             type_names[c->type], c->format ? " with format " : "", c->format ? c->format : "");
    if (c->null_on_error) {
        f->type = REC_NULL;
        f->len = 0;
        return STEP_KEEP;
    }
    return STEP_FAIL;
}

const struct step_ops step_cast_ops = {
    .type = "cast",
    .validate = cast_validate,
    .init = cast_init,
    .columns = cast_columns,
    .process = cast_process,
    .free = cast_free,
};
