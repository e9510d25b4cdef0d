/* write_parquet.c — Parquet out: one flat schema, every column OPTIONAL.
 *
 * Rows are buffered column by column for one row group (row_group_size
 * rows, or about PQW_GROUP_BYTES of buffered cells, whichever comes
 * first), then each column is typed, encoded, compressed and written, and
 * the buffer is reused: memory stays bounded whatever the file size.
 *
 * Types come from the engine's inference (metadata.c) over the first row
 * group: integer -> INT64, number -> DOUBLE, boolean -> BOOLEAN, date ->
 * INT32 DATE, datetime -> INT64 TIMESTAMP(MICROS, UTC), anything else ->
 * BYTE_ARRAY STRING. A Parquet file has one schema, so later row groups
 * must fit it: a value that does not stops the run with a message naming
 * the column and the row (nothing is silently nulled).
 *
 * Each column chunk is dictionary-encoded (a PLAIN dictionary page, then
 * RLE_DICTIONARY data pages) until its dictionary passes PQW_DICT_BYTES,
 * then PLAIN. Definition levels are RLE / bit-packed. Pages are data page
 * v1 of about PQW_PAGE_BYTES before compression. Column statistics:
 * min_value, max_value, null_count. Options (convert_format params):
 * compression snappy|zstd|none (default snappy), row_group_size. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/metadata.h"
#include "process/outbuf.h"
#include "process/parquet_meta.h"
#include "process/parquet_page.h"
#include "process/record.h"
#include "process/step_util.h"
#include "process/text.h"

#define PQW_DEFAULT_GROUP_ROWS 1000000
#define PQW_MAX_GROUP_ROWS 100000000
/* Bytes a buffered cell costs: its value, its end offset and null flag, and
 * at flush its converted value and dictionary index. */
#define PQW_CELL_COST 17
#define PQW_GROUP_BYTES (48u << 20)
#define PQW_PAGE_BYTES (1u << 20)
#define PQW_DICT_BYTES (1u << 20)
/* Longer string minimums and maximums are left out of the statistics. */
#define PQW_STAT_MAX_LEN 1024
#ifdef PACKAGE_VERSION
#define PQW_CREATED_BY "quarry version " PACKAGE_VERSION
#else
#define PQW_CREATED_BY "quarry"
#endif

enum pqw_kind { PK_STRING, PK_INT64, PK_DOUBLE, PK_BOOLEAN, PK_DATE, PK_TIMESTAMP };

static const char *const kind_names[] = {"string", "integer", "number",
                                         "boolean", "date",   "datetime"};

struct pqw_col {
    const char *name;          /* interned: the writer's names.names[i] */
    struct pq_buf text;        /* the group's non-null values, back to back */
    uint32_t *ends;            /* per row: where its value ends in text */
    uint8_t *isnull;
    unsigned kinds;            /* 1 << text_kind of the group's values */
    enum pqw_kind kind;
};

struct dict_entry {
    uint64_t bits;             /* a fixed-width value, or offset << 32 | length of a string */
};

struct pq_writer {
    struct rec_env *env;
    struct outbuf ob;
    int codec;
    size_t group_rows_max;
    struct rec_names names;    /* the columns, and where each is found in a record */
    struct pqw_col *cols;
    size_t ncols;
    bool columns_set, typed;
    size_t rows, rows_cap;     /* of the group being built */
    size_t bytes;
    int64_t rows_done;         /* in earlier groups */
    struct pq_row_group *groups;
    uint32_t ngroups, groups_cap;
    struct pq_codecs *codecs;
    /* scratch of one column chunk, reused */
    uint64_t *vals;            /* converted non-null values (fixed-width kinds) */
    uint32_t *index;           /* dictionary index of each non-null value */
    uint32_t *levels;          /* definition levels of one page */
    size_t vals_cap, levels_cap;
    struct dict_entry *dict;
    size_t ndict, dict_cap, dict_bytes;
    uint32_t *slots;           /* open addressing over dict: entry + 1 */
    size_t slots_mask;
    struct pq_buf page, packed;
    struct tc_writer header;
};

/* ---------------------------------------------------------------- options */

