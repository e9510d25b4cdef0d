/* text.c — UTF-8, code pages and strict value parsing (see text.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/text.h"

size_t text_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0;   /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0;   /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0;
        if (c == 0xF4 && p[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

bool text_utf8_valid_prefix(const char *s, size_t len, bool allow_cut)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = text_utf8_seq(p, (size_t)(e - p));
        if (n == 0) {
            /* A sequence cut by the end of the block is not an error. */
            if (allow_cut && e - p < 4) {
                size_t want = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC2 ? 2 : 0;
                bool cont = want > (size_t)(e - p);
                for (const unsigned char *q = p + 1; q < e; q++)
                    cont = cont && (*q & 0xC0) == 0x80;
                return cont;
            }
            return false;
        }
        p += n;
    }
    return true;
}

static uint16_t latin1[256];
static uint16_t cp1252[256];

/* windows-1252 0x80..0x9F; the five undefined bytes keep their latin-1
 * (C1 control) meaning, as most converters do. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

const uint16_t *text_latin1_table(void)
{
    for (int i = 0; i < 256; i++)
        latin1[i] = (uint16_t)i;
    return latin1;
}

const uint16_t *text_cp1252_table(void)
{
    for (int i = 0; i < 256; i++)
        cp1252[i] = (uint16_t)i;
    for (int i = 0; i < 32; i++)
        cp1252[0x80 + i] = cp1252_high[i];
    return cp1252;
}

static inline void trim(const char **p, size_t *len)
{
    while (*len > 0 && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
        (*len)--;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool text_parse_int64(const char *p, size_t len, int64_t *out)
{
    trim(&p, &len);
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    if (i == len)
        return false;
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (!is_digit(p[i]))
            return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Length of a decimal number at the start of p (sign, digits, fraction,
 * exponent), 0 if none. *integral says there was no fraction/exponent. */
