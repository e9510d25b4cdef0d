/* json_flat.c — one parsed JSON value -> record fields.
 *
 * Values keep their JSON types: strings are REC_STRING (pointing into the
 * json-c object), integers REC_INTEGER, other numbers REC_NUMBER (the text as
 * written in the input), booleans REC_BOOLEAN, null REC_NULL. A nested object
 * becomes columns named parent_child while it is no deeper than max_depth;
 * deeper objects, empty objects and arrays are kept whole as REC_JSON.
 *
 * Everything made per record (number text, dates, names) lives in a scratch
 * arena that is reset on the next record, so a steady stream of records
 * allocates nothing here beyond what json-c does. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "process/config_opt.h"
#include "process/grow.h"
#include "process/json_flat.h"
#include "process/text.h"

#define JFLAT_MAX_FIELDS 100000
#define JFLAT_DEFAULT_DEPTH 10
#define JFLAT_MAX_DEPTH 100
#define JFLAT_MAX_DATE_FIELDS 256

struct jflat {
    struct rec_env *env;
    struct jflat_options opt;
    const char **date_names;     /* interned */
    size_t ndates;
    struct rec_field *fields;
    const char **last_names;     /* the names at each position in the last record */
    size_t nfields, cap;
    char *name;                  /* the parent_child prefix being built */
    size_t name_cap;
    struct rec_arena *arena;
    struct record scratch;       /* only its arena: lets rec_alloc() serve us */
    const char **seen;           /* duplicate check */
    size_t seen_cap;
    bool nested;                 /* this record had flattened names */
    const char *value_name;
    long long flattened, kept_json, dates_parsed, dates_bad, duplicates;
    int deepest;                 /* the deepest object nesting met (1 = a plain record) */
    const char **made;           /* names made by flattening, interned, at most JFLAT_MADE_MAX */
    size_t nmade;
    /* The flat-line path (jflat_record_members) keeps its own names by
     * place, with their lengths. */
    const char **fast_names;
    size_t *fast_lens, fast_cap;
    size_t distinct_upto;        /* fast_names[0..distinct_upto) are known to differ */
};

/* Names listed as flattened_field_names (and counted as flattened_fields) in
 * the metadata; past this, neither. */
#define JFLAT_MADE_MAX 1000

/* ---- options ---- */

int jflat_options_parse(json_object *config, struct jflat_options *opt, char *field,
                        size_t field_len, char *msg, size_t msg_len)
{
    opt->flatten = true;
    opt->max_depth = JFLAT_DEFAULT_DEPTH;
    opt->date_fields = NULL;
    opt->max_record = JFLAT_DEFAULT_RECORD_BYTES;
    int rc = opt_object(config, field, field_len, msg, msg_len);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (opt_bool(config, "flatten_nested", &opt->flatten, field, field_len, msg, msg_len) ||
        opt_nesting(config, JFLAT_MAX_DEPTH, JFLAT_MAX_RECORD_BYTES, &opt->max_depth,
                    &opt->max_record, field, field_len, msg, msg_len))
        return -1;
    return opt_strings(config, "date_fields", JFLAT_MAX_DATE_FIELDS, 1, 1024,
                       "must be an array of at most 256 field names",
                       "must be a non-empty field name", &opt->date_fields, field, field_len, msg,
                       msg_len);
}

/* ---- lifetime ---- */

struct jflat *jflat_new(struct rec_env *env, const struct jflat_options *opt)
{
    struct jflat *f = calloc(1, sizeof(*f));
    if (!f)
        goto oom;
    f->env = env;
    f->opt = *opt;
    f->cap = 64;
    f->fields = malloc(f->cap * sizeof(*f->fields));
    f->last_names = calloc(f->cap, sizeof(*f->last_names));
    f->name_cap = 256;
    f->name = malloc(f->name_cap);
    f->arena = rec_arena_new();
    f->value_name = rec_intern(env, "value", 5);
    if (!f->fields || !f->last_names || !f->name || !f->arena || !f->value_name)
        goto oom;
    f->scratch.arena = f->arena;
    size_t n = opt->date_fields ? json_object_array_length(opt->date_fields) : 0;
    if (n > 0) {
        f->date_names = calloc(n, sizeof(*f->date_names));
        if (!f->date_names)
            goto oom;
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(opt->date_fields, i);
            f->date_names[i] = rec_intern(env, json_object_get_string(s),
                                          (size_t)json_object_get_string_len(s));
            if (!f->date_names[i])
                goto oom;
        }
        f->ndates = n;
    }
    return f;