static int parse_codec(const char *s)
{
    if (strcasecmp(s, "snappy") == 0)
        return PQ_SNAPPY;
    if (strcasecmp(s, "zstd") == 0)
        return PQ_ZSTD;
    if (strcasecmp(s, "none") == 0 || strcasecmp(s, "uncompressed") == 0)
        return PQ_UNCOMPRESSED;
    return -1;
}

static int pqw_validate_options(json_object *params, char *field, size_t field_len, char *msg,
                                size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    const char *compression = NULL;
    if (param_string(params, "compression", false, &compression, &e))
        return -1;
    if (compression && parse_codec(compression) < 0)
        return step_err_set(&e, "compression", "must be one of: snappy, zstd, none");
    json_object *rows = param_get(params, "row_group_size");
    if (rows && (!json_object_is_type(rows, json_type_int) || json_object_get_int64(rows) < 1 ||
                 json_object_get_int64(rows) > PQW_MAX_GROUP_ROWS))
        return step_err_set(&e, "row_group_size", "must be an integer from 1 to %d",
                            PQW_MAX_GROUP_ROWS);
    return 0;
}

/* ---------------------------------------------------------------- buffering */

/* The column buffers, once w->names is set. */
static int set_columns(struct pq_writer *w)
{
    size_t n = w->names.count;
    w->cols = calloc(n ? n : 1, sizeof(*w->cols));
    if (!w->cols)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++)
        w->cols[i].name = w->names.names[i];
    w->ncols = n;
    w->columns_set = true;
    return ENGINE_OK;
}

static int grow_rows(struct pq_writer *w)
{
    size_t cap = w->rows_cap ? w->rows_cap * 2 : 4096;
    if (cap > w->group_rows_max)
        cap = w->group_rows_max;
    for (size_t i = 0; i < w->ncols; i++) {
        uint32_t *ends = realloc(w->cols[i].ends, cap * sizeof(*ends));
        if (ends)
            w->cols[i].ends = ends;
        uint8_t *isnull = realloc(w->cols[i].isnull, cap);
        if (isnull)
            w->cols[i].isnull = isnull;
        if (!ends || !isnull)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    }
    w->rows_cap = cap;
    return ENGINE_OK;
}

/* Appends p[0..len) to text, with invalid UTF-8 replaced by U+FFFD (a
 * STRING column must hold UTF-8). */
static void put_text(struct pq_buf *text, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (unsigned char)p[i] < 0x80)
        i++;
    if (i == len || text_utf8_valid_prefix(p + i, len - i, false)) {
        pq_buf_put(text, p, len);
        return;
    }
    const unsigned char *u = (const unsigned char *)p;
    pq_buf_put(text, p, i);
    while (i < len) {
        size_t n = text_utf8_seq(u + i, len - i);
        if (n == 0) {
            pq_buf_put(text, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            pq_buf_put(text, p + i, n);
            i += n;
        }
    }
}

static int flush_group(struct pq_writer *w);

static int pqw_write(void *state, const struct record *rec)
{
    struct pq_writer *w = state;
    if (!w->columns_set) {
        int rc = rec_names_of_record(&w->names, w->env, rec);
        if (rc != ENGINE_OK || (rc = set_columns(w)) != ENGINE_OK)
            return rc;
    }
    if (w->rows == w->rows_cap && grow_rows(w) != ENGINE_OK)
        return ENGINE_NO_MEMORY;
    size_t row = w->rows;
    for (size_t i = 0; i < w->ncols; i++) {
        struct pqw_col *c = &w->cols[i];
        const struct rec_field *f = rec_names_field(&w->names, rec, i);
        bool null = !f || f->type == REC_NULL;
        c->isnull[row] = null;
        if (!null) {
            put_text(&c->text, f->val, f->len);
            c->kinds |= 1u << meta_value_kind(f);
            w->bytes += f->len;
        }
        if (c->text.failed || c->text.len > UINT32_MAX)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory (a row group is too large)");
        c->ends[row] = (uint32_t)c->text.len;
        w->bytes += PQW_CELL_COST;
    }
    w->rows++;
    if (w->rows >= w->group_rows_max || w->bytes >= PQW_GROUP_BYTES)
        return flush_group(w);
    return ENGINE_OK;
}

/* ---------------------------------------------------------------- typing */

