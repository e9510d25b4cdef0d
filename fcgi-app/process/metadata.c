/* metadata.c — infers each column's type from its values (see metadata.h).
 * A column is integer, number (integers and decimals mixed), boolean, date,
 * datetime (dates and date-times mixed) or string (anything else, or
 * mixed kinds). Nulls do not count. Once a column is a string its values
 * are no longer looked at, which keeps the cost on the hot path small. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/grow.h"
#include "process/metadata.h"
#include "process/text.h"

/* Columns beyond this are not described (a file that wide is rare). */
#define META_MAX_COLUMNS 10000

enum { GROUP_NUM = 1, GROUP_BOOL = 2, GROUP_DATE = 4 };

struct col_stat {
    const char *name;
    unsigned kinds;      /* 1 << text_kind seen */
    unsigned groups;
    bool settled;        /* already a string */
    long long nulls;
    /* detailed only */
    long long present;   /* records that have the column, null or not */
    long long min_len, max_len;   /* in characters, over non-null values */
    double min, max;     /* over the values that are numbers */
    bool has_num;
    long long objects, arrays;
};

struct meta_stats {
    struct col_stat *cols;
    size_t n, cap;
    uint32_t *index;     /* open addressing: name pointer -> position + 1 */
    size_t index_mask;
    bool detailed;
    bool note_num;       /* set rec_field.num (meta_note_numbers) */
};

struct meta_stats *meta_new(bool detailed)
{
    struct meta_stats *s = calloc(1, sizeof(struct meta_stats));
    if (s)
        s->detailed = detailed;
    return s;
}

void meta_free(struct meta_stats *stats)
{
    if (!stats)
        return;
    free(stats->cols);
    free(stats->index);
    free(stats);
}

static size_t slot_of(const char *name, size_t mask)
{
    return (size_t)(((uintptr_t)name >> 4) * 0x9E3779B97F4A7C15ull >> 24) & mask;
}

/* The stats of an untracked or new column are found by hashing the name
 * pointer, so wide files stay linear. */
static struct col_stat *lookup(const struct meta_stats *s, const char *name, size_t *slot)
{
    if (!s->index)
        return NULL;
    size_t i = slot_of(name, s->index_mask);
    for (; s->index[i]; i = (i + 1) & s->index_mask)
        if (s->cols[s->index[i] - 1].name == name)
            return &s->cols[s->index[i] - 1];
    *slot = i;
    return NULL;
}

static int index_grow(struct meta_stats *s)
{
    size_t n = s->index ? (s->index_mask + 1) * 2 : 64;
    uint32_t *index = calloc(n, sizeof(*index));
    if (!index)
        return -1;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = slot_of(s->cols[k].name, n - 1);
        while (index[i])
            i = (i + 1) & (n - 1);
        index[i] = (uint32_t)k + 1;
    }
    free(s->index);
    s->index = index;
    s->index_mask = n - 1;
    return 0;
}

static struct col_stat *stat_for(struct meta_stats *s, size_t pos, const char *name)
{
    if (pos < s->n && s->cols[pos].name == name)
        return &s->cols[pos];
    size_t slot = 0;
    struct col_stat *found = lookup(s, name, &slot);
    if (found || s->n >= META_MAX_COLUMNS)
        return found;
    if (!grow(&s->cols, &s->cap, s->n + 1, sizeof(*s->cols), 16))
        return NULL;
    if (!s->index || (s->n + 1) * 2 > s->index_mask + 1) {
        if (index_grow(s))
            return NULL;
        lookup(s, name, &slot);
    }
    struct col_stat *c = &s->cols[s->n];
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->min_len = -1;
    s->index[slot] = (uint32_t)++s->n;
    return c;
}

int meta_columns(struct meta_stats *s, const struct rec_columns *cols)
{
    for (size_t i = 0; i < cols->count; i++)
        if (!stat_for(s, i, cols->names[i]) && s->n < META_MAX_COLUMNS)
            return -1;
    return 0;
}

