/* quality.c — engine_quality_check: a data-quality score of a file, in two
 * passes over its records.
 *
 *   pass 1: per column, nulls and the kinds of its values (the column's
 *           type is the kind most of its values have; integers count as
 *           numbers for a number column);
 *   pass 2: per record, every check asked for; a record passes when no
 *           check fails on it.
 *
 * Checks (check_config): completeness (a null or missing value), accuracy
 * (the validate rules given, or without rules each value having its
 * column's type), consistency (a value of another type than its column's,
 * and a key seen before: key_columns, or the whole record). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/engine.h"
#include "process/input.h"
#include "process/record.h"
#include "process/steps.h"
#include "process/text.h"

#define QUALITY_MAX_COLUMNS 1000
#define QUALITY_MAX_RULES 100
/* Distinct keys remembered for duplicate detection (16 bytes each). */
#define QUALITY_MAX_KEYS (16u * 1024 * 1024)
#define KIND_NULL (-1)

struct column {
    const char *name; /* interned */
    long long nulls, kinds[KIND_STRING + 1];
    int type; /* enum text_kind after pass 1 */
    long long mismatches;
};

struct rule {
    const struct step_ops *ops;
    void *state;
    char name[96], column[200];
    long long failed;
};

struct quality {
    const struct engine_job *job;
    const struct quality_spec *spec;
    const struct engine_callbacks *cb;
    struct rec_env *env;
    struct rec_arena *arena;
    struct column cols[QUALITY_MAX_COLUMNS];
    int ncols;
    struct rule rules[QUALITY_MAX_RULES];
    int nrules;
    const char *keys[QUALITY_MAX_COLUMNS]; /* interned key columns; nkeys 0: whole record */
    int nkeys;
    uint64_t *seen;
    size_t seen_cap, seen_n;
    bool keys_overflow;
    long long total, passed, rejected, duplicates, type_failures, null_failures;
};

static int kind_of(const struct rec_field *f)
{
    switch (f->type) {
    case REC_NULL: return KIND_NULL;
    case REC_INTEGER: return KIND_INTEGER;
    case REC_NUMBER: return KIND_NUMBER;
    case REC_BOOLEAN: return KIND_BOOLEAN;
    case REC_JSON: return KIND_STRING;
    default: return f->len > 0 ? (int)text_classify(f->val, f->len) : KIND_STRING;
    }
}

static struct column *column_for(struct quality *q, const char *name, int hint)
{
    if (hint < q->ncols && q->cols[hint].name == name)
        return &q->cols[hint];
    for (int i = 0; i < q->ncols; i++)
        if (q->cols[i].name == name)
            return &q->cols[i];
    if (q->ncols == QUALITY_MAX_COLUMNS)
        return NULL;
    struct column *c = &q->cols[q->ncols++];
    memset(c, 0, sizeof(*c));
    c->name = name;
    return c;
}

/* ---- reading ---- */

typedef int (*record_fn)(struct quality *q, struct record *rec);

static int each_record(struct quality *q, record_fn fn, bool count)
{
    const struct format *format;
    void *state = NULL;
    struct rec_columns cols = {0};
    int rc = input_format(q->job->input_path, q->job->processing_config, q->job->input_name_hint,
                          q->env, &format);
    if (rc != ENGINE_OK)
        return rc;
    const struct reader_ops *reader = format->reader;
    struct reader_args args = {q->job->input_path, q->job->input_name_hint,
                               q->job->processing_config, q->env};
    rc = reader->open(&state, &args);
    if (rc != ENGINE_OK)
        return rc;
    if (reader->columns && (rc = reader->columns(state, &cols)) == ENGINE_OK)
        for (size_t i = 0; i < cols.count; i++)
            column_for(q, cols.names[i], (int)i);
    struct record rec = {.arena = q->arena};
    volatile int *cancel = q->cb ? q->cb->cancel : NULL;
    for (long long n = 1; rc == ENGINE_OK; n++) {
        rec_arena_reset(q->arena);
        int rs = reader->next(state, &rec);
        if (rs == READ_EOF)
            break;
        if (rs == READ_ERROR) {
            rc = rec_env_status(q->env) != ENGINE_OK ? rec_env_status(q->env) : ENGINE_BAD_INPUT;
            break;
        }
        if (count)
            q->total++;
        if (rs == READ_REJECTED) {
            q->rejected += count;
            continue;
        }
        rc = fn(q, &rec);
        if (cancel && *cancel && n % 1024 == 0)
            rc = rec_fail(q->env, ENGINE_CANCELLED, "cancelled");
        if (count && q->cb && q->cb->progress && q->total % 65536 == 0) {
            long long read, all;
            rec_env_bytes(q->env, &read, &all);
            q->cb->progress(q->cb->ctx, q->total, q->total - q->passed, 0, read, all);
        }
    }
    reader->close(state);
    rec_columns_free(&cols);
    return rc;
}