static enum pqw_kind kind_of_type(const char *type)
{
    if (strcmp(type, "integer") == 0)
        return PK_INT64;
    if (strcmp(type, "number") == 0)
        return PK_DOUBLE;
    if (strcmp(type, "boolean") == 0)
        return PK_BOOLEAN;
    if (strcmp(type, "date") == 0)
        return PK_DATE;
    if (strcmp(type, "datetime") == 0)
        return PK_TIMESTAMP;
    return PK_STRING;
}

static void value_of(const struct pqw_col *c, size_t row, const char **p, size_t *len)
{
    uint32_t start = row > 0 ? c->ends[row - 1] : 0;
    *p = (const char *)c->text.p + start;
    *len = c->ends[row] - start;
}

static bool parse_int(const char *p, size_t len, int64_t *out)
{
    /* the usual form first: optional '-', up to 18 digits */
    size_t i = len > 0 && p[0] == '-';
    if (len > i && len - i <= 18) {
        int64_t v = 0;
        size_t k = i;
        for (; k < len && (unsigned char)(p[k] - '0') < 10; k++)
            v = v * 10 + (p[k] - '0');
        if (k == len) {
            *out = i ? -v : v;
            return true;
        }
    }
    return text_parse_int64(p, len, out);
}

/* Converts one value to the column's kind; false when it does not fit. */
static bool convert(enum pqw_kind kind, const char *p, size_t len, uint64_t *out)
{
    int64_t i64;
    double d;
    bool b, has_time;
    switch (kind) {
    case PK_INT64:
        if (!parse_int(p, len, &i64))
            return false;
        *out = (uint64_t)i64;
        return true;
    case PK_DOUBLE:
        if (!text_parse_double(p, len, &d))
            return false;
        memcpy(out, &d, sizeof(d));
        return true;
    case PK_BOOLEAN:
        if (!text_parse_bool(p, len, &b))
            return false;
        *out = b;
        return true;
    case PK_DATE:
        if (!text_parse_iso_micros(p, len, &i64, &has_time) || has_time)
            return false;
        i64 /= 86400000000LL;
        if (i64 < INT32_MIN || i64 > INT32_MAX)
            return false;
        *out = (uint64_t)i64;
        return true;
    case PK_TIMESTAMP:
        if (!text_parse_iso_micros(p, len, &i64, &has_time))
            return false;
        *out = (uint64_t)i64;
        return true;
    case PK_STRING:
        break;
    }
    return false;
}

static const char *quote(const char *p, size_t len, char *out, size_t out_len)
{
    step_quote_value(out, out_len, p, len);
    return out;
}

/* ---------------------------------------------------------------- dictionary */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t k;
        memcpy(&k, p + i, 8);
        h = mix64(h ^ k);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, len - i);
    return mix64(h ^ tail);
}

static void dict_reset(struct pq_writer *w)
{
    w->ndict = 0;
    w->dict_bytes = 0;
    if (w->slots)
        memset(w->slots, 0, (w->slots_mask + 1) * sizeof(*w->slots));
}

static bool dict_same(const struct pqw_col *c, enum pqw_kind kind, uint64_t a, uint64_t b)
{
    if (kind != PK_STRING)
        return a == b;
    uint32_t alen = (uint32_t)a, blen = (uint32_t)b;
    return alen == blen &&
           memcmp(c->text.p + (a >> 32), c->text.p + (b >> 32), alen) == 0;
}

static uint64_t dict_hash(const struct pqw_col *c, enum pqw_kind kind, uint64_t bits)
{
    if (kind != PK_STRING)
        return mix64(bits);
    return hash_bytes(c->text.p + (bits >> 32), (uint32_t)bits);
}

static bool dict_grow(struct pq_writer *w, const struct pqw_col *c, enum pqw_kind kind)
{
    size_t n = w->slots ? (w->slots_mask + 1) * 2 : 4096;
    uint32_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return false;
    for (size_t e = 0; e < w->ndict; e++) {
        size_t s = dict_hash(c, kind, w->dict[e].bits) & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)e + 1;
    }
    free(w->slots);
    w->slots = slots;
    w->slots_mask = n - 1;
    return true;
}

/* The dictionary index of a value, added when new. -1 when the dictionary
 * would pass PQW_DICT_BYTES (the column falls back to PLAIN), -2 when out
 * of memory. */
