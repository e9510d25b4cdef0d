/* read_parquet.c — the Parquet reader: flat schemas, row group by row group.
 *
 * The footer (FileMetaData) is read once; row groups are decoded from it
 * one at a time. Each column keeps one page in memory (and its
 * dictionary), read with pread from where its chunk says, so memory is
 * bounded by the page sizes, not the file or row-group size. A record
 * takes the next value of every column.
 *
 * Values come out typed: integers as REC_INTEGER, FLOAT/DOUBLE and
 * DECIMAL as REC_NUMBER (DECIMAL exactly, as decimal text of up to 38
 * digits), booleans as REC_BOOLEAN, DATE as YYYY-MM-DD, TIMESTAMP (MILLIS,
 * MICROS, NANOS, and the legacy INT96) as ISO 8601 with a Z when adjusted
 * to UTC, TIME as HH:MM:SS[.fff], strings and binaries as REC_STRING,
 * UUIDs in their usual form.
 *
 * Encodings: PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans),
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT; data pages v1 and v2; uncompressed, Snappy, GZIP and
 * ZSTD pages. Lists, maps and structs are refused naming the column.
 * Anything inconsistent (offsets outside the file, a dictionary index out
 * of range, a page larger than declared) stops the run with
 * ENGINE_BAD_INPUT and a message saying where. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/parquet_meta.h"
#include "process/parquet_page.h"
#include "process/record.h"
#include "process/text.h"

/* The largest page accepted (compressed or not), and what the pages and
 * dictionaries of all columns may hold at once. */
#define PQR_MAX_PAGE (256u << 20)
#define PQR_MEMORY_BUDGET (512u << 20)
#define PQR_LEVEL_BATCH 1024

/* How a column's values are written out. */
enum pqr_out {
    OUT_BOOLEAN,
    OUT_INT,          /* signed INT32 / INT64 */
    OUT_UINT,         /* unsigned INT32 / INT64 */
    OUT_FLOAT,
    OUT_DOUBLE,
    OUT_DECIMAL,
    OUT_DATE,
    OUT_TIMESTAMP,
    OUT_INT96,
    OUT_TIME,
    OUT_STRING,       /* BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY as bytes */
    OUT_UUID,
    OUT_HEX,          /* other fixed-length bytes */
};

struct pqr_col {
    const char *name;          /* interned */
    const struct pq_schema_elem *el;
    int type;
    size_t width;              /* bytes of a fixed-width value (0 for BYTE_ARRAY) */
    int max_def;               /* 0 (REQUIRED) or 1 (OPTIONAL) */
    enum pqr_out out;
    /* the chunk */
    int codec;
    int64_t next_page, chunk_end;
    /* the dictionary */
    uint8_t *dict;             /* the decompressed dictionary page */
    size_t dict_cap;
    uint32_t *dict_off, *dict_len;   /* per entry: where it is in dict */
    uint32_t ndict, dict_items_cap;
    bool has_dict;
    /* the page */
    uint8_t *raw, *page;
    size_t raw_cap, page_cap;
    uint32_t page_left;        /* values (nulls included) left in the page */
    int encoding;
    struct pq_rle def;
    uint32_t levels[PQR_LEVEL_BATCH];
    uint32_t lv_pos, lv_n;
    const uint8_t *vp, *vend;  /* PLAIN values, or the data of DELTA_*_BYTE_ARRAY */
    unsigned bit;              /* PLAIN booleans: next bit of *vp */
    struct pq_rle idx;         /* dictionary indices, RLE booleans */
    uint32_t ids[PQR_LEVEL_BATCH];
    uint32_t id_pos, id_n;
    struct pq_delta delta, delta2;   /* lengths / prefixes, suffixes */
    uint8_t *prev;             /* DELTA_BYTE_ARRAY: the previous value */
    size_t prev_len, prev_cap;
    size_t bss_n, bss_i;       /* BYTE_STREAM_SPLIT: values in the page, next one */
    const uint8_t *bss;
    uint8_t fixed[16];         /* a value put together (BYTE_STREAM_SPLIT, DELTA ints) */
};

struct pq_reader {
    struct rec_env *env;
    int fd;
    int64_t file_size, footer_start;
    uint8_t *footer;
    struct pq_file_meta meta;
    struct pqr_col *cols;
    size_t ncols;
    struct rec_field *fields;
    uint32_t group;            /* the row group being read (nrow_groups when done) */
    int64_t group_left;        /* rows left in it */
    bool group_open;
    long long records;
    int64_t bytes_read;
    uint8_t *hdr;              /* page header bytes */
    size_t hdr_cap;
    struct pq_codecs *codecs;
    unsigned codecs_seen;      /* bit set of enum pq_codec */
    size_t page_memory;        /* bytes of the columns' page and dictionary buffers */
    char err[256];
};

/* ---------------------------------------------------------------- helpers */

static int bad(struct pq_reader *r, const struct pqr_col *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct pq_reader *r, const struct pqr_col *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c)
        return rec_fail(r->env, ENGINE_BAD_INPUT, "Parquet: column \"%s\", row group %u: %s",
                        c->name, r->group + 1, msg);
    return rec_fail(r->env, ENGINE_BAD_INPUT, "Parquet: %s", msg);
}

