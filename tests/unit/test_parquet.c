/* test_parquet.c — the Thrift compact codec, the page encodings, and the
 * Parquet writer and reader through engine_run: round trips, options,
 * row groups, the dictionary fallback, and corrupt files (truncated
 * footer, wrong offsets, a dictionary index out of range, a page that
 * decompresses past its declared size), each a clean ENGINE_BAD_INPUT. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_harness.h"
#include "process/parquet_meta.h"
#include "process/parquet_page.h"
#include "process/thrift_compact.h"

/* ---------------------------------------------------------------- thrift */

START_TEST(thrift_round_trip)
{
    struct tc_writer w;
    tc_writer_init(&w);
    tc_put_struct_begin(&w);
    tc_put_field_i32(&w, 1, -5);
    tc_put_field_i64(&w, 3, 1234567890123LL);
    tc_put_field_binary(&w, 4, "hello", 5);
    tc_put_field_bool(&w, 5, true);
    tc_put_field(&w, 40, TC_LIST);   /* a long id jump: the id is written in full */
    tc_put_list(&w, TC_I32, 20);
    for (int i = 0; i < 20; i++)
        tc_put_i32(&w, i * 1000);
    tc_put_field_struct(&w, 41);
    tc_put_field_i32(&w, 1, 7);
    tc_put_struct_end(&w);
    tc_put_struct_end(&w);
    ck_assert(!w.failed);

    struct tc_reader r;
    tc_reader_init(&r, w.buf, w.len);
    int16_t last = 0, id;
    int seen = 0;
    tc_struct_begin(&r);
    for (enum tc_type t; (t = tc_field(&r, &last, &id)) != TC_STOP;) {
        const uint8_t *p;
        size_t len;
        enum tc_type elem;
        uint32_t n;
        switch (id) {
        case 1: ck_assert_int_eq(tc_i32(&r), -5); seen++; break;
        case 3: ck_assert(tc_i64(&r) == 1234567890123LL); seen++; break;
        case 4:
            tc_binary(&r, &p, &len);
            ck_assert_int_eq(len, 5);
            ck_assert(memcmp(p, "hello", 5) == 0);
            seen++;
            break;
        case 5: ck_assert(t == TC_TRUE); seen++; break;
        case 40:
            tc_list_begin(&r, &elem, &n, 100);
            ck_assert_int_eq(n, 20);
            for (uint32_t i = 0; i < n; i++)
                ck_assert_int_eq(tc_i32(&r), (int)i * 1000);
            tc_list_end(&r);
            seen++;
            break;
        default:
            ck_assert_int_eq(id, 41);
            tc_skip(&r, t);
            seen++;
            break;
        }
    }
    tc_struct_end(&r);
    ck_assert_int_eq(tc_error(&r), TC_OK);
    ck_assert_int_eq(seen, 6);
    ck_assert(r.p == r.end);
    tc_writer_free(&w);
}
END_TEST

