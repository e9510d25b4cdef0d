#include "common/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool validate_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        size_t n;
        unsigned int cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are refused. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        p += n + 1;
    }
    return true;
}

bool validate_email(const char *s)
{
    size_t len = strlen(s);
    if (len < 3 || len > 254)
        return false;
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL || at - s > 64)
        return false;
    const char *domain = at + 1;
    const char *dot = strrchr(domain, '.');
    if (dot == NULL || dot == domain || dot[1] == '\0' || strstr(domain, "..") != NULL ||
        domain[strlen(domain) - 1] == '.')
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7f || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"')
            return false;
    }
    return true;
}

bool validate_name(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    return *s != '\0';
}

/* What each type is called in messages, and the JSON type it takes. */
static const struct {
    const char *name;
    json_type json;
} field_types[] = {
    [FIELD_STRING] = {"a string", json_type_string},
    [FIELD_EMAIL] = {"an email address", json_type_string},
    [FIELD_INT] = {"an integer", json_type_int},
    [FIELD_BOOL] = {"a boolean", json_type_boolean},
    [FIELD_OBJECT] = {"an object", json_type_object},
    [FIELD_ARRAY] = {"an array", json_type_array},
    [FIELD_LINE] = {"a string", json_type_string},
    [FIELD_NAME] = {"a string", json_type_string},
};

/* The checks of a string's text beyond its length. */
static int check_text(const char *s, size_t len, const struct field_spec *f, const char *name,
                      char *msg, size_t msg_len)
{
    if (strlen(s) != len || !validate_utf8(s, len)) {
        snprintf(msg, msg_len, "%s must be valid UTF-8 text", name);
        return -1;
    }
    if ((long long)len < f->min || (f->max > 0 && (long long)len > f->max)) {
        snprintf(msg, msg_len, "%s must be %lld to %lld characters long", name, f->min, f->max);
        return -1;
    }
    if (f->type == FIELD_EMAIL && !validate_email(s)) {
        snprintf(msg, msg_len, "%s is not a valid email address", name);
        return -1;
    }
    if (f->type == FIELD_LINE && strpbrk(s, "\r\n") != NULL) {
        snprintf(msg, msg_len, "%s must be one line of text", name);
        return -1;
    }
    if (f->type == FIELD_NAME && !validate_name(s)) {
        snprintf(msg, msg_len, "%s may hold only letters, digits, '.', '_' and '-'", name);
        return -1;
    }
    return 0;
}

int validate_value(json_object *v, const struct field_spec *f, const char *name, char *msg,
                   size_t msg_len)
{
    if (!json_object_is_type(v, field_types[f->type].json)) {
        if (f->type == FIELD_INT)
            snprintf(msg, msg_len, "%s must be an integer from %lld to %lld", name, f->min,
                     f->max);
        else
            snprintf(msg, msg_len, "%s must be %s", name, field_types[f->type].name);
        return -1;
    }
    switch (f->type) {
    case FIELD_INT: {
        long long x = json_object_get_int64(v);
        if (x < f->min || x > f->max) {
            snprintf(msg, msg_len, "%s must be an integer from %lld to %lld", name, f->min,
                     f->max);
            return -1;
        }
        return 0;
    }
    case FIELD_ARRAY: {
        long long items = (long long)json_object_array_length(v);
        if (items < f->min || (f->max > 0 && items > f->max)) {
            snprintf(msg, msg_len, "%s must have %lld to %lld items", name, f->min, f->max);
            return -1;
        }
        return 0;
    }
    case FIELD_BOOL:
    case FIELD_OBJECT: return 0;
    default:
        return check_text(json_object_get_string(v), (size_t)json_object_get_string_len(v), f,
                          name, msg, msg_len);
    }
}

int validate_fields(json_object *obj, const struct field_spec *specs, size_t n,
                    json_object **values, const char **field, char *msg, size_t msg_len)
{
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct field_spec *f = &specs[i];
        json_object *v = NULL;
        *field = f->name;
        if (!json_object_object_get_ex(obj, f->name, &v) || v == NULL) {
            if (f->required) {
                snprintf(msg, msg_len, "%s is required", f->name);
                return -1;
            }
            continue;
        }
        if (validate_value(v, f, f->name, msg, msg_len) != 0)
            return -1;
        values[i] = v;
    }
    *field = NULL;
    return 0;
}
