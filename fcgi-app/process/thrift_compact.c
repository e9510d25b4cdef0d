/* thrift_compact.c — the Thrift compact protocol (see thrift_compact.h),
 * after the Apache Thrift compact protocol specification: field headers
 * carry a 4-bit id delta and a 4-bit type, integers are zigzag varints,
 * binaries and collections are length-prefixed, a struct ends with a 0
 * byte. */
#include <stdlib.h>
#include <string.h>

#include "process/thrift_compact.h"

void tc_reader_init(struct tc_reader *r, const void *buf, size_t len)
{
    r->p = buf;
    r->end = r->p + len;
    r->depth = 0;
    r->error = TC_OK;
}

int tc_fail(struct tc_reader *r, enum tc_error error)
{
    if (r->error == TC_OK)
        r->error = error;
    r->p = r->end;
    return 0;
}

const char *tc_error_name(enum tc_error error)
{
    switch (error) {
    case TC_OK: return "no error";
    case TC_TRUNCATED: return "the metadata is cut off";
    case TC_BAD_TYPE: return "a field has an unexpected type";
    case TC_BAD_VARINT: return "an integer is malformed";
    case TC_TOO_DEEP: return "the metadata is nested too deeply";
    case TC_TOO_MANY: return "a list is longer than allowed";
    case TC_BAD_VALUE: return "a value is out of range";
    }
    return "unknown error";
}

static uint64_t varint(struct tc_reader *r, int max_bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (r->p >= r->end)
            return tc_fail(r, TC_TRUNCATED);
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    return tc_fail(r, TC_BAD_VARINT);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int8_t tc_byte(struct tc_reader *r)
{
    if (r->p >= r->end)
        return (int8_t)tc_fail(r, TC_TRUNCATED);
    return (int8_t)*r->p++;
}

int16_t tc_i16(struct tc_reader *r)
{
    int64_t v = unzigzag(varint(r, 3));
    if (v < INT16_MIN || v > INT16_MAX)
        return (int16_t)tc_fail(r, TC_BAD_VARINT);
    return (int16_t)v;
}

int32_t tc_i32(struct tc_reader *r)
{
    int64_t v = unzigzag(varint(r, 5));
    if (v < INT32_MIN || v > INT32_MAX)
        return tc_fail(r, TC_BAD_VARINT);
    return (int32_t)v;
}

int64_t tc_i64(struct tc_reader *r)
{
    return unzigzag(varint(r, 10));
}

double tc_double(struct tc_reader *r)
{
    if (r->end - r->p < 8)
        return tc_fail(r, TC_TRUNCATED);
    uint64_t bits = 0;
    for (int i = 7; i >= 0; i--)
        bits = bits << 8 | r->p[i];
    r->p += 8;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

void tc_binary(struct tc_reader *r, const uint8_t **p, size_t *len)
{
    uint64_t n = varint(r, 5);
    *p = r->p;
    *len = 0;
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, TC_TRUNCATED);
        return;
    }
    *len = (size_t)n;
    r->p += n;
}

static bool enter(struct tc_reader *r)
{
    if (r->depth >= TC_MAX_DEPTH) {
        tc_fail(r, TC_TOO_DEEP);
        return false;
    }
    r->depth++;
    return true;
}

void tc_struct_begin(struct tc_reader *r)
{
    enter(r);
}

void tc_struct_end(struct tc_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

enum tc_type tc_field(struct tc_reader *r, int16_t *last_id, int16_t *id)
{
    if (r->error)
        return TC_STOP;
    if (r->p >= r->end) {
        tc_fail(r, TC_TRUNCATED);
        return TC_STOP;
    }
    uint8_t b = *r->p++;
    enum tc_type type = (enum tc_type)(b & 0x0F);
    if (type == TC_STOP)
        return TC_STOP;
    if (type > TC_STRUCT) {
        tc_fail(r, TC_BAD_TYPE);
        return TC_STOP;
    }
    unsigned delta = b >> 4;
    if (delta) {
        if (*last_id > INT16_MAX - 15) {
            tc_fail(r, TC_BAD_VALUE);
            return TC_STOP;
        }
        *id = (int16_t)(*last_id + (int16_t)delta);
    } else {
        *id = tc_i16(r);
    }
    *last_id = *id;
    return r->error ? TC_STOP : type;
}

void tc_list_begin(struct tc_reader *r, enum tc_type *elem, uint32_t *count, uint32_t max_count)
{
    *elem = TC_STOP;
    *count = 0;
    if (!enter(r))
        return;
    if (r->p >= r->end) {
        tc_fail(r, TC_TRUNCATED);
        return;
    }
    uint8_t b = *r->p++;
    uint64_t n = b >> 4;
    if (n == 15)
        n = varint(r, 5);
    enum tc_type t = (enum tc_type)(b & 0x0F);
    if (t > TC_STRUCT || t == TC_STOP) {
        tc_fail(r, TC_BAD_TYPE);
        return;
    }
    /* Every element takes a byte at least (a boolean one, a struct's stop). */
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, TC_TRUNCATED);
        return;
    }
    if (n > max_count) {
        tc_fail(r, TC_TOO_MANY);
        return;
    }
    *elem = t;
    *count = (uint32_t)n;
}

void tc_list_end(struct tc_reader *r)
{
    tc_struct_end(r);
}

bool tc_expect(struct tc_reader *r, enum tc_type got, enum tc_type want)
{
    bool ok = got == want || ((got == TC_TRUE || got == TC_FALSE) &&
                              (want == TC_TRUE || want == TC_FALSE));
    if (!ok)
        tc_fail(r, TC_BAD_TYPE);
    return ok;
}

