/* transformation_rules -> processing steps, one table row per rule type:
 *
 *   FIELD_MAPPING {source_field, target_field?, transformation?}
 *       rename source->target, then transform the target (UPPERCASE, TRIM, …)
 *   DATA_TYPE_CONVERSION {field, target_type, format?}       cast
 *   VALIDATION {field, rule, value?, severity?, message?}     validate
 *   FILTER {field, operator, value?}                          filter
 *   DEFAULT_VALUE {field, value}                              transform fill_null
 *   DEDUPLICATION {fields?}                                   dedupe
 *   SELECT_FIELDS {fields}, DROP_FIELDS {fields}              select, drop
 *   RENAME_FIELDS {mapping}                                   rename
 *
 * `field` may also be spelled source_field (and the reverse), as the seed's
 * rules name columns either way. Names of functions, types, rules and
 * operators are taken in any case and checked by the engine's own step
 * validation, so a rule is refused exactly when the step it makes would be. */
#include "api/pipeline_rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "process/engine.h"

#define RULE_TEXT_MAX 200

struct rule_ctx {
    json_object *rule, *steps;
    const char *path; /* "transformation_rules[3]" */
    char *field, *msg;
    size_t field_len, msg_len;
};

struct rule_kind {
    const char *name;
    int (*compile)(struct rule_ctx *c);
};

