/* parquet_page.c — page compression and the encodings below the values
 * (see parquet_page.h), after the Apache Parquet format specification
 * (Encodings.md, Compression.md). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "process/grow.h"
#include "process/parquet_meta.h"
#include "process/parquet_page.h"

/* ZSTD level for written pages: zstd's own default, a good ratio at a
 * speed close to Snappy's on this data. */
#define PQ_ZSTD_LEVEL 3

/* ---------------------------------------------------------------- buffer */

void pq_buf_free(struct pq_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

uint8_t *pq_buf_reserve(struct pq_buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (n > b->cap - b->len &&
        (n > SIZE_MAX - b->len || !grow(&b->p, &b->cap, b->len + n, 1, 4096))) {
        b->failed = true;
        return NULL;
    }
    return b->p + b->len;
}

void pq_buf_put(struct pq_buf *b, const void *p, size_t n)
{
    uint8_t *dst = pq_buf_reserve(b, n);
    if (!dst)
        return;
    if (n)
        memcpy(dst, p, n);
    b->len += n;
}

void pq_buf_put_u32le(struct pq_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pq_buf_put(b, le, 4);
}

void pq_buf_put_varint(struct pq_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    pq_buf_put(b, tmp, tc_varint_encode(v, tmp));
}

/* ---------------------------------------------------------------- compression */

struct pq_codecs {
    ZSTD_DCtx *zd;
    ZSTD_CCtx *zc;
};

struct pq_codecs *pq_codecs_new(void)
{
    return calloc(1, sizeof(struct pq_codecs));
}

void pq_codecs_free(struct pq_codecs *c)
{
    if (!c)
        return;
    ZSTD_freeDCtx(c->zd);
    ZSTD_freeCCtx(c->zc);
    free(c);
}

bool pq_codec_supported(int codec)
{
    return codec == PQ_UNCOMPRESSED || codec == PQ_SNAPPY || codec == PQ_GZIP ||
           codec == PQ_ZSTD;
}

static int gunzip(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, char *err,
                  size_t err_len)
{
    if (src_len > UINT_MAX || dst_len > UINT_MAX)
        return pq_fail(err, err_len, "a GZIP page is too large");
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* 32 + MAX_WBITS: a gzip or a zlib header, whichever the writer used. */
    if (inflateInit2(&z, 32 + MAX_WBITS) != Z_OK)
        return pq_fail(err, err_len, "out of memory");
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)src_len;
    z.next_out = dst;
    z.avail_out = (uInt)dst_len;
    int rc = inflate(&z, Z_FINISH);
    size_t out = dst_len - z.avail_out;
    inflateEnd(&z);
    if (rc == Z_STREAM_END && out == dst_len)
        return 0;
    if (rc == Z_BUF_ERROR && z.avail_out == 0)
        return pq_fail(err, err_len, "a page decompresses past its declared size of %zu bytes",
                       dst_len);
    if (rc == Z_STREAM_END)
        return pq_fail(err, err_len, "a page decompresses to %zu bytes, its header says %zu", out,
                       dst_len);
    return pq_fail(err, err_len, "a GZIP page is corrupt (%s)", z.msg ? z.msg : "inflate failed");
}

static int unsnappy(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, char *err,
                    size_t err_len)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)src, src_len, &n) != SNAPPY_OK)
        return pq_fail(err, err_len, "a Snappy page is corrupt");
    if (n > dst_len)
        return pq_fail(err, err_len, "a page decompresses past its declared size of %zu bytes",
                       dst_len);
    if (n != dst_len)
        return pq_fail(err, err_len, "a page decompresses to %zu bytes, its header says %zu", n,
                       dst_len);
    size_t out = dst_len;
    if (snappy_uncompress((const char *)src, src_len, (char *)dst, &out) != SNAPPY_OK ||
        out != dst_len)
        return pq_fail(err, err_len, "a Snappy page is corrupt");
    return 0;
}