/* The forms most columns hold, decided in one pass: plain integers,
 * plain decimals (text_digits_shape), YYYY-MM-DD. Anything else (and any
 * doubt) goes to text_classify, which gives the same answer for these
 * forms (the unit tests compare the two). The answer packs the kind and
 * (above NUM_SHIFT) whether the value is a JSON number: REC_NUM_YES or
 * REC_NUM_NO where the quick path decided, REC_NUM_UNKNOWN where
 * text_classify did (for the JSON writers, which then skip their test). */
#define NUM_SHIFT 4
static inline unsigned quick_kind(const char *p, size_t len)
{
    if (len == 10 && p[4] == '-' && p[7] == '-') {
        unsigned char m1 = (unsigned char)(p[5] - '0'), m2 = (unsigned char)(p[6] - '0'),
                      d1 = (unsigned char)(p[8] - '0'), d2 = (unsigned char)(p[9] - '0'),
                      y1 = (unsigned char)(p[0] - '0'), y2 = (unsigned char)(p[1] - '0'),
                      y3 = (unsigned char)(p[2] - '0'), y4 = (unsigned char)(p[3] - '0');
        if ((y1 < 10) & (y2 < 10) & (y3 < 10) & (y4 < 10) & (m1 < 10) & (m2 < 10) & (d1 < 10) &
            (d2 < 10)) {
            static const unsigned char dm[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            unsigned year = y1 * 1000u + y2 * 100u + y3 * 10u + y4;
            unsigned month = m1 * 10u + m2, day = d1 * 10u + d2;
            if (month >= 1 && month <= 12 && day >= 1 &&
                (day <= dm[month] ||
                 (month == 2 && day == 29 &&
                  ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))))
                return KIND_DATE | REC_NUM_NO << NUM_SHIFT;   /* a '-' after a digit */
        }
        return text_classify(p, len);
    }
    size_t i = p[0] == '-';
    const char *s = p + i;
    size_t n = len - i;
    int shape = n > 0 ? text_digits_shape(s, n) : 0;
    /* "007" is a code (text_classify): a leading zero not before the dot */
    if (shape == 0 || (s[0] == '0' && n > 1 && s[1] != '.'))
        return text_classify(p, len);
    if (shape == TEXT_DIGITS && n > 18)
        return text_classify(p, len);
    /* [-] digits [. digits], no leading zero but before the dot: the JSON
     * number grammar holds it too */
    return (shape == TEXT_DIGITS ? KIND_INTEGER : KIND_NUMBER) | REC_NUM_YES << NUM_SHIFT;
}

enum text_kind meta_value_kind(const struct rec_field *f)
{
    switch (f->type) {
    case REC_TEXT:
        return f->len > 0 ? (enum text_kind)(quick_kind(f->val, f->len) & ((1u << NUM_SHIFT) - 1))
                          : KIND_STRING;
    case REC_INTEGER:
        return KIND_INTEGER;
    case REC_NUMBER:
        return KIND_NUMBER;
    case REC_BOOLEAN:
        return KIND_BOOLEAN;
    case REC_STRING: {
        enum text_kind k = f->len >= 10 ? text_classify(f->val, f->len) : KIND_STRING;
        return k == KIND_DATE || k == KIND_DATETIME ? k : KIND_STRING;
    }
    default:
        return KIND_STRING;
    }
}

static unsigned group_of(enum text_kind k)
{
    switch (k) {
    case KIND_INTEGER:
    case KIND_NUMBER:
        return GROUP_NUM;
    case KIND_BOOLEAN:
        return GROUP_BOOL;
    case KIND_DATE:
    case KIND_DATETIME:
        return GROUP_DATE;
    default:
        return 0;
    }
}