START_TEST(thrift_hostile_input)
{
    struct tc_reader r;
    const uint8_t *p;
    size_t len;
    /* a binary longer than the data */
    static const uint8_t longbin[] = {0x18, 0x7F, 'a'};
    int16_t last = 0, id;
    tc_reader_init(&r, longbin, sizeof(longbin));
    ck_assert_int_eq(tc_field(&r, &last, &id), TC_BINARY);
    tc_binary(&r, &p, &len);
    ck_assert_int_eq(tc_error(&r), TC_TRUNCATED);
    ck_assert_int_eq(len, 0);
    /* a list claiming more elements than bytes */
    static const uint8_t biglist[] = {0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2};
    enum tc_type elem;
    uint32_t n;
    tc_reader_init(&r, biglist, sizeof(biglist));
    tc_list_begin(&r, &elem, &n, UINT32_MAX);
    ck_assert_int_ne(tc_error(&r), TC_OK);
    ck_assert_int_eq(n, 0);
    /* a caller's cap */
    static const uint8_t fivelist[] = {0x55, 1, 2, 3, 4, 5};
    tc_reader_init(&r, fivelist, sizeof(fivelist));
    tc_list_begin(&r, &elem, &n, 4);
    ck_assert_int_eq(tc_error(&r), TC_TOO_MANY);
    /* a varint that never ends */
    static const uint8_t endless[] = {0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    tc_reader_init(&r, endless, sizeof(endless));
    last = 0;
    tc_field(&r, &last, &id);
    tc_i32(&r);
    ck_assert_int_eq(tc_error(&r), TC_BAD_VARINT);
    /* structs nested 10,000 deep: refused, not recursed into */
    uint8_t *deep = malloc(20000);
    for (int i = 0; i < 10000; i++)
        deep[i] = 0x1C;   /* field 1 (delta), struct */
    memset(deep + 10000, 0, 10000);
    tc_reader_init(&r, deep, 20000);
    tc_skip(&r, TC_STRUCT);
    ck_assert_int_eq(tc_error(&r), TC_TOO_DEEP);
    free(deep);
    /* an unknown type code */
    static const uint8_t badtype[] = {0x1D, 0};
    tc_reader_init(&r, badtype, sizeof(badtype));
    last = 0;
    ck_assert_int_eq(tc_field(&r, &last, &id), TC_STOP);
    ck_assert_int_eq(tc_error(&r), TC_BAD_TYPE);
}
END_TEST

START_TEST(page_header_round_trip)
{
    struct pq_page_header h = {.type = PQ_DATA_PAGE, .uncompressed_size = 1000,
                               .compressed_size = 600, .num_values = 77,
                               .encoding = PQ_RLE_DICTIONARY, .def_encoding = PQ_RLE,
                               .rep_encoding = PQ_RLE};
    struct tc_writer w;
    tc_writer_init(&w);
    pq_page_header_encode(&w, &h);
    struct pq_page_header d;
    size_t used;
    char err[128];
    ck_assert_int_eq(pq_page_header_decode(w.buf, w.len, &d, &used, err, sizeof(err)), 0);
    ck_assert_int_eq(used, w.len);
    ck_assert_int_eq(d.type, PQ_DATA_PAGE);
    ck_assert_int_eq(d.uncompressed_size, 1000);
    ck_assert_int_eq(d.compressed_size, 600);
    ck_assert_int_eq(d.num_values, 77);
    ck_assert_int_eq(d.encoding, PQ_RLE_DICTIONARY);
    /* cut short: "read more", never an overread */
    for (size_t cut = 0; cut < w.len; cut++)
        ck_assert_int_eq(pq_page_header_decode(w.buf, cut, &d, &used, err, sizeof(err)), 1);
    tc_writer_free(&w);
}
END_TEST

/* ---------------------------------------------------------------- encodings */

START_TEST(rle_round_trip)
{
    static const int widths[] = {0, 1, 2, 3, 7, 8, 13, 20, 31, 32};
    uint32_t *v = malloc(5000 * sizeof(*v)), *back = malloc(5000 * sizeof(*back));
    for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
        int w = widths[k];
        uint64_t max = w == 0 ? 0 : w == 32 ? UINT32_MAX : (1ull << w) - 1;
        uint32_t x = 12345;
        for (size_t i = 0; i < 5000; i++) {
            x = x * 1103515245u + 12345u;
            /* runs and literals mixed */
            v[i] = (i / 100) % 2 ? (uint32_t)((i / 100) & max) : (uint32_t)(x & max);
        }
        for (size_t n = 0; n <= 5000; n += n < 20 ? 1 : 997) {
            struct pq_buf b = {0};
            pq_rle_encode(&b, v, n, w);
            ck_assert(!b.failed);
            struct pq_rle d;
            pq_rle_init(&d, b.p, b.len, w);
            ck_assert_int_eq(pq_rle_get(&d, back, n), n);
            ck_assert(n == 0 || memcmp(v, back, n * sizeof(*v)) == 0);
            pq_buf_free(&b);
        }
    }
    free(v);
    free(back);
}
END_TEST