static int unzstd(struct pq_codecs *c, const uint8_t *src, size_t src_len, uint8_t *dst,
                  size_t dst_len, char *err, size_t err_len)
{
    if (!c->zd && !(c->zd = ZSTD_createDCtx()))
        return pq_fail(err, err_len, "out of memory");
    size_t n = ZSTD_decompressDCtx(c->zd, dst, dst_len, src, src_len);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
            return pq_fail(err, err_len, "a page decompresses past its declared size of %zu bytes",
                           dst_len);
        return pq_fail(err, err_len, "a ZSTD page is corrupt (%s)", ZSTD_getErrorName(n));
    }
    if (n != dst_len)
        return pq_fail(err, err_len, "a page decompresses to %zu bytes, its header says %zu", n,
                       dst_len);
    return 0;
}

int pq_decompress(struct pq_codecs *c, int codec, const uint8_t *src, size_t src_len, uint8_t *dst,
                  size_t dst_len, char *err, size_t err_len)
{
    switch (codec) {
    case PQ_UNCOMPRESSED:
        if (src_len != dst_len)
            return pq_fail(err, err_len, "an uncompressed page is %zu bytes, its header says %zu",
                           src_len, dst_len);
        if (dst_len)
            memcpy(dst, src, dst_len);
        return 0;
    case PQ_SNAPPY:
        return unsnappy(src, src_len, dst, dst_len, err, err_len);
    case PQ_GZIP:
        return gunzip(src, src_len, dst, dst_len, err, err_len);
    case PQ_ZSTD:
        return unzstd(c, src, src_len, dst, dst_len, err, err_len);
    default:
        return pq_fail(err, err_len,
                       "%s compression is not supported (Snappy, ZSTD, GZIP and "
                       "uncompressed pages are)",
                       pq_codec_name(codec));
    }
}

int pq_compress(struct pq_codecs *c, int codec, const uint8_t *src, size_t src_len,
                struct pq_buf *out)
{
    switch (codec) {
    case PQ_UNCOMPRESSED:
        pq_buf_put(out, src, src_len);
        return out->failed ? -1 : 0;
    case PQ_SNAPPY: {
        size_t n = snappy_max_compressed_length(src_len);
        uint8_t *dst = pq_buf_reserve(out, n);
        if (!dst || snappy_compress((const char *)src, src_len, (char *)dst, &n) != SNAPPY_OK)
            return -1;
        out->len += n;
        return 0;
    }
    case PQ_ZSTD: {
        if (!c->zc && !(c->zc = ZSTD_createCCtx()))
            return -1;
        size_t n = ZSTD_compressBound(src_len);
        uint8_t *dst = pq_buf_reserve(out, n);
        if (!dst)
            return -1;
        n = ZSTD_compressCCtx(c->zc, dst, n, src, src_len, PQ_ZSTD_LEVEL);
        if (ZSTD_isError(n))
            return -1;
        out->len += n;
        return 0;
    }
    default:
        return -1;
    }
}

/* ---------------------------------------------------------------- bit packing */

int pq_bit_width(uint64_t max)
{
    return max == 0 ? 0 : 64 - __builtin_clzll(max);
}

/* Eight values of w bits (w <= 32), least significant bit first, from
 * exactly w bytes. */
static void unpack8(const uint8_t *src, int w, uint32_t out[8])
{
    uint64_t acc = 0, mask = w == 32 ? 0xFFFFFFFFull : (1ull << w) - 1;
    int bits = 0;
    for (int k = 0; k < 8; k++) {
        while (bits < w) {
            acc |= (uint64_t)*src++ << bits;
            bits += 8;
        }
        out[k] = (uint32_t)(acc & mask);
        acc >>= w;
        bits -= w;
    }
}

static void pack(struct pq_buf *out, const uint32_t *values, size_t n, int w)
{
    size_t bytes = (n * (size_t)w + 7) / 8;
    uint8_t *dst = pq_buf_reserve(out, bytes);
    if (!dst)
        return;
    uint64_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)values[i] << bits;
        bits += w;
        while (bits >= 8) {
            dst[o++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0)
        dst[o++] = (uint8_t)acc;
    out->len += o;
}

/* ---------------------------------------------------------------- RLE hybrid */

void pq_rle_init(struct pq_rle *d, const uint8_t *buf, size_t len, int bit_width)
{
    static const uint8_t nothing[1];
    if (!buf)
        buf = nothing, len = 0;
    memset(d, 0, sizeof(*d));
    d->p = buf;
    d->end = buf + len;
    d->bit_width = bit_width;
    d->group_pos = 8;
    d->error = bit_width < 0 || bit_width > 32;
}

