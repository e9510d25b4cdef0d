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

static bool get_i32(struct tc_reader *r, enum tc_type t, int32_t *out)
{
    if (!tc_expect(r, t, TC_I32))
        return false;
    *out = tc_i32(r);
    return true;
}

static bool get_i64(struct tc_reader *r, enum tc_type t, int64_t *out)
{
    if (!tc_expect(r, t, TC_I64))
        return false;
    *out = tc_i64(r);
    return true;
}

static bool get_binary(struct tc_reader *r, enum tc_type t, const uint8_t **p, size_t *len)
{
    if (!tc_expect(r, t, TC_BINARY))
        return false;
    tc_binary(r, p, len);
    return true;
}

/* Skips the fields of a struct whose content does not matter (an empty
 * marker struct such as StringType or MILLIS). */
static void skip_struct(struct tc_reader *r, enum tc_type t)
{
    if (tc_expect(r, t, TC_STRUCT))
        tc_skip(r, TC_STRUCT);
}

static void decode_time_unit(struct tc_reader *r, enum tc_type t, enum pq_time_unit *unit)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        if (id >= 1 && id <= 3)
            *unit = (enum pq_time_unit)(id - 1);
        skip_struct(r, f);
    }
    tc_struct_end(r);
}

/* TimestampType and TimeType: {1: isAdjustedToUTC, 2: unit}. */
static void decode_time_type(struct tc_reader *r, enum tc_type t, struct pq_schema_elem *e)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        if (id == 1 && tc_expect(r, f, TC_TRUE))
            e->utc = tc_bool_of(f);
        else if (id == 2)
            decode_time_unit(r, f, &e->unit);
        else
            tc_skip(r, f);
    }
    tc_struct_end(r);
}

static void decode_decimal_type(struct tc_reader *r, enum tc_type t, struct pq_schema_elem *e)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        if (id == 1)
            get_i32(r, f, &e->scale);
        else if (id == 2)
            get_i32(r, f, &e->precision);
        else
            tc_skip(r, f);
    }
    tc_struct_end(r);
}

static void decode_int_type(struct tc_reader *r, enum tc_type t, struct pq_schema_elem *e)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        if (id == 1 && tc_expect(r, f, TC_BYTE))
            e->bit_width = tc_byte(r);
        else if (id == 2 && tc_expect(r, f, TC_TRUE))
            e->is_signed = tc_bool_of(f);
        else
            tc_skip(r, f);
    }
    tc_struct_end(r);
}

/* LogicalType: a union, one field set. */
static void decode_logical(struct tc_reader *r, enum tc_type t, struct pq_schema_elem *e)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1: case 4: case 12:   /* STRING, ENUM, JSON */
            e->logical = PQ_LT_STRING;
            skip_struct(r, f);
            break;
        case 2: case 3:            /* MAP, LIST */
            e->logical = PQ_LT_NESTED;
            skip_struct(r, f);
            break;
        case 5:
            e->logical = PQ_LT_DECIMAL;
            decode_decimal_type(r, f, e);
            break;
        case 6:
            e->logical = PQ_LT_DATE;
            skip_struct(r, f);
            break;
        case 7:
            e->logical = PQ_LT_TIME;
            decode_time_type(r, f, e);
            break;
        case 8:
            e->logical = PQ_LT_TIMESTAMP;
            decode_time_type(r, f, e);
            break;
        case 10:
            e->logical = PQ_LT_INTEGER;
            decode_int_type(r, f, e);
            break;
        case 11:                   /* UNKNOWN: always null */
            skip_struct(r, f);
            break;
        case 14:
            e->logical = PQ_LT_UUID;
            skip_struct(r, f);
            break;
        default:                   /* BSON, FLOAT16, VARIANT, GEOMETRY, ... */
            e->logical = PQ_LT_OTHER;
            tc_skip(r, f);
            break;
        }
    }
    tc_struct_end(r);
}

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

