/* step_transform.c — rewrites a column's text.
 * params: {column, function, ...}: uppercase, lowercase, title, capitalize
 * (ASCII case mapping: other UTF-8 bytes are left alone, never split),
 * trim, ltrim, rtrim, strip_whitespace (= trim), collapse_whitespace,
 * remove_whitespace, remove_non_numeric (digits, '.', a leading '-'),
 * remove_non_alphanumeric, replace {find, replacement}, fill_null {value},
 * truncate {length} (in characters).
 * Whitespace is ASCII blanks plus U+00A0 (no-break space). Nulls stay null
 * except for fill_null. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"
#include "process/text.h"

enum fn { FN_UPPER, FN_LOWER, FN_TITLE, FN_CAPITALIZE, FN_TRIM, FN_LTRIM, FN_RTRIM, FN_STRIP,
          FN_COLLAPSE, FN_REMOVE_WS, FN_NON_NUMERIC, FN_NON_ALNUM, FN_REPLACE, FN_FILL_NULL,
          FN_TRUNCATE };

static const char *const fn_names[] = {
    "uppercase", "lowercase", "title", "capitalize", "trim", "ltrim", "rtrim",
    "strip_whitespace", "collapse_whitespace", "remove_whitespace", "remove_non_numeric",
    "remove_non_alphanumeric", "replace", "fill_null", "truncate", NULL,
};

struct transform {
    struct rec_env *env;
    const char *column;
    size_t hint;
    enum fn fn;
    char *find, *replacement, *fill;
    size_t find_len, replacement_len, fill_len;
    int64_t length;
};

static int transform_validate(json_object *params, char *field, size_t field_len, char *msg,
                              size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    int fn = 0;
    if (param_string(params, "column", true, NULL, &e) ||
        param_enum(params, "function", fn_names, true, &fn, &e))
        return -1;
    json_object *v;
    switch (fn) {
    case FN_REPLACE:
        if (param_string(params, "find", true, NULL, &e))
            return -1;
        v = param_get(params, "replacement");
        if (v && !json_object_is_type(v, json_type_string))
            return step_err_set(&e, "replacement", "must be a string");
        return 0;
    case FN_FILL_NULL:
        v = param_get(params, "value");
        if (!v)
            return step_err_set(&e, "value", "is required for fill_null");
        if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
            return step_err_set(&e, "value", "must be a string, number or boolean");
        return 0;
    case FN_TRUNCATE:
        v = param_get(params, "length");
        if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
            return step_err_set(&e, "length", "must be an integer >= 0");
        return 0;
    default:
        return 0;
    }
}

static void transform_free(void *state)
{
    struct transform *t = state;
    if (!t)
        return;
    free(t->find);
    free(t->replacement);
    free(t->fill);
    free(t);
}

static char *dup_param(json_object *params, const char *key, size_t *len)
{
    json_object *v = param_get(params, key);
    const char *s = v ? json_object_get_string(v) : "";
    *len = strlen(s);
    return strdup(s);
}

static int transform_init(void **state, json_object *params, struct rec_env *env)
{
    struct transform *t = calloc(1, sizeof(*t));
    if (!t)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    t->env = env;
    char field[64], msg[128];
    struct step_err e = {field, sizeof(field), msg, sizeof(msg)};
    int fn = 0;
    param_enum(params, "function", fn_names, true, &fn, &e);
    t->fn = (enum fn)fn;
    const char *column = json_object_get_string(param_get(params, "column"));
    t->column = rec_intern(env, column, strlen(column));
    if (!t->column)
        goto oom;
    if (t->fn == FN_REPLACE) {
        t->find = dup_param(params, "find", &t->find_len);
        t->replacement = dup_param(params, "replacement", &t->replacement_len);
        if (!t->find || !t->replacement)
            goto oom;
    } else if (t->fn == FN_FILL_NULL) {
        t->fill = dup_param(params, "value", &t->fill_len);
        if (!t->fill)
            goto oom;
    } else if (t->fn == FN_TRUNCATE) {
        t->length = json_object_get_int64(param_get(params, "length"));
    }
    *state = t;
    return ENGINE_OK;
oom:
    transform_free(t);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int transform_columns(void *state, struct rec_columns *cols)
{
    struct transform *t = state;
    return step_need_column(t->env, cols, t->column, "transform");
}

static bool is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the whitespace at p (0 if none): an ASCII blank or U+00A0. */
static size_t space_at(const char *p, const char *e)
{
    if (p < e && is_ascii_space((unsigned char)*p))
        return 1;
    if (e - p >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
        return 2;
    return 0;
}

static size_t space_before(const char *s, const char *e)
{
    if (e > s && is_ascii_space((unsigned char)e[-1]))
        return 1;
    if (e - s >= 2 && (unsigned char)e[-2] == 0xC2 && (unsigned char)e[-1] == 0xA0)
        return 2;
    return 0;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static unsigned char upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* Applies fn to p[0..len) into out (room for len bytes); returns the new
 * length. For the functions that never grow the text. */
static size_t apply_shrinking(enum fn fn, const char *p, size_t len, char *out)
{
    const char *e = p + len;
    size_t o = 0, n;
    bool word_start = true, seen_space = false, any = false;
    switch (fn) {
    case FN_UPPER:
        for (size_t i = 0; i < len; i++)
            out[i] = (char)upper((unsigned char)p[i]);
        return len;
    case FN_LOWER:
        for (size_t i = 0; i < len; i++)
            out[i] = (char)text_ascii_lower((unsigned char)p[i]);
        return len;
    case FN_TITLE:
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            /* bytes >= 0x80 are parts of letters: they continue a word */
            bool letter = is_alnum(c) || c >= 0x80 || c == '\'';
            out[i] = (char)(word_start ? upper(c) : text_ascii_lower(c));
            word_start = !letter;
        }
        return len;
    case FN_CAPITALIZE:
        for (size_t i = 0; i < len; i++)
            out[i] = (char)(i == 0 ? upper((unsigned char)p[i])
                                   : text_ascii_lower((unsigned char)p[i]));
        return len;
    case FN_COLLAPSE:
        while (p < e) {
            if ((n = space_at(p, e)) > 0) {
                seen_space = true;
                p += n;
                continue;
            }
            if (seen_space && any)
                out[o++] = ' ';
            seen_space = false;
            any = true;
            out[o++] = *p++;
        }
        return o;
    case FN_REMOVE_WS:
        while (p < e) {
            if ((n = space_at(p, e)) > 0)
                p += n;
            else
                out[o++] = *p++;
        }
        return o;
    case FN_NON_NUMERIC:
        for (; p < e; p++) {
            unsigned char c = (unsigned char)*p;
            if ((c >= '0' && c <= '9') || c == '.' || (c == '-' && o == 0))
                out[o++] = (char)c;
        }
        return o;
    case FN_NON_ALNUM:
        for (; p < e; p++)
            if (is_alnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
                out[o++] = *p;
        return o;
    default:
        memcpy(out, p, len);
        return len;
    }
}

static size_t count_occurrences(const char *p, size_t len, const char *find, size_t flen)
{
    size_t n = 0;
    const char *e = p + len;
    while (p < e) {
        const char *q = memmem(p, (size_t)(e - p), find, flen);
        if (!q)
            break;
        n++;
        p = q + flen;
    }
    return n;
}

static int transform_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct transform *t = state;
    long k = rec_find(rec, t->column, &t->hint);
    if (k < 0)
        return STEP_KEEP;
    struct rec_field *f = &rec->fields[k];
    if (f->type == REC_NULL) {
        if (t->fn == FN_FILL_NULL) {
            f->val = t->fill;
            f->len = t->fill_len;
            f->type = REC_TEXT;
        }
        return STEP_KEEP;
    }
    const char *p = f->val, *e = f->val + f->len;
    size_t n;
    /* The result is text again: "TRUE" is no longer a JSON boolean. */
    enum rec_type type = f->type == REC_STRING ? REC_STRING : REC_TEXT;
    switch (t->fn) {
    case FN_FILL_NULL:
        return STEP_KEEP;
    case FN_TRIM:
    case FN_STRIP:
    case FN_LTRIM:
    case FN_RTRIM:
        if (t->fn != FN_RTRIM)
            while ((n = space_at(p, e)) > 0)
                p += n;
        if (t->fn != FN_LTRIM)
            while ((n = space_before(p, e)) > 0)
                e -= n;
        f->val = p;
        f->len = (size_t)(e - p);
        f->type = type;
        return STEP_KEEP;
    case FN_TRUNCATE: {
        size_t chars = 0;
        const char *q = p;
        while (q < e && chars < (uint64_t)t->length) {
            q++;
            while (q < e && ((unsigned char)*q & 0xC0) == 0x80)
                q++;   /* whole UTF-8 sequences */
            chars++;
        }
        f->len = (size_t)(q - p);
        f->type = type;
        return STEP_KEEP;
    }
    case FN_REPLACE: {
        size_t hits = count_occurrences(p, f->len, t->find, t->find_len);
        if (hits == 0)
            return STEP_KEEP;
        size_t out_len = f->len - hits * t->find_len + hits * t->replacement_len;
        char *out = rec_alloc(rec, out_len ? out_len : 1), *w = out;
        if (!out)
            break;
        while (p < e) {
            const char *q = memmem(p, (size_t)(e - p), t->find, t->find_len);
            if (!q) {
                memcpy(w, p, (size_t)(e - p));
                w += e - p;
                break;
            }
            memcpy(w, p, (size_t)(q - p));
            w += q - p;
            memcpy(w, t->replacement, t->replacement_len);
            w += t->replacement_len;
            p = q + t->find_len;
        }
        f->val = out;
        f->len = (size_t)(w - out);
        f->type = type;
        return STEP_KEEP;
    }
    default: {
        char *out = rec_alloc(rec, f->len ? f->len : 1);
        if (!out)
            break;
        f->len = apply_shrinking(t->fn, f->val, f->len, out);
        f->val = out;
        f->type = type;
        return STEP_KEEP;
    }
    }
    issue->column = t->column;
    return step_out_of_memory(issue);
}

const struct step_ops step_transform_ops = {
    .type = "transform",
    .validate = transform_validate,
    .init = transform_init,
    .columns = transform_columns,
    .process = transform_process,
    .free = transform_free,
};
