/* parquet_meta.c — Parquet's Thrift structures (see parquet_meta.h).
 *
 * Each decoder is one loop over a struct's fields: a known id with the
 * expected type is read, anything else is skipped, a required field that
 * never came is an error naming it. Element counts are capped twice: by the
 * bytes left (thrift_compact.c) and by the PQ_MAX_* bounds. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/parquet_meta.h"

/* ---------------------------------------------------------------- names */

const char *pq_type_name(int type)
{
    static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                        "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return type >= 0 && type <= PQ_FIXED_LEN_BYTE_ARRAY ? names[type] : "UNKNOWN";
}

const char *pq_codec_name(int codec)
{
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                        "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
    return codec >= 0 && codec <= PQ_LZ4_RAW ? names[codec] : "UNKNOWN";
}

const char *pq_encoding_name(int encoding)
{
    static const char *const names[] = {
        "PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED", "DELTA_BINARY_PACKED",
        "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return encoding >= 0 && encoding <= PQ_BYTE_STREAM_SPLIT ? names[encoding] : "UNKNOWN";
}

/* ---------------------------------------------------------------- decoding */

int pq_fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* One field of a Thrift struct read straight into a member of a C struct
 * (offsetof): a table of these and decode_fields make a decoder. A field
 * the table does not name goes to the table's hook, or is skipped. */
enum pf_kind {
    PF_I32,        /* int32_t (or int) member */
    PF_I64,        /* int64_t member */
    PF_BYTE,       /* int member from a Thrift byte */
    PF_BOOL,       /* bool member */
    PF_BINARY,     /* a pointer member into the buffer, its size_t length at len_off */
};

struct pq_field {
    int16_t id;
    uint8_t kind;            /* enum pf_kind */
    uint16_t off, len_off;
    unsigned bit;            /* set in the seen mask when the value came */
};

/* Reads or skips the value of field id (type t) of obj; -1 stops the
 * decoding (err already set). */
typedef int (*pq_hook)(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx);

struct pq_fields {
    const struct pq_field *f;
    size_t n;
    pq_hook other;           /* NULL: fields not in f are skipped */
};

#define PQ_FIELD(id, kind, type, member, bit) {(id), (kind), offsetof(type, member), 0, (bit)}
#define PQ_BINARY(id, type, member, len, bit) \
    {(id), PF_BINARY, offsetof(type, member), offsetof(type, len), (bit)}
#define PQ_FIELDS(table, hook) {(table), sizeof(table) / sizeof((table)[0]), (hook)}

_Static_assert(sizeof(int) == sizeof(int32_t), "PF_I32 also fills int members");

/* The value of one field into obj; false when its type is not the one
 * expected (the reader's error is then set). */
static bool read_field(struct tc_reader *r, enum tc_type t, const struct pq_field *f, char *obj)
{
    char *at = obj + f->off;
    switch (f->kind) {
    case PF_I32:
        if (!tc_expect(r, t, TC_I32))
            return false;
        *(int32_t *)(void *)at = tc_i32(r);
        return true;
    case PF_I64:
        if (!tc_expect(r, t, TC_I64))
            return false;
        *(int64_t *)(void *)at = tc_i64(r);
        return true;
    case PF_BYTE:
        if (!tc_expect(r, t, TC_BYTE))
            return false;
        *(int *)(void *)at = tc_byte(r);
        return true;
    case PF_BOOL:
        if (!tc_expect(r, t, TC_TRUE))
            return false;
        *(bool *)(void *)at = tc_bool_of(t);
        return true;
    default: {
        const uint8_t *p;
        size_t len;
        if (!tc_expect(r, t, TC_BINARY))
            return false;
        tc_binary(r, &p, &len);
        memcpy(at, &p, sizeof(p));   /* a const char * or const uint8_t * member */
        *(size_t *)(void *)(obj + f->len_off) = len;
        return true;
    }
    }
}

/* Reads a struct's fields into obj by the table; *seen (when not NULL) gets
 * the bits of the fields that came. Returns -1 when a hook failed, else 0:
 * the caller checks tc_error for malformed input. */
static int decode_fields(struct tc_reader *r, const struct pq_fields *fs, void *obj, void *ctx,
                         unsigned *seen)
{
    unsigned got = 0;
    int16_t last = 0, id;
    int rc = 0;
    tc_struct_begin(r);
    for (enum tc_type t; rc == 0 && (t = tc_field(r, &last, &id)) != TC_STOP;) {
        size_t i = 0;
        while (i < fs->n && fs->f[i].id != id)
            i++;
        if (i < fs->n) {
            if (read_field(r, t, &fs->f[i], obj))
                got |= fs->f[i].bit;
        } else if (fs->other) {
            rc = fs->other(r, id, t, obj, ctx);
        } else {
            tc_skip(r, t);
        }
    }
    if (rc != 0)
        return -1;
    tc_struct_end(r);
    if (seen)
        *seen = got;
    return 0;
}

/* The same for a struct-typed field's value (t is checked first). */
static int decode_struct_field(struct tc_reader *r, enum tc_type t, const struct pq_fields *fs,
                               void *obj, void *ctx, unsigned *seen)
{
    if (seen)
        *seen = 0;
    if (!tc_expect(r, t, TC_STRUCT))
        return 0;
    return decode_fields(r, fs, obj, ctx, seen);
}

static const struct pq_fields no_fields = {NULL, 0, NULL};

/* TimeUnit: a union of empty structs, the field id names the unit. */
static int time_unit_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    (void)ctx;
    if (id >= 1 && id <= 3)
        ((struct pq_schema_elem *)obj)->unit = (enum pq_time_unit)(id - 1);
    return decode_struct_field(r, t, &no_fields, NULL, NULL, NULL);
}