static long dict_index(struct pq_writer *w, const struct pqw_col *c, enum pqw_kind kind,
                       uint64_t bits, size_t value_bytes)
{
    if (!w->slots || (w->ndict + 1) * 2 > w->slots_mask + 1)
        if (!dict_grow(w, c, kind))
            return -2;
    size_t s = dict_hash(c, kind, bits) & w->slots_mask;
    for (; w->slots[s]; s = (s + 1) & w->slots_mask)
        if (dict_same(c, kind, w->dict[w->slots[s] - 1].bits, bits))
            return (long)w->slots[s] - 1;
    if (w->dict_bytes + value_bytes > PQW_DICT_BYTES)
        return -1;
    if (w->ndict == w->dict_cap) {
        size_t cap = w->dict_cap ? w->dict_cap * 2 : 1024;
        struct dict_entry *d = realloc(w->dict, cap * sizeof(*d));
        if (!d)
            return -2;
        w->dict = d;
        w->dict_cap = cap;
    }
    w->dict[w->ndict].bits = bits;
    w->slots[s] = (uint32_t)++w->ndict;
    w->dict_bytes += value_bytes;
    return (long)w->ndict - 1;
}

/* ---------------------------------------------------------------- encoding */

static enum pq_type physical_of(enum pqw_kind kind)
{
    switch (kind) {
    case PK_INT64: case PK_TIMESTAMP: return PQ_INT64;
    case PK_DOUBLE: return PQ_DOUBLE;
    case PK_BOOLEAN: return PQ_BOOLEAN;
    case PK_DATE: return PQ_INT32;
    case PK_STRING: break;
    }
    return PQ_BYTE_ARRAY;
}

static size_t fixed_width(enum pqw_kind kind)
{
    return kind == PK_DATE ? 4 : kind == PK_BOOLEAN ? 1 : 8;
}

/* PLAIN encoding of one value (booleans are packed by the caller). */
static void put_plain(struct pq_buf *b, const struct pqw_col *c, enum pqw_kind kind,
                      uint64_t bits)
{
    if (kind == PK_STRING) {
        uint32_t len = (uint32_t)bits;
        pq_buf_put_u32le(b, len);
        pq_buf_put(b, c->text.p + (bits >> 32), len);
    } else if (kind == PK_DATE) {
        pq_buf_put_u32le(b, (uint32_t)bits);
    } else {
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(bits >> (8 * i));
        pq_buf_put(b, le, 8);
    }
}

/* Writes one page: header, then the compressed body. */
static int write_page(struct pq_writer *w, struct pq_page_header *h, const struct pq_buf *body,
                      int64_t *uncompressed_total, int64_t *compressed_total)
{
    w->packed.len = 0;
    if (body->failed || pq_compress(w->codecs, w->codec, body->p, body->len, &w->packed) != 0)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory compressing a page");
    if (body->len > INT32_MAX || w->packed.len > INT32_MAX)
        return rec_fail(w->env, ENGINE_BAD_INPUT, "a Parquet page would be over 2 GB");
    h->uncompressed_size = (int32_t)body->len;
    h->compressed_size = (int32_t)w->packed.len;
    tc_writer_reset(&w->header);
    pq_page_header_encode(&w->header, h);
    if (w->header.failed)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    outbuf_put(&w->ob, w->header.buf, w->header.len);
    outbuf_put(&w->ob, w->packed.p, w->packed.len);
    *uncompressed_total += (int64_t)(w->header.len + body->len);
    *compressed_total += (int64_t)(w->header.len + w->packed.len);
    return ENGINE_OK;
}

static int64_t file_pos(const struct pq_writer *w)
{
    return w->ob.written + (int64_t)w->ob.len;
}

struct chunk_stats {
    bool has;
    uint64_t min, max;         /* values, or offset << 32 | length for strings */
};

static bool less(const struct pqw_col *c, enum pqw_kind kind, uint64_t a, uint64_t b)
{
    switch (kind) {
    case PK_STRING: {
        uint32_t al = (uint32_t)a, bl = (uint32_t)b;
        int d = memcmp(c->text.p + (a >> 32), c->text.p + (b >> 32), al < bl ? al : bl);
        return d < 0 || (d == 0 && al < bl);
    }
    case PK_DOUBLE: {
        double x, y;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        return x < y;
    }
    case PK_BOOLEAN:
        return a < b;
    case PK_DATE:
        return (int32_t)a < (int32_t)b;
    default:
        return (int64_t)a < (int64_t)b;
    }
}