static int read_at(struct pq_reader *r, void *buf, size_t len, int64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(r->fd, (char *)buf + done, len - done, (off_t)(off + (int64_t)done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return rec_fail(r->env, ENGINE_IO_ERROR, "reading the input failed: %s",
                            strerror(errno));
        if (n == 0)
            return bad(r, NULL, "the file ends early (truncated?)");
        done += (size_t)n;
    }
    r->bytes_read += (int64_t)len;
    rec_set_bytes(r->env, r->bytes_read < r->file_size ? r->bytes_read : r->file_size,
                  r->file_size);
    return ENGINE_OK;
}

static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Grows a column's page or dictionary buffer within PQR_MEMORY_BUDGET. */
static int grow_page_buf(struct pq_reader *r, struct pqr_col *c, uint8_t **buf, size_t *cap,
                         size_t need)
{
    size_t before = *cap;
    if (need > before && r->page_memory - before + need > PQR_MEMORY_BUDGET)
        return bad(r, c, "the pages of one row group would need more than %u MB of memory",
                   PQR_MEMORY_BUDGET >> 20);
    if (!grow(buf, cap, need))
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    r->page_memory = r->page_memory - before + *cap;
    return ENGINE_OK;
}

/* ---------------------------------------------------------------- schema */

static int choose_out(struct pq_reader *r, struct pqr_col *c)
{
    /* Each physical type's value width (0: its own length) and what it
     * reads as without a logical type. */
    static const struct {
        size_t width;
        enum pqr_out out;
    } physical[] = {
        [PQ_BOOLEAN] = {1, OUT_BOOLEAN}, [PQ_INT32] = {4, OUT_INT},
        [PQ_INT64] = {8, OUT_INT},       [PQ_INT96] = {12, OUT_INT96},
        [PQ_FLOAT] = {4, OUT_FLOAT},     [PQ_DOUBLE] = {8, OUT_DOUBLE},
        [PQ_BYTE_ARRAY] = {0, OUT_STRING}, [PQ_FIXED_LEN_BYTE_ARRAY] = {0, OUT_HEX},
    };
    const struct pq_schema_elem *e = c->el;
    if (e->type < PQ_BOOLEAN || e->type > PQ_FIXED_LEN_BYTE_ARRAY)
        return bad(r, NULL, "column \"%s\" has an unknown physical type", c->name);
    c->width = physical[e->type].width;
    c->out = physical[e->type].out;
    switch (e->type) {
    case PQ_INT32:
    case PQ_INT64:
        if (e->logical == PQ_LT_DATE && e->type == PQ_INT32)
            c->out = OUT_DATE;
        else if (e->logical == PQ_LT_TIMESTAMP && e->type == PQ_INT64)
            c->out = OUT_TIMESTAMP;
        else if (e->logical == PQ_LT_TIME)
            c->out = OUT_TIME;
        else if (e->logical == PQ_LT_DECIMAL)
            c->out = OUT_DECIMAL;
        else if (e->logical == PQ_LT_INTEGER && !e->is_signed)
            c->out = OUT_UINT;
        break;
    case PQ_BYTE_ARRAY:
        if (e->logical == PQ_LT_DECIMAL)
            c->out = OUT_DECIMAL;
        break;
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if (e->type_length <= 0 || e->type_length > 1 << 20)
            return bad(r, NULL, "column \"%s\" has an invalid fixed length %d", c->name,
                       e->type_length);
        c->width = (size_t)e->type_length;
        if (e->logical == PQ_LT_DECIMAL)
            c->out = OUT_DECIMAL;
        else if (e->logical == PQ_LT_UUID && c->width == 16)
            c->out = OUT_UUID;
        else if (e->logical == PQ_LT_STRING)
            c->out = OUT_STRING;
        break;
    default:
        break;
    }
    return ENGINE_OK;
}

/* Walks the schema tree (a depth-first list): the root's children must all
 * be leaves, neither groups nor repeated. */
static int load_schema(struct pq_reader *r)
{
    const struct pq_file_meta *m = &r->meta;
    const struct pq_schema_elem *root = &m->schema[0];
    if (root->type >= 0 && m->nschema == 1)
        return bad(r, NULL, "the schema has no root group");
    if ((uint32_t)root->num_children > m->nschema - 1)
        return bad(r, NULL, "the schema's root declares %d columns but lists %u elements",
                   root->num_children, m->nschema - 1);
    r->ncols = (size_t)root->num_children;
    r->cols = calloc(r->ncols ? r->ncols : 1, sizeof(*r->cols));
    r->fields = calloc(r->ncols ? r->ncols : 1, sizeof(*r->fields));
    if (!r->cols || !r->fields)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < r->ncols; i++) {
        const struct pq_schema_elem *e = &m->schema[1 + i];
        struct pqr_col *c = &r->cols[i];
        c->el = e;
        c->name = rec_intern(r->env, e->name, e->name_len);
        if (!c->name)
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        const char *what = e->logical == PQ_LT_NESTED
                               ? (e->converted == PQ_CT_LIST ? "a list" : "a map")
                               : "a struct";
        if (e->type < 0 || e->num_children > 0)
            return bad(r, NULL, "column \"%s\" is %s (a nested column); Quarry reads flat "
                                "Parquet schemas only: flatten it before uploading",
                       c->name, what);
        if (e->repetition == PQ_REPEATED)
            return bad(r, NULL, "column \"%s\" is a repeated field (a list); Quarry reads flat "
                                "Parquet schemas only", c->name);
        c->type = e->type;
        c->max_def = e->repetition == PQ_REQUIRED ? 0 : 1;
        int rc = choose_out(r, c);
        if (rc != ENGINE_OK)
            return rc;
    }
    if (1 + r->ncols != m->nschema)
        return bad(r, NULL, "the schema lists %u elements for %zu flat columns", m->nschema,
                   r->ncols);
    return ENGINE_OK;
}

/* ---------------------------------------------------------------- row groups */