static const struct pq_fields time_unit_fields = {NULL, 0, time_unit_hook};

static int time_type_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    if (id != 2) {
        tc_skip(r, t);
        return 0;
    }
    return decode_struct_field(r, t, &time_unit_fields, obj, ctx, NULL);
}

/* TimestampType and TimeType: {1: isAdjustedToUTC, 2: unit}. */
static const struct pq_field time_type_table[] = {
    PQ_FIELD(1, PF_BOOL, struct pq_schema_elem, utc, 0),
};
static const struct pq_fields time_type_fields = PQ_FIELDS(time_type_table, time_type_hook);

static const struct pq_field decimal_type_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_schema_elem, scale, 0),
    PQ_FIELD(2, PF_I32, struct pq_schema_elem, precision, 0),
};
static const struct pq_fields decimal_type_fields = PQ_FIELDS(decimal_type_table, NULL);

static const struct pq_field int_type_table[] = {
    PQ_FIELD(1, PF_BYTE, struct pq_schema_elem, bit_width, 0),
    PQ_FIELD(2, PF_BOOL, struct pq_schema_elem, is_signed, 0),
};
static const struct pq_fields int_type_fields = PQ_FIELDS(int_type_table, NULL);

/* LogicalType: a union, one field set; its id says the kind, its struct the
 * details (-1: the kind stays as it is). */
static const struct {
    int16_t id;
    int8_t logical;
    const struct pq_fields *details;
} logical_kinds[] = {
    {1, PQ_LT_STRING, &no_fields},        {2, PQ_LT_NESTED, &no_fields},
    {3, PQ_LT_NESTED, &no_fields},        {4, PQ_LT_STRING, &no_fields},
    {5, PQ_LT_DECIMAL, &decimal_type_fields},
    {6, PQ_LT_DATE, &no_fields},          {7, PQ_LT_TIME, &time_type_fields},
    {8, PQ_LT_TIMESTAMP, &time_type_fields},
    {10, PQ_LT_INTEGER, &int_type_fields},
    {11, -1, &no_fields},                 /* UNKNOWN: always null */
    {12, PQ_LT_STRING, &no_fields},       /* JSON */
    {14, PQ_LT_UUID, &no_fields},
};

static int logical_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_schema_elem *e = obj;
    for (size_t i = 0; i < sizeof(logical_kinds) / sizeof(logical_kinds[0]); i++) {
        if (logical_kinds[i].id != id)
            continue;
        if (logical_kinds[i].logical >= 0)
            e->logical = (enum pq_logical)logical_kinds[i].logical;
        return decode_struct_field(r, t, logical_kinds[i].details, obj, ctx, NULL);
    }
    e->logical = PQ_LT_OTHER;   /* BSON, FLOAT16, VARIANT, GEOMETRY, ... */
    tc_skip(r, t);
    return 0;
}

static const struct pq_fields logical_fields = {NULL, 0, logical_hook};

