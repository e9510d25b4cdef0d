/* metadata.c — infers each column's type from its values (see metadata.h).
 * A column is integer, number (integers and decimals mixed), boolean, date,
 * datetime (dates and date-times mixed) or string (anything else, or
 * mixed kinds). Nulls do not count. Once a column is a string its values
 * are no longer looked at, which keeps the cost on the hot path small. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
};

struct meta_stats {
    struct col_stat *cols;
    size_t n, cap;
};

struct meta_stats *meta_new(void)
{
    return calloc(1, sizeof(struct meta_stats));
}

void meta_free(struct meta_stats *stats)
{
    if (!stats)
        return;
    free(stats->cols);
    free(stats);
}

static struct col_stat *stat_for(struct meta_stats *s, size_t pos, const char *name)
{
    if (pos < s->n && s->cols[pos].name == name)
        return &s->cols[pos];
    for (size_t i = 0; i < s->n; i++)
        if (s->cols[i].name == name)
            return &s->cols[i];
    if (s->n >= META_MAX_COLUMNS)
        return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct col_stat *cols = realloc(s->cols, cap * sizeof(*cols));
        if (!cols)
            return NULL;
        s->cols = cols;
        s->cap = cap;
    }
    struct col_stat *c = &s->cols[s->n++];
    memset(c, 0, sizeof(*c));
    c->name = name;
    return c;
}

int meta_columns(struct meta_stats *s, const struct rec_columns *cols)
{
    for (size_t i = 0; i < cols->count; i++)
        if (!stat_for(s, i, cols->names[i]) && s->n < META_MAX_COLUMNS)
            return -1;
    return 0;
}

static enum text_kind kind_of(const struct rec_field *f)
{
    switch (f->type) {
    case REC_TEXT:
        return text_classify(f->val, f->len);
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

int meta_observe(struct meta_stats *s, const struct record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct rec_field *f = &rec->fields[i];
        struct col_stat *c = stat_for(s, i, f->name);
        if (!c) {
            if (s->n < META_MAX_COLUMNS)
                return -1;
            continue;
        }
        if (f->type == REC_NULL) {
            c->nulls++;
            continue;
        }
        if (c->settled)
            continue;
        enum text_kind k = kind_of(f);
        unsigned g = group_of(k);
        c->kinds |= 1u << k;
        c->groups |= g;
        if (g == 0 || (c->groups & (c->groups - 1)) != 0)
            c->settled = true;   /* a string, or two kinds that do not mix */
    }
    return 0;
}

static const char *type_of(const struct col_stat *c)
{
    if (c->settled || c->kinds == 0)
        return "string";
    if (c->groups == GROUP_NUM)
        return c->kinds & (1u << KIND_NUMBER) ? "number" : "integer";
    if (c->groups == GROUP_BOOL)
        return "boolean";
    return c->kinds & (1u << KIND_DATETIME) ? "datetime" : "date";
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
    if (!json_object_object_get_ex(meta, "columns_count", NULL))
        json_object_object_add(meta, "columns_count", json_object_new_int64((int64_t)s->n));
    json_object_object_add(meta, "data_types", types);
    json_object_object_add(meta, "null_counts", nulls);
    return 0;
}