static void observe_stat(struct chunk_stats *s, const struct pqw_col *c, enum pqw_kind kind,
                         uint64_t v)
{
    if (kind == PK_DOUBLE) {
        double d;
        memcpy(&d, &v, 8);
        if (isnan(d))
            return;   /* NaN is left out of min and max */
    }
    if (!s->has) {
        s->min = s->max = v;
        s->has = true;
        return;
    }
    if (less(c, kind, v, s->min))
        s->min = v;
    if (less(c, kind, s->max, v))
        s->max = v;
}

/* The statistics' min_value and max_value, PLAIN-encoded without a length
 * prefix, in one allocation owned by the chunk (freed at close). */
static int fill_stats(struct pq_writer *w, const struct pqw_col *c, enum pqw_kind kind,
                      const struct chunk_stats *s, struct pq_statistics *out)
{
    if (!s->has)
        return ENGINE_OK;
    uint8_t minb[8], maxb[8];
    const uint8_t *minp = minb, *maxp = maxb;
    size_t minl, maxl;
    if (kind == PK_STRING) {
        minp = c->text.p + (s->min >> 32), minl = (uint32_t)s->min;
        maxp = c->text.p + (s->max >> 32), maxl = (uint32_t)s->max;
        if (minl > PQW_STAT_MAX_LEN || maxl > PQW_STAT_MAX_LEN)
            return ENGINE_OK;
    } else {
        uint64_t lo = s->min, hi = s->max;
        if (kind == PK_DOUBLE) {
            /* the specification asks for -0.0 as a zero minimum, +0.0 as a zero maximum */
            double d;
            memcpy(&d, &lo, 8);
            if (d == 0) {
                d = -0.0;
                memcpy(&lo, &d, 8);
            }
            memcpy(&d, &hi, 8);
            if (d == 0) {
                d = 0.0;
                memcpy(&hi, &d, 8);
            }
        }
        minl = maxl = fixed_width(kind);
        for (size_t i = 0; i < 8; i++) {
            minb[i] = (uint8_t)(lo >> (8 * i));
            maxb[i] = (uint8_t)(hi >> (8 * i));
        }
    }
    uint8_t *mem = malloc(minl + maxl ? minl + maxl : 1);
    if (!mem)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    memcpy(mem, minp, minl);
    memcpy(mem + minl, maxp, maxl);
    out->min = mem;
    out->min_len = minl;
    out->max = mem + minl;
    out->max_len = maxl;
    out->has_min = out->has_max = true;
    return ENGINE_OK;
}

static int reserve_scratch(struct pq_writer *w, size_t n)
{
    if (n <= w->vals_cap)
        return ENGINE_OK;
    uint64_t *vals = realloc(w->vals, n * sizeof(*vals));
    if (vals)
        w->vals = vals;
    uint32_t *index = realloc(w->index, n * sizeof(*index));
    if (index)
        w->index = index;
    if (!vals || !index)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    w->vals_cap = n;
    return ENGINE_OK;
}

/* Pass 1 over a column: convert every value, gather statistics, build the
 * dictionary while it stays small. Returns the number of non-null values
 * in *nn, whether the dictionary holds in *use_dict. */
static int convert_column(struct pq_writer *w, struct pqw_col *c, size_t *nn, bool *use_dict,
                          struct chunk_stats *st, int64_t *nulls)
{
    enum pqw_kind kind = c->kind;
    size_t n = 0;
    *use_dict = kind != PK_BOOLEAN;
    dict_reset(w);
    for (size_t r = 0; r < w->rows; r++) {
        if (c->isnull[r]) {
            (*nulls)++;
            continue;
        }
        const char *p;
        size_t len;
        value_of(c, r, &p, &len);
        uint64_t v;
        char shown[64];
        size_t vbytes = 4 + len;
        if (kind == PK_STRING) {
            v = (uint64_t)(p - (const char *)c->text.p) << 32 | len;
        } else if (convert(kind, p, len, &v)) {
            vbytes = fixed_width(kind);
        } else {
            return rec_fail(w->env, ENGINE_BAD_INPUT,
                            "column \"%s\" is written as %s (inferred from the first row group), "
                            "but row %" PRId64 " holds \"%s\": cast the column (a cast step) or "
                            "raise row_group_size",
                            c->name, kind_names[kind], w->rows_done + (int64_t)r + 1,
                            quote(p, len, shown, sizeof(shown)));
        }
        w->vals[n] = v;
        observe_stat(st, c, kind, v);
        if (*use_dict) {
            long idx = dict_index(w, c, kind, v, vbytes);
            if (idx == -2)
                return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
            if (idx < 0)
                *use_dict = false;
            else
                w->index[n] = (uint32_t)idx;
        }
        n++;
    }
    *nn = n;
    return ENGINE_OK;
}