/* A file written before LogicalType existed says it with ConvertedType. */
static void logical_from_converted(struct pq_schema_elem *e)
{
    if (e->logical != PQ_LT_NONE || e->converted < 0)
        return;
    switch (e->converted) {
    case PQ_CT_UTF8: case PQ_CT_ENUM: case PQ_CT_JSON:
        e->logical = PQ_LT_STRING;
        break;
    case PQ_CT_MAP: case PQ_CT_MAP_KEY_VALUE: case PQ_CT_LIST:
        e->logical = PQ_LT_NESTED;
        break;
    case PQ_CT_DECIMAL:
        e->logical = PQ_LT_DECIMAL;
        break;
    case PQ_CT_DATE:
        e->logical = PQ_LT_DATE;
        break;
    case PQ_CT_TIME_MILLIS: case PQ_CT_TIME_MICROS:
        e->logical = PQ_LT_TIME;
        e->unit = e->converted == PQ_CT_TIME_MILLIS ? PQ_MILLIS : PQ_MICROS;
        e->utc = true;
        break;
    case PQ_CT_TIMESTAMP_MILLIS: case PQ_CT_TIMESTAMP_MICROS:
        e->logical = PQ_LT_TIMESTAMP;
        e->unit = e->converted == PQ_CT_TIMESTAMP_MILLIS ? PQ_MILLIS : PQ_MICROS;
        e->utc = true;
        break;
    case PQ_CT_UINT_8: case PQ_CT_UINT_16: case PQ_CT_UINT_32: case PQ_CT_UINT_64:
        e->logical = PQ_LT_INTEGER;
        e->is_signed = false;
        e->bit_width = 8 << (e->converted - PQ_CT_UINT_8);
        break;
    case PQ_CT_INT_8: case PQ_CT_INT_16: case PQ_CT_INT_32: case PQ_CT_INT_64:
        e->logical = PQ_LT_INTEGER;
        e->is_signed = true;
        e->bit_width = 8 << (e->converted - PQ_CT_INT_8);
        break;
    default:
        e->logical = PQ_LT_OTHER;
        break;
    }
}

/* What a decoder passes its hooks: where errors go, and its own state. */
struct pq_ctx {
    char *err;
    size_t err_len;
    unsigned flags;
};

static int schema_elem_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    if (id != 10) {
        tc_skip(r, t);
        return 0;
    }
    return decode_struct_field(r, t, &logical_fields, obj, ctx, NULL);
}

enum { SE_NAME = 1 };

static const struct pq_field schema_elem_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_schema_elem, type, 0),
    PQ_FIELD(2, PF_I32, struct pq_schema_elem, type_length, 0),
    PQ_FIELD(3, PF_I32, struct pq_schema_elem, repetition, 0),
    PQ_BINARY(4, struct pq_schema_elem, name, name_len, SE_NAME),
    PQ_FIELD(5, PF_I32, struct pq_schema_elem, num_children, 0),
    PQ_FIELD(6, PF_I32, struct pq_schema_elem, converted, 0),
    PQ_FIELD(7, PF_I32, struct pq_schema_elem, scale, 0),
    PQ_FIELD(8, PF_I32, struct pq_schema_elem, precision, 0),
};
static const struct pq_fields schema_elem_fields = PQ_FIELDS(schema_elem_table, schema_elem_hook);

static int decode_schema_elem(struct tc_reader *r, struct pq_schema_elem *e, char *err,
                              size_t err_len)
{
    memset(e, 0, sizeof(*e));
    e->type = e->repetition = e->converted = -1;
    unsigned seen = 0;
    decode_fields(r, &schema_elem_fields, e, NULL, &seen);
    if (tc_error(r))
        return pq_fail(err, err_len, "schema: %s", tc_error_name(tc_error(r)));
    if (!(seen & SE_NAME))
        return pq_fail(err, err_len, "schema: an element has no name");
    if (e->type > PQ_FIXED_LEN_BYTE_ARRAY || e->type < -1 || e->num_children < 0 ||
        e->repetition > PQ_REPEATED || e->repetition < -1)
        return pq_fail(err, err_len, "schema: element \"%.*s\" has an invalid type",
                       (int)(e->name_len > 200 ? 200 : e->name_len), e->name);
    logical_from_converted(e);
    return 0;
}

/* Statistics, with the older min and max (fields 2 and 1) beside
 * min_value and max_value. */
struct stats_raw {
    struct pq_statistics s;
    const uint8_t *old_min, *old_max;
    size_t old_min_len, old_max_len;
};

enum { ST_OLD_MAX = 1, ST_OLD_MIN = 2, ST_NULLS = 4, ST_MAX = 8, ST_MIN = 16 };

static const struct pq_field statistics_table[] = {
    PQ_BINARY(1, struct stats_raw, old_max, old_max_len, ST_OLD_MAX),
    PQ_BINARY(2, struct stats_raw, old_min, old_min_len, ST_OLD_MIN),
    PQ_FIELD(3, PF_I64, struct stats_raw, s.null_count, ST_NULLS),
    PQ_BINARY(5, struct stats_raw, s.max, s.max_len, ST_MAX),
    PQ_BINARY(6, struct stats_raw, s.min, s.min_len, ST_MIN),
};
static const struct pq_fields statistics_fields = PQ_FIELDS(statistics_table, NULL);

static void decode_statistics(struct tc_reader *r, enum tc_type t, struct pq_statistics *s)
{
    struct stats_raw raw = {.s = *s};
    unsigned seen;
    decode_struct_field(r, t, &statistics_fields, &raw, NULL, &seen);
    raw.s.has_null_count = seen & ST_NULLS;
    raw.s.has_max = seen & ST_MAX;
    raw.s.has_min = seen & ST_MIN;
    if (!raw.s.has_min && (seen & ST_OLD_MIN)) {
        raw.s.min = raw.old_min, raw.s.min_len = raw.old_min_len, raw.s.has_min = true;
    }
    if (!raw.s.has_max && (seen & ST_OLD_MAX)) {
        raw.s.max = raw.old_max, raw.s.max_len = raw.old_max_len, raw.s.has_max = true;
    }
    *s = raw.s;
}