/* Pass 1: nulls and kinds per column. */
static int observe(struct quality *q, struct record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        struct column *c = column_for(q, rec->fields[i].name, (int)i);
        if (c == NULL)
            continue;
        int k = kind_of(&rec->fields[i]);
        if (k == KIND_NULL)
            c->nulls++;
        else
            c->kinds[k]++;
    }
    return ENGINE_OK;
}

static void settle_types(struct quality *q)
{
    for (int i = 0; i < q->ncols; i++) {
        struct column *c = &q->cols[i];
        int best = KIND_STRING;
        long long best_n = 0;
        for (int k = 0; k <= KIND_STRING; k++) {
            /* A column with decimals is a number column: its integers are numbers too. */
            long long n = c->kinds[k];
            if (k == KIND_NUMBER && n > 0)
                n += c->kinds[KIND_INTEGER];
            if (n > best_n) {
                best = k;
                best_n = n;
            }
        }
        c->type = best;
    }
}

static bool conforms(int type, int kind)
{
    return type == KIND_STRING || kind == type || (type == KIND_NUMBER && kind == KIND_INTEGER);
}

/* ---- duplicate keys ---- */

static uint64_t mix(uint64_t h, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

/* True when the key was seen before; remembers it otherwise. */
static bool seen_before(struct quality *q, uint64_t h)
{
    if (h == 0)
        h = 1;
    if (q->seen_n * 2 >= q->seen_cap) {
        if (q->seen_cap >= QUALITY_MAX_KEYS * 2) {
            q->keys_overflow = true;
            return false;
        }
        size_t cap = q->seen_cap ? q->seen_cap * 2 : 4096;
        uint64_t *t = calloc(cap, sizeof(*t));
        if (t == NULL) {
            q->keys_overflow = true;
            return false;
        }
        for (size_t i = 0; i < q->seen_cap; i++)
            if (q->seen[i] != 0)
                for (size_t j = q->seen[i] & (cap - 1);; j = (j + 1) & (cap - 1))
                    if (t[j] == 0) {
                        t[j] = q->seen[i];
                        break;
                    }
        free(q->seen);
        q->seen = t;
        q->seen_cap = cap;
    }
    for (size_t j = h & (q->seen_cap - 1);; j = (j + 1) & (q->seen_cap - 1)) {
        if (q->seen[j] == h)
            return true;
        if (q->seen[j] == 0) {
            q->seen[j] = h;
            q->seen_n++;
            return false;
        }
    }
}

static uint64_t key_of(struct quality *q, const struct record *rec)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct rec_field *f = &rec->fields[i];
        bool in_key = q->nkeys == 0;
        for (int k = 0; k < q->nkeys && !in_key; k++)
            in_key = q->keys[k] == f->name;
        if (!in_key)
            continue;
        h = mix(h, f->name, strlen(f->name));
        h = mix(h ^ (uint64_t)f->type, f->val, f->type == REC_NULL ? 0 : f->len);
    }
    return h;
}

/* ---- pass 2 ---- */