static void observe_detail(struct col_stat *c, const struct rec_field *f)
{
    c->present++;
    if (f->type == REC_NULL)
        return;
    long long chars = 0;
    for (size_t i = 0; i < f->len; i++)
        chars += ((unsigned char)f->val[i] & 0xC0) != 0x80;
    if (c->min_len < 0 || chars < c->min_len)
        c->min_len = chars;
    if (chars > c->max_len)
        c->max_len = chars;
    if (f->type == REC_JSON && f->len > 0) {
        c->objects += f->val[0] == '{';
        c->arrays += f->val[0] == '[';
    }
    double d;
    if ((f->type == REC_TEXT || f->type == REC_INTEGER || f->type == REC_NUMBER) &&
        text_parse_double(f->val, f->len, &d)) {
        if (!c->has_num || d < c->min)
            c->min = d;
        if (!c->has_num || d > c->max)
            c->max = d;
        c->has_num = true;
    }
}

/* The kind of a non-null value of a column not yet settled; with
 * note_num, sets f->num (whether the value is a JSON number, when its
 * kind told). */
static inline void observe_kind(struct col_stat *c, struct rec_field *f, bool note_num)
{
    unsigned q = f->type != REC_TEXT ? (unsigned)meta_value_kind(f)
                 : f->len > 0        ? quick_kind(f->val, f->len)
                                     : KIND_STRING;
    if (note_num)
        f->num = (unsigned char)(q >> NUM_SHIFT);
    unsigned k = q & ((1u << NUM_SHIFT) - 1);
    if (c->kinds & (1u << k))
        return;   /* a kind seen before changes nothing */
    unsigned g = group_of(k);
    c->kinds |= 1u << k;
    c->groups |= g;
    if (g == 0 || (c->groups & (c->groups - 1)) != 0)
        c->settled = true;   /* a string, or two kinds that do not mix */
}

/* Any record, from field `from` on: each field's column found by name. */
static int observe_any(struct meta_stats *s, struct record *rec, size_t from)
{
    for (size_t i = from; i < rec->nfields; i++) {
        struct rec_field *f = &rec->fields[i];
        if (s->note_num)
            f->num = REC_NUM_UNKNOWN;
        struct col_stat *c = i < s->n && s->cols[i].name == f->name ? &s->cols[i]
                                                                    : stat_for(s, i, f->name);
        if (!c) {
            if (s->n < META_MAX_COLUMNS)
                return -1;
            continue;
        }
        if (s->detailed)
            observe_detail(c, f);
        if (f->type == REC_NULL) {
            c->nulls++;
            continue;
        }
        if (!c->settled)
            observe_kind(c, f, s->note_num);
    }
    return 0;
}

void meta_note_numbers(struct meta_stats *s, bool on)
{
    s->note_num = on;
}

/* The usual record: its fields are the known columns in order. Inline
 * with a constant note_num, so each loop has only its own work. */
static inline int observe_usual(struct meta_stats *s, struct record *rec, bool note_num)
{
    struct rec_field *f = rec->fields;
    struct col_stat *cols = s->cols;
    size_t n = rec->nfields < s->n ? rec->nfields : s->n;
    for (size_t i = 0; i < n; i++) {
        struct col_stat *c = &cols[i];
        if (f[i].name != c->name)
            return observe_any(s, rec, i);
        if (f[i].type == REC_NULL)
            c->nulls++;
        else if (!c->settled)
            observe_kind(c, &f[i], note_num);
        else if (note_num)
            f[i].num = REC_NUM_UNKNOWN;
    }
    return n < rec->nfields ? observe_any(s, rec, n) : 0;
}

int meta_observe(struct meta_stats *s, struct record *rec)
{
    int rc = s->detailed   ? observe_any(s, rec, 0)
             : s->note_num ? observe_usual(s, rec, true)
                           : observe_usual(s, rec, false);
    rec->num_known = s->note_num && rc == 0;
    return rc;
}

const char *meta_kinds_type(unsigned kinds)
{
    unsigned groups = 0;
    for (int k = KIND_INTEGER; k <= KIND_STRING; k++)
        if (kinds & (1u << k))
            groups |= group_of((enum text_kind)k);
    if (kinds == 0 || (kinds & (1u << KIND_STRING)) || (groups & (groups - 1)) != 0)
        return "string";
    if (groups == GROUP_NUM)
        return kinds & (1u << KIND_NUMBER) ? "number" : "integer";
    if (groups == GROUP_BOOL)
        return "boolean";
    return kinds & (1u << KIND_DATETIME) ? "datetime" : "date";
}