/* Where a page ends: about PQW_PAGE_BYTES of values from row r0. */
static size_t page_end(const struct pq_writer *w, const struct pqw_col *c, size_t r0,
                       bool use_dict)
{
    size_t bytes = 0, r = r0;
    size_t width = c->kind == PK_STRING ? 0 : fixed_width(c->kind);
    for (; r < w->rows && bytes < PQW_PAGE_BYTES; r++) {
        if (c->isnull[r])
            continue;
        if (use_dict)
            bytes += 3;
        else if (width)
            bytes += width;
        else
            bytes += 4 + (c->ends[r] - (r > 0 ? c->ends[r - 1] : 0));
    }
    return r;
}

static int write_dictionary(struct pq_writer *w, struct pqw_col *c, int64_t *unc, int64_t *comp)
{
    w->page.len = 0;
    for (size_t e = 0; e < w->ndict; e++)
        put_plain(&w->page, c, c->kind, w->dict[e].bits);
    struct pq_page_header h = {.type = PQ_DICTIONARY_PAGE,
                               .num_values = (int32_t)w->ndict,
                               .encoding = PQ_PLAIN};
    return write_page(w, &h, &w->page, unc, comp);
}

static int write_data_page(struct pq_writer *w, struct pqw_col *c, size_t r0, size_t r1,
                           size_t v0, size_t v1, bool use_dict, int64_t *unc, int64_t *comp)
{
    size_t rows = r1 - r0;
    if (rows > w->levels_cap) {
        uint32_t *l = realloc(w->levels, rows * sizeof(*l));
        if (!l)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        w->levels = l;
        w->levels_cap = rows;
    }
    for (size_t r = r0; r < r1; r++)
        w->levels[r - r0] = !c->isnull[r];
    struct pq_buf *b = &w->page;
    b->len = 0;
    pq_buf_put_u32le(b, 0);   /* the levels' length, set below */
    pq_rle_encode(b, w->levels, rows, 1);
    if (!b->failed) {
        uint32_t n = (uint32_t)(b->len - 4);
        uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
        memcpy(b->p, le, 4);
    }
    if (use_dict) {
        int width = pq_bit_width(w->ndict > 0 ? w->ndict - 1 : 0);
        uint8_t wb = (uint8_t)width;
        pq_buf_put(b, &wb, 1);
        pq_rle_encode(b, w->index + v0, v1 - v0, width);
    } else if (c->kind == PK_BOOLEAN) {
        uint8_t *dst = pq_buf_reserve(b, (v1 - v0 + 7) / 8);
        if (dst) {
            memset(dst, 0, (v1 - v0 + 7) / 8);
            for (size_t i = v0; i < v1; i++)
                if (w->vals[i])
                    dst[(i - v0) / 8] |= (uint8_t)(1u << ((i - v0) % 8));
            b->len += (v1 - v0 + 7) / 8;
        }
    } else {
        for (size_t i = v0; i < v1; i++)
            put_plain(b, c, c->kind, w->vals[i]);
    }
    if (rows > INT32_MAX)
        return rec_fail(w->env, ENGINE_BAD_INPUT, "a Parquet page would hold too many rows");
    struct pq_page_header h = {.type = PQ_DATA_PAGE,
                               .num_values = (int32_t)rows,
                               .encoding = use_dict ? PQ_RLE_DICTIONARY : PQ_PLAIN,
                               .def_encoding = PQ_RLE,
                               .rep_encoding = PQ_RLE};
    return write_page(w, &h, b, unc, comp);
}