static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Reads the next run header; false at the end of the data or on error. */
static bool next_run(struct pq_rle *d)
{
    uint64_t h;
    if (d->p >= d->end)
        return false;
    if (!read_uleb(&d->p, d->end, &h)) {
        d->error = true;
        return false;
    }
    uint64_t count = h >> 1;
    if (h & 1) {
        /* count groups of 8 values, count * bit_width bytes */
        if (count == 0 || count > UINT32_MAX / 8 ||
            count * (uint64_t)d->bit_width > (uint64_t)(d->end - d->p)) {
            d->error = true;
            return false;
        }
        d->packed = true;
        d->run_left = (uint32_t)(count * 8);
        d->group_pos = 8;
        return true;
    }
    size_t vbytes = ((size_t)d->bit_width + 7) / 8;
    if (count == 0 || count > UINT32_MAX || vbytes > (size_t)(d->end - d->p)) {
        d->error = true;
        return false;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < vbytes; i++)
        v |= (uint32_t)d->p[i] << (8 * i);
    d->p += vbytes;
    if (d->bit_width < 32 && (v >> d->bit_width) != 0) {
        d->error = true;   /* a value wider than the declared width */
        return false;
    }
    d->packed = false;
    d->value = v;
    d->run_left = (uint32_t)count;
    return true;
}

size_t pq_rle_get(struct pq_rle *d, uint32_t *out, size_t n)
{
    size_t got = 0;
    while (got < n && !d->error) {
        if (d->run_left == 0 && !next_run(d)) {
            d->error = true;   /* asked for more than the data holds */
            break;
        }
        size_t take = n - got < d->run_left ? n - got : d->run_left;
        if (!d->packed) {
            for (size_t i = 0; i < take; i++)
                out[got + i] = d->value;
            got += take;
            d->run_left -= (uint32_t)take;
            continue;
        }
        for (size_t i = 0; i < take; i++) {
            if (d->group_pos == 8) {
                unpack8(d->p, d->bit_width, d->group);
                d->p += d->bit_width;
                d->group_pos = 0;
            }
            out[got++] = d->group[d->group_pos++];
        }
        d->run_left -= (uint32_t)take;
    }
    return got;
}