oom:
    jflat_free(f);
    rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    return NULL;
}

void jflat_free(struct jflat *f)
{
    if (!f)
        return;
    free(f->date_names);
    free(f->fields);
    free(f->last_names);
    free(f->name);
    free(f->seen);
    free(f->made);
    free(f->fast_names);
    free(f->fast_lens);
    rec_arena_free(f->arena);
    free(f);
}

int jflat_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                          size_t msg_len)
{
    struct jflat_options opt;
    return jflat_options_parse(config, &opt, field, field_len, msg, msg_len);
}

int jflat_source_open(struct jflat_source *s, const struct reader_args *args, size_t buf_cap,
                      int tok_flags)
{
    char field[64], msg[256];
    struct jflat_options opt;
    s->env = args->env;
    s->in.fd = -1;
    if (jflat_options_parse(args->config, &opt, field, sizeof(field), msg, sizeof(msg)))
        return rec_fail(s->env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
    int rc = input_open(&s->in, args->path, s->env, buf_cap, 0, &s->buf, &s->cap);
    if (rc != ENGINE_OK)
        return rc;
    s->tok = json_tokener_new_ex(JFLAT_PARSE_DEPTH);
    s->flat = jflat_new(s->env, &opt);
    s->max_record = opt.max_record;
    if (!s->tok || !s->flat)
        return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    json_tokener_set_flags(s->tok, tok_flags);
    return ENGINE_OK;
}

void jflat_source_close(struct jflat_source *s)
{
    input_close(&s->in);
    json_object_put(s->current);
    if (s->tok)
        json_tokener_free(s->tok);
    jflat_free(s->flat);
    free(s->buf);
}

/* Remembers a name made by flattening (a new interned name: the slow path only). */
static void note_made(struct jflat *f, const char *interned)
{
    for (size_t i = 0; i < f->nmade; i++)
        if (f->made[i] == interned)
            return;
    if (f->nmade == JFLAT_MADE_MAX)
        return;
    if (f->made == NULL && (f->made = malloc(JFLAT_MADE_MAX * sizeof(*f->made))) == NULL)
        return; /* metadata only: losing the list loses nothing else */
    f->made[f->nmade++] = interned;
}

/* ---- values ---- */

/* Writes v in decimal; out has room for 21 bytes. Returns the length. */
static size_t format_u64(uint64_t v, bool negative, char *out)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = 0;
    if (negative)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

/* Room for `need` fields (need <= JFLAT_MAX_FIELDS). Returns false when
 * out of memory. */
static bool fields_reserve(struct jflat *f, size_t need)
{
    size_t names_cap = f->cap;
    return grow(&f->last_names, &names_cap, need, sizeof(*f->last_names), 64) &&
           grow(&f->fields, &f->cap, need, sizeof(*f->fields), 64);
}

static struct rec_field *field_push(struct jflat *f)
{
    if (f->nfields == f->cap &&
        (f->cap >= JFLAT_MAX_FIELDS || !fields_reserve(f, f->cap + 1)))
        return NULL;
    return &f->fields[f->nfields++];
}

static bool is_date_field(const struct jflat *f, const char *name)
{
    for (size_t i = 0; i < f->ndates; i++)
        if (f->date_names[i] == name)
            return true;
    return false;
}

/* Rewrites a date field's value as ISO 8601 (YYYY-MM-DD, or
 * YYYY-MM-DDTHH:MM:SS[.mmm]Z in UTC); a value that is not a date stays as it
 * is and gets a warning. */
static int parse_date(struct jflat *f, struct rec_field *fld, long long line)
{
    double epoch;
    bool has_time;
    if (fld->type == REC_NULL)
        return ENGINE_OK;
    if (fld->type != REC_STRING || !text_parse_iso(fld->val, fld->len, &epoch, &has_time)) {
        f->dates_bad++;
        rec_report(f->env, line, fld->name, "warning", "INVALID_DATE",
                   "'%.*s' is not an ISO 8601 date or datetime", (int)(fld->len > 64 ? 64 : fld->len),
                   fld->val);
        return ENGINE_OK;
    }
    double whole = floor(epoch);
    time_t secs = (time_t)whole;
    int ms = (int)lround((epoch - whole) * 1000.0);
    if (ms == 1000) {
        secs++;
        ms = 0;
    }
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return ENGINE_OK;
    char *out = rec_alloc(&f->scratch, 40);
    if (!out)
        return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
    int n;
    if (!has_time)
        n = snprintf(out, 40, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else if (ms == 0)
        n = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        n = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    fld->val = out;
    fld->len = (size_t)n;
    f->dates_parsed++;
    return ENGINE_OK;
}

static int set_value(struct jflat *f, struct rec_field *fld, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        fld->type = REC_NULL;
        fld->val = "";
        fld->len = 0;
        return ENGINE_OK;
    case json_type_boolean:
        fld->type = REC_BOOLEAN;
        fld->val = json_object_get_boolean(v) ? "true" : "false";
        fld->len = strlen(fld->val);
        return ENGINE_OK;
    case json_type_int: {
        char *out = rec_alloc(&f->scratch, 24);
        if (!out)
            return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
        int64_t i = json_object_get_int64(v);
        size_t n;
        /* json-c keeps integers above INT64_MAX as uint64. */
        if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
            n = format_u64(json_object_get_uint64(v), false, out);
        else
            n = format_u64(i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i, i < 0, out);
        fld->type = REC_INTEGER;
        fld->val = out;
        fld->len = n;
        return ENGINE_OK;
    }
    case json_type_double: {
        /* A parsed number keeps the text it was written as. */
        const char *text = json_object_get_userdata(v);
        size_t tl = text ? strlen(text) : 0;
        if (text && text_is_json_number(text, tl)) {
            fld->val = text;
            fld->len = tl;
        } else {
            char *out = rec_alloc(&f->scratch, 32);
            if (!out)
                return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
            double d = json_object_get_double(v);
            if (!isfinite(d)) {
                fld->type = REC_NULL;   /* NaN / Infinity have no JSON form */
                fld->val = "";
                fld->len = 0;
                return ENGINE_OK;
            }
            fld->val = out;
            fld->len = (size_t)snprintf(out, 32, "%.17g", d);
        }
        fld->type = REC_NUMBER;
        return ENGINE_OK;
    }
    case json_type_string:
        fld->type = REC_STRING;
        fld->val = json_object_get_string(v);
        fld->len = (size_t)json_object_get_string_len(v);
        return ENGINE_OK;
    case json_type_object:
    case json_type_array: {
        size_t len;
        const char *s = json_object_to_json_string_length(
            v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        if (!s)
            return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
        fld->type = REC_JSON;
        fld->val = s;
        fld->len = len;
        f->kept_json++;
        return ENGINE_OK;
    }
    }
    return ENGINE_OK;
}

static int push_value(struct jflat *f, const char *name, json_object *v, long long line)
{
    struct rec_field *fld = field_push(f);
    if (!fld)
        return rec_fail(f->env, ENGINE_BAD_INPUT, "record %lld has more than %d fields", line,
                        JFLAT_MAX_FIELDS);
    fld->name = name;
    int rc = set_value(f, fld, v);
    if (rc == ENGINE_OK && f->ndates && is_date_field(f, name))
        rc = parse_date(f, fld, line);
    return rc;
}

static int name_reserve(struct jflat *f, size_t need)
{
    if (!grow(&f->name, &f->name_cap, need, 1, 256))
        return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
    return ENGINE_OK;
}

/* Adds the members of obj; f->name[0..prefix) is the parent's name. depth
 * is how many objects above obj were flattened into it. */
static int walk(struct jflat *f, json_object *obj, int depth, size_t prefix, long long line)
{
    struct lh_entry *e;
    for (e = json_object_get_object(obj)->head; e; e = e->next) {
        const char *key = lh_entry_k(e);
        json_object *v = (json_object *)lh_entry_v(e);
        size_t klen = strlen(key);
        bool descend = f->opt.flatten && depth < f->opt.max_depth &&
                       json_object_is_type(v, json_type_object) &&
                       json_object_object_length(v) > 0;
        const char *name;
        size_t len = klen;
        if (prefix == 0) {
            if (descend) {
                if (name_reserve(f, klen + 1) != ENGINE_OK)
                    return ENGINE_NO_MEMORY;
                memcpy(f->name, key, klen);
            }
            name = key;
        } else {
            len = prefix + 1 + klen;
            if (name_reserve(f, len + 1) != ENGINE_OK)
                return ENGINE_NO_MEMORY;
            f->name[prefix] = '_';
            memcpy(f->name + prefix + 1, key, klen);
            name = f->name;
            f->nested = true;
        }
        int rc;
        if (depth + 2 > f->deepest && json_object_is_type(v, json_type_object))
            f->deepest = depth + 2;
        if (descend) {
            f->flattened++;
            rc = walk(f, v, depth + 1, len, line);
        } else {
            /* Records of one file mostly repeat the same keys in the same
             * order: the name at this position last time is the likely one. */
            const char *interned = f->nfields < f->cap ? f->last_names[f->nfields] : NULL;
            if (!interned || strncmp(interned, name, len) != 0 || interned[len] != '\0') {
                interned = rec_intern(f->env, name, len);
                if (interned && f->nfields < f->cap)
                    f->last_names[f->nfields] = interned;
                if (interned && prefix > 0)
                    note_made(f, interned);
            }
            if (!interned)
                return rec_fail(f->env, ENGINE_NO_MEMORY,
                                "too many distinct field names (or out of memory)");
            rc = push_value(f, interned, v, line);
        }
        if (rc != ENGINE_OK)
            return rc;
    }
    return ENGINE_OK;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const char *const *)a, y = (uintptr_t) * (const char *const *)b;
    return x < y ? -1 : x > y;
}

/* Flattening can make a name twice ({"a_b":1,"a":{"b":2}}): the first one
 * stays, later ones are dropped with a warning. */
static int has_repeats(struct jflat *f, size_t n);

static int drop_duplicates(struct jflat *f, long long line)
{
    size_t n = f->nfields;
    int repeats = has_repeats(f, n);
    if (repeats < 0)
        return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
    if (repeats == 0)
        return ENGINE_OK;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool earlier = false;
        for (size_t j = 0; j < kept && !earlier; j++)
            earlier = f->fields[j].name == f->fields[i].name;
        if (earlier) {
            f->duplicates++;
            rec_report(f->env, line, f->fields[i].name, "warning", "DUPLICATE_FIELD",
                       "flattening made the name '%s' twice; the later value is dropped",
                       f->fields[i].name);
            continue;
        }
        f->fields[kept++] = f->fields[i];
    }
    f->nfields = kept;
    return ENGINE_OK;
}