enum {
    CM_TYPE = 1 << 0, CM_CODEC = 1 << 1, CM_NUM_VALUES = 1 << 2, CM_COMPRESSED = 1 << 3,
    CM_DATA_PAGE = 1 << 4,
    CM_REQUIRED = CM_TYPE | CM_CODEC | CM_NUM_VALUES | CM_COMPRESSED | CM_DATA_PAGE,
};

/* ColumnMetaData's lists (encodings, path_in_schema) and statistics. */
static int column_meta_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_column_meta *m = obj;
    enum tc_type elem;
    uint32_t n;
    (void)ctx;
    switch (id) {
    case 2:
        if (!tc_expect(r, t, TC_LIST))
            break;
        tc_list_begin(r, &elem, &n, 64);
        for (uint32_t i = 0; i < n && tc_expect(r, elem, TC_I32); i++) {
            int32_t v = tc_i32(r);
            if (v >= 0 && v < 32)
                m->encodings |= 1u << v;
        }
        tc_list_end(r);
        break;
    case 3:
        if (!tc_expect(r, t, TC_LIST))
            break;
        tc_list_begin(r, &elem, &n, 1000);
        m->path_depth = n;
        for (uint32_t i = 0; i < n && tc_expect(r, elem, TC_BINARY); i++) {
            const uint8_t *p;
            size_t len;
            tc_binary(r, &p, &len);
            if (i == 0)
                m->path = (const char *)p, m->path_len = len;
        }
        tc_list_end(r);
        break;
    case 12:
        decode_statistics(r, t, &m->stats);
        break;
    default:
        tc_skip(r, t);
        break;
    }
    return 0;
}

static const struct pq_field column_meta_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_column_meta, type, CM_TYPE),
    PQ_FIELD(4, PF_I32, struct pq_column_meta, codec, CM_CODEC),
    PQ_FIELD(5, PF_I64, struct pq_column_meta, num_values, CM_NUM_VALUES),
    PQ_FIELD(6, PF_I64, struct pq_column_meta, total_uncompressed_size, 0),
    PQ_FIELD(7, PF_I64, struct pq_column_meta, total_compressed_size, CM_COMPRESSED),
    PQ_FIELD(9, PF_I64, struct pq_column_meta, data_page_offset, CM_DATA_PAGE),
    PQ_FIELD(11, PF_I64, struct pq_column_meta, dictionary_page_offset, 0),
};
static const struct pq_fields column_meta_fields = PQ_FIELDS(column_meta_table, column_meta_hook);

static int decode_column_meta(struct tc_reader *r, enum tc_type t, struct pq_column_meta *m,
                              char *err, size_t err_len)
{
    unsigned seen = 0;
    m->dictionary_page_offset = -1;
    decode_struct_field(r, t, &column_meta_fields, m, NULL, &seen);
    if (tc_error(r))
        return pq_fail(err, err_len, "column metadata: %s", tc_error_name(tc_error(r)));
    if ((seen & CM_REQUIRED) != CM_REQUIRED)
        return pq_fail(err, err_len,
                       "column metadata lacks a required field (type, codec, "
                       "num_values, total_compressed_size or data_page_offset)");
    if (m->type < 0 || m->type > PQ_FIXED_LEN_BYTE_ARRAY || m->num_values < 0 ||
        m->total_compressed_size < 0 || m->data_page_offset < 0)
        return pq_fail(err, err_len, "column metadata holds an invalid value");
    return 0;
}

enum { CC_EXTERNAL = 1 };

/* ColumnChunk: file_path (1) says the data is elsewhere; meta_data (3). */
static int column_chunk_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_column_chunk *c = obj;
    struct pq_ctx *x = ctx;
    if (id == 3) {
        if (decode_column_meta(r, t, &c->meta, x->err, x->err_len))
            return -1;
        c->has_meta = true;
        return 0;
    }
    if (id == 1)
        x->flags |= CC_EXTERNAL;
    tc_skip(r, t);
    return 0;
}

static const struct pq_field column_chunk_table[] = {
    PQ_FIELD(2, PF_I64, struct pq_column_chunk, file_offset, 0),
};
static const struct pq_fields column_chunk_fields =
    PQ_FIELDS(column_chunk_table, column_chunk_hook);