static size_t run_at(const uint32_t *v, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

void pq_rle_encode(struct pq_buf *out, const uint32_t *values, size_t n, int bit_width)
{
    size_t vbytes = ((size_t)bit_width + 7) / 8;
    size_t i = 0;
    while (i < n) {
        size_t r = run_at(values, i, n);
        if (r >= 8) {
            pq_buf_put_varint(out, (uint64_t)r << 1);
            uint8_t le[4] = {(uint8_t)values[i], (uint8_t)(values[i] >> 8),
                             (uint8_t)(values[i] >> 16), (uint8_t)(values[i] >> 24)};
            pq_buf_put(out, le, vbytes);
            i += r;
            continue;
        }
        /* Groups of 8 literal values up to the next long run (at a group
         * boundary); the last group is padded with zeros. */
        size_t j = i, groups = 0;
        do {
            j += 8;
            groups++;
        } while (j < n && groups < (1u << 20) && run_at(values, j, n) < 8);
        pq_buf_put_varint(out, (uint64_t)groups << 1 | 1);
        if (j <= n) {
            pack(out, values + i, j - i, bit_width);
        } else {
            uint32_t last[8] = {0};
            size_t full = (n - i) / 8 * 8;
            pack(out, values + i, full, bit_width);
            memcpy(last, values + i + full, (n - i - full) * sizeof(*last));
            pack(out, last, 8, bit_width);
        }
        i = j;
    }
}

/* ---------------------------------------------------------------- DELTA_BINARY_PACKED */

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Header: block size, miniblocks per block, total count, first value. */
static bool delta_header(const uint8_t **p, const uint8_t *end, uint64_t *block, uint64_t *mbs,
                         uint64_t *total, int64_t *first)
{
    uint64_t z;
    if (!read_uleb(p, end, block) || !read_uleb(p, end, mbs) || !read_uleb(p, end, total) ||
        !read_uleb(p, end, &z))
        return false;
    *first = unzigzag(z);
    if (*block == 0 || *block > PQ_DELTA_MAX_BLOCK || *block % 128 != 0 || *mbs == 0 ||
        *block % *mbs != 0 || (*block / *mbs) % 8 != 0)
        return false;
    return true;
}

int pq_delta_init(struct pq_delta *d, const uint8_t *buf, size_t len)
{
    int64_t *vals = d->vals;
    size_t cap = d->vals_cap;
    memset(d, 0, offsetof(struct pq_delta, vals));
    d->vals = vals;
    d->vals_cap = cap;
    d->pos = d->nvals = 0;
    d->error = false;
    d->p = buf;
    d->end = buf + len;
    if (!delta_header(&d->p, d->end, &d->block_size, &d->miniblocks, &d->total, &d->last)) {
        d->error = true;
        return -1;
    }
    d->per_miniblock = d->block_size / d->miniblocks;
    if (d->vals_cap < d->per_miniblock) {
        int64_t *v = realloc(d->vals, d->per_miniblock * sizeof(*v));
        if (!v) {
            d->error = true;
            return -1;
        }
        d->vals = v;
        d->vals_cap = d->per_miniblock;
    }
    return 0;
}

void pq_delta_free(struct pq_delta *d)
{
    free(d->vals);
    d->vals = NULL;
    d->vals_cap = 0;
}

static uint64_t read_bits(const uint8_t *src, uint64_t bitpos, int w)
{
    uint64_t v = 0;
    int got = 0;
    const uint8_t *b = src + (bitpos >> 3);
    int shift = (int)(bitpos & 7);
    while (got < w) {
        v |= ((uint64_t)*b++ >> shift) << got;
        got += 8 - shift;
        shift = 0;
    }
    return w == 64 ? v : v & ((1ull << w) - 1);
}

static bool delta_load_miniblock(struct pq_delta *d)
{
    if (d->block_left == 0) {
        uint64_t z;
        if (!read_uleb(&d->p, d->end, &z) || (uint64_t)(d->end - d->p) < d->miniblocks)
            return false;
        d->min_delta = unzigzag(z);
        memcpy(d->widths, d->p, d->miniblocks);
        d->p += d->miniblocks;
        d->miniblock = 0;
        d->block_left = d->block_size;
    }
    int w = d->widths[d->miniblock];
    if (w > 64)
        return false;
    uint64_t bytes = d->per_miniblock * (uint64_t)w / 8;
    if (bytes > (uint64_t)(d->end - d->p))
        return false;
    for (uint64_t i = 0; i < d->per_miniblock; i++)
        d->vals[i] = (int64_t)((uint64_t)d->min_delta +
                               (w ? read_bits(d->p, i * (uint64_t)w, w) : 0));
    d->p += bytes;
    d->miniblock++;
    d->block_left -= d->per_miniblock;
    d->pos = 0;
    d->nvals = d->per_miniblock;
    return true;
}

int pq_delta_next(struct pq_delta *d, int64_t *out)
{
    if (d->error)
        return -1;
    if (d->given >= d->total)
        return 0;
    if (d->given > 0) {
        if (d->pos == d->nvals && !delta_load_miniblock(d)) {
            d->error = true;
            return -1;
        }
        d->last = (int64_t)((uint64_t)d->last + (uint64_t)d->vals[d->pos++]);
    }
    d->given++;
    *out = d->last;
    return 1;
}

const uint8_t *pq_delta_end(const uint8_t *buf, size_t len)
{
    const uint8_t *p = buf, *end = buf + len;
    uint64_t block, mbs, total;
    int64_t first;
    if (!delta_header(&p, end, &block, &mbs, &total, &first))
        return NULL;
    uint64_t per = block / mbs, left = total > 0 ? total - 1 : 0;
    while (left > 0) {
        uint64_t z;
        if (!read_uleb(&p, end, &z) || (uint64_t)(end - p) < mbs)
            return NULL;
        const uint8_t *widths = p;
        p += mbs;
        for (uint64_t m = 0; m < mbs && left > 0; m++) {
            if (widths[m] > 64)
                return NULL;
            uint64_t bytes = per * widths[m] / 8;
            if (bytes > (uint64_t)(end - p))
                return NULL;
            p += bytes;
            left -= left < per ? left : per;
        }
    }
    return p;
}
