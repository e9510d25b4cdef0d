/* step_validate.c — checks a column against a rule.
 * params: {column, rule, value?, severity?: error|warning, message?}
 * rules: required (not null, not blank), not_null, email, url, regex
 * (value: a POSIX extended pattern, searched; anchor with ^...$), min / max
 * (value: a number or an ISO date), in / not_in (value: array),
 * min_length / max_length (value: characters), integer, number, boolean,
 * date, datetime (ISO 8601).
 * Except for required/not_null, a null cell passes: "is it an email?" is
 * asked of values that are there. With severity error the row fails and is
 * not written; with warning it is counted and written. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"
#include "process/text.h"

enum rule { R_REQUIRED, R_NOT_NULL, R_EMAIL, R_URL, R_REGEX, R_MIN, R_MAX, R_IN, R_NOT_IN,
            R_MIN_LENGTH, R_MAX_LENGTH, R_INTEGER, R_NUMBER, R_BOOLEAN, R_DATE, R_DATETIME };

static const char *const rule_names[] = {
    "required", "not_null", "email", "url", "regex", "min", "max", "in", "not_in",
    "min_length", "max_length", "integer", "number", "boolean", "date", "datetime", NULL,
};
static const char *const rule_codes[] = {
    "VALIDATION_REQUIRED", "VALIDATION_REQUIRED", "VALIDATION_EMAIL", "VALIDATION_URL",
    "VALIDATION_REGEX", "VALIDATION_MIN", "VALIDATION_MAX", "VALIDATION_IN",
    "VALIDATION_NOT_IN", "VALIDATION_MIN_LENGTH", "VALIDATION_MAX_LENGTH",
    "VALIDATION_INTEGER", "VALIDATION_NUMBER", "VALIDATION_BOOLEAN", "VALIDATION_DATE",
    "VALIDATION_DATETIME",
};
static const char *const severity_names[] = {"error", "warning", NULL};

struct validate {
    struct rec_env *env;
    const char *column;
    size_t hint;
    enum rule rule;
    bool warning;
    struct typed value;
    struct typed *set;
    size_t nset;
    int64_t length;
    struct pattern *re;
    char *message;
};

static int validate_validate(json_object *params, char *field, size_t field_len, char *msg,
                             size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    int rule = 0, severity = 0;
    if (param_string(params, "column", true, NULL, &e) ||
        param_enum(params, "rule", rule_names, true, &rule, &e) ||
        param_enum(params, "severity", severity_names, false, &severity, &e) ||
        param_string(params, "message", false, NULL, &e))
        return -1;
    json_object *v = param_get(params, "value");
    switch (rule) {
    case R_REGEX:
        return param_regex(params, "value", false, &e);
    case R_MIN:
    case R_MAX: {
        double d, epoch;
        bool has_time;
        const char *s = v ? json_object_get_string(v) : "";
        if (!v || !(json_object_is_type(v, json_type_int) ||
                    json_object_is_type(v, json_type_double) ||
                    (json_object_is_type(v, json_type_string) &&
                     (text_parse_double(s, strlen(s), &d) ||
                      text_parse_iso(s, strlen(s), &epoch, &has_time)))))
            return step_err_set(&e, "value", "must be a number or an ISO date for %s",
                                rule_names[rule]);
        return 0;
    }
    case R_IN:
    case R_NOT_IN:
        if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
            return step_err_set(&e, "value", "must be a non-empty array for %s",
                                rule_names[rule]);
        return param_scalar_list(v, "value", &e);
    case R_MIN_LENGTH:
    case R_MAX_LENGTH:
        if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
            return step_err_set(&e, "value", "must be an integer >= 0 for %s", rule_names[rule]);
        return 0;
    default:
        return 0;
    }
}

static void validate_free(void *state)
{
    struct validate *v = state;
    if (!v)
        return;
    typed_free(&v->value);
    typed_list_free(v->set, v->nset);
    pattern_free(v->re);
    free(v->message);
    free(v);
}

static int validate_init(void **state, json_object *params, struct rec_env *env)
{
    struct validate *v = calloc(1, sizeof(*v));
    if (!v)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    v->env = env;
    char field[64], msg[128], why[200];
    struct step_err e = {field, sizeof(field), msg, sizeof(msg)};
    int rule = 0, severity = 0;
    const char *message = NULL;
    param_enum(params, "rule", rule_names, true, &rule, &e);
    param_enum(params, "severity", severity_names, false, &severity, &e);
    param_string(params, "message", false, &message, &e);
    v->rule = (enum rule)rule;
    v->warning = severity == 1;
    const char *column = json_object_get_string(param_get(params, "column"));
    v->column = rec_intern(env, column, strlen(column));
    json_object *value = param_get(params, "value");
    if (!v->column || (message && !(v->message = strdup(message))))
        goto oom;
    switch (v->rule) {
    case R_REGEX:
        v->re = pattern_compile(json_object_get_string(value), false, true, why, sizeof(why));
        if (v->re == NULL) {
            validate_free(v);
            return rec_fail(env, ENGINE_BAD_CONFIG, "validate: the regex %s", why);
        }
        break;
    case R_MIN:
    case R_MAX:
        if (typed_from_json(value, &v->value))
            goto oom;
        break;
    case R_IN:
    case R_NOT_IN:
        if (typed_list_from_json(value, &v->set, &v->nset))
            goto oom;
        break;
    case R_MIN_LENGTH:
    case R_MAX_LENGTH:
        v->length = json_object_get_int64(value);
        break;
    default:
        break;
    }
    *state = v;
    return ENGINE_OK;
oom:
    validate_free(v);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int validate_columns(void *state, struct rec_columns *cols)
{
    struct validate *v = state;
    return step_need_column(v->env, cols, v->column, "validate");
}

/* local@domain.tld: one @, no blanks, a dot inside the domain, no empty labels. */
static bool is_email(const char *p, size_t len)
{
    const char *at = memchr(p, '@', len);
    if (!at || at == p || len > 320)
        return false;
    const char *dom = at + 1, *e = p + len;
    if (memchr(dom, '@', (size_t)(e - dom)))
        return false;
    for (const char *q = p; q < e; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= ' ' || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
            c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
            return false;
    }
    if (dom == e || *dom == '.' || e[-1] == '.' || !memchr(dom, '.', (size_t)(e - dom)))
        return false;
    for (const char *q = dom; q + 1 < e; q++)
        if (q[0] == '.' && q[1] == '.')
            return false;
    if (p[0] == '.' || at[-1] == '.')
        return false;
    return true;
}

