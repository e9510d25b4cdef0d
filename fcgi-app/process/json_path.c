/* json_path.c — compiles the JSONPath subset of json_path.h and steps its
 * state sets. Pure logic: no I/O, no allocation. */
#include "process/json_path.h"

#include <stdio.h>
#include <string.h>

#define JPATH_INDEX_MAX 1000000000LL

struct parser {
    const char *s;
    size_t pos;
    struct jpath *out;
    size_t names_used;
    char *msg;
    size_t msg_len;
};

static int refuse(struct parser *p, const char *what)
{
    snprintf(p->msg, p->msg_len,
             "%s at character %zu; Quarry reads $, .name, ['name'], [n], [*], .* and ..name", what,
             p->pos + 1);
    return -1;
}

static int add_step(struct parser *p, enum jpath_kind kind, const char *name, size_t len,
                    long long index)
{
    if (p->out->n == JPATH_MAX_STEPS)
        return refuse(p, "more than 32 steps");
    struct jpath_step *st = &p->out->steps[p->out->n++];
    st->kind = kind;
    st->index = index;
    st->name = NULL;
    st->name_len = len;
    if (name != NULL) {
        /* The names are never longer than the expression, which fits. */
        char *dst = p->out->names + p->names_used;
        memcpy(dst, name, len);
        dst[len] = '\0';
        p->names_used += len + 1;
        st->name = dst;
    }
    return 0;
}

/* A name in dot notation: letters, digits, '_', '-', '$' and any non-ASCII byte. */
static size_t dot_name_len(const char *s)
{
    size_t n = 0;
    for (;; n++) {
        unsigned char c = (unsigned char)s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '$' || c >= 0x80;
        if (!ok)
            return n;
    }
}

/* At a quote: the quoted name, its escapes (\\ \' \") decoded into buf. */
static int quoted_name(struct parser *p, char *buf, size_t *len)
{
    char quote = p->s[p->pos++];
    size_t n = 0;
    for (;;) {
        char c = p->s[p->pos];
        if (c == '\0')
            return refuse(p, "a quoted name is not closed");
        p->pos++;
        if (c == quote)
            break;
        if (c == '\\') {
            c = p->s[p->pos];
            if (c != '\\' && c != '\'' && c != '"')
                return refuse(p, "only \\\\, \\' and \\\" may be escaped in a quoted name");
            p->pos++;
        }
        buf[n++] = c;
    }
    *len = n;
    return 0;
}

static void skip_blanks(struct parser *p)
{
    while (p->s[p->pos] == ' ')
        p->pos++;
}

/* At '[': [n], [*], ['name']; descend is set after "..". */
static int bracket(struct parser *p, bool descend)
{
    char name[JPATH_MAX_LEN + 1];
    size_t len;
    p->pos++;
    skip_blanks(p);
    char c = p->s[p->pos];
    int rc;
    if (c == '\'' || c == '"') {
        if (quoted_name(p, name, &len) != 0)
            return -1;
        rc = add_step(p, descend ? JPATH_DESCEND : JPATH_MEMBER, name, len, 0);
    } else if (descend) {
        return refuse(p, "..[ ] takes only a quoted name");
    } else if (c == '*') {
        p->pos++;
        rc = add_step(p, JPATH_ANY, NULL, 0, 0);
    } else if (c >= '0' && c <= '9') {
        long long index = 0;
        while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            index = index * 10 + (p->s[p->pos++] - '0');
            if (index > JPATH_INDEX_MAX)
                return refuse(p, "an index is too large");
        }
        rc = add_step(p, JPATH_INDEX, NULL, 0, index);
    } else if (c == '?') {
        return refuse(p, "filter expressions ([?(...)]) are not supported");
    } else if (c == '(') {
        return refuse(p, "script expressions ([(...)]) are not supported");
    } else if (c == '-') {
        return refuse(p, "negative indexes are not supported");
    } else if (c == ':') {
        return refuse(p, "slices ([start:end]) are not supported");
    } else {
        return refuse(p, "unexpected character in [ ]");
    }
    if (rc != 0)
        return -1;
    skip_blanks(p);
    c = p->s[p->pos];
    if (c == ',')
        return refuse(p, "unions ([a,b]) are not supported");
    if (c == ':')
        return refuse(p, "slices ([start:end]) are not supported");
    if (c != ']')
        return refuse(p, "expected ]");
    p->pos++;
    return 0;
}