static size_t number_span(const char *p, size_t len, bool *integral)
{
    size_t i = 0, digits = 0;
    *integral = true;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        i++;
    while (i < len && is_digit(p[i])) {
        i++;
        digits++;
    }
    if (i < len && p[i] == '.') {
        *integral = false;
        i++;
        while (i < len && is_digit(p[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (p[j] == '-' || p[j] == '+'))
            j++;
        size_t exp_digits = 0;
        while (j < len && is_digit(p[j])) {
            j++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0;
        *integral = false;
        i = j;
    }
    return i;
}

bool text_parse_double(const char *p, size_t len, double *out)
{
    trim(&p, &len);
    bool integral;
    if (len == 0 || len > 320 || number_span(p, len, &integral) != len)
        return false;
    char tmp[328];
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

bool text_parse_bool(const char *p, size_t len, bool *out)
{
    trim(&p, &len);
    if (len == 4 && strncasecmp(p, "true", 4) == 0) {
        *out = true;
        return true;
    }
    if (len == 5 && strncasecmp(p, "false", 5) == 0) {
        *out = false;
        return true;
    }
    return false;
}

int64_t text_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits_at(const char *p, size_t len, size_t at, size_t n, unsigned *out)
{
    if (at + n > len)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[at + i]))
            return false;
        v = v * 10 + (unsigned)(p[at + i] - '0');
    }
    *out = v;
    return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

struct iso_parts {
    unsigned y, mo, d, h, mi, s;
    double frac, offset;
    unsigned micro;   /* the fraction's first six digits, as an integer */
    bool has_time;
};

/* The shape and ranges of an ISO 8601 date or date-time (no arithmetic). */
static bool iso_parts(const char *p, size_t len, struct iso_parts *t)
{
    if (len < 10 || p[4] != '-' || p[7] != '-' || !digits_at(p, len, 0, 4, &t->y) ||
        !digits_at(p, len, 5, 2, &t->mo) || !digits_at(p, len, 8, 2, &t->d))
        return false;
    if (t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > days_in_month(t->y, t->mo))
        return false;
    t->h = t->mi = t->s = 0;
    t->frac = t->offset = 0;
    t->micro = 0;
    t->has_time = false;
    size_t i = 10;
    if (i == len)
        return true;
    if (p[i] != 'T' && p[i] != ' ')
        return false;
    if (!digits_at(p, len, i + 1, 2, &t->h) || i + 3 >= len || p[i + 3] != ':' ||
        !digits_at(p, len, i + 4, 2, &t->mi))
        return false;
    i += 6;
    if (i < len && p[i] == ':') {
        if (!digits_at(p, len, i + 1, 2, &t->s))
            return false;
        i += 3;
        if (i < len && (p[i] == '.' || p[i] == ',')) {
            double scale = 0.1;
            size_t start = ++i;
            for (; i < len && is_digit(p[i]); i++, scale /= 10) {
                t->frac += (p[i] - '0') * scale;
                if (i - start < 6)
                    t->micro = t->micro * 10 + (unsigned)(p[i] - '0');
            }
            for (size_t k = i - start; k < 6; k++)
                t->micro *= 10;
            if (i == start)
                return false;
        }
    }
    if (t->h > 23 || t->mi > 59 || t->s > 60)
        return false;
    if (i < len && (p[i] == 'Z' || p[i] == 'z')) {
        i++;
    } else if (i < len && (p[i] == '+' || p[i] == '-')) {
        unsigned oh, om = 0;
        int sign = p[i] == '-' ? -1 : 1;
        if (!digits_at(p, len, i + 1, 2, &oh))
            return false;
        i += 3;
        if (i < len && p[i] == ':')
            i++;
        if (i < len) {
            if (!digits_at(p, len, i, 2, &om))
                return false;
            i += 2;
        }
        if (oh > 23 || om > 59)
            return false;
        t->offset = sign * (double)(oh * 3600 + om * 60);
    }
    if (i != len)
        return false;
    t->has_time = true;
    return true;
}

bool text_parse_iso(const char *p, size_t len, double *epoch, bool *has_time)
{
    trim(&p, &len);
    struct iso_parts t;
    if (!iso_parts(p, len, &t))
        return false;
    *has_time = t.has_time;
    *epoch = (double)text_days_from_civil(t.y, t.mo, t.d) * 86400.0 + t.h * 3600.0 +
             t.mi * 60.0 + t.s + t.frac - t.offset;
    return true;
}

bool text_parse_iso_micros(const char *p, size_t len, int64_t *micros, bool *has_time)
{
    trim(&p, &len);
    struct iso_parts t;
    if (!iso_parts(p, len, &t))
        return false;
    *has_time = t.has_time;
    int64_t secs = text_days_from_civil(t.y, t.mo, t.d) * 86400 + t.h * 3600 + t.mi * 60 + t.s -
                   (int64_t)t.offset;
    *micros = secs * 1000000 + t.micro;
    return true;
}

enum text_kind text_classify(const char *p, size_t len)
{
    if (len > 0 && (p[0] == ' ' || p[0] == '\t' || p[len - 1] == ' ' || p[len - 1] == '\t'))
        trim(&p, &len);
    if (len == 0)
        return KIND_STRING;
    char c = p[0];
    if (is_digit(c) || c == '-' || c == '+' || c == '.') {
        bool integral;
        if (number_span(p, len, &integral) == len) {
            /* "007" is a code, not a number: casting it would lose the zeros. */
            size_t i = (c == '-' || c == '+') ? 1 : 0;
            if (len > i + 1 && p[i] == '0' && is_digit(p[i + 1]))
                return KIND_STRING;
            if (!integral)
                return KIND_NUMBER;
            int64_t v;
            return len - i <= 18 || text_parse_int64(p, len, &v) ? KIND_INTEGER : KIND_NUMBER;
        }
        struct iso_parts t;
        if (len >= 10 && is_digit(c) && iso_parts(p, len, &t))
            return t.has_time ? KIND_DATETIME : KIND_DATE;
        return KIND_STRING;
    }
    bool b;
    if ((c == 't' || c == 'T' || c == 'f' || c == 'F') && text_parse_bool(p, len, &b))
        return KIND_BOOLEAN;
    return KIND_STRING;
}

const char *text_kind_name(enum text_kind kind)
{
    static const char *const names[] = {"integer", "number", "boolean",
                                        "date",    "datetime", "string"};
    return names[kind];
}

const char *text_join(char *out, size_t out_len, const char *const *names, size_t n)
{
    size_t used = 0;
    if (out_len == 0)
        return out;
    out[0] = '\0';
    /* snprintf returns what it would have written: stop once it no longer fits */
    for (size_t i = 0; i < n && used < out_len; i++)
        used += (size_t)snprintf(out + used, out_len - used, "%s%s", i ? ", " : "", names[i]);
    return out;
}