static int decode_schema_elem(struct tc_reader *r, struct pq_schema_elem *e, char *err,
                              size_t err_len)
{
    memset(e, 0, sizeof(*e));
    e->type = e->repetition = e->converted = -1;
    bool has_name = false;
    int16_t last = 0, id;
    int32_t v;
    tc_struct_begin(r);
    for (enum tc_type t; (t = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1:
            if (get_i32(r, t, &v))
                e->type = v;
            break;
        case 2:
            get_i32(r, t, &e->type_length);
            break;
        case 3:
            if (get_i32(r, t, &v))
                e->repetition = v;
            break;
        case 4: {
            const uint8_t *p = NULL;
            has_name = get_binary(r, t, &p, &e->name_len);
            e->name = (const char *)p;
            break;
        }
        case 5:
            get_i32(r, t, &e->num_children);
            break;
        case 6:
            if (get_i32(r, t, &v))
                e->converted = v;
            break;
        case 7:
            get_i32(r, t, &e->scale);
            break;
        case 8:
            get_i32(r, t, &e->precision);
            break;
        case 10:
            decode_logical(r, t, e);
            break;
        default:
            tc_skip(r, t);
            break;
        }
    }
    tc_struct_end(r);
    if (tc_error(r))
        return pq_fail(err, err_len, "schema: %s", tc_error_name(tc_error(r)));
    if (!has_name)
        return pq_fail(err, err_len, "schema: an element has no name");
    if (e->type > PQ_FIXED_LEN_BYTE_ARRAY || e->type < -1 || e->num_children < 0 ||
        e->repetition > PQ_REPEATED || e->repetition < -1)
        return pq_fail(err, err_len, "schema: element \"%.*s\" has an invalid type",
                       (int)(e->name_len > 200 ? 200 : e->name_len), e->name);
    logical_from_converted(e);
    return 0;
}

static void decode_statistics(struct tc_reader *r, enum tc_type t, struct pq_statistics *s)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    const uint8_t *old_min = NULL, *old_max = NULL;
    size_t old_min_len = 0, old_max_len = 0;
    bool has_old_min = false, has_old_max = false;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1:
            has_old_max = get_binary(r, f, &old_max, &old_max_len);
            break;
        case 2:
            has_old_min = get_binary(r, f, &old_min, &old_min_len);
            break;
        case 3:
            s->has_null_count = get_i64(r, f, &s->null_count);
            break;
        case 5:
            s->has_max = get_binary(r, f, &s->max, &s->max_len);
            break;
        case 6:
            s->has_min = get_binary(r, f, &s->min, &s->min_len);
            break;
        default:
            tc_skip(r, f);
            break;
        }
    }
    tc_struct_end(r);
    if (!s->has_min && has_old_min) {
        s->min = old_min, s->min_len = old_min_len, s->has_min = true;
    }
    if (!s->has_max && has_old_max) {
        s->max = old_max, s->max_len = old_max_len, s->has_max = true;
    }
}

enum {
    CM_TYPE = 1 << 0, CM_CODEC = 1 << 1, CM_NUM_VALUES = 1 << 2, CM_COMPRESSED = 1 << 3,
    CM_DATA_PAGE = 1 << 4,
    CM_REQUIRED = CM_TYPE | CM_CODEC | CM_NUM_VALUES | CM_COMPRESSED | CM_DATA_PAGE,
};

