/* parquet_meta.h — the Parquet file metadata (FileMetaData, SchemaElement,
 * RowGroup, ColumnChunk, ColumnMetaData, Statistics, PageHeader) as the
 * reader and the writer need them, decoded from and encoded to the Thrift
 * compact protocol (thrift_compact.h). Field ids follow parquet.thrift of
 * the Apache Parquet format specification; fields Quarry does not use are
 * skipped when reading and not written. */
#ifndef QUARRY_PROCESS_PARQUET_META_H
#define QUARRY_PROCESS_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/thrift_compact.h"

#define PQ_MAGIC "PAR1"

/* Bounds on what a file may declare (a larger one is refused, not read). */
#define PQ_MAX_FOOTER (64u << 20)        /* FileMetaData bytes */
#define PQ_MAX_SCHEMA 100000u            /* schema elements */
#define PQ_MAX_ROW_GROUPS 10000000u
#define PQ_MAX_PAGE_HEADER (16u << 20)

enum pq_type {
    PQ_BOOLEAN = 0,
    PQ_INT32 = 1,
    PQ_INT64 = 2,
    PQ_INT96 = 3,
    PQ_FLOAT = 4,
    PQ_DOUBLE = 5,
    PQ_BYTE_ARRAY = 6,
    PQ_FIXED_LEN_BYTE_ARRAY = 7,
};

enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

enum pq_codec {
    PQ_UNCOMPRESSED = 0,
    PQ_SNAPPY = 1,
    PQ_GZIP = 2,
    PQ_LZO = 3,
    PQ_BROTLI = 4,
    PQ_LZ4 = 5,
    PQ_ZSTD = 6,
    PQ_LZ4_RAW = 7,
};

enum pq_encoding {
    PQ_PLAIN = 0,
    PQ_PLAIN_DICTIONARY = 2,
    PQ_RLE = 3,
    PQ_BIT_PACKED = 4,
    PQ_DELTA_BINARY_PACKED = 5,
    PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
    PQ_DELTA_BYTE_ARRAY = 7,
    PQ_RLE_DICTIONARY = 8,
    PQ_BYTE_STREAM_SPLIT = 9,
};

enum pq_page_type {
    PQ_DATA_PAGE = 0,
    PQ_INDEX_PAGE = 1,
    PQ_DICTIONARY_PAGE = 2,
    PQ_DATA_PAGE_V2 = 3,
};

/* ConvertedType values Quarry looks at. */
enum pq_converted {
    PQ_CT_UTF8 = 0,
    PQ_CT_MAP = 1,
    PQ_CT_MAP_KEY_VALUE = 2,
    PQ_CT_LIST = 3,
    PQ_CT_ENUM = 4,
    PQ_CT_DECIMAL = 5,
    PQ_CT_DATE = 6,
    PQ_CT_TIME_MILLIS = 7,
    PQ_CT_TIME_MICROS = 8,
    PQ_CT_TIMESTAMP_MILLIS = 9,
    PQ_CT_TIMESTAMP_MICROS = 10,
    PQ_CT_UINT_8 = 11,
    PQ_CT_UINT_16 = 12,
    PQ_CT_UINT_32 = 13,
    PQ_CT_UINT_64 = 14,
    PQ_CT_INT_8 = 15,
    PQ_CT_INT_16 = 16,
    PQ_CT_INT_32 = 17,
    PQ_CT_INT_64 = 18,
    PQ_CT_JSON = 19,
    PQ_CT_BSON = 20,
    PQ_CT_INTERVAL = 21,
};

/* What a column means, from its LogicalType (or its ConvertedType in files
 * older than LogicalType). */
enum pq_logical {
    PQ_LT_NONE = 0,
    PQ_LT_STRING,      /* STRING, ENUM, JSON, UTF8 */
    PQ_LT_DATE,
    PQ_LT_TIME,
    PQ_LT_TIMESTAMP,
    PQ_LT_DECIMAL,
    PQ_LT_INTEGER,     /* INT(bit_width, signed) */
    PQ_LT_UUID,
    PQ_LT_NESTED,      /* LIST, MAP (a group) */
    PQ_LT_OTHER,       /* BSON, INTERVAL, FLOAT16, ...: read as the physical type */
};

enum pq_time_unit { PQ_MILLIS = 0, PQ_MICROS = 1, PQ_NANOS = 2 };

