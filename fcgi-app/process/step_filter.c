/* step_filter.c — keeps the rows whose column satisfies a condition.
 * params: {column, operator, value, case_sensitive?}
 *
 * Comparison is typed: when the value is a number and so is the cell, they
 * compare as numbers ("10" > 9); ISO dates compare as instants; otherwise
 * bytes. A null cell matches only is_null, ne and not_in. A row that does
 * not match is dropped, not failed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"
#include "process/text.h"

enum op { OP_EQ, OP_NE, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_CONTAINS, OP_STARTS, OP_ENDS,
          OP_IN, OP_NOT_IN, OP_IS_NULL, OP_NOT_NULL, OP_REGEX };

static const char *const op_names[] = {
    "eq", "ne", "gt", "gte", "lt", "lte", "contains", "starts_with", "ends_with",
    "in", "not_in", "is_null", "not_null", "regex", NULL,
};

/* Spellings seen in the wild for the same operators. */
static const struct {
    const char *alias;
    enum op op;
} op_aliases[] = {
    {"==", OP_EQ}, {"=", OP_EQ},   {"equals", OP_EQ}, {"!=", OP_NE}, {"not_equals", OP_NE},
    {">", OP_GT},  {">=", OP_GTE}, {"<", OP_LT},      {"<=", OP_LTE},
};

struct filter {
    struct rec_env *env;
    const char *column;
    enum op op;
    bool icase;
    struct typed value;
    struct typed *set;   /* in / not_in */
    size_t nset;
    /* For a long in / not_in list, the same answer by binary search. */
    const struct typed **texts;   /* every value's text, sorted */
    double *nums, *epochs;        /* the values that are numbers / ISO dates, sorted */
    size_t nnums, nepochs;
    bool any_true, any_false;
    struct pattern *re;
    size_t hint;
    long long dropped;
};

static int parse_op(json_object *params, int *op, struct step_err *e)
{
    json_object *v = param_get(params, "operator");
    if (v && json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        for (size_t i = 0; i < sizeof(op_aliases) / sizeof(op_aliases[0]); i++) {
            if (strcmp(s, op_aliases[i].alias) == 0) {
                *op = (int)op_aliases[i].op;
                return 0;
            }
        }
    }
    return param_enum(params, "operator", op_names, true, op, e);
}

static int filter_validate(json_object *params, char *field, size_t field_len, char *msg,
                           size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    int op = 0;
    bool case_sensitive = true;
    if (param_string(params, "column", true, NULL, &e) || parse_op(params, &op, &e) ||
        param_bool(params, "case_sensitive", &case_sensitive, &e))
        return -1;
    json_object *v = param_get(params, "value");
    switch (op) {
    case OP_IS_NULL:
    case OP_NOT_NULL:
        return 0;
    case OP_IN:
    case OP_NOT_IN:
        if (!v)
            return step_err_set(&e, "value", "is required for %s", op_names[op]);
        if (!json_object_is_type(v, json_type_array))
            return step_err_set(&e, "value", "must be an array for %s", op_names[op]);
        return param_scalar_list(v, "value", &e);
    case OP_REGEX:
        return param_regex(params, "value", !case_sensitive, &e);
    default:
        if (!v)
            return step_err_set(&e, "value", "is required for %s", op_names[op]);
        if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
            return step_err_set(&e, "value", "must be a string, number or boolean");
        return 0;
    }
}

static void filter_free(void *state)
{
    struct filter *f = state;
    if (!f)
        return;
    typed_free(&f->value);
    typed_list_free(f->set, f->nset);
    free(f->texts);
    free(f->nums);
    free(f->epochs);
    pattern_free(f->re);
    free(f);
}

/* Lists up to this long are searched one by one. */
#define SMALL_SET 8

static bool icase_sort;   /* qsort has no context argument */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_slice(const char *a, size_t alen, const char *b, size_t blen, bool icase)
{
    size_t n = alen < blen ? alen : blen;
    int c = icase ? text_ascii_ncasecmp(a, b, n) : memcmp(a, b, n);
    return c ? c : (alen > blen) - (alen < blen);
}