static const char *type_of(const struct col_stat *c)
{
    return c->settled ? "string" : meta_kinds_type(c->kinds);
}

int meta_emit(const struct meta_stats *s, json_object *meta)
{
    json_object *types = json_object_new_object(), *nulls = json_object_new_object();
    if (!types || !nulls) {
        json_object_put(types);
        json_object_put(nulls);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        json_object_object_add(types, s->cols[i].name, json_object_new_string(type_of(&s->cols[i])));
        json_object_object_add(nulls, s->cols[i].name, json_object_new_int64(s->cols[i].nulls));
    }
    json_object *count;
    if (!json_object_object_get_ex(meta, "columns_count", &count)) {
        count = json_object_new_int64((int64_t)s->n);
        json_object_object_add(meta, "columns_count", count);
    }
    /* The FastAPI ETL document's name for the same number. */
    json_object_object_add(meta, "columns_found", json_object_new_int64(json_object_get_int64(count)));
    json_object_object_add(meta, "data_types", types);
    json_object_object_add(meta, "null_counts", nulls);
    return 0;
}

json_object *meta_schema(const struct meta_stats *s, long long rows)
{
    json_object *out = json_object_new_object(), *schema = json_object_new_object(),
                *summary = json_object_new_object(), *info = json_object_new_object(),
                *columns = json_object_new_array();
    if (!out || !schema || !summary || !info || !columns) {
        json_object_put(out);
        json_object_put(schema);
        json_object_put(summary);
        json_object_put(info);
        json_object_put(columns);
        return NULL;
    }
    long long required = 0, objects = 0, arrays = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct col_stat *c = &s->cols[i];
        json_object *col = json_object_new_object();
        const char *type = type_of(c);
        if (c->objects > 0 && c->objects == c->present - c->nulls)
            type = "object";
        else if (c->arrays > 0 && c->arrays == c->present - c->nulls)
            type = "array";
        bool nullable = c->nulls > 0 || c->present < rows || rows == 0;
        required += !nullable;
        objects += c->objects > 0;
        arrays += c->arrays > 0;
        json_object_object_add(col, "type", json_object_new_string(type));
        json_object_object_add(col, "nullable", json_object_new_boolean(nullable));
        json_object_object_add(col, "min_length", c->min_len >= 0 ? json_object_new_int64(c->min_len) : NULL);
        json_object_object_add(col, "max_length", c->min_len >= 0 ? json_object_new_int64(c->max_len) : NULL);
        bool numeric = strcmp(type, "integer") == 0 || strcmp(type, "number") == 0;
        if (numeric && c->has_num && strcmp(type, "integer") == 0) {
            json_object_object_add(col, "min", json_object_new_int64((int64_t)c->min));
            json_object_object_add(col, "max", json_object_new_int64((int64_t)c->max));
        } else if (numeric && c->has_num) {
            json_object_object_add(col, "min", json_object_new_double(c->min));
            json_object_object_add(col, "max", json_object_new_double(c->max));
        }
        json_object_object_add(col, "null_count", json_object_new_int64(c->nulls));
        json_object_object_add(schema, c->name, col);
        json_object_array_add(columns, json_object_new_string(c->name));
    }
    json_object_object_add(summary, "total_fields", json_object_new_int64((int64_t)s->n));
    json_object_object_add(summary, "required_fields", json_object_new_int64(required));
    json_object_object_add(summary, "optional_fields", json_object_new_int64((int64_t)s->n - required));
    json_object_object_add(summary, "nested_objects", json_object_new_int64(objects));
    json_object_object_add(summary, "arrays", json_object_new_int64(arrays));
    json_object_object_add(info, "rows_analyzed", json_object_new_int64(rows));
    json_object_object_add(info, "columns", columns);
    json_object_object_add(out, "schema", schema);
    json_object_object_add(out, "summary", summary);
    json_object_object_add(out, "sample_info", info);
    return out;
}