static void skip_list(struct tc_reader *r)
{
    enum tc_type elem;
    uint32_t n;
    tc_list_begin(r, &elem, &n, UINT32_MAX);
    for (uint32_t i = 0; i < n && !r->error; i++) {
        if (elem == TC_TRUE || elem == TC_FALSE)
            tc_byte(r);   /* booleans in a collection are one byte each */
        else
            tc_skip(r, elem);
    }
    tc_list_end(r);
}

static void skip_map(struct tc_reader *r)
{
    if (!enter(r))
        return;
    uint64_t n = varint(r, 5);
    if (n > 0) {
        if (r->p >= r->end) {
            tc_fail(r, TC_TRUNCATED);
            return;
        }
        uint8_t kv = *r->p++;
        enum tc_type k = (enum tc_type)(kv >> 4), v = (enum tc_type)(kv & 0x0F);
        if (k == TC_STOP || k > TC_STRUCT || v == TC_STOP || v > TC_STRUCT) {
            tc_fail(r, TC_BAD_TYPE);
            return;
        }
        if (n > (uint64_t)(r->end - r->p) / 2) {
            tc_fail(r, TC_TRUNCATED);
            return;
        }
        for (uint64_t i = 0; i < n && !r->error; i++) {
            if (k == TC_TRUE || k == TC_FALSE)
                tc_byte(r);
            else
                tc_skip(r, k);
            if (v == TC_TRUE || v == TC_FALSE)
                tc_byte(r);
            else
                tc_skip(r, v);
        }
    }
    tc_struct_end(r);
}

void tc_skip(struct tc_reader *r, enum tc_type type)
{
    const uint8_t *p;
    size_t len;
    int16_t last = 0, id;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
        return;   /* the value was in the field header */
    case TC_BYTE:
        tc_byte(r);
        return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        varint(r, 10);
        return;
    case TC_DOUBLE:
        tc_double(r);
        return;
    case TC_BINARY:
        tc_binary(r, &p, &len);
        return;
    case TC_LIST:
    case TC_SET:
        skip_list(r);
        return;
    case TC_MAP:
        skip_map(r);
        return;
    case TC_STRUCT:
        tc_struct_begin(r);
        for (enum tc_type t; (t = tc_field(r, &last, &id)) != TC_STOP;)
            tc_skip(r, t);
        tc_struct_end(r);
        return;
    case TC_STOP:
        break;
    }
    tc_fail(r, TC_BAD_TYPE);
}

/* ---- the encoder ---- */

void tc_writer_init(struct tc_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void tc_writer_free(struct tc_writer *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

void tc_writer_reset(struct tc_writer *w)
{
    w->len = 0;
    w->failed = false;
    w->depth = 0;
    w->last_id[0] = 0;
}

static void put_bytes(struct tc_writer *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n) {
            if (cap > SIZE_MAX / 2) {
                w->failed = true;
                return;
            }
            cap *= 2;
        }
        uint8_t *b = realloc(w->buf, cap);
        if (!b) {
            w->failed = true;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_byte(struct tc_writer *w, uint8_t b)
{
    put_bytes(w, &b, 1);
}

size_t tc_varint_encode(uint64_t v, uint8_t out[10])
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static void put_varint(struct tc_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    put_bytes(w, tmp, tc_varint_encode(v, tmp));
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void tc_put_field(struct tc_writer *w, int16_t id, enum tc_type type)
{
    int16_t *last = &w->last_id[w->depth];
    if (id > *last && id - *last <= 15) {
        put_byte(w, (uint8_t)((id - *last) << 4 | type));
    } else {
        put_byte(w, (uint8_t)type);
        put_varint(w, zigzag(id));
    }
    *last = id;
}

void tc_put_field_bool(struct tc_writer *w, int16_t id, bool value)
{
    tc_put_field(w, id, value ? TC_TRUE : TC_FALSE);
}

void tc_put_i32(struct tc_writer *w, int32_t v)
{
    put_varint(w, zigzag(v));
}

void tc_put_i64(struct tc_writer *w, int64_t v)
{
    put_varint(w, zigzag(v));
}

void tc_put_binary(struct tc_writer *w, const void *p, size_t len)
{
    put_varint(w, len);
    put_bytes(w, p, len);
}

void tc_put_list(struct tc_writer *w, enum tc_type elem, uint32_t count)
{
    if (count < 15) {
        put_byte(w, (uint8_t)(count << 4 | elem));
    } else {
        put_byte(w, (uint8_t)(0xF0 | elem));
        put_varint(w, count);
    }
}

void tc_put_struct_begin(struct tc_writer *w)
{
    if (w->depth >= TC_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void tc_put_struct_end(struct tc_writer *w)
{
    put_byte(w, TC_STOP);
    if (w->depth > 0)
        w->depth--;
}

void tc_put_field_i32(struct tc_writer *w, int16_t id, int32_t v)
{
    tc_put_field(w, id, TC_I32);
    tc_put_i32(w, v);
}

void tc_put_field_i64(struct tc_writer *w, int16_t id, int64_t v)
{
    tc_put_field(w, id, TC_I64);
    tc_put_i64(w, v);
}

void tc_put_field_binary(struct tc_writer *w, int16_t id, const void *p, size_t len)
{
    tc_put_field(w, id, TC_BINARY);
    tc_put_binary(w, p, len);
}

void tc_put_field_struct(struct tc_writer *w, int16_t id)
{
    tc_put_field(w, id, TC_STRUCT);
    tc_put_struct_begin(w);
}
