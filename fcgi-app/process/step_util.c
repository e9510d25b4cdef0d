/* step_util.c — helpers shared by the steps (see step_util.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/step_util.h"
#include "process/text.h"

#define STEP_MAX_LIST 10000   /* values of an in / not_in list */

int step_err_set(struct step_err *e, const char *field, const char *fmt, ...)
{
    snprintf(e->field, e->field_len, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, e->msg_len, fmt, ap);
    va_end(ap);
    return -1;
}

json_object *param_get(json_object *params, const char *key)
{
    json_object *v;
    if (!params || !json_object_object_get_ex(params, key, &v) ||
        json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

int param_string(json_object *params, const char *key, bool required, const char **out,
                 struct step_err *e)
{
    json_object *v = param_get(params, key);
    if (!v) {
        if (required)
            return step_err_set(e, key, "is required");
        if (out)
            *out = NULL;
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return step_err_set(e, key, "must be a string");
    int len = json_object_get_string_len(v);
    if (len == 0)
        return step_err_set(e, key, "must not be empty");
    if (len > 4096)
        return step_err_set(e, key, "must be at most 4096 bytes");
    if (out)
        *out = json_object_get_string(v);
    return 0;
}

int param_columns(json_object *params, const char *key, bool required, struct step_err *e)
{
    json_object *v = param_get(params, key);
    if (!v)
        return required ? step_err_set(e, key, "is required") : 0;
    if (!json_object_is_type(v, json_type_array))
        return step_err_set(e, key, "must be an array of column names");
    size_t n = json_object_array_length(v);
    if (n == 0)
        return step_err_set(e, key, "must name at least one column");
    if (n > 10000)
        return step_err_set(e, key, "must name at most 10000 columns");
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(v, i);
        char sub[64];
        snprintf(sub, sizeof(sub), "%s[%zu]", key, i);
        if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0)
            return step_err_set(e, sub, "must be a non-empty string");
        if (json_object_get_string_len(s) > 4096)
            return step_err_set(e, sub, "must be at most 4096 bytes");
        for (size_t j = 0; j < i && n <= 1000; j++)
            if (strcmp(json_object_get_string(json_object_array_get_idx(v, j)),
                       json_object_get_string(s)) == 0)
                return step_err_set(e, sub, "repeats \"%s\"", json_object_get_string(s));
    }
    return 0;
}

int param_enum(json_object *params, const char *key, const char *const *names, bool required,
               int *idx, struct step_err *e)
{
    json_object *v = param_get(params, key);
    if (!v)
        return required ? step_err_set(e, key, "is required") : 0;
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    int n = 0;
    for (; names[n]; n++) {
        if (s && strcmp(s, names[n]) == 0) {
            *idx = n;
            return 0;
        }
    }
    char list[512];
    return step_err_set(e, key, "must be one of: %s",
                        text_join(list, sizeof(list), names, (size_t)n));
}

int param_scalar_list(json_object *v, const char *key, struct step_err *e)
{
    size_t n = json_object_array_length(v);
    if (n > STEP_MAX_LIST)
        return step_err_set(e, key, "must have at most %d values", STEP_MAX_LIST);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(v, i);
        if (!x || json_object_is_type(x, json_type_object) ||
            json_object_is_type(x, json_type_array)) {
            char sub[48];
            snprintf(sub, sizeof(sub), "%s[%zu]", key, i);
            return step_err_set(e, sub, "must be a string, number or boolean");
        }
    }
    return 0;
}