/* After '.' (or ".." when descend): a name, or '*'. */
static int dotted(struct parser *p, bool descend)
{
    if (p->s[p->pos] == '*') {
        if (descend)
            return refuse(p, "..* is not supported");
        p->pos++;
        return add_step(p, JPATH_ANY, NULL, 0, 0);
    }
    if (p->s[p->pos] == '[')
        return descend ? bracket(p, true) : refuse(p, "a name must follow '.'");
    size_t len = dot_name_len(p->s + p->pos);
    if (len == 0)
        return refuse(p, "a name must follow '.'");
    int rc = add_step(p, descend ? JPATH_DESCEND : JPATH_MEMBER, p->s + p->pos, len, 0);
    p->pos += len;
    return rc;
}

int jpath_compile(const char *expr, struct jpath *out, char *msg, size_t msg_len)
{
    struct parser p = {expr, 0, out, 0, msg, msg_len};
    out->n = 0;
    if (strlen(expr) > JPATH_MAX_LEN) {
        snprintf(msg, msg_len, "is longer than %d characters", JPATH_MAX_LEN);
        return -1;
    }
    if (expr[0] != '$')
        return refuse(&p, "a JSONPath starts with $");
    p.pos = 1;
    while (expr[p.pos] != '\0') {
        int rc;
        if (expr[p.pos] == '.' && expr[p.pos + 1] == '.') {
            p.pos += 2;
            rc = dotted(&p, true);
        } else if (expr[p.pos] == '.') {
            p.pos++;
            rc = dotted(&p, false);
        } else if (expr[p.pos] == '[') {
            rc = bracket(&p, false);
        } else if (expr[p.pos] == '@') {
            return refuse(&p, "@ is only meaningful in filters, which are not supported");
        } else {
            return refuse(&p, "expected '.', '..' or '['");
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int jpath_from_dotted(const char *dotted, struct jpath *out)
{
    char msg[8];
    struct parser p = {dotted, 0, out, 0, msg, sizeof(msg)};
    out->n = 0;
    if (strlen(dotted) > JPATH_MAX_LEN)
        return -1;
    for (const char *s = dotted;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (len == 0 || add_step(&p, JPATH_MEMBER, s, len, 0) != 0)
            return -1;
        if (!dot)
            return 0;
        s = dot + 1;
    }
}

bool jpath_wants_key(const struct jpath *p, uint64_t states)
{
    for (int i = 0; i < p->n; i++)
        if (((states >> i) & 1) &&
            (p->steps[i].kind == JPATH_MEMBER || p->steps[i].kind == JPATH_DESCEND))
            return true;
    return false;
}

static bool same_name(const struct jpath_step *st, const char *key, size_t len)
{
    return st->name_len == len && memcmp(st->name, key, len) == 0;
}

/* The states after one step down: into the member key[0..len) of an
 * object, or (key NULL) into the element at index of an array. */
static uint64_t step_down(const struct jpath *p, uint64_t states, const char *key, size_t len,
                          long long index)
{
    uint64_t next = 0;
    for (int i = 0; i < p->n; i++) {
        if (!((states >> i) & 1))
            continue;
        const struct jpath_step *st = &p->steps[i];
        bool hit = false;
        switch (st->kind) {
        case JPATH_MEMBER:
            hit = key && same_name(st, key, len);
            break;
        case JPATH_INDEX:
            hit = !key && st->index == index;
            break;
        case JPATH_ANY:
            hit = true;
            break;
        case JPATH_DESCEND:
            next |= 1ull << i; /* still looking, deeper */
            hit = key && same_name(st, key, len);
            break;
        }
        if (hit)
            next |= 2ull << i;
    }
    return next;
}

uint64_t jpath_member(const struct jpath *p, uint64_t states, const char *key, size_t len)
{
    return step_down(p, states, key, len, 0);
}

uint64_t jpath_element(const struct jpath *p, uint64_t states, long long index)
{
    return step_down(p, states, NULL, 0, index);
}
