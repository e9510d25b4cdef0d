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

/* Room for n more bytes and the NUL. The old buffer stays in the arena
 * until the request ends: doubling keeps the waste under the final size. */
static void reserve(struct jsonw *w, size_t n)
{
    if (n > SIZE_MAX / 4 || w->len > SIZE_MAX / 4)
        arena_alloc(w->arena, SIZE_MAX); /* aborts: a bug, not an input */
    if (w->len + n < w->cap)
        return;
    size_t cap = w->cap;
    while (w->len + n >= cap)
        cap *= 2;
    char *buf = arena_alloc(w->arena, cap);
    memcpy(buf, w->buf, w->len);
    w->buf = buf;
    w->cap = cap;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void put_char(struct jsonw *w, char c)
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

/* json-c's escaping (json_escape_str) without the '/' escape: the short
 * forms for \b \n \r \t \f " \\, \u00xx (lower-case hex) for the other
 * control characters, every other byte as it is. */
static void put_escaped(struct jsonw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    put_char(w, '"');
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char esc = 0;
        switch (c) {
        case '\b': esc = 'b'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        case '\t': esc = 't'; break;
        case '\f': esc = 'f'; break;
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        default:
            if (c >= 0x20)
                continue;
        }
        put(w, run, (size_t)(p - run));
        run = p + 1;
        if (esc != 0) {
            char two[2] = {'\\', esc};
            put(w, two, 2);
        } else {
            char six[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            put(w, six, 6);
        }
    }
    put(w, run, strlen(run));
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

void jsonw_int(struct jsonw *w, long long v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", v);
    jsonw_raw(w, num, (size_t)n);
}

void jsonw_double(struct jsonw *w, double v)
{
    char num[64];
    int n;
    if (isnan(v))
        n = snprintf(num, sizeof(num), "NaN");
    else if (isinf(v))
        n = snprintf(num, sizeof(num), v > 0 ? "Infinity" : "-Infinity");
    else {
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