static int decode_column_meta(struct tc_reader *r, enum tc_type t, struct pq_column_meta *m,
                              char *err, size_t err_len)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return pq_fail(err, err_len, "column metadata: %s", tc_error_name(tc_error(r)));
    unsigned seen = 0;
    int16_t last = 0, id;
    int32_t v;
    enum tc_type elem;
    uint32_t n;
    m->dictionary_page_offset = -1;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1:
            if (get_i32(r, f, &v))
                m->type = v, seen |= CM_TYPE;
            break;
        case 2:
            if (!tc_expect(r, f, TC_LIST))
                break;
            tc_list_begin(r, &elem, &n, 64);
            for (uint32_t i = 0; i < n && tc_expect(r, elem, TC_I32); i++) {
                v = tc_i32(r);
                if (v >= 0 && v < 32)
                    m->encodings |= 1u << v;
            }
            tc_list_end(r);
            break;
        case 3:
            if (!tc_expect(r, f, TC_LIST))
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
        case 4:
            if (get_i32(r, f, &v))
                m->codec = v, seen |= CM_CODEC;
            break;
        case 5:
            if (get_i64(r, f, &m->num_values))
                seen |= CM_NUM_VALUES;
            break;
        case 6:
            get_i64(r, f, &m->total_uncompressed_size);
            break;
        case 7:
            if (get_i64(r, f, &m->total_compressed_size))
                seen |= CM_COMPRESSED;
            break;
        case 9:
            if (get_i64(r, f, &m->data_page_offset))
                seen |= CM_DATA_PAGE;
            break;
        case 11:
            get_i64(r, f, &m->dictionary_page_offset);
            break;
        case 12:
            decode_statistics(r, f, &m->stats);
            break;
        default:
            tc_skip(r, f);
            break;
        }
    }
    tc_struct_end(r);
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

static int decode_column_chunk(struct tc_reader *r, struct pq_column_chunk *c, char *err,
                               size_t err_len)
{
    int16_t last = 0, id;
    bool external = false;
    tc_struct_begin(r);
    for (enum tc_type t; (t = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1:
            external = true;
            tc_skip(r, t);
            break;
        case 2:
            get_i64(r, t, &c->file_offset);
            break;
        case 3:
            if (decode_column_meta(r, t, &c->meta, err, err_len))
                return -1;
            c->has_meta = true;
            break;
        default:
            tc_skip(r, t);
            break;
        }
    }
    tc_struct_end(r);
    if (tc_error(r))
        return pq_fail(err, err_len, "column chunk: %s", tc_error_name(tc_error(r)));
    if (external)
        return pq_fail(err, err_len, "a column chunk is stored in another file (file_path)");
    if (!c->has_meta)
        return pq_fail(err, err_len, "a column chunk has no metadata (an encrypted file?)");
    return 0;
}

/* Reads one item of a list into item (a struct of the list's kind). */
typedef int (*decode_item_fn)(struct tc_reader *r, void *item, char *err, size_t err_len);

/* A list field's structs (at most max, after tc_expect of the list): a new
 * zeroed array of size-byte items in *items, each read by one; *count gets
 * how many were read. -1 (err set) when an item fails or memory runs out;
 * items of another type leave the reader's error. */
static int decode_struct_list(struct tc_reader *r, uint32_t max, size_t size, decode_item_fn one,
                              void **items, uint32_t *count, char *err, size_t err_len)
{
    enum tc_type elem;
    uint32_t n;
    tc_list_begin(r, &elem, &n, max);
    if (n > 0 && !tc_expect(r, elem, TC_STRUCT))
        return 0;
    char *array = calloc(n ? n : 1, size);
    *items = array;
    if (!array)
        return pq_fail(err, err_len, "out of memory");
    for (uint32_t i = 0; i < n && !tc_error(r); i++) {
        if (one(r, array + (size_t)i * size, err, err_len))
            return -1;
        *count = i + 1;
    }
    tc_list_end(r);
    return 0;
}

static int column_chunk_item(struct tc_reader *r, void *item, char *err, size_t err_len)
{
    return decode_column_chunk(r, item, err, err_len);
}