static int rule_fail(struct rule_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int rule_fail(struct rule_ctx *c, const char *key, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    snprintf(c->field, c->field_len, "%s%s%s", c->path, key ? "." : "", key ? key : "");
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(c->msg, c->msg_len, "%s: %s", c->field, text);
    return -1;
}

/* A string member (in any case when lower is set, copied lower-cased into buf). */
static const char *member_text(struct rule_ctx *c, const char *key, bool lower, char *buf,
                               size_t len)
{
    json_object *v;
    if (!json_object_object_get_ex(c->rule, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    if (!lower)
        return s;
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return buf;
}

static const char *column_of(struct rule_ctx *c, const char **key)
{
    const char *v = member_text(c, "field", false, NULL, 0);
    *key = "field";
    if (v == NULL) {
        v = member_text(c, "source_field", false, NULL, 0);
        *key = "source_field";
    }
    if (v == NULL || v[0] == '\0' || strlen(v) > RULE_TEXT_MAX) {
        rule_fail(c, "field", "a column name (field or source_field) is required");
        return NULL;
    }
    return v;
}

static json_object *new_step(struct rule_ctx *c, const char *type, json_object **params)
{
    json_object *step = json_object_new_object();
    *params = json_object_new_object();
    json_object_object_add(step, "type", json_object_new_string(type));
    json_object_object_add(step, "params", *params);
    json_object_array_add(c->steps, step);
    return step;
}

/* Copies rule member from (when present) into params as to. */
static void copy_member(struct rule_ctx *c, json_object *params, const char *from, const char *to)
{
    json_object *v;
    if (json_object_object_get_ex(c->rule, from, &v) && v != NULL)
        json_object_object_add(params, to, json_object_get(v));
}

static int compile_field_mapping(struct rule_ctx *c)
{
    char fn[64];
    json_object *params;
    const char *key, *source = column_of(c, &key);
    if (source == NULL)
        return -1;
    const char *target = member_text(c, "target_field", false, NULL, 0);
    const char *transformation = member_text(c, "transformation", true, fn, sizeof(fn));
    if (target != NULL && (target[0] == '\0' || strlen(target) > RULE_TEXT_MAX))
        return rule_fail(c, "target_field", "must be a column name");
    if (target != NULL && strcmp(target, source) != 0) {
        new_step(c, "rename", &params);
        json_object *mapping = json_object_new_object();
        json_object_object_add(mapping, source, json_object_new_string(target));
        json_object_object_add(params, "mapping", mapping);
    }
    if (transformation != NULL) {
        new_step(c, "transform", &params);
        json_object_object_add(params, "column", json_object_new_string(target ? target : source));
        json_object_object_add(params, "function", json_object_new_string(transformation));
        copy_member(c, params, "find", "find");
        copy_member(c, params, "replacement", "replacement");
        copy_member(c, params, "value", "value");
        copy_member(c, params, "length", "length");
    }
    if (target == NULL && transformation == NULL)
        return rule_fail(c, "target_field", "a FIELD_MAPPING needs target_field or transformation");
    return 0;
}

static int compile_type_conversion(struct rule_ctx *c)
{
    char type[32];
    json_object *params;
    const char *key, *column = column_of(c, &key);
    if (column == NULL)
        return -1;
    const char *target = member_text(c, "target_type", true, type, sizeof(type));
    if (target == NULL)
        target = member_text(c, "data_type", true, type, sizeof(type));
    if (target == NULL)
        return rule_fail(c, "target_type", "is required (integer, number, boolean, date, datetime or string)");
    new_step(c, "cast", &params);
    json_object_object_add(params, "column", json_object_new_string(column));
    json_object_object_add(params, "type", json_object_new_string(target));
    copy_member(c, params, "format", "format");
    copy_member(c, params, "on_error", "on_error");
    return 0;
}

static int compile_validation(struct rule_ctx *c)
{
    char rule[32], severity[16];
    json_object *params;
    const char *key, *column = column_of(c, &key);
    if (column == NULL)
        return -1;
    const char *name = member_text(c, "rule", true, rule, sizeof(rule));
    if (name == NULL)
        name = member_text(c, "validation", true, rule, sizeof(rule));
    if (name == NULL)
        return rule_fail(c, "rule", "is required (required, email, regex, min, max, in, …)");
    new_step(c, "validate", &params);
    json_object_object_add(params, "column", json_object_new_string(column));
    json_object_object_add(params, "rule", json_object_new_string(name));
    copy_member(c, params, "value", "value");
    copy_member(c, params, "message", "message");
    const char *sev = member_text(c, "severity", true, severity, sizeof(severity));
    if (sev != NULL)
        json_object_object_add(params, "severity", json_object_new_string(sev));
    return 0;
}

static int compile_filter(struct rule_ctx *c)
{
    char op[32];
    json_object *params;
    const char *key, *column = column_of(c, &key);
    if (column == NULL)
        return -1;
    const char *name = member_text(c, "operator", true, op, sizeof(op));
    if (name == NULL)
        return rule_fail(c, "operator", "is required (eq, ne, gt, contains, in, regex, …)");
    new_step(c, "filter", &params);
    json_object_object_add(params, "column", json_object_new_string(column));
    json_object_object_add(params, "operator", json_object_new_string(name));
    copy_member(c, params, "value", "value");
    copy_member(c, params, "case_sensitive", "case_sensitive");
    return 0;
}

static int compile_default_value(struct rule_ctx *c)
{
    json_object *params, *v;
    const char *key, *column = column_of(c, &key);
    if (column == NULL)
        return -1;
    if (!json_object_object_get_ex(c->rule, "value", &v) || v == NULL)
        return rule_fail(c, "value", "is required");
    new_step(c, "transform", &params);
    json_object_object_add(params, "column", json_object_new_string(column));
    json_object_object_add(params, "function", json_object_new_string("fill_null"));
    copy_member(c, params, "value", "value");
    return 0;
}

/* SELECT_FIELDS, DROP_FIELDS and DEDUPLICATION take `fields` (or `columns`). */
static int compile_columns_step(struct rule_ctx *c, const char *type, bool required)
{
    json_object *params, *v = NULL;
    if (!json_object_object_get_ex(c->rule, "fields", &v))
        json_object_object_get_ex(c->rule, "columns", &v);
    if (v == NULL && required)
        return rule_fail(c, "fields", "a list of column names is required");
    new_step(c, type, &params);
    if (v != NULL)
        json_object_object_add(params, "columns", json_object_get(v));
    return 0;
}

static int compile_select(struct rule_ctx *c)
{
    return compile_columns_step(c, "select", true);
}

static int compile_drop(struct rule_ctx *c)
{
    return compile_columns_step(c, "drop", true);
}

static int compile_dedupe(struct rule_ctx *c)
{
    return compile_columns_step(c, "dedupe", false);
}

static int compile_rename(struct rule_ctx *c)
{
    json_object *params, *v;
    if (!json_object_object_get_ex(c->rule, "mapping", &v) || v == NULL)
        return rule_fail(c, "mapping", "an object {old: new} is required");
    new_step(c, "rename", &params);
    json_object_object_add(params, "mapping", json_object_get(v));
    return 0;
}

static const struct rule_kind rule_kinds[] = {
    {"FIELD_MAPPING", compile_field_mapping},
    {"DATA_TYPE_CONVERSION", compile_type_conversion},
    {"TYPE_CONVERSION", compile_type_conversion},
    {"VALIDATION", compile_validation},
    {"FILTER", compile_filter},
    {"DEFAULT_VALUE", compile_default_value},
    {"DEDUPLICATION", compile_dedupe},
    {"SELECT_FIELDS", compile_select},
    {"DROP_FIELDS", compile_drop},
    {"RENAME_FIELDS", compile_rename},
};

/* The rule member a step parameter came from, for the engine's complaints. */
static const char *member_of_param(const char *param)
{
    static const struct {
        const char *param, *member;
    } names[] = {{"function", "transformation"}, {"type", "target_type"}, {"column", "field"},
                 {"columns", "fields"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(param, names[i].param) == 0)
            return names[i].member;
    return param;
}

/* The engine's verdict on the steps one rule made (from index first on). */
static int check_rule_steps(struct rule_ctx *c, size_t first)
{
    char field[160], msg[256];
    json_object *made = json_object_new_array();
    for (size_t i = first; i < json_object_array_length(c->steps); i++)
        json_object_array_add(made, json_object_get(json_object_array_get_idx(c->steps, i)));
    int rc = engine_validate_steps(made, field, sizeof(field), msg, sizeof(msg));
    json_object_put(made);
    if (rc == 0)
        return 0;
    const char *param = strstr(field, ".params.");
    char member[64] = "";
    if (param != NULL)
        snprintf(member, sizeof(member), "%s", member_of_param(param + 8));
    snprintf(c->field, c->field_len, "%s%s%s", c->path, member[0] ? "." : "", member);
    snprintf(c->msg, c->msg_len, "%s: %s", c->field, msg);
    return -1;
}

int pipeline_rules_compile(json_object *rules, json_object *steps, char *field, size_t field_len,
                           char *msg, size_t msg_len)
{
    char path[48], kind[40];
    size_t n = rules != NULL ? json_object_array_length(rules) : 0;
    for (size_t i = 0; i < n; i++) {
        struct rule_ctx c = {json_object_array_get_idx(rules, i), steps, path, field, msg,
                             field_len, msg_len};
        snprintf(path, sizeof(path), "transformation_rules[%zu]", i);
        if (!json_object_is_type(c.rule, json_type_object))
            return rule_fail(&c, NULL, "a rule is an object with rule_type");
        const char *type = member_text(&c, "rule_type", false, NULL, 0);
        if (type == NULL)
            return rule_fail(&c, "rule_type", "is required");
        size_t k = 0;
        for (; type[k] && k + 1 < sizeof(kind); k++)
            kind[k] = (char)toupper((unsigned char)type[k]);
        kind[k] = '\0';
        const struct rule_kind *found = NULL;
        for (size_t j = 0; j < sizeof(rule_kinds) / sizeof(rule_kinds[0]); j++)
            if (strcmp(kind, rule_kinds[j].name) == 0)
                found = &rule_kinds[j];
        if (found == NULL)
            return rule_fail(&c, "rule_type",
                             "\"%.40s\" is not a rule type (FIELD_MAPPING, DATA_TYPE_CONVERSION, "
                             "VALIDATION, FILTER, DEFAULT_VALUE, DEDUPLICATION, SELECT_FIELDS, "
                             "DROP_FIELDS, RENAME_FIELDS)",
                             type);
        size_t first = json_object_array_length(steps);
        if (found->compile(&c) != 0 || check_rule_steps(&c, first) != 0)
            return -1;
    }
    return 0;
}