static int decode_column_chunk(struct tc_reader *r, struct pq_column_chunk *c, char *err,
                               size_t err_len)
{
    struct pq_ctx x = {err, err_len, 0};
    if (decode_fields(r, &column_chunk_fields, c, &x, NULL))
        return -1;
    if (tc_error(r))
        return pq_fail(err, err_len, "column chunk: %s", tc_error_name(tc_error(r)));
    if (x.flags & CC_EXTERNAL)
        return pq_fail(err, err_len, "a column chunk is stored in another file (file_path)");
    if (!c->has_meta)
        return pq_fail(err, err_len, "a column chunk has no metadata (an encrypted file?)");
    return 0;
}

/* Reads one item of a list into item (a struct of the list's kind). */
typedef int (*decode_item_fn)(struct tc_reader *r, void *item, char *err, size_t err_len);

/* A list field's structs (at most max): a new zeroed array of size-byte
 * items in *items, each read by one; *count gets how many were read. A
 * second list for the same field (flag already in x->flags) is skipped.
 * -1 (err set) when an item fails or memory runs out; items of another
 * type leave the reader's error. */
static int decode_struct_list(struct tc_reader *r, enum tc_type t, struct pq_ctx *x,
                              unsigned flag, uint32_t max, size_t size, decode_item_fn one,
                              void **items, uint32_t *count)
{
    if (!tc_expect(r, t, TC_LIST))
        return 0;
    if (x->flags & flag) {
        tc_skip(r, t);
        return 0;
    }
    enum tc_type elem;
    uint32_t n;
    tc_list_begin(r, &elem, &n, max);
    if (n > 0 && !tc_expect(r, elem, TC_STRUCT))
        return 0;
    char *array = calloc(n ? n : 1, size);
    *items = array;
    if (!array)
        return pq_fail(x->err, x->err_len, "out of memory");
    for (uint32_t i = 0; i < n && !tc_error(r); i++) {
        if (one(r, array + (size_t)i * size, x->err, x->err_len))
            return -1;
        *count = i + 1;
    }
    tc_list_end(r);
    x->flags |= flag;
    return 0;
}

static int column_chunk_item(struct tc_reader *r, void *item, char *err, size_t err_len)
{
    return decode_column_chunk(r, item, err, err_len);
}

enum { RG_COLUMNS = 1, RG_ROWS = 2 };

/* RowGroup's columns (1). */
static int row_group_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_row_group *rg = obj;
    if (id != 1) {
        tc_skip(r, t);
        return 0;
    }
    void *columns = rg->columns;
    int rc = decode_struct_list(r, t, ctx, RG_COLUMNS, PQ_MAX_SCHEMA, sizeof(*rg->columns),
                                column_chunk_item, &columns, &rg->ncolumns);
    rg->columns = columns;
    return rc;
}

static const struct pq_fields row_group_columns = {NULL, 0, row_group_hook};

int pq_row_group_decode(struct pq_row_group *rg, char *err, size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, rg->raw, rg->raw_len);
    pq_row_group_clear(rg);
    struct pq_ctx x = {err, err_len, 0};
    if (decode_fields(&r, &row_group_columns, rg, &x, NULL))
        return -1;
    if (tc_error(&r))
        return pq_fail(err, err_len, "row group: %s", tc_error_name(tc_error(&r)));
    if (!(x.flags & RG_COLUMNS))
        return pq_fail(err, err_len, "a row group has no column list");
    return 0;
}

void pq_row_group_clear(struct pq_row_group *rg)
{
    free(rg->columns);
    rg->columns = NULL;
    rg->ncolumns = 0;
}

static const struct pq_field row_group_table[] = {
    PQ_FIELD(2, PF_I64, struct pq_row_group, total_byte_size, 0),
    PQ_FIELD(3, PF_I64, struct pq_row_group, num_rows, RG_ROWS),
};
static const struct pq_fields row_group_fields = PQ_FIELDS(row_group_table, NULL);

/* Reads what the reader needs up front (num_rows) and remembers where the
 * row group is, so its columns are decoded only when it is read. */
static int scan_row_group(struct tc_reader *r, struct pq_row_group *rg, char *err, size_t err_len)
{
    const uint8_t *start = r->p;
    unsigned seen = 0;
    decode_fields(r, &row_group_fields, rg, NULL, &seen);
    if (tc_error(r))
        return pq_fail(err, err_len, "row group: %s", tc_error_name(tc_error(r)));
    if (!(seen & RG_ROWS) || rg->num_rows < 0)
        return pq_fail(err, err_len, "a row group has no valid num_rows");
    rg->raw = start;
    rg->raw_len = (size_t)(r->p - start);
    return 0;
}

enum { FM_VERSION = 1, FM_SCHEMA = 2, FM_ROWS = 4, FM_GROUPS = 8 };

static int schema_item(struct tc_reader *r, void *item, char *err, size_t err_len)
{
    return decode_schema_elem(r, item, err, err_len);
}

static int row_group_item(struct tc_reader *r, void *item, char *err, size_t err_len)
{
    return scan_row_group(r, item, err, err_len);
}