int jflat_record(struct jflat *f, json_object *value, struct record *rec)
{
    int rc;
    rec_arena_reset(f->arena);
    f->nfields = 0;
    f->nested = false;
    if (json_object_is_type(value, json_type_object))
        rc = walk(f, value, 0, 0, rec->line);
    else
        rc = push_value(f, f->value_name, value, rec->line);
    if (rc == ENGINE_OK && f->nested)
        rc = drop_duplicates(f, rec->line);
    if (rc != ENGINE_OK)
        return rc;
    rec->fields = f->fields;
    rec->nfields = f->nfields;
    return ENGINE_OK;
}

/* 1 when two of the first n fields have the same name, else 0; -1 when
 * out of memory. */
static int has_repeats(struct jflat *f, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (f->fields[i].name == f->fields[j].name)
                    return 1;
        return 0;
    }
    if (!grow(&f->seen, &f->seen_cap, n, sizeof(*f->seen), 64))
        return -1;
    for (size_t i = 0; i < n; i++)
        f->seen[i] = f->fields[i].name;
    qsort(f->seen, n, sizeof(*f->seen), cmp_ptr);
    for (size_t i = 1; i < n; i++)
        if (f->seen[i] == f->seen[i - 1])
            return 1;
    return 0;
}

int jflat_record_members(struct jflat *f, const struct jfast_member *m, size_t n,
                         struct record *rec)
{
    if (n > JFLAT_MAX_FIELDS)
        return JFLAT_USE_JSONC;   /* repeats may bring it under the limit */
    rec_arena_reset(f->arena);
    f->nfields = 0;
    f->nested = false;
    if (!fields_reserve(f, n))
        return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
    size_t lens_cap = f->fast_cap;
    if (!grow(&f->fast_lens, &lens_cap, n, sizeof(*f->fast_lens), 64) ||
        !grow(&f->fast_names, &f->fast_cap, n, sizeof(*f->fast_names), 64))
        return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
    bool same = true;   /* every name is the one at its place last time */
    for (size_t i = 0; i < n; i++) {
        struct rec_field *fld = &f->fields[i];
        const char *interned = f->fast_names[i];
        if (!interned || f->fast_lens[i] != m[i].klen ||
            memcmp(interned, m[i].key, m[i].klen) != 0) {
            interned = rec_intern(f->env, m[i].key, m[i].klen);
            if (!interned)
                return rec_fail(f->env, ENGINE_NO_MEMORY,
                                "too many distinct field names (or out of memory)");
            f->fast_names[i] = interned;
            f->fast_lens[i] = m[i].klen;
            same = false;
        }
        fld->name = interned;
        fld->val = m[i].val;
        fld->len = m[i].vlen;
        fld->type = m[i].type;
    }
    f->nfields = n;
    if (!same || n > f->distinct_upto) {
        if (!same)
            f->distinct_upto = 0;
        int dup = has_repeats(f, n);
        if (dup < 0)
            return rec_fail(f->env, ENGINE_NO_MEMORY, "out of memory");
        if (dup)
            return JFLAT_USE_JSONC;
        f->distinct_upto = n;
    }
    if (f->ndates)
        for (size_t i = 0; i < f->nfields; i++)
            if (is_date_field(f, f->fields[i].name)) {
                int rc = parse_date(f, &f->fields[i], rec->line);
                if (rc != ENGINE_OK)
                    return rc;
            }
    rec->fields = f->fields;
    rec->nfields = f->nfields;
    return ENGINE_OK;
}