static int open_group(struct pq_reader *r)
{
    struct pq_row_group *rg = &r->meta.row_groups[r->group];
    if (pq_row_group_decode(rg, r->err, sizeof(r->err)))
        return bad(r, NULL, "row group %u: %s", r->group + 1, r->err);
    if (rg->ncolumns != r->ncols)
        return bad(r, NULL, "row group %u has %u columns, the schema %zu", r->group + 1,
                   rg->ncolumns, r->ncols);
    for (size_t i = 0; i < r->ncols; i++) {
        struct pqr_col *c = &r->cols[i];
        const struct pq_column_meta *m = &rg->columns[i].meta;
        if (m->type != c->type)
            return bad(r, c, "the chunk's type %s differs from the schema's %s",
                       pq_type_name(m->type), pq_type_name(c->type));
        int64_t start = m->data_page_offset;
        if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < start)
            start = m->dictionary_page_offset;
        if (start < 4 || m->total_compressed_size > r->footer_start ||
            start > r->footer_start - m->total_compressed_size)
            return bad(r, c, "the column chunk lies outside the file's data (offset %" PRId64
                             ", %" PRId64 " bytes)", start, m->total_compressed_size);
        if (!pq_codec_supported(m->codec))
            return bad(r, c, "%s compression is not supported (Snappy, ZSTD, GZIP and "
                             "uncompressed pages are)", pq_codec_name(m->codec));
        r->codecs_seen |= 1u << (m->codec & 31);
        c->codec = m->codec;
        c->next_page = start;
        c->chunk_end = start + m->total_compressed_size;
        c->has_dict = false;
        c->ndict = 0;
        c->page_left = 0;
    }
    r->group_left = rg->num_rows;
    r->group_open = true;
    return ENGINE_OK;
}

/* ---------------------------------------------------------------- pages */

/* Reads the page header at c->next_page. */
static int read_header(struct pq_reader *r, struct pqr_col *c, struct pq_page_header *h)
{
    int64_t avail = c->chunk_end - c->next_page;
    size_t want = avail < 256 ? (size_t)avail : 256;
    for (;;) {
        if (want == 0)
            return bad(r, c, "the column chunk ends before all its values were read");
        if (!grow(&r->hdr, &r->hdr_cap, want))
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        int rc = read_at(r, r->hdr, want, c->next_page);
        if (rc != ENGINE_OK)
            return rc;
        size_t used;
        int d = pq_page_header_decode(r->hdr, want, h, &used, r->err, sizeof(r->err));
        if (d < 0)
            return bad(r, c, "%s", r->err);
        if (d == 0) {
            c->next_page += (int64_t)used;
            return ENGINE_OK;
        }
        if ((int64_t)want >= avail || want >= PQ_MAX_PAGE_HEADER)
            return bad(r, c, "a page header is cut off by the end of the column chunk");
        want = (int64_t)want * 4 > avail ? (size_t)avail : want * 4;
        if (want > PQ_MAX_PAGE_HEADER)
            want = PQ_MAX_PAGE_HEADER;
    }
}

/* Reads a page's stored bytes into c->raw. */
static int read_body(struct pq_reader *r, struct pqr_col *c, const struct pq_page_header *h)
{
    if (h->compressed_size > c->chunk_end - c->next_page)
        return bad(r, c, "a page runs past the end of its column chunk");
    if ((uint32_t)h->compressed_size > PQR_MAX_PAGE || (uint32_t)h->uncompressed_size > PQR_MAX_PAGE)
        return bad(r, c, "a page is larger than %u MB", PQR_MAX_PAGE >> 20);
    int rc = grow_page_buf(r, c, &c->raw, &c->raw_cap, (size_t)h->compressed_size + 1);
    if (rc != ENGINE_OK)
        return rc;
    rc = read_at(r, c->raw, (size_t)h->compressed_size, c->next_page);
    c->next_page += h->compressed_size;
    return rc;
}

static int load_dictionary(struct pq_reader *r, struct pqr_col *c, const struct pq_page_header *h)
{
    if (c->has_dict)
        return bad(r, c, "the column chunk has two dictionary pages");
    if (h->encoding != PQ_PLAIN && h->encoding != PQ_PLAIN_DICTIONARY)
        return bad(r, c, "a dictionary page is %s-encoded (PLAIN expected)",
                   pq_encoding_name(h->encoding));
    int rc = read_body(r, c, h);
    if (rc != ENGINE_OK)
        return rc;
    size_t n = (size_t)h->uncompressed_size;
    if ((rc = grow_page_buf(r, c, &c->dict, &c->dict_cap, n + 1)) != ENGINE_OK)
        return rc;
    if (pq_decompress(r->codecs, c->codec, c->raw, (size_t)h->compressed_size, c->dict, n, r->err,
                      sizeof(r->err)))
        return bad(r, c, "dictionary page: %s", r->err);
    uint32_t count = (uint32_t)h->num_values;
    /* every entry takes a byte at least (a BOOLEAN dictionary is pointless and refused) */
    if (c->type == PQ_BOOLEAN || count > n / (c->type == PQ_BYTE_ARRAY ? 4 : c->width))
        return bad(r, c, "the dictionary page is invalid");
    if (count > c->dict_items_cap) {
        uint32_t *off = realloc(c->dict_off, (size_t)count * sizeof(*off));
        if (off)
            c->dict_off = off;
        uint32_t *len = realloc(c->dict_len, (size_t)count * sizeof(*len));
        if (len)
            c->dict_len = len;
        if (!off || !len)
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        c->dict_items_cap = count;
    }
    size_t pos = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t len = c->width;
        if (c->type == PQ_BYTE_ARRAY) {
            if (n - pos < 4)
                return bad(r, c, "the dictionary page is cut off");
            len = le32(c->dict + pos);
            pos += 4;
        }
        if (len > n - pos)
            return bad(r, c, "the dictionary page is cut off");
        c->dict_off[i] = (uint32_t)pos;
        c->dict_len[i] = (uint32_t)len;
        pos += len;
    }
    c->ndict = count;
    c->has_dict = true;
    return ENGINE_OK;
}