/* FileMetaData's schema (2) and row groups (4). */
static int file_meta_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_file_meta *meta = obj;
    void *items;
    int rc;
    switch (id) {
    case 2:
        items = meta->schema;
        rc = decode_struct_list(r, t, ctx, FM_SCHEMA, PQ_MAX_SCHEMA, sizeof(*meta->schema),
                                schema_item, &items, &meta->nschema);
        meta->schema = items;
        return rc;
    case 4:
        items = meta->row_groups;
        rc = decode_struct_list(r, t, ctx, FM_GROUPS, PQ_MAX_ROW_GROUPS,
                                sizeof(*meta->row_groups), row_group_item, &items,
                                &meta->nrow_groups);
        meta->row_groups = items;
        return rc;
    default:
        tc_skip(r, t);
        return 0;
    }
}

static const struct pq_field file_meta_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_file_meta, version, FM_VERSION),
    PQ_FIELD(3, PF_I64, struct pq_file_meta, num_rows, FM_ROWS),
    PQ_BINARY(6, struct pq_file_meta, created_by, created_by_len, 0),
};
static const struct pq_fields file_meta_fields = PQ_FIELDS(file_meta_table, file_meta_hook);

int pq_file_meta_decode(const uint8_t *buf, size_t len, struct pq_file_meta *meta, char *err,
                        size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, buf, len);
    memset(meta, 0, sizeof(*meta));
    struct pq_ctx x = {err, err_len, 0};
    unsigned seen = 0;
    if (decode_fields(&r, &file_meta_fields, meta, &x, &seen))
        return -1;
    seen |= x.flags;
    if (tc_error(&r))
        return pq_fail(err, err_len, "the file metadata is invalid: %s",
                       tc_error_name(tc_error(&r)));
    if (!(seen & FM_SCHEMA) || meta->nschema == 0)
        return pq_fail(err, err_len, "the file metadata has no schema");
    if (!(seen & FM_ROWS) || meta->num_rows < 0)
        return pq_fail(err, err_len, "the file metadata has no valid num_rows");
    if (!(seen & FM_GROUPS))
        return pq_fail(err, err_len, "the file metadata has no row group list");
    return 0;
}

void pq_file_meta_free(struct pq_file_meta *meta)
{
    for (uint32_t i = 0; meta->row_groups && i < meta->nrow_groups; i++)
        pq_row_group_clear(&meta->row_groups[i]);
    free(meta->row_groups);
    free(meta->schema);
    memset(meta, 0, sizeof(*meta));
}

/* DataPageHeader: num_values, encoding, the definition and repetition
 * level encodings; a DictionaryPageHeader is its first two (its is_sorted,
 * like any field past them, is skipped). */
static const struct pq_field page_v1_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_page_header, num_values, 1),
    PQ_FIELD(2, PF_I32, struct pq_page_header, encoding, 2),
    PQ_FIELD(3, PF_I32, struct pq_page_header, def_encoding, 4),
    PQ_FIELD(4, PF_I32, struct pq_page_header, rep_encoding, 8),
};
static const struct pq_fields data_page_fields = {page_v1_table, 4, NULL};
static const struct pq_fields dictionary_page_fields = {page_v1_table, 2, NULL};

static const struct pq_field page_v2_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_page_header, num_values, 1),
    PQ_FIELD(2, PF_I32, struct pq_page_header, num_nulls, 2),
    PQ_FIELD(3, PF_I32, struct pq_page_header, num_rows, 4),
    PQ_FIELD(4, PF_I32, struct pq_page_header, encoding, 8),
    PQ_FIELD(5, PF_I32, struct pq_page_header, def_len, 16),
    PQ_FIELD(6, PF_I32, struct pq_page_header, rep_len, 32),
    PQ_FIELD(7, PF_BOOL, struct pq_page_header, is_compressed, 0),
};
static const struct pq_fields data_page_v2_fields = PQ_FIELDS(page_v2_table, NULL);

/* The page kinds Quarry reads: the PageHeader field that holds each one's
 * details and the fields that must all come. */
static const struct {
    int type;
    int16_t id;
    const struct pq_fields *fields;
    unsigned required;
} page_kinds[] = {
    {PQ_DATA_PAGE, 5, &data_page_fields, 15},
    {PQ_DICTIONARY_PAGE, 7, &dictionary_page_fields, 3},
    {PQ_DATA_PAGE_V2, 8, &data_page_v2_fields, 63},
};

enum { PH_HAS_DETAILS = 1, PH_DETAILS_OK = 2 };