static int write_column(struct pq_writer *w, struct pqw_col *c, struct pq_column_chunk *chunk)
{
    size_t nn = 0;
    bool use_dict;
    struct chunk_stats st = {0};
    int64_t nulls = 0, unc = 0, comp = 0;
    int rc = reserve_scratch(w, w->rows);
    if (rc == ENGINE_OK)
        rc = convert_column(w, c, &nn, &use_dict, &st, &nulls);
    if (rc != ENGINE_OK)
        return rc;
    struct pq_column_meta *m = &chunk->meta;
    m->type = physical_of(c->kind);
    m->codec = w->codec;
    m->path = c->name;
    m->path_len = strlen(c->name);
    m->num_values = (int64_t)w->rows;
    m->dictionary_page_offset = -1;
    m->encodings = 1u << PQ_PLAIN | 1u << PQ_RLE;
    m->stats.has_null_count = true;
    m->stats.null_count = nulls;
    chunk->file_offset = file_pos(w);
    chunk->has_meta = true;
    if (use_dict) {
        m->dictionary_page_offset = file_pos(w);
        m->encodings |= 1u << PQ_RLE_DICTIONARY;
        if ((rc = write_dictionary(w, c, &unc, &comp)) != ENGINE_OK)
            return rc;
    }
    m->data_page_offset = file_pos(w);
    size_t r0 = 0, v0 = 0;
    do {
        size_t r1 = page_end(w, c, r0, use_dict), v1 = v0;
        for (size_t r = r0; r < r1; r++)
            v1 += !c->isnull[r];
        if ((rc = write_data_page(w, c, r0, r1, v0, v1, use_dict, &unc, &comp)) != ENGINE_OK)
            return rc;
        r0 = r1;
        v0 = v1;
    } while (r0 < w->rows);
    m->total_uncompressed_size = unc;
    m->total_compressed_size = comp;
    if ((rc = outbuf_status(&w->ob, w->env)) != ENGINE_OK)
        return rc;
    return fill_stats(w, c, c->kind, &st, &m->stats);
}

static void decide_kinds(struct pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++)
        w->cols[i].kind = kind_of_type(meta_kinds_type(w->cols[i].kinds));
    w->typed = true;
}

static int flush_group(struct pq_writer *w)
{
    if (w->rows == 0)
        return ENGINE_OK;
    if (!w->typed)
        decide_kinds(w);
    if (w->ngroups == w->groups_cap) {
        uint32_t cap = w->groups_cap ? w->groups_cap * 2 : 16;
        struct pq_row_group *g = realloc(w->groups, cap * sizeof(*g));
        if (!g)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        w->groups = g;
        w->groups_cap = cap;
    }
    struct pq_row_group *rg = &w->groups[w->ngroups];
    memset(rg, 0, sizeof(*rg));
    rg->columns = calloc(w->ncols ? w->ncols : 1, sizeof(*rg->columns));
    if (!rg->columns)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    w->ngroups++;
    rg->ncolumns = (uint32_t)w->ncols;
    rg->num_rows = (int64_t)w->rows;
    for (size_t i = 0; i < w->ncols; i++) {
        int rc = write_column(w, &w->cols[i], &rg->columns[i]);
        if (rc != ENGINE_OK)
            return rc;
        rg->total_byte_size += rg->columns[i].meta.total_uncompressed_size;
        w->cols[i].text.len = 0;
    }
    w->rows_done += (int64_t)w->rows;
    w->rows = 0;
    w->bytes = 0;
    return ENGINE_OK;
}

/* ---------------------------------------------------------------- open / close */

static void leaf_of(const struct pqw_col *c, struct pq_schema_elem *e)
{
    memset(e, 0, sizeof(*e));
    e->name = c->name;
    e->name_len = strlen(c->name);
    e->repetition = PQ_OPTIONAL;
    e->type = physical_of(c->kind);
    e->converted = -1;
    switch (c->kind) {
    case PK_STRING:
        e->logical = PQ_LT_STRING;
        e->converted = PQ_CT_UTF8;
        break;
    case PK_DATE:
        e->logical = PQ_LT_DATE;
        e->converted = PQ_CT_DATE;
        break;
    case PK_TIMESTAMP:
        e->logical = PQ_LT_TIMESTAMP;
        e->unit = PQ_MICROS;
        e->utc = true;
        e->converted = PQ_CT_TIMESTAMP_MICROS;
        break;
    default:
        break;
    }
}