START_TEST(rle_hostile)
{
    uint32_t out[64];
    struct pq_rle d;
    /* a bit-packed run of 16 groups with 1 byte of data */
    static const uint8_t short_packed[] = {0x21, 0xAA};
    pq_rle_init(&d, short_packed, sizeof(short_packed), 1);
    ck_assert_int_eq(pq_rle_get(&d, out, 8), 0);
    ck_assert(d.error);
    /* an RLE value wider than the bit width */
    static const uint8_t wide[] = {0x04, 0x07};
    pq_rle_init(&d, wide, sizeof(wide), 2);
    ck_assert_int_eq(pq_rle_get(&d, out, 1), 0);
    ck_assert(d.error);
    /* more values asked than the data holds */
    static const uint8_t two[] = {0x04, 0x01};
    pq_rle_init(&d, two, sizeof(two), 1);
    ck_assert_int_eq(pq_rle_get(&d, out, 5), 2);
    ck_assert(d.error);
}
END_TEST

START_TEST(delta_decode)
{
    /* block 128, 4 miniblocks of 32, 5 values, first 7; min delta -1,
     * widths 2,0,0,0; deltas (unpacked + min) 2, -1, 0, 2 */
    uint8_t buf[64] = {0x80, 0x01, 0x04, 0x05, 0x0E, 0x01, 2, 0, 0, 0};
    size_t n = 10;
    /* one miniblock of 32 values of 2 bits: 3, 0, 1, 3, then padding */
    uint32_t raw[32] = {3, 0, 1, 3};
    struct pq_buf packed = {0};
    pq_buf_put(&packed, buf, n);
    uint8_t bits[8] = {0};
    for (int i = 0; i < 32; i++)
        bits[i * 2 / 8] |= (uint8_t)(raw[i] << (i * 2 % 8));
    pq_buf_put(&packed, bits, 8);
    struct pq_delta d = {0};
    ck_assert_int_eq(pq_delta_init(&d, packed.p, packed.len), 0);
    int64_t want[] = {7, 9, 8, 8, 10}, v;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(pq_delta_next(&d, &v), 1);
        ck_assert_int_eq(v, want[i]);
    }
    ck_assert_int_eq(pq_delta_next(&d, &v), 0);
    ck_assert_ptr_eq(pq_delta_end(packed.p, packed.len), packed.p + packed.len);
    /* cut off: an error, not an overread */
    ck_assert_ptr_null(pq_delta_end(packed.p, packed.len - 1));
    ck_assert_int_eq(pq_delta_init(&d, packed.p, packed.len - 1), 0);
    int rc = 1;
    for (int i = 0; i < 5 && rc == 1; i++)
        rc = pq_delta_next(&d, &v);
    ck_assert_int_eq(rc, -1);
    pq_delta_free(&d);
    pq_buf_free(&packed);
}
END_TEST

START_TEST(compression_round_trip)
{
    static const int codecs[] = {PQ_UNCOMPRESSED, PQ_SNAPPY, PQ_ZSTD};
    char text[4000];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = "abcabcabd"[i % 9];
    struct pq_codecs *c = pq_codecs_new();
    char err[160];
    for (size_t k = 0; k < 3; k++) {
        struct pq_buf out = {0};
        ck_assert_int_eq(pq_compress(c, codecs[k], (const uint8_t *)text, sizeof(text), &out), 0);
        uint8_t back[4000];
        ck_assert_int_eq(pq_decompress(c, codecs[k], out.p, out.len, back, sizeof(back), err,
                                       sizeof(err)), 0);
        ck_assert(memcmp(back, text, sizeof(text)) == 0);
        /* a page that decompresses past its declared size */
        ck_assert_int_eq(pq_decompress(c, codecs[k], out.p, out.len, back, sizeof(back) - 1, err,
                                       sizeof(err)), -1);
        ck_assert_msg(strstr(err, "declared") || strstr(err, "header says"), "%s", err);
        pq_buf_free(&out);
    }
    uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8}, back[16];
    ck_assert_int_eq(pq_decompress(c, PQ_GZIP, junk, sizeof(junk), back, 16, err, sizeof(err)), -1);
    ck_assert_int_eq(pq_decompress(c, PQ_BROTLI, junk, sizeof(junk), back, 16, err, sizeof(err)), -1);
    ck_assert(strstr(err, "BROTLI"));
    pq_codecs_free(c);
}
END_TEST