/* Sets up the value decoder of a page over [p, end). */
static int start_values(struct pq_reader *r, struct pqr_col *c, const uint8_t *p,
                        const uint8_t *end)
{
    size_t len = (size_t)(end - p);
    c->vp = p;
    c->vend = end;
    c->bit = 0;
    c->id_pos = c->id_n = 0;
    switch (c->encoding) {
    case PQ_PLAIN:
        return ENGINE_OK;
    case PQ_PLAIN_DICTIONARY:
    case PQ_RLE_DICTIONARY:
        if (!c->has_dict)
            return bad(r, c, "a dictionary-encoded page has no dictionary page before it");
        if (len < 1 || p[0] > 32)
            return bad(r, c, "a dictionary-encoded page has an invalid index width");
        pq_rle_init(&c->idx, p + 1, len - 1, p[0]);
        return ENGINE_OK;
    case PQ_RLE:
        if (c->type != PQ_BOOLEAN)
            break;
        if (len < 4 || le32(p) > len - 4)
            return bad(r, c, "an RLE boolean page is cut off");
        pq_rle_init(&c->idx, p + 4, le32(p), 1);
        return ENGINE_OK;
    case PQ_DELTA_BINARY_PACKED:
        if (c->type != PQ_INT32 && c->type != PQ_INT64)
            break;
        if (pq_delta_init(&c->delta, p, len))
            return bad(r, c, "a DELTA_BINARY_PACKED page is invalid");
        return ENGINE_OK;
    case PQ_DELTA_LENGTH_BYTE_ARRAY: {
        if (c->type != PQ_BYTE_ARRAY)
            break;
        const uint8_t *data = pq_delta_end(p, len);
        if (!data || pq_delta_init(&c->delta, p, len))
            return bad(r, c, "a DELTA_LENGTH_BYTE_ARRAY page is invalid");
        c->vp = data;
        return ENGINE_OK;
    }
    case PQ_DELTA_BYTE_ARRAY: {
        if (c->type != PQ_BYTE_ARRAY && c->type != PQ_FIXED_LEN_BYTE_ARRAY)
            break;
        const uint8_t *suffixes = pq_delta_end(p, len);
        const uint8_t *data = suffixes ? pq_delta_end(suffixes, (size_t)(end - suffixes)) : NULL;
        if (!data || pq_delta_init(&c->delta, p, len) ||
            pq_delta_init(&c->delta2, suffixes, (size_t)(end - suffixes)))
            return bad(r, c, "a DELTA_BYTE_ARRAY page is invalid");
        c->vp = data;
        c->prev_len = 0;
        return ENGINE_OK;
    }
    case PQ_BYTE_STREAM_SPLIT:
        if (c->type == PQ_BOOLEAN || c->type == PQ_BYTE_ARRAY || c->width > sizeof(c->fixed) ||
            len % c->width != 0)
            break;
        c->bss = p;
        c->bss_n = len / c->width;
        c->bss_i = 0;
        return ENGINE_OK;
    default:
        break;
    }
    return bad(r, c, "%s encoding of %s values is not supported", pq_encoding_name(c->encoding),
               pq_type_name(c->type));
}

static int load_data_page(struct pq_reader *r, struct pqr_col *c, const struct pq_page_header *h)
{
    int rc = read_body(r, c, h);
    if (rc != ENGINE_OK)
        return rc;
    size_t usize = (size_t)h->uncompressed_size, csize = (size_t)h->compressed_size;
    if ((rc = grow_page_buf(r, c, &c->page, &c->page_cap, usize + 1)) != ENGINE_OK)
        return rc;
    const uint8_t *levels = NULL, *values;
    size_t levels_len = 0;
    if (h->type == PQ_DATA_PAGE) {
        if (pq_decompress(r->codecs, c->codec, c->raw, csize, c->page, usize, r->err,
                          sizeof(r->err)))
            return bad(r, c, "%s", r->err);
        values = c->page;
        if (c->max_def > 0) {
            if (h->def_encoding != PQ_RLE)
                return bad(r, c, "definition levels are %s-encoded (RLE expected)",
                           pq_encoding_name(h->def_encoding));
            if (usize < 4 || le32(c->page) > usize - 4)
                return bad(r, c, "the definition levels run past the page");
            levels = c->page + 4;
            levels_len = le32(c->page);
            values = levels + levels_len;
        }
    } else {
        /* v2: levels first, never compressed, then the values */
        size_t rep = (size_t)h->rep_len, def = (size_t)h->def_len;
        if (rep != 0)
            return bad(r, c, "a flat column's page has repetition levels");
        memcpy(c->page, c->raw, def);
        levels = c->page;
        levels_len = def;
        bool compressed = h->is_compressed && c->codec != PQ_UNCOMPRESSED;
        if (pq_decompress(r->codecs, compressed ? c->codec : PQ_UNCOMPRESSED, c->raw + def,
                          csize - def, c->page + def, usize - def, r->err, sizeof(r->err)))
            return bad(r, c, "%s", r->err);
        values = c->page + def;
        if (c->max_def == 0)
            levels_len = 0;
    }
    pq_rle_init(&c->def, levels, levels_len, 1);
    c->lv_pos = c->lv_n = 0;
    c->page_left = (uint32_t)h->num_values;
    c->encoding = h->encoding;
    return start_values(r, c, values, c->page + usize);
}

/* Moves to the next data page of the column (dictionary pages on the way
 * are loaded, index pages skipped). */