int pq_row_group_decode(struct pq_row_group *rg, char *err, size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, rg->raw, rg->raw_len);
    pq_row_group_clear(rg);
    int16_t last = 0, id;
    bool has_columns = false;
    tc_struct_begin(&r);
    for (enum tc_type t; (t = tc_field(&r, &last, &id)) != TC_STOP;) {
        if (id != 1 || has_columns) {
            tc_skip(&r, t);
            continue;
        }
        if (!tc_expect(&r, t, TC_LIST))
            break;
        void *columns = NULL;
        int rc = decode_struct_list(&r, PQ_MAX_SCHEMA, sizeof(*rg->columns), column_chunk_item,
                                    &columns, &rg->ncolumns, err, err_len);
        rg->columns = columns;
        if (rc != 0)
            return -1;
        has_columns = true;
    }
    tc_struct_end(&r);
    if (tc_error(&r))
        return pq_fail(err, err_len, "row group: %s", tc_error_name(tc_error(&r)));
    if (!has_columns)
        return pq_fail(err, err_len, "a row group has no column list");
    return 0;
}

void pq_row_group_clear(struct pq_row_group *rg)
{
    free(rg->columns);
    rg->columns = NULL;
    rg->ncolumns = 0;
}

/* Reads what the reader needs up front (num_rows) and remembers where the
 * row group is, so its columns are decoded only when it is read. */
static int scan_row_group(struct tc_reader *r, struct pq_row_group *rg, char *err, size_t err_len)
{
    const uint8_t *start = r->p;
    bool has_rows = false;
    int16_t last = 0, id;
    tc_struct_begin(r);
    for (enum tc_type t; (t = tc_field(r, &last, &id)) != TC_STOP;) {
        if (id == 2)
            get_i64(r, t, &rg->total_byte_size);
        else if (id == 3)
            has_rows = get_i64(r, t, &rg->num_rows);
        else
            tc_skip(r, t);
    }
    tc_struct_end(r);
    if (tc_error(r))
        return pq_fail(err, err_len, "row group: %s", tc_error_name(tc_error(r)));
    if (!has_rows || rg->num_rows < 0)
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

int pq_file_meta_decode(const uint8_t *buf, size_t len, struct pq_file_meta *meta, char *err,
                        size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, buf, len);
    memset(meta, 0, sizeof(*meta));
    unsigned seen = 0;
    int16_t last = 0, id;
    void *items;
    int rc;
    tc_struct_begin(&r);
    for (enum tc_type t; (t = tc_field(&r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1:
            if (get_i32(&r, t, &meta->version))
                seen |= FM_VERSION;
            break;
        case 2:
            if (!tc_expect(&r, t, TC_LIST) || (seen & FM_SCHEMA))
                break;
            items = NULL;
            rc = decode_struct_list(&r, PQ_MAX_SCHEMA, sizeof(*meta->schema), schema_item, &items,
                                    &meta->nschema, err, err_len);
            meta->schema = items;
            if (rc != 0)
                return -1;
            seen |= FM_SCHEMA;
            break;
        case 3:
            if (get_i64(&r, t, &meta->num_rows))
                seen |= FM_ROWS;
            break;
        case 4:
            if (!tc_expect(&r, t, TC_LIST) || (seen & FM_GROUPS))
                break;
            items = NULL;
            rc = decode_struct_list(&r, PQ_MAX_ROW_GROUPS, sizeof(*meta->row_groups),
                                    row_group_item, &items, &meta->nrow_groups, err, err_len);
            meta->row_groups = items;
            if (rc != 0)
                return -1;
            seen |= FM_GROUPS;
            break;
        case 6: {
            const uint8_t *p;
            if (get_binary(&r, t, &p, &meta->created_by_len))
                meta->created_by = (const char *)p;
            break;
        }
        default:
            tc_skip(&r, t);
            break;
        }
    }
    tc_struct_end(&r);
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

/* A DataPageHeader (nfields 4: num_values, encoding, the definition and
 * repetition level encodings) or a DictionaryPageHeader (nfields 2: the
 * first two; its is_sorted, like any field past nfields, is skipped). *ok
 * when each of the nfields came. */
static void decode_page_header_v1(struct tc_reader *r, enum tc_type t, int nfields,
                                  struct pq_page_header *h, bool *ok)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    unsigned seen = 0;
    int16_t last = 0, id;
    int32_t v;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id <= nfields ? id : 0) {
        case 1: seen |= get_i32(r, f, &h->num_values); break;
        case 2: if (get_i32(r, f, &v)) h->encoding = v, seen |= 2; break;
        case 3: if (get_i32(r, f, &v)) h->def_encoding = v, seen |= 4; break;
        case 4: if (get_i32(r, f, &v)) h->rep_encoding = v, seen |= 8; break;
        default: tc_skip(r, f); break;
        }
    }
    tc_struct_end(r);
    *ok = seen == (1u << nfields) - 1;
}

