/* json_fast.c — the flat-object scanner of the JSON Lines reader (see
 * json_fast.h). One pass over the line: ordinary string bytes are skipped
 * 16 at a time (scan.h), strings without escapes are slices of the line,
 * escaped ones are decoded into scratch. Numbers keep their text: an
 * integer of at most 18 digits is what json-c prints back for it (its
 * int64), other numbers json-c keeps as written too (json_flat.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/grow.h"
#include "process/json_fast.h"
#include "process/scan.h"
#include "process/text.h"

#define JFAST_INT_DIGITS 18   /* always an int64 */

struct cursor {
    const unsigned char *p, *e;
    char *out;                /* next free byte of scratch */
};

static inline void skip_ws(struct cursor *c)
{
    const unsigned char *p = c->p, *e = c->e;
    if (p == e || *p > ' ')
        return;   /* the usual case: no blank at all */
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    c->p = p;
}

static inline int hex4(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (uint32_t)(h - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* A string whose opening quote is at c->p. Sets *s, *len; false when the
 * scanner does not take it. */
static bool string(struct cursor *c, const char **s, size_t *len)
{
    const unsigned char *p = c->p + 1, *e = c->e;
    const unsigned char *start = p;
    char *out = NULL;   /* set once an escape is met: the decoded copy */
    for (;;) {
        const unsigned char *q = scan_json_special(p, e);
        if (q == e)
            return false;
        if (out) {
            memcpy(out, p, (size_t)(q - p));
            out += q - p;
        }
        p = q;
        unsigned char ch = *p;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return false;
        if (ch >= 0x80) {
            size_t n = text_utf8_seq(p, (size_t)(e - p));
            if (n == 0)
                return false;
            if (out) {
                memcpy(out, p, n);
                out += n;
            }
            p += n;
            continue;
        }
        /* a backslash */
        if (!out) {
            out = c->out;
            memcpy(out, start, (size_t)(p - start));
            out += p - start;
        }
        if (e - p < 2)
            return false;
        switch (p[1]) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (e - p < 6 || hex4(p + 2, &cp))
                return false;
            if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return false;   /* NUL, a lone low surrogate: json-c's business */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            out += text_utf8_put(out, cp);
            p += 6;
            continue;
        }
        default:
            return false;
        }
        p += 2;
    }
    if (out) {
        *s = c->out;
        *len = (size_t)(out - c->out);
        c->out = out;
    } else {
        *s = (const char *)start;
        *len = (size_t)(p - start);
    }
    c->p = p + 1;
    return true;
}

static bool literal(struct cursor *c, const char *word, size_t n)
{
    if ((size_t)(c->e - c->p) < n || memcmp(c->p, word, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool number(struct cursor *c, struct jfast_member *m)
{
    const unsigned char *p = c->p, *e = c->e;
    bool integer = true;
    while (p < e) {
        unsigned char ch = *p;
        if (ch >= '0' && ch <= '9')
            ;
        else if (ch == '.' || ch == 'e' || ch == 'E' || ch == '+')
            integer = false;
        else if (ch != '-')
            break;
        p++;
    }
    size_t n = (size_t)(p - c->p);
    if (!text_is_json_number((const char *)c->p, n))
        return false;
    if (integer) {
        bool neg = *c->p == '-';
        if (n - neg > JFAST_INT_DIGITS || (neg && n == 2 && c->p[1] == '0'))
            return false;   /* beyond int64 / "-0": json-c's own rules */
        m->type = REC_INTEGER;
    } else {
        m->type = REC_NUMBER;
    }
    m->val = (const char *)c->p;
    m->vlen = n;
    c->p = p;
    return true;
}

static bool value(struct cursor *c, struct jfast_member *m)
{
    switch (*c->p) {
    case '"':
        m->type = REC_STRING;
        return string(c, &m->val, &m->vlen);
    case 't':
        m->type = REC_BOOLEAN;
        m->val = "true";
        m->vlen = 4;
        return literal(c, "true", 4);
    case 'f':
        m->type = REC_BOOLEAN;
        m->val = "false";
        m->vlen = 5;
        return literal(c, "false", 5);
    case 'n':
        m->type = REC_NULL;
        m->val = "";
        m->vlen = 0;
        return literal(c, "null", 4);
    default:
        if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
            return number(c, m);
        return false;   /* an object, an array, or not JSON */
    }
}

enum jfast_result jfast_parse(struct jfast *s, const char *p, size_t len)
{
    s->n = 0;
    if (len == 0 || p[0] != '{')
        return JFAST_OTHER;
    if (s->scratch_cap < len) {
        char *b = realloc(s->scratch, len);
        if (!b)
            return JFAST_NO_MEMORY;
        s->scratch = b;
        s->scratch_cap = len;
    }
    struct cursor c = {(const unsigned char *)p + 1, (const unsigned char *)p + len, s->scratch};
    skip_ws(&c);
    if (c.p < c.e && *c.p == '}') {
        c.p++;
        return c.p == c.e ? JFAST_OBJECT : JFAST_OTHER;
    }
    for (;;) {
        if (!grow(&s->m, &s->cap, s->n + 1, sizeof(*s->m), 32))
            return JFAST_NO_MEMORY;
        struct jfast_member *m = &s->m[s->n];
        if (c.p == c.e || *c.p != '"' || !string(&c, &m->key, &m->klen))
            return JFAST_OTHER;
        skip_ws(&c);
        if (c.p == c.e || *c.p != ':')
            return JFAST_OTHER;
        c.p++;
        skip_ws(&c);
        if (c.p == c.e || !value(&c, m))
            return JFAST_OTHER;
        s->n++;
        skip_ws(&c);
        if (c.p == c.e)
            return JFAST_OTHER;
        if (*c.p == '}') {
            c.p++;
            return c.p == c.e ? JFAST_OBJECT : JFAST_OTHER;
        }
        if (*c.p != ',')
            return JFAST_OTHER;
        c.p++;
        skip_ws(&c);
    }
}

void jfast_free(struct jfast *s)
{
    free(s->m);
    free(s->scratch);
    s->m = NULL;
    s->scratch = NULL;
    s->n = s->cap = s->scratch_cap = 0;
}