struct pq_schema_elem {
    const char *name;          /* not NUL-terminated */
    size_t name_len;
    int type;                  /* enum pq_type, -1 for a group */
    int32_t type_length;
    int repetition;            /* enum pq_repetition, -1 when absent (the root) */
    int32_t num_children;
    int converted;             /* enum pq_converted, -1 when absent */
    int32_t scale, precision;
    enum pq_logical logical;
    enum pq_time_unit unit;    /* TIME and TIMESTAMP */
    bool utc;                  /* TIMESTAMP and TIME isAdjustedToUTC */
    int bit_width;             /* INTEGER */
    bool is_signed;
};

struct pq_statistics {
    const uint8_t *min, *max;  /* min_value and max_value (or the older min and max) */
    size_t min_len, max_len;
    bool has_min, has_max, has_null_count;
    int64_t null_count;
};

struct pq_column_meta {
    int type;
    int codec;
    uint32_t encodings;        /* bit set of enum pq_encoding */
    const char *path;          /* path_in_schema joined with '.' (writer) / first part (reader) */
    size_t path_len;
    uint32_t path_depth;
    int64_t num_values;
    int64_t total_uncompressed_size, total_compressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset;   /* -1 when absent */
    struct pq_statistics stats;
};

struct pq_column_chunk {
    int64_t file_offset;
    bool has_meta;
    struct pq_column_meta meta;
};

struct pq_row_group {
    /* Reader: the encoded RowGroup, decoded when needed (pq_row_group_decode)
     * so that a footer of many row groups stays small in memory. */
    const uint8_t *raw;
    size_t raw_len;
    int64_t num_rows;
    int64_t total_byte_size;
    /* Decoded columns (reader after pq_row_group_decode; writer). */
    struct pq_column_chunk *columns;
    uint32_t ncolumns;
};

struct pq_file_meta {
    int32_t version;
    struct pq_schema_elem *schema;
    uint32_t nschema;
    int64_t num_rows;
    struct pq_row_group *row_groups;
    uint32_t nrow_groups;
    const char *created_by;    /* not NUL-terminated; NULL when absent */
    size_t created_by_len;
};

/* Decodes a FileMetaData. Slices (names, statistics, row groups) point into
 * buf, which must outlive meta. Ownership: the caller frees with
 * pq_file_meta_free (also after a failure). Returns 0, or -1 with err
 * filled. */
int pq_file_meta_decode(const uint8_t *buf, size_t len, struct pq_file_meta *meta, char *err,
                        size_t err_len);
void pq_file_meta_free(struct pq_file_meta *meta);

/* Decodes rg->raw into rg->columns (freed by pq_row_group_clear or
 * pq_file_meta_free). Returns 0, or -1 with err filled. */
int pq_row_group_decode(struct pq_row_group *rg, char *err, size_t err_len);
void pq_row_group_clear(struct pq_row_group *rg);

/* Writes a FileMetaData from the writer's structures (schema[0] is the
 * root; row groups with decoded columns; path = the column name). */
void pq_file_meta_encode(struct tc_writer *w, const struct pq_file_meta *meta);

struct pq_page_header {
    int type;                  /* enum pq_page_type */
    int32_t uncompressed_size, compressed_size;
    int32_t num_values;        /* data and dictionary pages */
    int encoding;              /* of the values */
    /* DATA_PAGE */
    int def_encoding, rep_encoding;
    /* DATA_PAGE_V2 */
    int32_t num_nulls, num_rows, def_len, rep_len;
    bool is_compressed;
    /* page statistics (the writer's data pages) */
    struct pq_statistics stats;
    bool has_stats;
};

/* Decodes a PageHeader from buf[0..len); *used is its length. Returns 0;
 * 1 when buf ends inside the header (read more and call again); -1 with
 * err filled when it is malformed. */
int pq_page_header_decode(const uint8_t *buf, size_t len, struct pq_page_header *h, size_t *used,
                          char *err, size_t err_len);
void pq_page_header_encode(struct tc_writer *w, const struct pq_page_header *h);

/* Writes the message into err[0..err_len) and returns -1: the decoders'
 * and the page reader's way to fail. */
int pq_fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

const char *pq_type_name(int type);
const char *pq_codec_name(int codec);
const char *pq_encoding_name(int encoding);

#endif