/* ---------------------------------------------------------------- writer and reader */

static const char *const CSV =
    "id,name,price,ok,day,at,code\n"
    "1,alice,3.25,true,2024-01-31,2024-01-31T10:30:00Z,007\n"
    "2,bob,-0.5,false,2024-02-29,2024-02-29T23:59:59.123Z,010\n"
    "3,,1234.5678,,,,\n"
    "-42,\"c,d\",2,true,1999-12-31,1999-12-31T00:00:00.000001Z,99\n";

/* CSV -> Parquet with steps, returned as bytes (owned by the caller). */
static char *to_parquet(const char *csv, size_t csv_len, const char *steps, size_t *len)
{
    struct run_out o = {0};
    run_engine(csv, csv_len, "t.csv", NULL, steps, "parquet", &o);
    ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
    ck_assert_ptr_nonnull(o.output);
    char *out = o.output;
    *len = o.output_len;
    o.output = NULL;
    run_free(&o);
    return out;
}

START_TEST(csv_parquet_csv_identical)
{
    static const char *const steps[] = {
        NULL,
        "[{\"type\":\"convert_format\",\"params\":{\"to_format\":\"parquet\",\"compression\":\"zstd\"}}]",
        "[{\"type\":\"convert_format\",\"params\":{\"to_format\":\"parquet\",\"compression\":\"none\","
        "\"row_group_size\":1}}]",
    };
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        char *pq = to_parquet(CSV, strlen(CSV), steps[k], &len);
        ck_assert(len > 12 && memcmp(pq, "PAR1", 4) == 0 && memcmp(pq + len - 4, "PAR1", 4) == 0);
        struct run_out o = {0};
        run_engine(pq, len, "t.parquet", NULL, NULL, "csv", &o);
        ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
        ck_assert_str_eq(o.output, CSV);
        ck_assert_str_eq(o.res.input_format, "parquet");
        ck_assert_str_eq(meta_str(&o, "compression"), k == 0 ? "snappy" : k == 1 ? "zstd"
                                                                                 : "uncompressed");
        json_object *v;
        ck_assert(json_object_object_get_ex(o.res.metadata, "row_groups", &v));
        ck_assert_int_eq(json_object_get_int(v), k == 2 ? 4 : 1);
        ck_assert(json_object_object_get_ex(o.res.metadata, "data_types", &v));
        ck_assert_str_eq(json_object_to_json_string(v),
                         "{ \"id\": \"integer\", \"name\": \"string\", \"price\": \"number\", \"ok\": "
                         "\"boolean\", \"day\": \"date\", \"at\": \"datetime\", \"code\": \"string\" }");
        ck_assert_str_eq(meta_str(&o, "created_by"), "quarry version " PACKAGE_VERSION);
        run_free(&o);
        free(pq);
    }
}
END_TEST