static int next_page(struct pq_reader *r, struct pqr_col *c)
{
    for (;;) {
        struct pq_page_header h;
        int rc = read_header(r, c, &h);
        if (rc != ENGINE_OK)
            return rc;
        switch (h.type) {
        case PQ_DICTIONARY_PAGE:
            rc = load_dictionary(r, c, &h);
            break;
        case PQ_DATA_PAGE:
        case PQ_DATA_PAGE_V2:
            rc = load_data_page(r, c, &h);
            if (rc == ENGINE_OK && c->page_left == 0)
                continue;   /* an empty page */
            return rc;
        default:
            if (h.compressed_size > c->chunk_end - c->next_page)
                return bad(r, c, "a page runs past the end of its column chunk");
            c->next_page += h.compressed_size;
            break;
        }
        if (rc != ENGINE_OK)
            return rc;
    }
}

/* ---------------------------------------------------------------- values */

struct value {
    const uint8_t *p;   /* fixed-width bytes, or a byte array */
    size_t len;
    bool is_bool, b;
};

static int next_dict_id(struct pq_reader *r, struct pqr_col *c, uint32_t *id)
{
    if (c->id_pos == c->id_n) {
        c->id_n = (uint32_t)pq_rle_get(&c->idx, c->ids, PQR_LEVEL_BATCH);
        c->id_pos = 0;
        if (c->id_n == 0)
            return bad(r, c, "the dictionary indices end before the page's values");
    }
    *id = c->ids[c->id_pos++];
    return ENGINE_OK;
}

static int plain_value(struct pq_reader *r, struct pqr_col *c, struct value *v)
{
    if (c->type == PQ_BOOLEAN) {
        if (c->vp >= c->vend)
            return bad(r, c, "the page's values are cut off");
        v->is_bool = true;
        v->b = (*c->vp >> c->bit) & 1;
        if (++c->bit == 8) {
            c->bit = 0;
            c->vp++;
        }
        return ENGINE_OK;
    }
    size_t len = c->width;
    if (c->type == PQ_BYTE_ARRAY) {
        if (c->vend - c->vp < 4)
            return bad(r, c, "the page's values are cut off");
        len = le32(c->vp);
        c->vp += 4;
    }
    if (len > (size_t)(c->vend - c->vp))
        return bad(r, c, "the page's values are cut off");
    v->p = c->vp;
    v->len = len;
    c->vp += len;
    return ENGINE_OK;
}

static int delta_int(struct pq_reader *r, struct pqr_col *c, struct pq_delta *d, int64_t *out)
{
    int k = pq_delta_next(d, out);
    if (k <= 0)
        return bad(r, c, "the page's delta-encoded values are %s", k < 0 ? "corrupt" : "cut off");
    return ENGINE_OK;
}

static int decode_value(struct pq_reader *r, struct pqr_col *c, struct value *v)
{
    uint32_t id;
    int64_t x, y;
    int rc;
    v->is_bool = false;
    switch (c->encoding) {
    case PQ_PLAIN:
        return plain_value(r, c, v);
    case PQ_PLAIN_DICTIONARY:
    case PQ_RLE_DICTIONARY:
        if ((rc = next_dict_id(r, c, &id)) != ENGINE_OK)
            return rc;
        if (id >= c->ndict)
            return bad(r, c, "dictionary index %u is out of range (the dictionary has %u "
                             "entries)", id, c->ndict);
        v->p = c->dict + c->dict_off[id];
        v->len = c->dict_len[id];
        return ENGINE_OK;
    case PQ_RLE:
        if ((rc = next_dict_id(r, c, &id)) != ENGINE_OK)
            return rc;
        v->is_bool = true;
        v->b = id != 0;
        return ENGINE_OK;
    case PQ_DELTA_BINARY_PACKED:
        if ((rc = delta_int(r, c, &c->delta, &x)) != ENGINE_OK)
            return rc;
        for (size_t i = 0; i < c->width; i++)
            c->fixed[i] = (uint8_t)((uint64_t)x >> (8 * i));
        v->p = c->fixed;
        v->len = c->width;
        return ENGINE_OK;
    case PQ_DELTA_LENGTH_BYTE_ARRAY:
        if ((rc = delta_int(r, c, &c->delta, &x)) != ENGINE_OK)
            return rc;
        if (x < 0 || (uint64_t)x > (uint64_t)(c->vend - c->vp))
            return bad(r, c, "a delta-encoded length runs past the page");
        v->p = c->vp;
        v->len = (size_t)x;
        c->vp += x;
        return ENGINE_OK;
    case PQ_DELTA_BYTE_ARRAY:
        if ((rc = delta_int(r, c, &c->delta, &x)) != ENGINE_OK ||
            (rc = delta_int(r, c, &c->delta2, &y)) != ENGINE_OK)
            return rc;
        if (x < 0 || (uint64_t)x > c->prev_len || y < 0 ||
            (uint64_t)y > (uint64_t)(c->vend - c->vp))
            return bad(r, c, "a DELTA_BYTE_ARRAY value is invalid");
        if (!grow(&c->prev, &c->prev_cap, (size_t)(x + y) + 1))
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        memcpy(c->prev + x, c->vp, (size_t)y);
        c->vp += y;
        c->prev_len = (size_t)(x + y);
        v->p = c->prev;
        v->len = c->prev_len;
        if (c->type == PQ_FIXED_LEN_BYTE_ARRAY && v->len != c->width)
            return bad(r, c, "a value is not %zu bytes long", c->width);
        return ENGINE_OK;
    case PQ_BYTE_STREAM_SPLIT:
        if (c->bss_i >= c->bss_n)
            return bad(r, c, "the page's values are cut off");
        for (size_t k = 0; k < c->width; k++)
            c->fixed[k] = c->bss[k * c->bss_n + c->bss_i];
        c->bss_i++;
        v->p = c->fixed;
        v->len = c->width;
        return ENGINE_OK;
    default:
        return bad(r, c, "unsupported encoding");
    }
}