/* PageHeader's details: the struct of the page's own type, once. */
static int page_header_hook(struct tc_reader *r, int16_t id, enum tc_type t, void *obj, void *ctx)
{
    struct pq_page_header *h = obj;
    struct pq_ctx *x = ctx;
    for (size_t i = 0; i < sizeof(page_kinds) / sizeof(page_kinds[0]); i++) {
        if (page_kinds[i].id != id || page_kinds[i].type != h->type ||
            (x->flags & PH_HAS_DETAILS))
            continue;
        unsigned seen = 0;
        h->is_compressed = h->type == PQ_DATA_PAGE_V2;
        decode_struct_field(r, t, page_kinds[i].fields, h, NULL, &seen);
        x->flags |= PH_HAS_DETAILS;
        if ((seen & page_kinds[i].required) == page_kinds[i].required)
            x->flags |= PH_DETAILS_OK;
        return 0;
    }
    tc_skip(r, t);
    return 0;
}

static const struct pq_field page_header_table[] = {
    PQ_FIELD(1, PF_I32, struct pq_page_header, type, 1),
    PQ_FIELD(2, PF_I32, struct pq_page_header, uncompressed_size, 2),
    PQ_FIELD(3, PF_I32, struct pq_page_header, compressed_size, 4),
};
static const struct pq_fields page_header_fields = PQ_FIELDS(page_header_table, page_header_hook);

int pq_page_header_decode(const uint8_t *buf, size_t len, struct pq_page_header *h, size_t *used,
                          char *err, size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, buf, len);
    memset(h, 0, sizeof(*h));
    h->type = -1;
    struct pq_ctx x = {err, err_len, 0};
    unsigned seen = 0;
    decode_fields(&r, &page_header_fields, h, &x, &seen);
    if (tc_error(&r) == TC_TRUNCATED)
        return 1;
    if (tc_error(&r))
        return pq_fail(err, err_len, "a page header is invalid: %s", tc_error_name(tc_error(&r)));
    if (seen != 7 || h->uncompressed_size < 0 || h->compressed_size < 0)
        return pq_fail(err, err_len, "a page header lacks its type or sizes");
    bool known = h->type == PQ_DATA_PAGE || h->type == PQ_DICTIONARY_PAGE ||
                 h->type == PQ_DATA_PAGE_V2;
    if (known && !(x.flags & PH_DETAILS_OK))
        return pq_fail(err, err_len, "a %s page header lacks its details",
                       h->type == PQ_DICTIONARY_PAGE ? "dictionary" : "data");
    if (known && h->num_values < 0)
        return pq_fail(err, err_len, "a page header has a negative value count");
    if (h->type == PQ_DATA_PAGE_V2 &&
        (h->def_len < 0 || h->rep_len < 0 || h->num_nulls < 0 || h->num_rows < 0 ||
         (int64_t)h->def_len + h->rep_len > h->compressed_size ||
         (int64_t)h->def_len + h->rep_len > h->uncompressed_size))
        return pq_fail(err, err_len, "a data page v2 header has invalid level lengths");
    *used = (size_t)(r.p - buf);
    return 0;
}

/* ---------------------------------------------------------------- encoding */

static void encode_statistics(struct tc_writer *w, int16_t id, const struct pq_statistics *s)
{
    tc_put_field_struct(w, id);
    if (s->has_null_count)
        tc_put_field_i64(w, 3, s->null_count);
    if (s->has_max)
        tc_put_field_binary(w, 5, s->max, s->max_len);
    if (s->has_min)
        tc_put_field_binary(w, 6, s->min, s->min_len);
    tc_put_struct_end(w);
}

static void encode_empty_struct(struct tc_writer *w, int16_t id)
{
    tc_put_field_struct(w, id);
    tc_put_struct_end(w);
}

static void encode_logical(struct tc_writer *w, const struct pq_schema_elem *e)
{
    tc_put_field_struct(w, 10);
    switch (e->logical) {
    case PQ_LT_STRING:
        encode_empty_struct(w, 1);
        break;
    case PQ_LT_DATE:
        encode_empty_struct(w, 6);
        break;
    case PQ_LT_TIMESTAMP:
        tc_put_field_struct(w, 8);
        tc_put_field_bool(w, 1, e->utc);
        tc_put_field_struct(w, 2);
        encode_empty_struct(w, (int16_t)(e->unit + 1));
        tc_put_struct_end(w);
        tc_put_struct_end(w);
        break;
    default:
        break;
    }
    tc_put_struct_end(w);
}

static void encode_schema_elem(struct tc_writer *w, const struct pq_schema_elem *e)
{
    tc_put_struct_begin(w);
    if (e->type >= 0)
        tc_put_field_i32(w, 1, e->type);
    if (e->repetition >= 0)
        tc_put_field_i32(w, 3, e->repetition);
    tc_put_field_binary(w, 4, e->name, e->name_len);
    if (e->type < 0)
        tc_put_field_i32(w, 5, e->num_children);
    if (e->converted >= 0)
        tc_put_field_i32(w, 6, e->converted);
    if (e->logical == PQ_LT_STRING || e->logical == PQ_LT_DATE || e->logical == PQ_LT_TIMESTAMP)
        encode_logical(w, e);
    tc_put_struct_end(w);
}