void jflat_metadata(const struct jflat *f, json_object *meta)
{
    json_object_object_add(meta, "flatten_nested", json_object_new_boolean(f->opt.flatten));
    json_object_object_add(meta, "max_depth", json_object_new_int(f->opt.max_depth));
    json_object_object_add(meta, "nested_objects_flattened", json_object_new_int64(f->flattened));
    json_object_object_add(meta, "max_nesting_depth", json_object_new_int(f->deepest ? f->deepest : 1));
    json_object *made = json_object_new_array();
    for (size_t i = 0; i < f->nmade; i++)
        json_object_array_add(made, json_object_new_string(f->made[i]));
    /* The FastAPI ETL document's flattened_fields is a count; the names beside it. */
    json_object_object_add(meta, "flattened_fields", json_object_new_int64((int64_t)f->nmade));
    json_object_object_add(meta, "flattened_field_names", made);
    json_object_object_add(meta, "values_kept_as_json", json_object_new_int64(f->kept_json));
    if (f->ndates) {
        json_object_object_add(meta, "dates_parsed", json_object_new_int64(f->dates_parsed));
        json_object_object_add(meta, "dates_invalid", json_object_new_int64(f->dates_bad));
    }
    if (f->duplicates)
        json_object_object_add(meta, "duplicate_fields_dropped",
                               json_object_new_int64(f->duplicates));
}