static int write_footer(struct pq_writer *w)
{
    struct pq_schema_elem *schema = calloc(w->ncols + 1, sizeof(*schema));
    if (!schema)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    schema[0].name = "schema";
    schema[0].name_len = 6;
    schema[0].type = schema[0].repetition = schema[0].converted = -1;
    schema[0].num_children = (int32_t)w->ncols;
    for (size_t i = 0; i < w->ncols; i++)
        leaf_of(&w->cols[i], &schema[i + 1]);
    struct pq_file_meta meta = {
        .version = 1,
        .schema = schema,
        .nschema = (uint32_t)w->ncols + 1,
        .num_rows = w->rows_done,
        .row_groups = w->groups,
        .nrow_groups = w->ngroups,
        .created_by = PQW_CREATED_BY,
        .created_by_len = strlen(PQW_CREATED_BY),
    };
    tc_writer_reset(&w->header);
    pq_file_meta_encode(&w->header, &meta);
    free(schema);
    if (w->header.failed || w->header.len > UINT32_MAX)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory writing the file metadata");
    uint32_t n = (uint32_t)w->header.len;
    uint8_t tail[8] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24),
                       'P', 'A', 'R', '1'};
    outbuf_put(&w->ob, w->header.buf, w->header.len);
    outbuf_put(&w->ob, tail, sizeof(tail));
    return ENGINE_OK;
}

static void free_writer(struct pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        pq_buf_free(&w->cols[i].text);
        free(w->cols[i].ends);
        free(w->cols[i].isnull);
    }
    free(w->cols);
    rec_names_free(&w->names);
    for (uint32_t g = 0; g < w->ngroups; g++) {
        for (uint32_t c = 0; c < w->groups[g].ncolumns; c++)
            free((void *)w->groups[g].columns[c].meta.stats.min);   /* min and max: one block */
        free(w->groups[g].columns);
    }
    free(w->groups);
    pq_codecs_free(w->codecs);
    free(w->vals);
    free(w->index);
    free(w->levels);
    free(w->dict);
    free(w->slots);
    pq_buf_free(&w->page);
    pq_buf_free(&w->packed);
    tc_writer_free(&w->header);
    free(w);
}

static int pqw_open(void **state, const struct writer_args *args)
{
    struct pq_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    w->env = args->env;
    w->codec = PQ_SNAPPY;
    w->group_rows_max = PQW_DEFAULT_GROUP_ROWS;
    json_object *v;
    if (args->options && json_object_object_get_ex(args->options, "compression", &v))
        w->codec = parse_codec(json_object_get_string(v));
    if (args->options && json_object_object_get_ex(args->options, "row_group_size", &v))
        w->group_rows_max = (size_t)json_object_get_int64(v);
    if (w->codec < 0 || w->group_rows_max < 1 || w->group_rows_max > PQW_MAX_GROUP_ROWS) {
        free(w);
        return rec_fail(args->env, ENGINE_BAD_CONFIG, "invalid Parquet writer options");
    }
    tc_writer_init(&w->header);
    w->codecs = pq_codecs_new();
    int rc = w->codecs ? outbuf_create(&w->ob, args->path, w->env)
                       : rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    if (rc != ENGINE_OK) {
        free_writer(w);
        return rc;
    }
    if (args->columns && args->columns->count > 0 &&
        ((rc = rec_names_copy(&w->names, w->env, args->columns->names,
                              args->columns->count)) != ENGINE_OK ||
         (rc = set_columns(w)) != ENGINE_OK)) {
        outbuf_close(&w->ob);
        free_writer(w);
        return rc;
    }
    outbuf_put(&w->ob, PQ_MAGIC, 4);
    *state = w;
    return ENGINE_OK;
}

static int pqw_close(void *state)
{
    struct pq_writer *w = state;
    int rc = flush_group(w);
    if (rc == ENGINE_OK) {
        if (!w->typed)
            decide_kinds(w);
        rc = write_footer(w);
    }
    int closed = outbuf_finish(&w->ob, w->env);
    if (rc == ENGINE_OK)
        rc = closed;
    free_writer(w);
    return rc;
}

const struct writer_ops writer_parquet_ops = {
    .extension = "parquet",
    .validate_options = pqw_validate_options,
    .open = pqw_open,
    .write = pqw_write,
    .close = pqw_close,
};