int param_bool(json_object *params, const char *key, bool *out, struct step_err *e)
{
    json_object *v = param_get(params, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return step_err_set(e, key, "must be true or false");
    *out = json_object_get_boolean(v);
    return 0;
}

int param_regex(json_object *params, const char *key, bool icase, struct step_err *e)
{
    const char *src;
    if (param_string(params, key, true, &src, e))
        return -1;
    char why[200];
    struct pattern *pat = pattern_compile(src, icase, false, why, sizeof(why));
    if (pat == NULL)
        return step_err_set(e, key, "%s", why);
    pattern_free(pat);
    return 0;
}

int step_need_column(struct rec_env *env, const struct rec_columns *cols, const char *name,
                     const char *step)
{
    if (cols->count == 0)
        return ENGINE_OK;
    for (size_t i = 0; i < cols->count; i++)
        if (cols->names[i] == name)
            return ENGINE_OK;
    char list[300];
    return rec_fail(env, ENGINE_BAD_CONFIG, "%s: column \"%s\" does not exist (columns: %s)",
                    step, name, text_join(list, sizeof(list), cols->names, cols->count));
}

int step_need_columns(struct rec_env *env, const struct rec_columns *cols,
                      const struct rec_names *names, const char *step)
{
    for (size_t i = 0; i < names->count; i++) {
        int rc = step_need_column(env, cols, names->names[i], step);
        if (rc != ENGINE_OK)
            return rc;
    }
    return ENGINE_OK;
}

int step_validate_columns(json_object *params, char *field, size_t field_len, char *msg,
                          size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    return param_columns(params, "columns", true, &e);
}

int step_out_of_memory(struct step_issue *issue)
{
    issue->code = "OUT_OF_MEMORY";
    snprintf(issue->message, sizeof(issue->message), "out of memory");
    return STEP_FAIL;
}

int typed_from_json(json_object *v, struct typed *t)
{
    memset(t, 0, sizeof(*t));
    const char *s;
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
        s = json_object_get_string(v);
        break;
    case json_type_boolean:
        s = json_object_get_boolean(v) ? "true" : "false";
        break;
    default:
        return -1;
    }
    t->len = strlen(s);
    t->s = strdup(s);
    if (!t->s)
        return -1;
    t->is_num = text_parse_double(t->s, t->len, &t->num);
    bool has_time;
    t->is_date = !t->is_num && text_parse_iso(t->s, t->len, &t->epoch, &has_time);
    t->is_bool = json_object_is_type(v, json_type_boolean);
    t->b = t->is_bool && json_object_get_boolean(v);
    return 0;
}

void typed_free(struct typed *t)
{
    free(t->s);
    t->s = NULL;
}

int typed_list_from_json(json_object *array, struct typed **list, size_t *n)
{
    size_t len = json_object_array_length(array);
    *n = 0;
    *list = calloc(len ? len : 1, sizeof(**list));
    if (!*list)
        return -1;
    *n = len;
    for (size_t i = 0; i < len; i++)
        if (typed_from_json(json_object_array_get_idx(array, i), &(*list)[i]))
            return -1;
    return 0;
}

void typed_list_free(struct typed *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        typed_free(&list[i]);
    free(list);
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen, bool icase)
{
    size_t n = alen < blen ? alen : blen;
    int c = icase ? text_ascii_ncasecmp(a, b, n) : memcmp(a, b, n);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

int typed_compare(const struct typed *t, const char *p, size_t len, bool icase,
                  enum typed_how *how)
{
    if (t->is_num) {
        double v;
        if (text_parse_double(p, len, &v)) {
            *how = TYPED_NUM;
            return (v > t->num) - (v < t->num);
        }
    } else if (t->is_date) {
        double epoch;
        bool has_time;
        if (text_parse_iso(p, len, &epoch, &has_time)) {
            *how = TYPED_DATE;
            return (epoch > t->epoch) - (epoch < t->epoch);
        }
    } else if (t->is_bool) {
        bool b;
        if (text_parse_bool(p, len, &b)) {
            *how = TYPED_BOOL;
            return (int)b - (int)t->b;
        }
    }
    *how = TYPED_TEXT;
    return bytes_cmp(p, len, t->s, t->len, icase);
}

int step_regex_issue(struct step_issue *issue, const char *column, const char *step)
{
    issue->column = column;
    issue->code = "REGEX_BUDGET";
    snprintf(issue->message, sizeof(issue->message),
             "%s: the pattern needed more than its match budget on this value of %s", step,
             column);
    return STEP_FAIL;
}

void step_quote_value(char *out, size_t out_len, const char *p, size_t len)
{
    size_t n = len > 60 ? 60 : len;
    if (n + 4 > out_len)
        n = out_len > 4 ? out_len - 4 : 0;
    while (n > 0 && n < len && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;   /* do not cut a UTF-8 sequence */
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        out[o++] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
    if (n < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

int step_count_metadata(json_object *meta, const char *key, long long n)
{
    json_object *v;
    if (json_object_object_get_ex(meta, key, &v))
        n += json_object_get_int64(v);
    json_object_object_add(meta, key, json_object_new_int64(n));
    return ENGINE_OK;
}