/* ---- sniffing ---- */

static size_t skip_blank(const unsigned char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

enum jflat_shape jflat_shape(const unsigned char *head, size_t len)
{
    size_t i = 0;
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    i = skip_blank(head, len, i);
    if (i >= len)
        return JFLAT_NONE;
    if (head[i] == '[')
        return JFLAT_ARRAY;
    if (head[i] != '{')
        return JFLAT_NONE;
    const unsigned char *nl = memchr(head + i, '\n', len - i);
    if (!nl)
        return JFLAT_OBJECT;
    size_t line_len = (size_t)(nl - (head + i));
    if (line_len > INT32_MAX)
        return JFLAT_OBJECT;
    json_tokener *tok = json_tokener_new_ex(JFLAT_PARSE_DEPTH);
    if (!tok)
        return JFLAT_OBJECT;
    json_object *o = json_tokener_parse_ex(tok, (const char *)head + i, (int)line_len);
    bool complete = o != NULL;
    json_object_put(o);
    json_tokener_free(tok);
    if (!complete)
        return JFLAT_OBJECT;
    /* A JSON document holds one value: anything after a complete first line
     * makes it JSON Lines. */
    size_t j = skip_blank(head, len, (size_t)(nl - head));
    return j < len && head[j] == '{' ? JFLAT_LINES : JFLAT_OBJECT;
}