static int judge(struct quality *q, struct record *rec)
{
    const struct quality_spec *s = q->spec;
    bool failed = false;
    bool check_types = s->consistency || (s->accuracy && q->nrules == 0);
    for (int i = 0; i < q->ncols; i++) {
        struct column *c = &q->cols[i];
        const struct rec_field *f = NULL;
        if (i < (int)rec->nfields && rec->fields[i].name == c->name)
            f = &rec->fields[i];
        for (size_t k = 0; f == NULL && k < rec->nfields; k++)
            if (rec->fields[k].name == c->name)
                f = &rec->fields[k];
        int kind = f ? kind_of(f) : KIND_NULL;
        if (kind == KIND_NULL) {
            failed |= s->completeness;
            continue;
        }
        if (check_types && !conforms(c->type, kind)) {
            c->mismatches++;
            failed = true;
        }
    }
    for (int r = 0; s->accuracy && r < q->nrules; r++) {
        struct step_issue issue = {NULL, NULL, ""};
        q->rules[r].ops->process(q->rules[r].state, rec, &issue);
        if (rec_env_status(q->env) != ENGINE_OK)
            return rec_env_status(q->env);
        if (issue.code != NULL) {
            q->rules[r].failed++;
            failed = true;
        }
    }
    if (s->consistency && seen_before(q, key_of(q, rec))) {
        q->duplicates++;
        failed = true;
    }
    q->passed += !failed;
    return ENGINE_OK;
}

/* ---- set-up ---- */

/* The rules as validate steps (severity warning: a failure is counted, the
 * record goes on to the other rules). */
static int init_rules(struct quality *q)
{
    const struct step_ops *validate = steps_find("validate");
    size_t n = q->spec->rules ? json_object_array_length(q->spec->rules) : 0;
    for (size_t i = 0; i < n && i < QUALITY_MAX_RULES; i++) {
        json_object *rule = json_object_array_get_idx(q->spec->rules, i), *v;
        json_object *params = json_object_new_object();
        const char *column = NULL, *name = NULL, *check = "";
        if (json_object_object_get_ex(rule, "column", &v) || json_object_object_get_ex(rule, "field", &v))
            column = json_object_get_string(v);
        if (json_object_object_get_ex(rule, "rule", &v))
            check = json_object_get_string(v);
        if (json_object_object_get_ex(rule, "name", &v))
            name = json_object_get_string(v);
        json_object_object_add(params, "column", json_object_new_string(column ? column : ""));
        json_object_object_add(params, "rule", json_object_new_string(check));
        json_object_object_add(params, "severity", json_object_new_string("warning"));
        if (json_object_object_get_ex(rule, "value", &v))
            json_object_object_add(params, "value", json_object_get(v));
        struct rule *r = &q->rules[q->nrules];
        int rc = validate->init(&r->state, params, q->env);
        json_object_put(params);
        if (rc != ENGINE_OK)
            return rc;
        r->ops = validate;
        q->nrules++;
        snprintf(r->column, sizeof(r->column), "%s", column ? column : "");
        static const char *const formats[] = {"email", "url", "regex", "date", "datetime",
                                              "integer", "number", "boolean"};
        bool is_format = false;
        for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++)
            is_format = is_format || strcmp(check, formats[k]) == 0;
        snprintf(r->name, sizeof(r->name), "%s%s", name ? name : check,
                 name == NULL && is_format ? "_format" : "");
    }
    return ENGINE_OK;
}

static void add_issue(json_object *issues, const char *rule, const char *column,
                      const char *severity, long long failed)
{
    if (failed == 0)
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "rule", json_object_new_string(rule));
    if (column != NULL)
        json_object_object_add(o, "column", json_object_new_string(column));
    json_object_object_add(o, "severity", json_object_new_string(severity));
    json_object_object_add(o, "failed_count", json_object_new_int64(failed));
    json_object_array_add(issues, o);
}