/* ---------------------------------------------------------------- formatting */

static size_t put_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + put_u64(out + 1, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(out, (uint64_t)v);
}

/* The shortest decimal that reads back as the same value (as a float when
 * single): the usual short forms by scaling, else %.17g. */
static size_t put_double(char *out, double v, bool single)
{
    if (v == 0) {
        memcpy(out, signbit(v) ? "-0" : "0", signbit(v) ? 2 : 1);
        return signbit(v) ? 2 : 1;
    }
    static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
    double a = fabs(v);
    if (a >= 1e-5 && a < 1e15) {
        for (int k = 0; k < 18; k++) {
            double scaled = a * p10[k];
            if (scaled >= 9007199254740992.0)
                break;
            double n = nearbyint(scaled);
            double back = n / p10[k];
            if (single ? (float)back != (float)a : back != a)
                continue;
            char digits[24];
            size_t nd = put_u64(digits, (uint64_t)n), o = 0;
            if (v < 0)
                out[o++] = '-';
            if (nd <= (size_t)k) {
                out[o++] = '0';
                out[o++] = '.';
                for (size_t z = nd; z < (size_t)k; z++)
                    out[o++] = '0';
                memcpy(out + o, digits, nd);
                return o + nd;
            }
            memcpy(out + o, digits, nd - (size_t)k);
            o += nd - (size_t)k;
            if (k > 0) {
                out[o++] = '.';
                memcpy(out + o, digits + nd - (size_t)k, (size_t)k);
                o += (size_t)k;
            }
            return o;
        }
    }
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        int n = snprintf(out, 32, "%.*g", prec, v);
        if (single ? strtof(out, NULL) == (float)v : strtod(out, NULL) == v)
            return (size_t)n;
    }
    return (size_t)snprintf(out, 32, "%.17g", v);
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    /* Howard Hinnant's algorithm */
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static size_t put_date(char *out, int64_t days)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    return (size_t)snprintf(out, 32, "%04" PRId64 "-%02u-%02u", y, m, d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ".fff", ".ffffff" or ".fffffffff", the shortest of those that is exact;
 * nothing for a whole second. frac is in units of 10^-digits s. */
static size_t put_fraction(char *out, int64_t frac, int digits)
{
    if (frac == 0)
        return 0;
    while (digits > 3 && frac % 1000 == 0) {
        frac /= 1000;
        digits -= 3;
    }
    return (size_t)snprintf(out, 16, ".%0*" PRId64, digits, frac);
}

static size_t put_timestamp(char *out, int64_t v, enum pq_time_unit unit, bool utc)
{
    static const int64_t per_second[] = {1000, 1000000, 1000000000};
    static const int digits[] = {3, 6, 9};
    int64_t secs = floor_div(v, per_second[unit]);
    int64_t frac = v - secs * per_second[unit];
    int64_t days = floor_div(secs, 86400), sod = secs - days * 86400;
    size_t n = put_date(out, days);
    n += (size_t)snprintf(out + n, 16, "T%02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60),
                          (int)(sod % 60));
    n += put_fraction(out + n, frac, digits[unit]);
    if (utc)
        out[n++] = 'Z';
    return n;
}

static size_t put_time(char *out, int64_t v, enum pq_time_unit unit)
{
    static const int64_t per_second[] = {1000, 1000000, 1000000000};
    static const int digits[] = {3, 6, 9};
    int64_t secs = floor_div(v, per_second[unit]), frac = v - secs * per_second[unit];
    size_t n = (size_t)snprintf(out, 32, "%02d:%02d:%02d", (int)(secs / 3600 % 100),
                                (int)(secs / 60 % 60), (int)(secs % 60));
    return n + put_fraction(out + n, frac, digits[unit]);
}

/* An unscaled big-endian two's complement integer of up to 16 bytes as a
 * decimal with `scale` digits after the point. */
static int put_decimal(char *out, const uint8_t *be, size_t len, int scale, size_t *n_out)
{
    if (len == 0 || len > 16 || scale < 0 || scale > 38)
        return -1;
    unsigned __int128 u = (be[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < len; i++)
        u = u << 8 | be[i];
    bool neg = (__int128)u < 0;
    if (neg)
        u = ~u + 1;
    char digits[48];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    size_t s = (size_t)scale;
    if (nd <= s) {
        out[o++] = '0';
        if (s > 0)
            out[o++] = '.';
        for (size_t z = nd; z < s; z++)
            out[o++] = '0';
        for (size_t i = nd; i > 0; i--)
            out[o++] = digits[i - 1];
    } else {
        for (size_t i = nd; i > s; i--)
            out[o++] = digits[i - 1];
        if (s > 0) {
            out[o++] = '.';
            for (size_t i = s; i > 0; i--)
                out[o++] = digits[i - 1];
        }
    }
    *n_out = o;
    return 0;
}

static int64_t fixed_int(const struct pqr_col *c, const uint8_t *p)
{
    return c->width == 4 ? (int64_t)(int32_t)le32(p) : (int64_t)le64(p);
}

/* Turns a decoded value into the record's field. */
static int format_value(struct pq_reader *r, struct pqr_col *c, const struct value *v,
                        struct rec_field *f, struct record *rec)
{
    const struct pq_schema_elem *e = c->el;
    if (v->is_bool || c->out == OUT_BOOLEAN) {
        bool b = v->is_bool ? v->b : (v->p[0] & 1);
        f->val = b ? "true" : "false";
        f->len = b ? 4 : 5;
        f->type = REC_BOOLEAN;
        return ENGINE_OK;
    }
    if (c->out == OUT_STRING) {
        f->val = (const char *)v->p;
        f->len = v->len;
        f->type = REC_STRING;
        return ENGINE_OK;
    }
    size_t cap = c->out == OUT_HEX ? v->len * 2 + 1 : 64;
    char *out = rec_alloc(rec, cap);
    if (!out)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    size_t n = 0;
    f->type = REC_STRING;
    switch (c->out) {
    case OUT_INT:
        n = put_i64(out, fixed_int(c, v->p));
        f->type = REC_INTEGER;
        break;
    case OUT_UINT:
        n = put_u64(out, c->width == 4 ? le32(v->p) : le64(v->p));
        f->type = REC_INTEGER;
        break;
    case OUT_FLOAT:
    case OUT_DOUBLE: {
        double d;
        if (c->out == OUT_FLOAT) {
            float x;
            uint32_t bits = le32(v->p);
            memcpy(&x, &bits, 4);
            d = x;
        } else {
            uint64_t bits = le64(v->p);
            memcpy(&d, &bits, 8);
        }
        if (isnan(d) || isinf(d)) {
            n = (size_t)snprintf(out, cap, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity"
                                                                              : "-Infinity");
        } else {
            n = put_double(out, d, c->out == OUT_FLOAT);
            f->type = REC_NUMBER;
        }
        break;
    }
    case OUT_DECIMAL: {
        uint8_t be[16];
        const uint8_t *p = v->p;
        size_t len = v->len;
        if (c->type == PQ_INT32 || c->type == PQ_INT64) {
            int64_t x = fixed_int(c, v->p);
            for (int i = 0; i < 8; i++)
                be[i] = (uint8_t)((uint64_t)x >> (56 - 8 * i));
            p = be;
            len = 8;
        }
        if (put_decimal(out, p, len, e->scale, &n))
            return bad(r, c, "a DECIMAL value wider than 16 bytes (38 digits) cannot be read");
        f->type = REC_NUMBER;
        break;
    }
    case OUT_DATE:
        n = put_date(out, (int32_t)le32(v->p));
        break;
    case OUT_TIMESTAMP:
        n = put_timestamp(out, (int64_t)le64(v->p), e->unit, e->utc);
        break;
    case OUT_INT96: {
        /* nanoseconds of the day, then the Julian day (2440588 = 1970-01-01) */
        int64_t nanos = (int64_t)le64(v->p), jd = (int32_t)le32(v->p + 8);
        if (nanos < 0 || nanos >= 86400000000000LL)
            return bad(r, c, "an INT96 timestamp is invalid");
        n = put_timestamp(out, (jd - 2440588) * 86400000000000LL + nanos, PQ_NANOS, true);
        break;
    }
    case OUT_TIME:
        n = put_time(out, fixed_int(c, v->p), c->width == 4 ? PQ_MILLIS : e->unit);
        break;
    case OUT_UUID: {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                out[n++] = '-';
            out[n++] = hex[v->p[i] >> 4];
            out[n++] = hex[v->p[i] & 15];
        }
        break;
    }
    case OUT_HEX: {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < v->len; i++) {
            out[n++] = hex[v->p[i] >> 4];
            out[n++] = hex[v->p[i] & 15];
        }
        break;
    }
    default:
        break;
    }
    f->val = out;
    f->len = n;
    return ENGINE_OK;
}