static bool is_url(const char *p, size_t len)
{
    size_t skip;
    if (len > 7 && text_ascii_ncasecmp(p, "http://", 7) == 0)
        skip = 7;
    else if (len > 8 && text_ascii_ncasecmp(p, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] <= ' ')
            return false;
    return p[skip] != '/' && p[skip] != '?' && p[skip] != '#';
}

static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static size_t utf8_chars(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)p[i] & 0xC0) != 0x80;
    return n;
}

/* 1 passes, 0 fails, an enum pattern_result < 0 when a regex could not
 * say; *why explains a failure. */
static int check(struct validate *v, const struct rec_field *f, const char **why)
{
    bool is_null = !f || f->type == REC_NULL;
    if (v->rule == R_REQUIRED || v->rule == R_NOT_NULL) {
        *why = "is required";
        return !is_null && (v->rule == R_NOT_NULL || !is_blank(f->val, f->len));
    }
    if (is_null)
        return 1;
    const char *p = f->val;
    size_t len = f->len;
    enum typed_how how;
    int cmp;
    int64_t i64;
    double d;
    bool b, has_time;
    switch (v->rule) {
    case R_EMAIL:
        *why = "is not a valid email address";
        return is_email(p, len);
    case R_URL:
        *why = "is not a valid http(s) URL";
        return is_url(p, len);
    case R_REGEX:
        *why = "does not match the pattern";
        return pattern_match(v->re, p, len);
    case R_MIN:
    case R_MAX:
        cmp = typed_compare(&v->value, p, len, false, &how);
        if (how == TYPED_TEXT) {
            *why = v->value.is_num ? "is not a number" : "is not an ISO date";
            return 0;
        }
        *why = v->rule == R_MIN ? "is below the minimum" : "is above the maximum";
        return v->rule == R_MIN ? cmp >= 0 : cmp <= 0;
    case R_IN:
    case R_NOT_IN:
        for (size_t i = 0; i < v->nset; i++) {
            if (typed_compare(&v->set[i], p, len, false, &how) == 0) {
                *why = "is one of the forbidden values";
                return v->rule == R_IN;
            }
        }
        *why = "is not one of the allowed values";
        return v->rule == R_NOT_IN;
    case R_MIN_LENGTH:
        *why = "is too short";
        return utf8_chars(p, len) >= (uint64_t)v->length;
    case R_MAX_LENGTH:
        *why = "is too long";
        return utf8_chars(p, len) <= (uint64_t)v->length;
    case R_INTEGER:
        *why = "is not an integer";
        return f->type == REC_INTEGER || text_parse_int64(p, len, &i64);
    case R_NUMBER:
        *why = "is not a number";
        return f->type == REC_INTEGER || f->type == REC_NUMBER || text_parse_double(p, len, &d);
    case R_BOOLEAN:
        *why = "is not true or false";
        return f->type == REC_BOOLEAN || text_parse_bool(p, len, &b);
    case R_DATE:
    case R_DATETIME:
        *why = v->rule == R_DATE ? "is not an ISO date" : "is not an ISO date-time";
        return text_parse_iso(p, len, &d, &has_time) && (v->rule == R_DATE || has_time);
    default:
        return 1;
    }
}

static int validate_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct validate *v = state;
    long k = rec_find(rec, v->column, &v->hint);
    const struct rec_field *f = k >= 0 ? &rec->fields[k] : NULL;
    const char *why = "";
    int ok = check(v, f, &why);
    if (ok == 1)
        return STEP_KEEP;
    issue->column = v->column;
    if (ok == PATTERN_OVER_BUDGET)
        return step_regex_issue(issue, v->column, "validate");
    if (ok < 0)
        return step_out_of_memory(issue);
    issue->code = rule_codes[v->rule];
    if (v->message) {
        snprintf(issue->message, sizeof(issue->message), "%s", v->message);
    } else if (f && f->type != REC_NULL) {
        char shown[80];
        step_quote_value(shown, sizeof(shown), f->val, f->len);
        snprintf(issue->message, sizeof(issue->message), "%s: \"%s\" %s", v->column, shown, why);
    } else {
        snprintf(issue->message, sizeof(issue->message), "%s %s", v->column, why);
    }
    return v->warning ? STEP_KEEP : STEP_FAIL;
}

const struct step_ops step_validate_ops = {
    .type = "validate",
    .keeps_values = true,
    .validate = validate_validate,
    .init = validate_init,
    .columns = validate_columns,
    .process = validate_process,
    .free = validate_free,
};