static void encode_column_chunk(struct tc_writer *w, const struct pq_column_chunk *c)
{
    const struct pq_column_meta *m = &c->meta;
    tc_put_struct_begin(w);
    tc_put_field_i64(w, 2, c->file_offset);
    tc_put_field_struct(w, 3);
    tc_put_field_i32(w, 1, m->type);
    uint32_t nenc = (uint32_t)__builtin_popcount(m->encodings);
    tc_put_field(w, 2, TC_LIST);
    tc_put_list(w, TC_I32, nenc);
    for (int e = 0; e < 32; e++)
        if (m->encodings & (1u << e))
            tc_put_i32(w, e);
    tc_put_field(w, 3, TC_LIST);
    tc_put_list(w, TC_BINARY, 1);
    tc_put_binary(w, m->path, m->path_len);
    tc_put_field_i32(w, 4, m->codec);
    tc_put_field_i64(w, 5, m->num_values);
    tc_put_field_i64(w, 6, m->total_uncompressed_size);
    tc_put_field_i64(w, 7, m->total_compressed_size);
    tc_put_field_i64(w, 9, m->data_page_offset);
    if (m->dictionary_page_offset >= 0)
        tc_put_field_i64(w, 11, m->dictionary_page_offset);
    encode_statistics(w, 12, &m->stats);
    tc_put_struct_end(w);   /* ColumnMetaData */
    tc_put_struct_end(w);   /* ColumnChunk */
}

void pq_file_meta_encode(struct tc_writer *w, const struct pq_file_meta *meta)
{
    tc_put_struct_begin(w);
    tc_put_field_i32(w, 1, meta->version);
    tc_put_field(w, 2, TC_LIST);
    tc_put_list(w, TC_STRUCT, meta->nschema);
    for (uint32_t i = 0; i < meta->nschema; i++)
        encode_schema_elem(w, &meta->schema[i]);
    tc_put_field_i64(w, 3, meta->num_rows);
    tc_put_field(w, 4, TC_LIST);
    tc_put_list(w, TC_STRUCT, meta->nrow_groups);
    for (uint32_t g = 0; g < meta->nrow_groups; g++) {
        const struct pq_row_group *rg = &meta->row_groups[g];
        int64_t compressed = 0;
        tc_put_struct_begin(w);
        tc_put_field(w, 1, TC_LIST);
        tc_put_list(w, TC_STRUCT, rg->ncolumns);
        for (uint32_t c = 0; c < rg->ncolumns; c++) {
            encode_column_chunk(w, &rg->columns[c]);
            compressed += rg->columns[c].meta.total_compressed_size;
        }
        tc_put_field_i64(w, 2, rg->total_byte_size);
        tc_put_field_i64(w, 3, rg->num_rows);
        if (rg->ncolumns > 0)
            tc_put_field_i64(w, 5, rg->columns[0].file_offset);
        tc_put_field_i64(w, 6, compressed);
        tc_put_field(w, 7, TC_I16);
        tc_put_i32(w, (int16_t)(g > INT16_MAX ? INT16_MAX : g));
        tc_put_struct_end(w);
    }
    if (meta->created_by)
        tc_put_field_binary(w, 6, meta->created_by, meta->created_by_len);
    /* Every leaf column orders by its type (TYPE_ORDER), which is what
     * makes readers trust min_value and max_value. */
    uint32_t leaves = meta->nschema > 0 ? meta->nschema - 1 : 0;
    tc_put_field(w, 7, TC_LIST);
    tc_put_list(w, TC_STRUCT, leaves);
    for (uint32_t i = 0; i < leaves; i++) {
        tc_put_struct_begin(w);
        encode_empty_struct(w, 1);
        tc_put_struct_end(w);
    }
    tc_put_struct_end(w);
}

void pq_page_header_encode(struct tc_writer *w, const struct pq_page_header *h)
{
    tc_put_struct_begin(w);
    tc_put_field_i32(w, 1, h->type);
    tc_put_field_i32(w, 2, h->uncompressed_size);
    tc_put_field_i32(w, 3, h->compressed_size);
    if (h->type == PQ_DICTIONARY_PAGE) {
        tc_put_field_struct(w, 7);
        tc_put_field_i32(w, 1, h->num_values);
        tc_put_field_i32(w, 2, h->encoding);
        tc_put_struct_end(w);
    } else {
        tc_put_field_struct(w, 5);
        tc_put_field_i32(w, 1, h->num_values);
        tc_put_field_i32(w, 2, h->encoding);
        tc_put_field_i32(w, 3, h->def_encoding);
        tc_put_field_i32(w, 4, h->rep_encoding);
        if (h->has_stats)
            encode_statistics(w, 5, &h->stats);
        tc_put_struct_end(w);
    }
    tc_put_struct_end(w);
}
