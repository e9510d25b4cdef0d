/* parquet_page.h — what a Parquet page is made of, below the metadata:
 * page compression (Snappy, ZSTD, GZIP), the RLE / bit-packed hybrid of
 * levels and dictionary indices, DELTA_BINARY_PACKED, bit packing.
 *
 * Decoders work on slices and check every length against the bytes they
 * were given: a corrupt page is an error value, never a read out of
 * bounds. The writer's encoders append to a growing byte buffer. */
#ifndef QUARRY_PROCESS_PARQUET_PAGE_H
#define QUARRY_PROCESS_PARQUET_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a growing byte buffer (the writer's pages) ---- */

struct pq_buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;   /* out of memory: the content is unusable */
};

/* Ownership: the buffer owns p; pq_buf_free releases it. */
void pq_buf_free(struct pq_buf *b);
/* Makes room for n more bytes; returns a pointer to them or NULL (failed). */
uint8_t *pq_buf_reserve(struct pq_buf *b, size_t n);
void pq_buf_put(struct pq_buf *b, const void *p, size_t n);
void pq_buf_put_u32le(struct pq_buf *b, uint32_t v);
void pq_buf_put_varint(struct pq_buf *b, uint64_t v);

/* ---- compression ---- */

struct pq_codecs;   /* reusable (de)compression contexts of one reader or writer */

/* Ownership: pq_codecs_free. NULL when out of memory. */
struct pq_codecs *pq_codecs_new(void);
void pq_codecs_free(struct pq_codecs *c);
/* True for the codecs Quarry reads (UNCOMPRESSED, SNAPPY, GZIP, ZSTD). */
bool pq_codec_supported(int codec);
/* Decompresses src into exactly dst_len bytes. Returns 0, or -1 with err
 * filled: unsupported codec, corrupt data, or a page that decompresses to
 * more or fewer bytes than its header declares. */
int pq_decompress(struct pq_codecs *c, int codec, const uint8_t *src, size_t src_len, uint8_t *dst,
                  size_t dst_len, char *err, size_t err_len);
/* Compresses src (UNCOMPRESSED, SNAPPY or ZSTD) and appends it to out.
 * Returns 0, or -1 when out of memory or the codec failed. */
int pq_compress(struct pq_codecs *c, int codec, const uint8_t *src, size_t src_len,
                struct pq_buf *out);

/* ---- RLE / bit-packed hybrid ---- */

struct pq_rle {
    const uint8_t *p, *end;
    int bit_width;             /* 0..32 */
    uint32_t run_left;         /* values left in the current run */
    bool packed;               /* the current run is bit-packed */
    uint32_t value;            /* of an RLE run */
    uint32_t group[8];         /* unpacked values of a bit-packed group */
    unsigned group_pos;        /* next value of group (8 = none left) */
    bool error;
};

/* Decodes from buf[0..len) with values of bit_width bits (0..32). */
void pq_rle_init(struct pq_rle *d, const uint8_t *buf, size_t len, int bit_width);
/* Fills out[0..n) with the next n values. Returns how many it gave: fewer
 * than n when the data ends (d->error is set when it ended inside a run
 * or was malformed). */
size_t pq_rle_get(struct pq_rle *d, uint32_t *out, size_t n);

/* Appends values[0..n) in the hybrid encoding (no length prefix). */
void pq_rle_encode(struct pq_buf *out, const uint32_t *values, size_t n, int bit_width);
/* Bits needed for values up to max (0 for 0). */
int pq_bit_width(uint64_t max);

/* ---- DELTA_BINARY_PACKED ---- */

#define PQ_DELTA_MAX_BLOCK 65536u

struct pq_delta {
    const uint8_t *p, *end;
    uint64_t block_size, miniblocks, per_miniblock;
    uint64_t total, given;     /* values declared, values handed out */
    int64_t last;              /* the previous value */
    int64_t min_delta;
    uint8_t widths[PQ_DELTA_MAX_BLOCK / 32];
    uint64_t miniblock;        /* index of the next miniblock in the block */
    uint64_t block_left;       /* values left in the current block */
    int64_t *vals;             /* the current miniblock's deltas */
    size_t vals_cap;
    uint64_t pos, nvals;
    bool error;
};

/* Starts decoding buf[0..len). d->vals is reused across calls (free with
 * pq_delta_free). Returns 0, or -1 when the header is malformed. */
int pq_delta_init(struct pq_delta *d, const uint8_t *buf, size_t len);
/* The next value: 1, or 0 at the end, -1 on corrupt data. */
int pq_delta_next(struct pq_delta *d, int64_t *out);
/* Where the encoded values end (after pq_delta_init, before any next);
 * NULL when the data is corrupt or cut off. */
const uint8_t *pq_delta_end(const uint8_t *buf, size_t len);
void pq_delta_free(struct pq_delta *d);

#endif