/* The next value of a column into f. */
static int column_next(struct pq_reader *r, struct pqr_col *c, struct rec_field *f,
                       struct record *rec)
{
    if (c->page_left == 0) {
        int rc = next_page(r, c);
        if (rc != ENGINE_OK)
            return rc;
    }
    c->page_left--;
    f->name = c->name;
    if (c->max_def > 0) {
        if (c->lv_pos == c->lv_n) {
            uint32_t want = c->page_left + 1 < PQR_LEVEL_BATCH ? c->page_left + 1 : PQR_LEVEL_BATCH;
            c->lv_n = (uint32_t)pq_rle_get(&c->def, c->levels, want);
            c->lv_pos = 0;
            if (c->lv_n == 0)
                return bad(r, c, "the definition levels end before the page's values");
        }
        uint32_t level = c->levels[c->lv_pos++];
        if (level > 1)
            return bad(r, c, "a definition level is %u, the column's maximum 1", level);
        if (level == 0) {
            f->val = "";
            f->len = 0;
            f->type = REC_NULL;
            return ENGINE_OK;
        }
    }
    struct value v = {0};
    int rc = decode_value(r, c, &v);
    if (rc != ENGINE_OK)
        return rc;
    return format_value(r, c, &v, f, rec);
}

/* ---------------------------------------------------------------- reader_ops */

static void pqr_close(void *state)
{
    struct pq_reader *r = state;
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; r->cols && i < r->ncols; i++) {
        struct pqr_col *c = &r->cols[i];
        free(c->dict);
        free(c->dict_off);
        free(c->dict_len);
        free(c->raw);
        free(c->page);
        free(c->prev);
        pq_delta_free(&c->delta);
        pq_delta_free(&c->delta2);
    }
    free(r->cols);
    free(r->fields);
    pq_file_meta_free(&r->meta);
    free(r->footer);
    free(r->hdr);
    pq_codecs_free(r->codecs);
    free(r);
}