START_TEST(typed_json_lines_out)
{
    size_t len;
    char *pq = to_parquet(CSV, strlen(CSV), NULL, &len);
    struct run_out o = {0};
    run_engine(pq, len, "t.parquet", NULL, NULL, "jsonl", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert(strstr(o.output, "{\"id\":1,\"name\":\"alice\",\"price\":3.25,\"ok\":true,"
                               "\"day\":\"2024-01-31\",\"at\":\"2024-01-31T10:30:00Z\","
                               "\"code\":\"007\"}\n"));
    ck_assert(strstr(o.output, "{\"id\":3,\"name\":null,\"price\":1234.5678,\"ok\":null"));
    run_free(&o);
    free(pq);
}
END_TEST

START_TEST(filter_on_parquet_input)
{
    size_t len;
    char *pq = to_parquet(CSV, strlen(CSV), NULL, &len);
    struct run_out o = {0};
    run_engine(pq, len, "t.parquet", NULL,
               "[{\"type\":\"filter\",\"params\":{\"column\":\"price\",\"operator\":\"gt\","
               "\"value\":2}},{\"type\":\"select\",\"params\":{\"columns\":[\"id\",\"price\"]}}]",
               "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "id,price\n1,3.25\n3,1234.5678\n");
    run_free(&o);
    free(pq);
}
END_TEST

/* Many unique strings: the dictionary passes its limit and the column is
 * written PLAIN; a small repeated column stays dictionary-encoded. Several
 * row groups and pages. */
START_TEST(dictionary_fallback_and_row_groups)
{
    size_t cap = 8u << 20, n = 0;
    char *csv = malloc(cap);
    n += (size_t)snprintf(csv + n, cap - n, "k,city,v\n");
    for (int i = 0; i < 60000; i++)
        n += (size_t)snprintf(csv + n, cap - n, "key-%08d-padding-padding,%s,%d\n", i,
                              i % 3 ? "Paris" : "Lyon", i % 7 == 0 ? i : -i);
    size_t len;
    char *pq = to_parquet(csv, n, "[{\"type\":\"convert_format\",\"params\":{\"to_format\":"
                                  "\"parquet\",\"row_group_size\":40000}}]", &len);
    struct run_out o = {0};
    run_engine(pq, len, "t.parquet", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_int_eq(o.output_len, n);
    ck_assert(memcmp(o.output, csv, n) == 0);
    ck_assert_str_eq(meta_str(&o, "row_groups"), "2");
    run_free(&o);

    /* the footer: the key column fell back to PLAIN, the city column did not */
    uint32_t flen = (uint32_t)(uint8_t)pq[len - 8] | (uint32_t)(uint8_t)pq[len - 7] << 8 |
                    (uint32_t)(uint8_t)pq[len - 6] << 16 | (uint32_t)(uint8_t)pq[len - 5] << 24;
    struct pq_file_meta meta;
    char err[200];
    ck_assert_int_eq(pq_file_meta_decode((const uint8_t *)pq + len - 8 - flen, flen, &meta, err,
                                         sizeof(err)), 0);
    ck_assert_int_eq(meta.nrow_groups, 2);
    ck_assert_int_eq(meta.num_rows, 60000);
    ck_assert_int_eq(pq_row_group_decode(&meta.row_groups[0], err, sizeof(err)), 0);
    const struct pq_column_meta *k = &meta.row_groups[0].columns[0].meta,
                                *city = &meta.row_groups[0].columns[1].meta,
                                *v = &meta.row_groups[0].columns[2].meta;
    ck_assert(!(k->encodings & (1u << PQ_RLE_DICTIONARY)));
    ck_assert(city->encodings & (1u << PQ_RLE_DICTIONARY));
    ck_assert_int_eq(k->type, PQ_BYTE_ARRAY);
    ck_assert_int_eq(v->type, PQ_INT64);
    ck_assert(k->stats.has_min && k->stats.min_len == 28);
    ck_assert(memcmp(k->stats.min, "key-00000000-padding-padding", 28) == 0);
    ck_assert(city->stats.has_null_count && city->stats.null_count == 0);
    int64_t lo, hi;
    memcpy(&lo, v->stats.min, 8);
    memcpy(&hi, v->stats.max, 8);
    ck_assert_int_eq(lo, -39999);
    ck_assert_int_eq(hi, 39998);
    pq_file_meta_free(&meta);
    free(pq);
    free(csv);
}
END_TEST

START_TEST(later_row_group_that_does_not_fit)
{
    const char *csv = "n\n1\n2\nabc\n";
    struct run_out o = {0};
    run_engine(csv, strlen(csv), "t.csv", NULL,
               "[{\"type\":\"convert_format\",\"params\":{\"to_format\":\"parquet\","
               "\"row_group_size\":2}}]", NULL, &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_msg(strstr(o.res.error, "column \"n\" is written as integer") &&
                      strstr(o.res.error, "row 3 holds \"abc\""), "%s", o.res.error);
    ck_assert_ptr_null(o.output);   /* nothing half-written is left */
    run_free(&o);
}
END_TEST

START_TEST(options_validated)
{
    static const char *const cases[][2] = {
        {"{\"to_format\":\"parquet\",\"compression\":\"lz4\"}", "processing_steps[0].params.compression"},
        {"{\"to_format\":\"parquet\",\"row_group_size\":0}", "processing_steps[0].params.row_group_size"},
        {"{\"to_format\":\"parquet\",\"compression\":\"ZSTD\",\"row_group_size\":5000}", ""},
    };
    for (size_t i = 0; i < 3; i++) {
        char text[256], field[128] = "", msg[256];
        snprintf(text, sizeof(text), "[{\"type\":\"convert_format\",\"params\":%s}]", cases[i][0]);
        json_object *steps = json_tokener_parse(text);
        int rc = engine_validate_steps(steps, field, sizeof(field), msg, sizeof(msg));
        ck_assert_int_eq(rc, cases[i][1][0] ? -1 : 0);
        if (rc)
            ck_assert_str_eq(field, cases[i][1]);
        json_object_put(steps);
    }
    char name[64];
    engine_output_name("sales.csv", "parquet", name, sizeof(name));
    ck_assert_str_eq(name, "sales_processed.parquet");
}
END_TEST

/* ---------------------------------------------------------------- corrupt files */

static void expect_bad(const char *data, size_t len, const char *needle)
{
    struct run_out o = {0};
    run_engine(data, len, "t.parquet", "{\"format\":\"parquet\"}", NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_msg(strstr(o.res.error, needle), "wanted \"%s\" in: %s", needle, o.res.error);
    run_free(&o);
}

/* The footer of a file: its start and length. */
static void footer_of(const char *pq, size_t len, size_t *start, uint32_t *flen)
{
    const uint8_t *t = (const uint8_t *)pq + len - 8;
    *flen = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    *start = len - 8 - *flen;
}

/* Rewrites the page header at off with change() applied; the new header
 * must keep the old length. */
static void patch_header(char *pq, size_t len, size_t off,
                         void (*change)(struct pq_page_header *))
{
    struct pq_page_header h;
    size_t used;
    char err[160];
    ck_assert_int_eq(pq_page_header_decode((uint8_t *)pq + off, len - off, &h, &used, err,
                                           sizeof(err)), 0);
    change(&h);
    struct tc_writer w;
    tc_writer_init(&w);
    pq_page_header_encode(&w, &h);
    ck_assert_int_eq(w.len, used);
    memcpy(pq + off, w.buf, used);
    tc_writer_free(&w);
}

static void fewer_dictionary_entries(struct pq_page_header *h)
{
    ck_assert_int_eq(h->type, PQ_DICTIONARY_PAGE);
    h->num_values = 1;
}

static void smaller_declared_size(struct pq_page_header *h)
{
    ck_assert_int_eq(h->type, PQ_DATA_PAGE);
    h->uncompressed_size -= 1;
}

START_TEST(corrupt_files_fail_cleanly)
{
    const char *csv = "city,n\nParis,1\nLyon,2\nRome,3\nParis,4\n";
    size_t len, fstart;
    uint32_t flen;
    char *pq = to_parquet(csv, strlen(csv), "[{\"type\":\"convert_format\",\"params\":{"
                                            "\"to_format\":\"parquet\",\"compression\":\"none\"}}]",
                          &len);
    footer_of(pq, len, &fstart, &flen);

    /* a truncated footer: the end magic is gone, then the footer is cut */
    expect_bad(pq, len - 3, "does not end with PAR1");
    char *cut = malloc(len);
    memcpy(cut, pq, fstart);
    memcpy(cut + fstart, pq + fstart + 10, len - fstart - 10);
    expect_bad(cut, len - 10, "Parquet: ");
    /* a footer length larger than the file */
    memcpy(cut, pq, len);
    cut[len - 6] = 0x7F;
    expect_bad(cut, len, "footer length");
    /* wrong offsets: 64 bytes inserted after the magic move every page */
    char *moved = malloc(len + 64);
    memcpy(moved, pq, 4);
    memset(moved + 4, 0x55, 64);
    memcpy(moved + 68, pq + 4, len - 4);
    expect_bad(moved, len + 64, "page header");
    free(moved);
    /* a dictionary index out of range: the dictionary says it has 1 entry */
    memcpy(cut, pq, len);
    patch_header(cut, len, 4, fewer_dictionary_entries);
    expect_bad(cut, len, "dictionary index 1 is out of range");
    free(cut);
    free(pq);

    /* a page that decompresses past its declared size (Snappy) */
    pq = to_parquet(csv, strlen(csv), NULL, &len);
    struct pq_file_meta meta;
    char err[160];
    footer_of(pq, len, &fstart, &flen);
    ck_assert_int_eq(pq_file_meta_decode((uint8_t *)pq + fstart, flen, &meta, err, sizeof(err)), 0);
    ck_assert_int_eq(pq_row_group_decode(&meta.row_groups[0], err, sizeof(err)), 0);
    size_t data_page = (size_t)meta.row_groups[0].columns[0].meta.data_page_offset;
    pq_file_meta_free(&meta);
    patch_header(pq, len, data_page, smaller_declared_size);
    expect_bad(pq, len, "decompresses past its declared size");
    free(pq);

    /* not Parquet past the magic */
    expect_bad("PAR1 nothing else", 17, "does not end with PAR1");
    expect_bad("PAR1PAR1", 8, "too small");
}
END_TEST

/* Every prefix of a valid file fails cleanly (or reads, for the whole). */
START_TEST(every_truncation_is_clean)
{
    const char *csv = "a,b\n1,x\n2,y\n3,\n";
    size_t len;
    char *pq = to_parquet(csv, strlen(csv), NULL, &len);
    for (size_t cut = 0; cut < len; cut += 3) {
        struct run_out o = {0};
        run_engine(pq, cut, "t.parquet", "{\"format\":\"parquet\"}", NULL, "csv", &o);
        ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
        ck_assert(o.res.error[0]);
        run_free(&o);
    }
    free(pq);
}
END_TEST

START_TEST(empty_and_header_only)
{
    size_t len;
    char *pq = to_parquet("a,b\n", 4, NULL, &len);
    struct run_out o = {0};
    run_engine(pq, len, "t.parquet", NULL, NULL, "csv", &o);
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "a,b\n");
    ck_assert_str_eq(meta_str(&o, "row_groups"), "0");
    run_free(&o);
    free(pq);
}
END_TEST

Suite *parquet_suite(void)
{
    Suite *s = suite_create("parquet");
    TCase *tc = tcase_create("parquet");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, thrift_round_trip);
    tcase_add_test(tc, thrift_hostile_input);
    tcase_add_test(tc, page_header_round_trip);
    tcase_add_test(tc, rle_round_trip);
    tcase_add_test(tc, rle_hostile);
    tcase_add_test(tc, delta_decode);
    tcase_add_test(tc, compression_round_trip);
    tcase_add_test(tc, csv_parquet_csv_identical);
    tcase_add_test(tc, typed_json_lines_out);
    tcase_add_test(tc, filter_on_parquet_input);
    tcase_add_test(tc, dictionary_fallback_and_row_groups);
    tcase_add_test(tc, later_row_group_that_does_not_fit);
    tcase_add_test(tc, options_validated);
    tcase_add_test(tc, corrupt_files_fail_cleanly);
    tcase_add_test(tc, every_truncation_is_clean);
    tcase_add_test(tc, empty_and_header_only);
    suite_add_tcase(s, tc);
    return s;
}
