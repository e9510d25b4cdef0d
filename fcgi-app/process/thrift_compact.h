/* thrift_compact.h — the Thrift compact protocol, as much of it as Parquet's
 * metadata needs: a decoder over a byte slice and an encoder into a growing
 * buffer.
 *
 * The decoder never trusts the input: every length is checked against the
 * bytes left, every element count against the bytes left (each element takes
 * at least one byte) and a caller's cap, nesting is bounded, and a varint
 * longer than its type allows is an error. Errors are sticky: after the
 * first one every call returns zero values and tc_error() says what went
 * wrong, so a caller checks once at the end. */
#ifndef QUARRY_PROCESS_THRIFT_COMPACT_H
#define QUARRY_PROCESS_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field and element types of the compact protocol. */
enum tc_type {
    TC_STOP = 0,
    TC_TRUE = 1,    /* a boolean field holding true (in a list: any boolean) */
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12,
};

enum tc_error {
    TC_OK = 0,
    TC_TRUNCATED,      /* the data ends inside a value */
    TC_BAD_TYPE,       /* an unknown type code, or not the type expected */
    TC_BAD_VARINT,     /* a varint longer than its type */
    TC_TOO_DEEP,       /* structs and lists nested deeper than TC_MAX_DEPTH */
    TC_TOO_MANY,       /* more elements than the caller allows */
    TC_BAD_VALUE,      /* a value outside what the caller accepts */
};

/* Deeper than Parquet's metadata ever goes (FileMetaData > RowGroup >
 * ColumnChunk > ColumnMetaData > Statistics is 5 levels). */
#define TC_MAX_DEPTH 32

struct tc_reader {
    const uint8_t *p, *end;
    int depth;
    enum tc_error error;
};

/* Reads from buf[0..len); buf must outlive the reader and every slice it
 * hands out. */
void tc_reader_init(struct tc_reader *r, const void *buf, size_t len);
/* Marks the reader failed (the first error wins); returns 0. */
int tc_fail(struct tc_reader *r, enum tc_error error);
static inline enum tc_error tc_error(const struct tc_reader *r)
{
    return r->error;
}
const char *tc_error_name(enum tc_error error);

/* Structs: tc_struct_begin, then tc_field until it returns TC_STOP (also
 * returned on error), reading or skipping each field's value, then
 * tc_struct_end. *last_id is the caller's field-id state (start it at 0). */
void tc_struct_begin(struct tc_reader *r);
void tc_struct_end(struct tc_reader *r);
enum tc_type tc_field(struct tc_reader *r, int16_t *last_id, int16_t *id);

/* Values. A boolean field carries its value in its type (TC_TRUE or
 * TC_FALSE): tc_bool_of(type) reads it. */
static inline bool tc_bool_of(enum tc_type type)
{
    return type == TC_TRUE;
}
int8_t tc_byte(struct tc_reader *r);
int16_t tc_i16(struct tc_reader *r);
int32_t tc_i32(struct tc_reader *r);
int64_t tc_i64(struct tc_reader *r);
double tc_double(struct tc_reader *r);
/* A binary or string: *p points into the reader's buffer (no copy). */
void tc_binary(struct tc_reader *r, const uint8_t **p, size_t *len);
/* Reads a list (or set) header; *count is at most max_count (else
 * TC_TOO_MANY) and at most the bytes left. Pair with tc_list_end. */
void tc_list_begin(struct tc_reader *r, enum tc_type *elem, uint32_t *count, uint32_t max_count);
void tc_list_end(struct tc_reader *r);
/* Passes over a value of the given type (structs, lists and maps
 * included, depth-bounded). */
void tc_skip(struct tc_reader *r, enum tc_type type);
/* Checks a field's type, failing with TC_BAD_TYPE when it differs (booleans
 * match either boolean type). Returns true when it matches. */
bool tc_expect(struct tc_reader *r, enum tc_type got, enum tc_type want);

/* ---- the encoder ---- */

struct tc_writer {
    uint8_t *buf;
    size_t len, cap;
    bool failed;                      /* out of memory: the output is unusable */
    int depth;
    int16_t last_id[TC_MAX_DEPTH + 1];
};

/* Ownership: the writer owns buf until tc_writer_free (or the caller takes
 * buf and sets it to NULL). */
void tc_writer_init(struct tc_writer *w);
/* v as a ULEB128 varint (Thrift's and Parquet's RLE headers') in out;
 * returns its length (1 to 10 bytes). */
size_t tc_varint_encode(uint64_t v, uint8_t out[10]);
void tc_writer_free(struct tc_writer *w);
void tc_writer_reset(struct tc_writer *w);

/* Field headers; the value follows with the tc_put_* calls. Field ids
 * within one struct must grow. */
void tc_put_field(struct tc_writer *w, int16_t id, enum tc_type type);
void tc_put_field_bool(struct tc_writer *w, int16_t id, bool value);
void tc_put_i32(struct tc_writer *w, int32_t v);
void tc_put_i64(struct tc_writer *w, int64_t v);
void tc_put_binary(struct tc_writer *w, const void *p, size_t len);
void tc_put_list(struct tc_writer *w, enum tc_type elem, uint32_t count);
/* A struct value (after a field header or as a list element). */
void tc_put_struct_begin(struct tc_writer *w);
void tc_put_struct_end(struct tc_writer *w);

/* Shorthands for a field and its value. */
void tc_put_field_i32(struct tc_writer *w, int16_t id, int32_t v);
void tc_put_field_i64(struct tc_writer *w, int16_t id, int64_t v);
void tc_put_field_binary(struct tc_writer *w, int16_t id, const void *p, size_t len);
void tc_put_field_struct(struct tc_writer *w, int16_t id);

#endif