static int read_footer(struct pq_reader *r)
{
    uint8_t head[4], tail[8];
    if (r->file_size < 12)
        return bad(r, NULL, "the file is too small to be Parquet (%" PRId64 " bytes)",
                   r->file_size);
    int rc = read_at(r, head, 4, 0);
    if (rc == ENGINE_OK)
        rc = read_at(r, tail, 8, r->file_size - 8);
    if (rc != ENGINE_OK)
        return rc;
    if (memcmp(head, PQ_MAGIC, 4) != 0)
        return bad(r, NULL, "the file does not start with PAR1");
    if (memcmp(tail + 4, "PARE", 4) == 0)
        return bad(r, NULL, "the file is encrypted (PARE), which is not supported");
    if (memcmp(tail + 4, PQ_MAGIC, 4) != 0)
        return bad(r, NULL, "the file does not end with PAR1 (truncated?)");
    uint32_t len = le32(tail);
    if (len == 0 || (int64_t)len > r->file_size - 12 || len > PQ_MAX_FOOTER)
        return bad(r, NULL, "the footer length %u does not fit the file (%" PRId64 " bytes)", len,
                   r->file_size);
    r->footer_start = r->file_size - 8 - len;
    r->footer = malloc(len);
    if (!r->footer)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    if ((rc = read_at(r, r->footer, len, r->footer_start)) != ENGINE_OK)
        return rc;
    if (pq_file_meta_decode(r->footer, len, &r->meta, r->err, sizeof(r->err)))
        return bad(r, NULL, "%s", r->err);
    return ENGINE_OK;
}

static int pqr_open(void **state, const struct reader_args *args)
{
    struct pq_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    r->env = args->env;
    r->fd = open(args->path, O_RDONLY | O_CLOEXEC);
    int rc;
    if (r->fd < 0) {
        rc = rec_fail(r->env, ENGINE_IO_ERROR, "cannot open the input: %s", strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        rc = rec_fail(r->env, ENGINE_IO_ERROR, "cannot read the input: %s", strerror(errno));
        goto out;
    }
    r->file_size = (int64_t)st.st_size;
    r->codecs = pq_codecs_new();
    if (!r->codecs) {
        rc = rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    if ((rc = read_footer(r)) != ENGINE_OK || (rc = load_schema(r)) != ENGINE_OK)
        goto out;
    r->bytes_read = 0;
    rc = ENGINE_OK;
out:
    if (rc != ENGINE_OK) {
        pqr_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

static int pqr_next(void *state, struct record *rec)
{
    struct pq_reader *r = state;
    while (!r->group_open || r->group_left == 0) {
        if (r->group_open) {
            pq_row_group_clear(&r->meta.row_groups[r->group]);
            r->group_open = false;
            r->group++;
        }
        if (r->group >= r->meta.nrow_groups)
            return READ_EOF;
        if (open_group(r) != ENGINE_OK)
            return READ_ERROR;
    }
    for (size_t i = 0; i < r->ncols; i++)
        if (column_next(r, &r->cols[i], &r->fields[i], rec) != ENGINE_OK)
            return READ_ERROR;
    r->group_left--;
    rec->fields = r->fields;
    rec->nfields = r->ncols;
    rec->line = ++r->records;
    return READ_RECORD;
}

static int pqr_columns(void *state, struct rec_columns *cols)
{
    struct pq_reader *r = state;
    for (size_t i = 0; i < r->ncols; i++)
        if (rec_columns_push(cols, r->cols[i].name))
            return ENGINE_NO_MEMORY;
    return ENGINE_OK;
}

static json_object *codec_list(struct pq_reader *r)
{
    /* the codecs of every row group, not only those read */
    for (uint32_t g = 0; g < r->meta.nrow_groups; g++) {
        struct pq_row_group *rg = &r->meta.row_groups[g];
        if (rg->columns)
            continue;
        if (pq_row_group_decode(rg, r->err, sizeof(r->err)) == 0)
            for (uint32_t i = 0; i < rg->ncolumns; i++)
                r->codecs_seen |= 1u << (rg->columns[i].meta.codec & 31);
        pq_row_group_clear(rg);
    }
    char buf[128] = "";
    size_t used = 0;
    for (int k = 0; k < 32; k++) {
        if (!(r->codecs_seen & (1u << k)))
            continue;
        char lower[16];
        const char *name = pq_codec_name(k);
        size_t i = 0;
        for (; name[i] && i < sizeof(lower) - 1; i++)
            lower[i] = (char)text_ascii_lower((unsigned char)name[i]);
        lower[i] = '\0';
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? ", " : "", lower);
        if (used >= sizeof(buf))
            break;
    }
    return json_object_new_string(used ? buf : "none");
}

static int pqr_metadata(void *state, json_object *meta)
{
    struct pq_reader *r = state;
    json_object_object_add(meta, "row_groups", json_object_new_int64(r->meta.nrow_groups));
    json_object_object_add(meta, "compression", codec_list(r));
    json_object_object_add(meta, "created_by",
                           r->meta.created_by
                               ? json_object_new_string_len(r->meta.created_by,
                                                            (int)(r->meta.created_by_len > 4096
                                                                      ? 4096
                                                                      : r->meta.created_by_len))
                               : NULL);
    json_object_object_add(meta, "num_rows", json_object_new_int64(r->meta.num_rows));
    json_object_object_add(meta, "format_version", json_object_new_int(r->meta.version));
    json_object *types = json_object_new_object();
    for (size_t i = 0; types && i < r->ncols; i++)
        json_object_object_add(types, r->cols[i].name,
                               json_object_new_string(pq_type_name(r->cols[i].type)));
    json_object_object_add(meta, "physical_types", types);
    json_object_object_add(meta, "records_found", json_object_new_int64(r->records));
    return ENGINE_OK;
}

static int pqr_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    (void)name_hint;
    return len >= 4 && memcmp(head, PQ_MAGIC, 4) == 0 ? 100 : 0;
}

const struct reader_ops reader_parquet_ops = {
    .sniff = pqr_sniff,
    .binary = true,   /* PAR1 at both ends: the reader checks the footer */
    .validate_config = NULL,
    .open = pqr_open,
    .next = pqr_next,
    .columns = pqr_columns,
    .metadata = pqr_metadata,
    .close = pqr_close,
};