static void decode_data_page_header_v2(struct tc_reader *r, enum tc_type t,
                                       struct pq_page_header *h, bool *ok)
{
    if (!tc_expect(r, t, TC_STRUCT))
        return;
    unsigned seen = 0;
    int16_t last = 0, id;
    int32_t v;
    h->is_compressed = true;
    tc_struct_begin(r);
    for (enum tc_type f; (f = tc_field(r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1: if (get_i32(r, f, &h->num_values)) seen |= 1; break;
        case 2: if (get_i32(r, f, &h->num_nulls)) seen |= 2; break;
        case 3: if (get_i32(r, f, &h->num_rows)) seen |= 4; break;
        case 4: if (get_i32(r, f, &v)) h->encoding = v, seen |= 8; break;
        case 5: if (get_i32(r, f, &h->def_len)) seen |= 16; break;
        case 6: if (get_i32(r, f, &h->rep_len)) seen |= 32; break;
        case 7: if (tc_expect(r, f, TC_TRUE)) h->is_compressed = tc_bool_of(f); break;
        default: tc_skip(r, f); break;
        }
    }
    tc_struct_end(r);
    *ok = seen == 63;
}

int pq_page_header_decode(const uint8_t *buf, size_t len, struct pq_page_header *h, size_t *used,
                          char *err, size_t err_len)
{
    struct tc_reader r;
    tc_reader_init(&r, buf, len);
    memset(h, 0, sizeof(*h));
    h->type = -1;
    unsigned seen = 0;
    bool sub_ok = false, has_sub = false;
    int16_t last = 0, id;
    int32_t v;
    tc_struct_begin(&r);
    for (enum tc_type t; (t = tc_field(&r, &last, &id)) != TC_STOP;) {
        switch (id) {
        case 1: if (get_i32(&r, t, &v)) h->type = v, seen |= 1; break;
        case 2: if (get_i32(&r, t, &h->uncompressed_size)) seen |= 2; break;
        case 3: if (get_i32(&r, t, &h->compressed_size)) seen |= 4; break;
        case 5:
            if (h->type == PQ_DATA_PAGE && !has_sub) {
                decode_page_header_v1(&r, t, 4, h, &sub_ok);
                has_sub = true;
            } else {
                tc_skip(&r, t);
            }
            break;
        case 7:
            if (h->type == PQ_DICTIONARY_PAGE && !has_sub) {
                decode_page_header_v1(&r, t, 2, h, &sub_ok);
                has_sub = true;
            } else {
                tc_skip(&r, t);
            }
            break;
        case 8:
            if (h->type == PQ_DATA_PAGE_V2 && !has_sub) {
                decode_data_page_header_v2(&r, t, h, &sub_ok);
                has_sub = true;
            } else {
                tc_skip(&r, t);
            }
            break;
        default:
            tc_skip(&r, t);
            break;
        }
    }
    tc_struct_end(&r);
    if (tc_error(&r) == TC_TRUNCATED)
        return 1;
    if (tc_error(&r))
        return pq_fail(err, err_len, "a page header is invalid: %s", tc_error_name(tc_error(&r)));
    if (seen != 7 || h->uncompressed_size < 0 || h->compressed_size < 0)
        return pq_fail(err, err_len, "a page header lacks its type or sizes");
    bool known = h->type == PQ_DATA_PAGE || h->type == PQ_DICTIONARY_PAGE ||
                 h->type == PQ_DATA_PAGE_V2;
    if (known && (!has_sub || !sub_ok))
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
