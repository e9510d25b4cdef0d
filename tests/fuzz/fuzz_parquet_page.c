/* fuzz_parquet_page.c — libFuzzer target for the page decoders
 * (parquet_page.c): the RLE / bit-packed hybrid at every bit width,
 * DELTA_BINARY_PACKED, and decompression (Snappy, ZSTD, GZIP) into a
 * buffer of a declared size. The first two bytes choose the bit width and
 * the declared size; the rest is the page. Encoded values must decode to
 * themselves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/parquet_meta.h"
#include "process/parquet_page.h"

#define MAX_VALUES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int width = data[0] % 33;
    size_t declared = (size_t)data[1] * 64;
    const uint8_t *page = data + 2;
    size_t len = size - 2;

    static uint32_t vals[MAX_VALUES], back[MAX_VALUES];
    struct pq_rle d;
    pq_rle_init(&d, page, len, width);
    size_t n = pq_rle_get(&d, vals, MAX_VALUES);
    if (n > MAX_VALUES)
        abort();
    /* what was decoded encodes and decodes to itself */
    for (size_t i = 0; i < n; i++)
        if (width < 32 && (vals[i] >> width) != 0)
            abort();
    struct pq_buf b = {0};
    pq_rle_encode(&b, vals, n, width);
    if (!b.failed) {
        pq_rle_init(&d, b.p, b.len, width);
        if (pq_rle_get(&d, back, n) != n || (n && memcmp(vals, back, n * sizeof(*vals)) != 0))
            abort();
    }
    pq_buf_free(&b);

    struct pq_delta delta = {0};
    if (pq_delta_init(&delta, page, len) == 0) {
        int64_t v;
        for (int i = 0; i < MAX_VALUES && pq_delta_next(&delta, &v) == 1; i++)
            ;
    }
    pq_delta_free(&delta);
    const uint8_t *end = pq_delta_end(page, len);
    if (end && (end < page || end > page + len))
        abort();

    struct pq_codecs *c = pq_codecs_new();
    uint8_t *out = malloc(declared + 1);
    char err[200];
    static const int codecs[] = {PQ_SNAPPY, PQ_ZSTD, PQ_GZIP, PQ_UNCOMPRESSED};
    for (size_t k = 0; k < 4; k++)
        pq_decompress(c, codecs[k], page, len, out, declared, err, sizeof(err));
    free(out);
    pq_codecs_free(c);
    return 0;
}