static int cmp_typed_text(const void *a, const void *b)
{
    const struct typed *x = *(const struct typed *const *)a, *y = *(const struct typed *const *)b;
    return cmp_slice(x->s, x->len, y->s, y->len, icase_sort);
}

static int build_lookup(struct filter *f)
{
    f->texts = calloc(f->nset, sizeof(*f->texts));
    f->nums = calloc(f->nset, sizeof(*f->nums));
    f->epochs = calloc(f->nset, sizeof(*f->epochs));
    if (!f->texts || !f->nums || !f->epochs)
        return -1;
    for (size_t i = 0; i < f->nset; i++) {
        const struct typed *t = &f->set[i];
        f->texts[i] = t;
        if (t->is_num)
            f->nums[f->nnums++] = t->num;
        if (t->is_date)
            f->epochs[f->nepochs++] = t->epoch;
        if (t->is_bool) {
            f->any_true |= t->b;
            f->any_false |= !t->b;
        }
    }
    icase_sort = f->icase;
    qsort(f->texts, f->nset, sizeof(*f->texts), cmp_typed_text);
    qsort(f->nums, f->nnums, sizeof(*f->nums), cmp_double);
    qsort(f->epochs, f->nepochs, sizeof(*f->epochs), cmp_double);
    return 0;
}

static bool find_double(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* Whether the cell equals one of the values, with the typed rules of
 * equals(): its text is one of theirs, or it is a number / an instant / a
 * boolean one of them is. */
static bool in_lookup(const struct filter *f, const char *p, size_t len)
{
    size_t lo = 0, hi = f->nset;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_slice(f->texts[mid]->s, f->texts[mid]->len, p, len, f->icase);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    double d;
    bool has_time, b;
    if (f->nnums && text_parse_double(p, len, &d) && find_double(f->nums, f->nnums, d))
        return true;
    if (f->nepochs && text_parse_iso(p, len, &d, &has_time) && find_double(f->epochs, f->nepochs, d))
        return true;
    if ((f->any_true || f->any_false) && text_parse_bool(p, len, &b))
        return b ? f->any_true : f->any_false;
    return false;
}

static int filter_init(void **state, json_object *params, struct rec_env *env)
{
    struct filter *f = calloc(1, sizeof(*f));
    if (!f)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    f->env = env;
    int op = 0;
    bool case_sensitive = true;
    char field[64], msg[256];
    struct step_err e = {field, sizeof(field), msg, sizeof(msg)};
    parse_op(params, &op, &e);
    param_bool(params, "case_sensitive", &case_sensitive, &e);
    f->op = (enum op)op;
    f->icase = !case_sensitive;
    const char *column = json_object_get_string(param_get(params, "column"));
    f->column = rec_intern(env, column, strlen(column));
    json_object *v = param_get(params, "value");
    int rc = ENGINE_NO_MEMORY;
    if (!f->column)
        goto out;
    if (f->op == OP_IN || f->op == OP_NOT_IN) {
        if (typed_list_from_json(v, &f->set, &f->nset))
            goto out;
        if (f->nset > SMALL_SET && build_lookup(f))
            goto out;
    } else if (f->op == OP_REGEX) {
        char why[200];
        f->re = pattern_compile(json_object_get_string(v), f->icase, true, why, sizeof(why));
        if (f->re == NULL) {
            rc = rec_fail(env, ENGINE_BAD_CONFIG, "filter: the regex %s", why);
            goto out;
        }
    } else if (v && typed_from_json(v, &f->value)) {
        goto out;
    }
    rc = ENGINE_OK;
out:
    if (rc != ENGINE_OK) {
        filter_free(f);
        return rc == ENGINE_NO_MEMORY ? rec_fail(env, rc, "out of memory") : rc;
    }
    *state = f;
    return ENGINE_OK;
}

static int filter_columns(void *state, struct rec_columns *cols)
{
    struct filter *f = state;
    return step_need_column(f->env, cols, f->column, "filter");
}

static bool bytes_eq(const char *a, size_t alen, const char *b, size_t blen, bool icase)
{
    return alen == blen && (icase ? text_ascii_ncasecmp(a, b, alen) == 0 : memcmp(a, b, alen) == 0);
}

static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen, bool icase)
{
    if (!icase)
        return memmem(hay, hlen, needle, nlen) != NULL;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (text_ascii_ncasecmp(hay + i, needle, nlen) == 0)
            return true;
    return false;
}