static json_object *result_of(struct quality *q)
{
    json_object *o = json_object_new_object(), *issues = json_object_new_array();
    json_object *completeness = json_object_new_object(), *types = json_object_new_object();
    long long records = q->total - q->rejected;
    for (int i = 0; i < q->ncols; i++) {
        struct column *c = &q->cols[i];
        long long missing = records - c->kinds[0] - c->kinds[1] - c->kinds[2] - c->kinds[3] -
                            c->kinds[4] - c->kinds[5];
        double ratio = records > 0 ? (double)(records - missing) / (double)records : 1.0;
        json_object_object_add(completeness, c->name,
                               json_object_new_double((double)(long long)(ratio * 10000 + 0.5) / 100));
        json_object_object_add(types, c->name, json_object_new_string(text_kind_name(c->type)));
        if (q->spec->completeness)
            add_issue(issues, "completeness", c->name, "MEDIUM", missing);
        if (q->spec->consistency || (q->spec->accuracy && q->nrules == 0))
            add_issue(issues, "type_mismatch", c->name, "MEDIUM", c->mismatches);
    }
    for (int r = 0; q->spec->accuracy && r < q->nrules; r++)
        add_issue(issues, q->rules[r].name, q->rules[r].column, "MEDIUM", q->rules[r].failed);
    if (q->spec->consistency)
        add_issue(issues, "duplicate_key", NULL, "HIGH", q->duplicates);
    add_issue(issues, "unreadable_record", NULL, "HIGH", q->rejected);
    json_object_object_add(o, "total_records", json_object_new_int64(q->total));
    json_object_object_add(o, "passed_records", json_object_new_int64(q->passed));
    json_object_object_add(o, "failed_records", json_object_new_int64(q->total - q->passed));
    double score = q->total > 0 ? (double)q->passed * 100.0 / (double)q->total : 100.0;
    json_object_object_add(o, "quality_score",
                           json_object_new_double((double)(long long)(score * 10 + 0.5) / 10));
    json_object_object_add(o, "issues", issues);
    json_object *details = json_object_new_object();
    json_object_object_add(details, "completeness", completeness);
    json_object_object_add(details, "column_types", types);
    if (q->spec->consistency) {
        json_object_object_add(details, "duplicate_records", json_object_new_int64(q->duplicates));
        json_object_object_add(details, "duplicate_check_complete",
                               json_object_new_boolean(!q->keys_overflow));
    }
    json_object_object_add(o, "details", details);
    return o;
}

static int resolve_keys(struct quality *q)
{
    size_t n = q->spec->key_columns ? json_object_array_length(q->spec->key_columns) : 0;
    for (size_t i = 0; i < n && q->nkeys < QUALITY_MAX_COLUMNS; i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(q->spec->key_columns, i));
        const char *interned = NULL;
        for (int c = 0; c < q->ncols && interned == NULL; c++)
            if (strcmp(q->cols[c].name, name) == 0)
                interned = q->cols[c].name;
        if (interned == NULL)
            return rec_fail(q->env, ENGINE_BAD_CONFIG, "key column \"%s\" is not in the input",
                            name);
        q->keys[q->nkeys++] = interned;
    }
    return ENGINE_OK;
}

json_object *engine_quality_check(const struct engine_job *job, const struct quality_spec *spec,
                                  const struct engine_callbacks *cb, int *status, char *err,
                                  size_t err_len)
{
    struct quality *q = calloc(1, sizeof(*q));
    json_object *result = NULL;
    int rc = ENGINE_NO_MEMORY;
    if (q == NULL)
        goto out;
    q->job = job;
    q->spec = spec;
    q->cb = cb;
    q->env = rec_env_new(cb);
    q->arena = rec_arena_new();
    if (q->env == NULL || q->arena == NULL)
        goto out;
    rc = init_rules(q);
    if (rc == ENGINE_OK)
        rc = each_record(q, observe, false);
    if (rc == ENGINE_OK) {
        settle_types(q);
        rc = resolve_keys(q);
    }
    if (rc == ENGINE_OK)
        rc = each_record(q, judge, true);
    if (rc == ENGINE_OK)
        result = result_of(q);
out:
    *status = rc;
    if (rc != ENGINE_OK)
        snprintf(err, err_len, "%s", q && q->env && rec_env_error(q->env)[0]
                                         ? rec_env_error(q->env)
                                         : engine_status_name(rc));
    if (q != NULL) {
        for (int r = 0; r < q->nrules; r++)
            q->rules[r].ops->free(q->rules[r].state);
        free(q->seen);
        rec_arena_free(q->arena);
        rec_env_free(q->env);
        free(q);
    }
    return result;
}
