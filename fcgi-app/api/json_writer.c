#include "api/json_writer.h"

#include "common/ids.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void jsonw_init(struct jsonw *w, struct arena *a, size_t initial)
{
    w->arena = a;
    w->cap = initial < 64 ? 64 : initial;
    w->buf = arena_alloc(a, w->cap);
    w->len = 0;
    w->need_comma = false;
}

/* Grows the buffer for n more bytes and the NUL. The old buffer stays in
 * the arena until the request ends: doubling keeps the waste under the
 * final size. */
static void __attribute__((noinline)) grow(struct jsonw *w, size_t n)
{
    if (n > SIZE_MAX / 4 || w->len > SIZE_MAX / 4)
        arena_alloc(w->arena, SIZE_MAX); /* aborts: a bug, not an input */
    size_t cap = w->cap;
    while (w->len + n >= cap)
        cap *= 2;
    char *buf = arena_alloc(w->arena, cap);
    memcpy(buf, w->buf, w->len);
    w->buf = buf;
    w->cap = cap;
}

/* Room for n more bytes and the NUL: one comparison when there is. */
static inline void reserve(struct jsonw *w, size_t n)
{
    if (n >= w->cap - w->len)
        grow(w, n);
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static inline void put_char(struct jsonw *w, char c)
{
    reserve(w, 1);
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void separate(struct jsonw *w)
{
    if (w->need_comma)
        put_char(w, ',');
}

/* The bytes json-c escapes: control characters, '"' and '\\'. */
static const unsigned char escaped[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* json-c's escaping (json_escape_str) without the '/' escape: the short
 * forms for \b \n \r \t \f " \\, \u00xx (lower-case hex) for the other
 * control characters, every other byte as it is; runs of plain bytes are
 * copied whole. */
static void put_escaped(struct jsonw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put_char(w, '"');
    for (;;) {
        const char *run = s;
        while (!escaped[(unsigned char)*s])
            s++;
        if (s > run)
            put(w, run, (size_t)(s - run));
        unsigned char c = (unsigned char)*s;
        if (c == '\0')
            break;
        s++;
        char esc = c == '\b' ? 'b' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't'
                 : c == '\f' ? 'f' : c == '"' ? '"' : c == '\\' ? '\\' : 0;
        if (esc != 0) {
            char two[2] = {'\\', esc};
            put(w, two, 2);
        } else {
            char six[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            put(w, six, 6);
        }
    }
    put_char(w, '"');
}

void jsonw_open_object(struct jsonw *w)
{
    separate(w);
    put_char(w, '{');
    w->need_comma = false;
}

void jsonw_close_object(struct jsonw *w)
{
    put_char(w, '}');
    w->need_comma = true;
}

void jsonw_open_array(struct jsonw *w)
{
    separate(w);
    put_char(w, '[');
    w->need_comma = false;
}

void jsonw_close_array(struct jsonw *w)
{
    put_char(w, ']');
    w->need_comma = true;
}

void jsonw_key(struct jsonw *w, const char *key)
{
    separate(w);
    put_escaped(w, key);
    put_char(w, ':');
    w->need_comma = false;
}

void jsonw_string(struct jsonw *w, const char *s)
{
    if (s == NULL) {
        jsonw_null(w);
        return;
    }
    separate(w);
    put_escaped(w, s);
    w->need_comma = true;
}

void jsonw_string_bytes(struct jsonw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    separate(w);
    /* At most six bytes out for one in, and the quotes. */
    reserve(w, n <= SIZE_MAX / 8 ? n * 6 + 2 : SIZE_MAX);
    char *o = w->buf + w->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (esc) {
                memcpy(o, esc, 2);
                o += 2;
            } else {
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
            }
        } else if (c < 0x80) {
            *o++ = (char)c;
        } else {
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
            bool ok = need > 0 && i + need <= n && c < 0xF5;
            for (size_t k = 1; ok && k < need; k++)
                ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
            if (ok) {
                memcpy(o, s + i, need);
                o += need;
                i += need - 1;
            } else {
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
            }
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
    w->buf[w->len] = '\0';
    w->need_comma = true;
}

/* v in decimal at the end of num[32]: its first byte. */
static char *decimal(char num[32], long long v)
{
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char *p = num + 32;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}

void jsonw_int(struct jsonw *w, long long v)
{
    char num[32], *p = decimal(num, v);
    jsonw_raw(w, p, (size_t)(num + 32 - p));
}

void jsonw_double(struct jsonw *w, double v)
{
    char num[64];
    int n;
    if (isnan(v))
        n = snprintf(num, sizeof(num), "NaN");
    else if (isinf(v))
        n = snprintf(num, sizeof(num), v > 0 ? "Infinity" : "-Infinity");
    else if (fabs(v) < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v))) {
        /* A whole number under 10^15: %.17g writes its digits, then ".0". */
        char digits[32], *p = decimal(digits, (long long)v);
        n = (int)(digits + 32 - p);
        memcpy(num, p, (size_t)n);
        memcpy(num + n, ".0", 3);
        n += 2;
    } else {
        n = snprintf(num, sizeof(num), "%.17g", v);
        /* json-c marks a whole number as a double (1.0, not 1). */
        if (strpbrk(num, ".e") == NULL && n + 2 < (int)sizeof(num)) {
            memcpy(num + n, ".0", 3);
            n += 2;
        }
    }
    jsonw_raw(w, num, (size_t)n);
}

void jsonw_null(struct jsonw *w)
{
    jsonw_raw(w, "null", 4);
}

void jsonw_raw(struct jsonw *w, const char *text, size_t len)
{
    separate(w);
    put(w, text, len);
    w->need_comma = true;
}

#define COPY_MAX_DEPTH 16
#define COPY_MAX_MEMBERS 16

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool copy_value(struct jsonw *w, const char **pp, int depth);

/* A string whose escapes json-c writes back as they are, but '\/'. */
static bool copy_string(struct jsonw *w, const char **pp)
{
    const char *p = *pp + 1, *run = p;
    put_char(w, '"');
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20) /* a control byte, or the text's end */
            return false;
        if (c == '\\') {
            char e = p[1];
            if (e == '/') {
                put(w, run, (size_t)(p - run));
                p += 1; /* the run goes on from the '/' */
                run = p;
                p++;
                continue;
            }
            if (e != '"' && e != '\\' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                return false;
            p += 2;
            continue;
        }
        p++;
    }
    put(w, run, (size_t)(p - run));
    put_char(w, '"');
    *pp = p + 1;
    return true;
}

/* A number json-c keeps as written: a double's text as it is, an integer
 * that fits int64 in its only form. */
static bool copy_number(struct jsonw *w, const char **pp)
{
    const char *s = *pp, *p = s;
    bool dbl = false;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (is_digit(*p))
            p++;
    else
        return false;
    if (*p == '.') {
        dbl = true;
        p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        dbl = true;
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    size_t n = (size_t)(p - s), digits = n - (*s == '-');
    if (n > 24 || (!dbl && (digits > 18 || (*s == '-' && s[1] == '0'))))
        return false;
    put(w, s, n);
    *pp = p;
    return true;
}

static bool copy_literal(struct jsonw *w, const char **pp, const char *word, size_t n)
{
    if (strncmp(*pp, word, n) != 0)
        return false;
    put(w, word, n);
    *pp += n;
    return true;
}

static bool copy_object(struct jsonw *w, const char **pp, int depth)
{
    size_t key_at[COPY_MAX_MEMBERS], key_len[COPY_MAX_MEMBERS];
    int n = 0;
    const char *p = *pp + 1;
    put_char(w, '{');
    if (*p == '}') {
        put_char(w, '}');
        *pp = p + 1;
        return true;
    }
    for (;;) {
        if (*p != '"' || n == COPY_MAX_MEMBERS)
            return false;
        size_t at = w->len;
        if (!copy_string(w, &p))
            return false;
        /* json-c keeps one member of a name: a repeated one is not a copy. */
        for (int i = 0; i < n; i++)
            if (key_len[i] == w->len - at && memcmp(w->buf + key_at[i], w->buf + at, key_len[i]) == 0)
                return false;
        key_at[n] = at;
        key_len[n++] = w->len - at;
        if (*p != ':')
            return false;
        put_char(w, ':');
        p++;
        if (!copy_value(w, &p, depth + 1))
            return false;
        if (*p == '}')
            break;
        if (*p != ',')
            return false;
        put_char(w, ',');
        p++;
    }
    put_char(w, '}');
    *pp = p + 1;
    return true;
}

static bool copy_array(struct jsonw *w, const char **pp, int depth)
{
    const char *p = *pp + 1;
    put_char(w, '[');
    if (*p != ']')
        for (;;) {
            if (!copy_value(w, &p, depth + 1))
                return false;
            if (*p == ']')
                break;
            if (*p != ',')
                return false;
            put_char(w, ',');
            p++;
        }
    put_char(w, ']');
    *pp = p + 1;
    return true;
}

static bool copy_value(struct jsonw *w, const char **pp, int depth)
{
    if (depth > COPY_MAX_DEPTH)
        return false;
    switch (**pp) {
    case '{': return copy_object(w, pp, depth);
    case '[': return copy_array(w, pp, depth);
    case '"': return copy_string(w, pp);
    case 't': return copy_literal(w, pp, "true", 4);
    case 'f': return copy_literal(w, pp, "false", 5);
    case 'n': return copy_literal(w, pp, "null", 4);
    default: return copy_number(w, pp);
    }
}

bool jsonw_json_copy(struct jsonw *w, const char *text)
{
    size_t start = w->len;
    bool comma = w->need_comma;
    const char *p = text;
    /* json-c parses a null alone as no object at all: the caller's. */
    if (strcmp(text, "null") == 0)
        return false;
    separate(w);
    if (copy_value(w, &p, 1) && *p == '\0') {
        w->need_comma = true;
        return true;
    }
    w->len = start;
    w->buf[start] = '\0';
    w->need_comma = comma;
    return false;
}

const char *jsonw_text(const struct jsonw *w, size_t *len)
{
    if (len != NULL)
        *len = w->len;
    return w->buf;
}

void jsonw_field_string(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}

void jsonw_field_int(struct jsonw *w, const char *key, long long v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void jsonw_field_double(struct jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}

void jsonw_field_time(struct jsonw *w, const char *key, const char *db_time)
{
    char iso[ISO_TIME_LEN + 1];
    jsonw_key(w, key);
    if (db_time != NULL && time_db_to_iso(db_time, iso))
        jsonw_string(w, iso);
    else
        jsonw_null(w);
}