static bool equals(const struct typed *t, const char *p, size_t len, bool icase)
{
    /* The common case, a text value: plain bytes, no parsing. */
    if (!t->is_num && !t->is_date && !t->is_bool)
        return bytes_eq(p, len, t->s, t->len, icase);
    enum typed_how how;
    return typed_compare(t, p, len, icase, &how) == 0;
}

/* Returns 1 on match, 0 on no match, -1 out of memory. */
/* 1 matches, 0 does not, an enum pattern_result < 0 for a regex that could
 * not say. */
static int matches(struct filter *f, const struct rec_field *c)
{
    bool is_null = !c || c->type == REC_NULL;
    if (f->op == OP_IS_NULL)
        return is_null;
    if (f->op == OP_NOT_NULL)
        return !is_null;
    if (is_null)
        return f->op == OP_NE || f->op == OP_NOT_IN;
    const char *p = c->val;
    size_t len = c->len;
    const struct typed *t = &f->value;
    enum typed_how how;
    int cmp;
    switch (f->op) {
    case OP_EQ:
        return equals(t, p, len, f->icase);
    case OP_NE:
        return !equals(t, p, len, f->icase);
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
        cmp = typed_compare(t, p, len, f->icase, &how);
        /* A number or a date never orders against text that is not one. */
        if (how == TYPED_TEXT && (t->is_num || t->is_date))
            return 0;
        if (f->op == OP_GT)
            return cmp > 0;
        if (f->op == OP_GTE)
            return cmp >= 0;
        if (f->op == OP_LT)
            return cmp < 0;
        return cmp <= 0;
    case OP_CONTAINS:
        return contains(p, len, t->s, t->len, f->icase);
    case OP_STARTS:
        return len >= t->len && bytes_eq(p, t->len, t->s, t->len, f->icase);
    case OP_ENDS:
        return len >= t->len && bytes_eq(p + len - t->len, t->len, t->s, t->len, f->icase);
    case OP_IN:
    case OP_NOT_IN:
        if (f->texts)
            return in_lookup(f, p, len) == (f->op == OP_IN);
        for (size_t i = 0; i < f->nset; i++)
            if (equals(&f->set[i], p, len, f->icase))
                return f->op == OP_IN;
        return f->op == OP_NOT_IN;
    case OP_REGEX:
        return pattern_match(f->re, p, len);
    default:
        return 0;
    }
}

static int filter_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct filter *f = state;
    long k = rec_find(rec, f->column, &f->hint);
    int m = matches(f, k >= 0 ? &rec->fields[k] : NULL);
    if (m == PATTERN_OVER_BUDGET)
        return step_regex_issue(issue, f->column, "filter");
    if (m < 0)
        return step_out_of_memory(issue);
    if (!m) {
        f->dropped++;
        return STEP_DROP;
    }
    return STEP_KEEP;
}

static int filter_finish(void *state, json_object *meta)
{
    struct filter *f = state;
    return step_count_metadata(meta, "rows_filtered_out", f->dropped);
}

const struct step_ops step_filter_ops = {
    .type = "filter",
    .keeps_values = true,
    .validate = filter_validate,
    .init = filter_init,
    .columns = filter_columns,
    .process = filter_process,
    .finish = filter_finish,
    .free = filter_free,
};
