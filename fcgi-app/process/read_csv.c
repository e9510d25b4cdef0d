/* read_csv.c — the streaming CSV reader.
 *
 * The file is read into one large buffer; a record is scanned in place and
 * its fields are (pointer, length) slices into that buffer. Nothing is
 * copied except when a field needs unescaping (doubled quotes, an escape
 * character), and that is done in place once the whole record is known.
 * When a record does not fit in what is buffered, the tail is moved to the
 * front, more is read, and the record is scanned again from its start.
 *
 * Line ends: "\n", "\r\n" and a lone "\r" all end a record (and count as
 * one physical line), inside quotes too. Line numbers are physical lines.
 * An unquoted empty field is null; a quoted empty field ("") is an empty
 * string.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/input.h"
#include "process/read_csv.h"
#include "process/record.h"
#include "process/scan.h"
#include "process/text.h"

/* A file under half of it gets a quarter (input_open): >= 3 * CSV_HEAD, a
 * decoded head fits. */
#define CSV_BUF_INITIAL (1u << 20)
/* The largest record (and so the largest field) accepted: memory stays flat
 * for any file whose records are smaller than this. */
#define CSV_MAX_RECORD (64u << 20)
#define CSV_MAX_FIELDS 50000    /* columns per row (the name table holds 100000) */
#define CSV_HEAD 65536            /* bytes looked at for detection */
#define CSV_RAW_CHUNK (256u << 10)
#define CSV_MAX_NULLS 64
#define CSV_MEDIA_TYPE_LINES 20   /* lines that decide the media type of an upload */
/* Bytes after the '\n' sentinel that may be read: a 64-byte block load
 * (fast_record) that starts at or before the sentinel stays inside. */
#define CSV_PAD 64

enum csv_encoding { ENC_AUTO, ENC_UTF8, ENC_LATIN1, ENC_CP1252 };

struct csv_options {
    int delim;                  /* 0 = detect */
    int quote;                  /* -1 = no quoting */
    int escape;                 /* -1 = none; == quote: doubled quotes only */
    bool has_header;
    long long skip_rows;
    enum csv_encoding encoding;
    const char *nulls[CSV_MAX_NULLS];
    size_t null_lens[CSV_MAX_NULLS];
    size_t nnulls;
    uint64_t null_len_mask;     /* bit n set when some null value has length n (n < 64) */
};

enum span_flags { SPAN_QUOTED = 1, SPAN_UNESCAPE = 2 };

struct span {
    char *p;
    size_t len;
    unsigned flags;
};

struct csv_reader {
    struct rec_env *env;
    struct csv_options opt;
    struct input_stream in;
    char *buf;                  /* cap + 1 + CSV_PAD bytes: buf[end] is always a '\n' sentinel */
    size_t cap, start, end;
    bool eof;
    unsigned char *raw;         /* undecoded bytes for latin-1 / windows-1252 */
    enum csv_encoding enc;      /* the encoding in use */
    const uint16_t *decode;     /* byte -> code point for single-byte encodings */
    bool bom;
    const char *line_ending;
    long long line;             /* physical line of the next unread byte */
    struct scan_set stop;       /* the bytes that end an unquoted stretch */
    struct scan_set qstop;      /* the bytes that matter inside quotes */
#if defined(__SSE2__)
    /* fast_record: the delimiter, '\n', '\r', the quote and the escape */
    __m128i fv[5];
#endif
    /* The special bytes of the 64-byte block at blk_base, as a bit mask
     * (valid while blk_valid): the records of one block share it. */
    size_t blk_base;
    uint64_t blk_mask;
    bool blk_valid;
    struct span *spans;
    size_t spans_cap;
    struct rec_field *fields;
    size_t ncols;
    const char **names;
    json_object *header_row;
};

enum scan_result { SCAN_OK, SCAN_MORE, SCAN_UNTERMINATED, SCAN_TOO_WIDE };

/* ---- configuration ---- */

static void set_err(char *field, size_t field_len, const char *name, char *msg, size_t msg_len,
                    const char *text)
{
    snprintf(field, field_len, "%s", name);
    snprintf(msg, msg_len, "%s", text);
}

static int parse_char_option(json_object *v, int *out, bool allow_none)
{
    if (!v || json_object_is_type(v, json_type_null)) {
        if (!allow_none)
            return -1;
        *out = -1;
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    size_t len = strlen(s);
    if (len == 0 && allow_none) {
        *out = -1;
        return 0;
    }
    if (len != 1 || s[0] == '\n' || s[0] == '\r')
        return -1;
    *out = (unsigned char)s[0];
    return 0;
}

static int parse_delimiter(json_object *v, int *out)
{
    if (!v || json_object_is_type(v, json_type_null)) {
        *out = 0;
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    if (strcmp(s, "") == 0 || strcasecmp(s, "auto") == 0)
        *out = 0;
    else if (strcasecmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
        *out = '\t';
    else if (strlen(s) == 1 && s[0] != '\n' && s[0] != '\r' && s[0] != '"' &&
             (unsigned char)s[0] < 0x80 && !((s[0] >= '0' && s[0] <= '9') ||
                                            ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')))
        *out = (unsigned char)s[0];
    else
        return -1;
    return 0;
}

static int parse_encoding(const char *s, enum csv_encoding *out)
{
    static const struct {
        const char *name;
        enum csv_encoding enc;
    } names[] = {
        {"auto", ENC_AUTO},          {"utf-8", ENC_UTF8},         {"utf8", ENC_UTF8},
        {"utf-8-sig", ENC_UTF8},     {"ascii", ENC_UTF8},         {"us-ascii", ENC_UTF8},
        {"latin-1", ENC_LATIN1},     {"latin1", ENC_LATIN1},      {"iso-8859-1", ENC_LATIN1},
        {"iso8859-1", ENC_LATIN1},   {"windows-1252", ENC_CP1252}, {"cp1252", ENC_CP1252},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].enc;
            return 0;
        }
    }
    return -1;
}

/* Reads the CSV keys of processing_config into opt. The strings in
 * opt->nulls are borrowed from config. */
static int csv_options_parse(json_object *config, struct csv_options *opt, char *field,
                             size_t field_len, char *msg, size_t msg_len)
{
    json_object *v;
    memset(opt, 0, sizeof(*opt));
    opt->quote = '"';
    opt->escape = '"';
    opt->has_header = true;
    if (!config)
        return 0;
    if (!json_object_is_type(config, json_type_object)) {
        set_err(field, field_len, "", msg, msg_len, "must be an object");
        return -1;
    }
    if (json_object_object_get_ex(config, "delimiter", &v) && parse_delimiter(v, &opt->delim)) {
        set_err(field, field_len, "delimiter", msg, msg_len,
                "must be one of \",\" \";\" \"\\t\" \"|\" (or another single punctuation "
                "character) or \"auto\"");
        return -1;
    }
    if (json_object_object_get_ex(config, "quote_char", &v) &&
        parse_char_option(v, &opt->quote, true)) {
        set_err(field, field_len, "quote_char", msg, msg_len,
                "must be a single character (or empty for no quoting)");
        return -1;
    }
    opt->escape = opt->quote;
    if (json_object_object_get_ex(config, "escape_char", &v) &&
        parse_char_option(v, &opt->escape, true)) {
        set_err(field, field_len, "escape_char", msg, msg_len,
                "must be a single character (or empty for none)");
        return -1;
    }
    if (opt->escape == -1)
        opt->escape = opt->quote;
    if (opt->delim != 0 && (opt->delim == opt->quote || opt->delim == opt->escape)) {
        set_err(field, field_len, "delimiter", msg, msg_len,
                "must differ from quote_char and escape_char");
        return -1;
    }
    if (json_object_object_get_ex(config, "has_header", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_boolean)) {
            set_err(field, field_len, "has_header", msg, msg_len, "must be true or false");
            return -1;
        }
        opt->has_header = json_object_get_boolean(v);
    }
    if (json_object_object_get_ex(config, "skip_rows", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
            json_object_get_int64(v) > 1000000000) {
            set_err(field, field_len, "skip_rows", msg, msg_len,
                    "must be an integer between 0 and 1000000000");
            return -1;
        }
        opt->skip_rows = json_object_get_int64(v);
    }
    if (json_object_object_get_ex(config, "encoding", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string) ||
            parse_encoding(json_object_get_string(v), &opt->encoding)) {
            set_err(field, field_len, "encoding", msg, msg_len,
                    "must be one of utf-8, latin-1, iso-8859-1, windows-1252, auto");
            return -1;
        }
    }
    if (json_object_object_get_ex(config, "null_values", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_array) ||
            json_object_array_length(v) > CSV_MAX_NULLS) {
            set_err(field, field_len, "null_values", msg, msg_len,
                    "must be an array of at most 64 strings");
            return -1;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *s = json_object_array_get_idx(v, i);
            if (!json_object_is_type(s, json_type_string) ||
                json_object_get_string_len(s) > 256) {
                snprintf(field, field_len, "null_values[%zu]", i);
                snprintf(msg, msg_len, "must be a string of at most 256 bytes");
                return -1;
            }
            size_t len = (size_t)json_object_get_string_len(s);
            opt->nulls[opt->nnulls] = json_object_get_string(s);
            opt->null_lens[opt->nnulls++] = len;
            opt->null_len_mask |= len < 64 ? (uint64_t)1 << len : (uint64_t)1 << 63;
        }
    }
    if (json_object_object_get_ex(config, "chunk_size", &v) &&
        !json_object_is_type(v, json_type_null) &&
        (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
         json_object_get_int64(v) > 1000000)) {
        set_err(field, field_len, "chunk_size", msg, msg_len,
                "must be an integer between 1 and 1000000");
        return -1;
    }
    return 0;
}

static int csv_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                               size_t msg_len)
{
    struct csv_options opt;
    return csv_options_parse(config, &opt, field, field_len, msg, msg_len);
}

/* ---- buffer ---- */

static size_t decode_into(const uint16_t *table, const unsigned char *in, size_t n, char *out)
{
    char *o = out;
    for (size_t i = 0; i < n; i++)
        o += text_utf8_put(o, table[in[i]]);
    return (size_t)(o - out);
}

/* The '\n' after the data stops every scan; the CSV_PAD bytes after it
 * may be read by a block load, so they are given a value. The bytes
 * after the data change, so the block mask is made again. */
static void set_sentinel(struct csv_reader *r)
{
    r->buf[r->end] = '\n';
    memset(r->buf + r->end + 1, 0, CSV_PAD);
    r->blk_valid = false;
}

static int buf_grow(struct csv_reader *r)
{
    if (r->cap >= CSV_MAX_RECORD)
        return rec_fail(r->env, ENGINE_BAD_INPUT,
                        "a record starting at line %lld is larger than %u MB (an unbalanced "
                        "quote?)",
                        r->line, CSV_MAX_RECORD >> 20);
    size_t cap = r->cap * 2;
    char *b = realloc(r->buf, cap + 1 + CSV_PAD);
    if (!b)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory reading the CSV file");
    r->buf = b;
    r->cap = cap;
    return ENGINE_OK;
}

/* Moves the unread tail to the front and reads more. Returns ENGINE_OK
 * (r->eof set at the end of the file) or a failure status. */
static int buf_fill(struct csv_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - r->end;
    size_t want_room = r->decode ? 3 * 64 : 1;
    if (room < want_room) {
        int rc = buf_grow(r);
        if (rc != ENGINE_OK)
            return rc;
        room = r->cap - r->end;
    }
    ssize_t n;
    if (r->decode) {
        size_t want = room / 3 < CSV_RAW_CHUNK ? room / 3 : CSV_RAW_CHUNK;
        n = input_read(&r->in, r->raw, want);
        if (n > 0)
            r->end += decode_into(r->decode, r->raw, (size_t)n, r->buf + r->end);
    } else {
        n = input_read(&r->in, r->buf + r->end, room);
        if (n > 0)
            r->end += (size_t)n;
    }
    if (n < 0)
        return ENGINE_IO_ERROR;
    if (n == 0)
        r->eof = true;
    set_sentinel(r);
    return ENGINE_OK;
}

/* ---- scanning ---- */

static struct span *span_at(struct csv_reader *r, size_t i)
{
    if (i >= CSV_MAX_FIELDS)
        return NULL;
    if (i < r->spans_cap)
        return &r->spans[i];
    size_t cap = r->spans_cap * 2;
    struct span *s = realloc(r->spans, cap * sizeof(*s));
    if (!s)
        return NULL;
    r->spans = s;
    r->spans_cap = cap;
    return &s[i];
}

/* Moves *pp to the end of an unquoted stretch: a delimiter, a line end or
 * the end of the data. Returns false when more data is needed first. */
static inline bool scan_unquoted(const struct csv_reader *r, char **pp, unsigned *flags)
{
    char *p = *pp;
    char *const e = r->buf + r->end;
    const int escape = r->opt.escape;
    for (;;) {
        p = (char *)scan_until(p, &r->stop);
        if (escape >= 0 && escape != r->opt.quote && p < e && (unsigned char)*p == escape) {
            if (p + 1 == e && !r->eof)
                return false;
            *flags |= SPAN_UNESCAPE;
            p += p + 1 < e ? 2 : 1;
            continue;
        }
        break;
    }
    *pp = p;
    return true;
}

/* Scans one record at r->start without changing the buffer. On SCAN_OK,
 * *nspans fields are in r->spans, *next is where the following record
 * starts and *lines how many physical lines the record took. */
static enum scan_result scan_record(struct csv_reader *r, size_t *nspans, size_t *next,
                                    long long *lines)
{
    char *p = r->buf + r->start;
    char *const e = r->buf + r->end;
    const int quote = r->opt.quote, escape = r->opt.escape, delim = r->opt.delim;
    const bool escape_apart = escape >= 0 && escape != quote;
    size_t n = 0;
    long long nl = 1;

    for (;;) {
        struct span *sp = span_at(r, n);
        if (!sp)
            return SCAN_TOO_WIDE;
        sp->flags = 0;
        if (p < e && (unsigned char)*p == quote) {
            sp->flags = SPAN_QUOTED;
            sp->p = ++p;
            char *close = NULL;
            for (;;) {
                p = (char *)scan_until(p, &r->qstop);
                if (p == e)
                    return r->eof ? SCAN_UNTERMINATED : SCAN_MORE;
                unsigned char c = (unsigned char)*p;
                if (c == '\n') {
                    nl++;
                    p++;
                } else if (c == '\r') {
                    if (p + 1 == e && !r->eof)
                        return SCAN_MORE;
                    p += p[1] == '\n' && p + 1 < e ? 2 : 1;
                    nl++;
                } else if (escape_apart && c == escape) {
                    if (p + 1 == e)
                        return r->eof ? SCAN_UNTERMINATED : SCAN_MORE;
                    sp->flags |= SPAN_UNESCAPE;
                    p += 2;
                } else { /* the quote */
                    if (p + 1 == e && !r->eof)
                        return SCAN_MORE;
                    if (p + 1 < e && (unsigned char)p[1] == quote) {
                        sp->flags |= SPAN_UNESCAPE;
                        p += 2;
                        continue;
                    }
                    close = p++;
                    break;
                }
            }
            sp->len = (size_t)(close - sp->p);
            if (p < e && (unsigned char)*p != delim && *p != '\n' && *p != '\r') {
                /* Text after the closing quote ("ab"cd): kept, like most
                 * readers do; the unescape pass sees the closing quote. */
                sp->flags |= SPAN_UNESCAPE;
                if (!scan_unquoted(r, &p, &sp->flags))
                    return SCAN_MORE;
                sp->len = (size_t)(p - sp->p);
            }
        } else {
            sp->p = p;
            if (!scan_unquoted(r, &p, &sp->flags))
                return SCAN_MORE;
            sp->len = (size_t)(p - sp->p);
        }
        n++;
        if (p == e) {
            if (!r->eof)
                return SCAN_MORE;
            break;
        }
        if ((unsigned char)*p == delim) {
            p++;
            continue;
        }
        /* a line end */
        if (*p == '\r') {
            if (p + 1 == e && !r->eof)
                return SCAN_MORE;
            p += p + 1 < e && p[1] == '\n' ? 2 : 1;
        } else {
            p++;
        }
        break;
    }
    *nspans = n;
    *next = (size_t)(p - r->buf);
    *lines = nl;
    return SCAN_OK;
}

/* Removes quoting and escapes from a span in place. */
static void span_unescape(const struct csv_reader *r, struct span *sp)
{
    const int quote = r->opt.quote, escape = r->opt.escape;
    const bool escape_apart = escape >= 0 && escape != quote;
    bool in_quote = sp->flags & SPAN_QUOTED;
    const char *s = sp->p, *end = sp->p + sp->len;
    char *w = sp->p;
    if (!escape_apart && quote >= 0) {
        /* Only the quote matters: move the runs between quotes. */
        for (;;) {
            const char *q = memchr(s, quote, (size_t)(end - s));
            size_t run = (size_t)((q ? q : end) - s);
            memmove(w, s, run);
            w += run;
            s += run;
            if (!q)
                break;
            if (in_quote && s + 1 < end && (unsigned char)s[1] == quote) {
                *w++ = (char)quote;   /* a doubled quote */
                s += 2;
            } else if (in_quote) {
                in_quote = false;     /* the closing quote */
                s++;
            } else {
                *w++ = (char)quote;   /* a quote in unquoted text is text */
                s++;
            }
        }
        sp->len = (size_t)(w - sp->p);
        return;
    }
    while (s < end) {
        unsigned char c = (unsigned char)*s;
        if (escape_apart && c == escape && s + 1 < end) {
            *w++ = s[1];
            s += 2;
        } else if (in_quote && c == quote) {
            if (s + 1 < end && (unsigned char)s[1] == quote) {
                *w++ = (char)quote;
                s += 2;
            } else {
                in_quote = false;
                s++;
            }
        } else {
            *w++ = (char)c;
            s++;
        }
    }
    sp->len = (size_t)(w - sp->p);
}

static inline bool is_null_value(const struct csv_options *opt, const char *p, size_t len,
                          bool quoted)
{
    if (len == 0 && !quoted)
        return true;
    if (!(opt->null_len_mask & (len < 64 ? (uint64_t)1 << len : (uint64_t)1 << 63)))
        return false;
    for (size_t i = 0; i < opt->nnulls; i++)
        if (opt->null_lens[i] == len && memcmp(opt->nulls[i], p, len) == 0)
            return true;
    return false;
}

static bool fast_path_on = true;

void read_csv_fast_path(bool on)
{
    fast_path_on = on;
}

#if defined(__SSE2__)
/* Bit i set when p[i] is the delimiter, a line end, the quote or the
 * escape (64 bytes from p). */
static inline uint64_t block_mask(const struct csv_reader *r, const char *p)
{
    const __m128i d = r->fv[0], n = r->fv[1], cr = r->fv[2], q = r->fv[3], e = r->fv[4];
#define BLOCK16(k)                                                                             \
    ((uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(                                       \
         _mm_or_si128(_mm_cmpeq_epi8(x##k, d), _mm_cmpeq_epi8(x##k, n)),                       \
         _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x##k, cr), _mm_cmpeq_epi8(x##k, q)),        \
                      _mm_cmpeq_epi8(x##k, e))))                                               \
     << (16 * k))
    const __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    const __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    const __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    return BLOCK16(0) | BLOCK16(1) | BLOCK16(2) | BLOCK16(3);
#undef BLOCK16
}
#endif

/* The usual record, read without scan_record: one physical line, the
 * header's number of fields, wholly in the buffer, no escape character and
 * quotes only around whole fields. Its fields are set straight from the
 * bit mask of the 64-byte blocks it spans (kept from one record to the
 * next: a block holds parts of about two). Returns false, having changed
 * nothing the general path depends on, for anything else (a line end or
 * an escape inside quotes, text after a closing quote, a quote inside
 * unquoted text, a blank line, a ragged row, a record that runs into the
 * end of what is buffered): scan_record decides those. */
#define FAST_MAX_DOUBLED 8   /* fields with doubled quotes in one record */

static bool fast_record(struct csv_reader *r, struct record *rec)
{
#if defined(__SSE2__)
    const size_t start = r->start, end = r->end, limit = end + 1 + CSV_PAD;
    const size_t ncols = r->ncols;
    size_t base = r->blk_base;
    uint64_t m;
    if (r->blk_valid && start >= base && start - base < 64) {
        m = r->blk_mask & (~(uint64_t)0 << (start - base));
    } else {
        base = start;
        if (base + 64 > limit)
            return false;
        m = block_mask(r, r->buf + base);
    }
    const unsigned char delim = (unsigned char)r->opt.delim;
    const int quote = r->opt.quote;
    char *const buf = r->buf;
    struct rec_field *const f = r->fields;
    const char *const *const names = r->names;
    const uint64_t null_mask = r->opt.null_len_mask;
    size_t i = 0, from = start, next, at;
    size_t doubled_at[FAST_MAX_DOUBLED], ndoubled = 0;
    /* the position of the next special byte into at; false past the data */
#define NEXT_SPECIAL()                                                                         \
    do {                                                                                       \
        while (m == 0) {                                                                       \
            base += 64;                                                                        \
            if (base + 64 > limit)                                                             \
                return false;                                                                  \
            m = block_mask(r, buf + base);                                                     \
        }                                                                                      \
        at = base + (size_t)__builtin_ctzll(m);                                                \
        m &= m - 1;                                                                            \
        if (at >= end)                                                                         \
            return false; /* the sentinel: more to read, or the last line */                   \
    } while (0)
    for (;;) {
        NEXT_SPECIAL();
        unsigned char c = (unsigned char)buf[at];
        const char *val = buf + from;
        size_t len = at - from;
        bool quoted = false;
        if (c == delim || c == '\n' || c == '\r') {
            /* an unquoted field */
        } else if ((int)c == quote && at == from) {
            /* a quoted field: delimiters inside are text, a doubled quote is one */
            bool doubled = false;
            for (;;) {
                NEXT_SPECIAL();
                c = (unsigned char)buf[at];
                if ((int)c != quote) {
                    if (c != delim)
                        return false;   /* a line end or an escape inside quotes */
                    continue;
                }
                if ((unsigned char)buf[at + 1] != c)   /* buf[end] is '\n': readable */
                    break;
                doubled = true;
                NEXT_SPECIAL();   /* the second quote */
            }
            size_t close = at;
            NEXT_SPECIAL();
            c = (unsigned char)buf[at];
            if (at != close + 1 || (c != delim && c != '\n' && c != '\r'))
                return false;   /* text after the closing quote */
            quoted = true;
            val = buf + from + 1;
            len = close - from - 1;
            if (doubled) {
                /* unescaped once the record is known to be this path's:
                 * until then the buffer must stay as scan_record sees it */
                if (ndoubled == FAST_MAX_DOUBLED)
                    return false;
                doubled_at[ndoubled++] = i;
            }
        } else {
            return false;   /* a quote inside unquoted text, or an escape */
        }
        if (i == ncols)
            return false;
        f[i].name = names[i];
        f[i].val = val;
        f[i].len = len;
        f[i].type = (len == 0 && !quoted) || (null_mask && is_null_value(&r->opt, val, len, quoted))
                        ? REC_NULL
                        : REC_TEXT;
        i++;
        from = at + 1;
        if (c == delim)
            continue;
        if (i != ncols || (i == 1 && len == 0 && !quoted))
            return false;   /* ragged, or a blank line */
        next = at + 1;
        if (c == '\r') {
            if (at + 1 >= end)
                return false;   /* a '\n' may follow in what is not read yet */
            if (buf[at + 1] == '\n')
                next = at + 2;  /* its bit is below the next start: masked off */
        }
        break;
    }
#undef NEXT_SPECIAL
    for (size_t k = 0; k < ndoubled; k++) {
        struct rec_field *d = &f[doubled_at[k]];
        struct span sp = {.p = (char *)d->val, .len = d->len, .flags = SPAN_QUOTED | SPAN_UNESCAPE};
        span_unescape(r, &sp);
        d->len = sp.len;
        d->type = is_null_value(&r->opt, sp.p, sp.len, true) ? REC_NULL : REC_TEXT;
    }
    r->blk_base = base;
    r->blk_mask = m;
    r->blk_valid = true;
    rec->fields = f;
    rec->nfields = ncols;
    rec->line = r->line;
    r->start = next;
    r->line++;
    return true;
#else
    (void)r;
    (void)rec;
    return false;
#endif
}

/* Scans the record at r->start, reading more as needed. Returns SCAN_* or
 * -1 for a failure already given to rec_fail. */
static int scan_full(struct csv_reader *r, size_t *nspans, size_t *next, long long *lines)
{
    for (;;) {
        enum scan_result sr = scan_record(r, nspans, next, lines);
        if (sr != SCAN_MORE)
            return (int)sr;
        if (buf_fill(r) != ENGINE_OK)
            return -1;
    }
}

/* Sets *end when nothing is left to read at r->start. */
static int at_end(struct csv_reader *r, bool *end)
{
    for (;;) {
        if (r->start < r->end) {
            *end = false;
            return ENGINE_OK;
        }
        if (r->eof) {
            *end = true;
            return ENGINE_OK;
        }
        int rc = buf_fill(r);
        if (rc != ENGINE_OK)
            return rc;
    }
}

/* Skips physical lines before the header (not quote-aware: the lines to
 * skip are often notes or titles, not CSV). */
static int skip_lines(struct csv_reader *r, long long count)
{
    while (count > 0) {
        char *p = r->buf + r->start, *e = r->buf + r->end;
        char *q = p;
        while (q < e && *q != '\n' && *q != '\r')
            q++;
        if (q == e) {
            if (r->eof) {
                r->start = r->end;
                return ENGINE_OK;
            }
            r->start = r->end;   /* discard the partial line, keep looking */
            int rc = buf_fill(r);
            if (rc != ENGINE_OK)
                return rc;
            continue;
        }
        if (*q == '\r' && q + 1 == e && !r->eof) {
            r->start = (size_t)(q - r->buf);
            int rc = buf_fill(r);
            if (rc != ENGINE_OK)
                return rc;
            continue;
        }
        q += *q == '\r' && q + 1 < e && q[1] == '\n' ? 2 : 1;
        r->start = (size_t)(q - r->buf);
        r->line++;
        count--;
    }
    return ENGINE_OK;
}

/* ---- detection ---- */

/* The delimiter that splits the first lines into the same number of
 * fields most consistently. */
static int detect_delimiter(const char *p, size_t len, int quote)
{
    static const char cands[] = {',', ';', '\t', '|'};
    enum { NC = 4, MAXL = 20 };
    int counts[MAXL][NC] = {{0}};
    int nlines = 0;
    bool in_quote = false;
    const char *e = p + len;
    for (; p < e && nlines < MAXL; p++) {
        unsigned char c = (unsigned char)*p;
        if ((int)c == quote) {
            in_quote = !in_quote;
        } else if (!in_quote && (c == '\n' || c == '\r')) {
            nlines++;
            if (c == '\r' && p + 1 < e && p[1] == '\n')
                p++;
        } else if (!in_quote) {
            for (int k = 0; k < NC; k++)
                if (c == (unsigned char)cands[k])
                    counts[nlines][k]++;
        }
    }
    if (nlines < MAXL && p == e)
        nlines++;   /* the last, unterminated line */
    int best = ',', best_score = 0, best_count = 0;
    for (int k = 0; k < NC; k++) {
        int first = counts[0][k];
        if (first == 0)
            continue;
        int score = 0;
        for (int l = 0; l < nlines; l++)
            score += counts[l][k] == first;
        if (score > best_score || (score == best_score && first > best_count)) {
            best = cands[k];
            best_score = score;
            best_count = first;
        }
    }
    return best;
}

static const char *detect_line_ending(const char *p, size_t len, int quote)
{
    bool in_quote = false;
    for (size_t i = 0; i < len; i++) {
        if ((int)(unsigned char)p[i] == quote)
            in_quote = !in_quote;
        else if (!in_quote && p[i] == '\n')
            return "\n";
        else if (!in_quote && p[i] == '\r')
            return i + 1 < len && p[i + 1] == '\n' ? "\r\n" : "\r";
    }
    return "\n";
}

static void build_tables(struct csv_reader *r)
{
    const bool escape_apart = r->opt.escape >= 0 && r->opt.escape != r->opt.quote;
    scan_set_init(&r->stop, (char)r->opt.delim, '\n', '\r',
                  escape_apart ? (char)r->opt.escape : '\n');
    scan_set_init(&r->qstop, r->opt.quote >= 0 ? (char)r->opt.quote : '\n', '\n', '\r',
                  escape_apart ? (char)r->opt.escape : '\n');
#if defined(__SSE2__)
    r->fv[0] = _mm_set1_epi8((char)r->opt.delim);
    r->fv[1] = _mm_set1_epi8('\n');
    r->fv[2] = _mm_set1_epi8('\r');
    r->fv[3] = _mm_set1_epi8(r->opt.quote >= 0 ? (char)r->opt.quote : '\n');
    r->fv[4] = _mm_set1_epi8(escape_apart ? (char)r->opt.escape : '\n');
#endif
    r->blk_valid = false;
}

/* Reads the first block, handles the BOM, picks the encoding. */
static int read_head(struct csv_reader *r)
{
    ssize_t n;
    size_t got = 0;
    while (got < CSV_HEAD) {
        n = input_read(&r->in, r->buf + got, CSV_HEAD - got);
        if (n < 0)
            return ENGINE_IO_ERROR;
        if (n == 0) {
            r->eof = true;
            break;
        }
        got += (size_t)n;
    }
    const unsigned char *u = (const unsigned char *)r->buf;
    if (got >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return rec_fail(r->env, ENGINE_BAD_INPUT,
                        "the file is UTF-16; save it as UTF-8 (or latin-1) and upload again");
    size_t skip = 0;
    if (got >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        r->bom = true;
        skip = 3;
    }
    r->enc = r->opt.encoding;
    if (r->enc == ENC_AUTO)
        r->enc = text_utf8_valid_prefix(r->buf + skip, got - skip, !r->eof) ? ENC_UTF8
                                                                           : ENC_CP1252;
    if (r->enc == ENC_UTF8) {
        r->start = skip;
        r->end = got;
    } else {
        r->decode = r->enc == ENC_LATIN1 ? text_latin1_table() : text_cp1252_table();
        r->raw = malloc(CSV_RAW_CHUNK > CSV_HEAD ? CSV_RAW_CHUNK : CSV_HEAD);
        if (!r->raw)
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        memcpy(r->raw, r->buf + skip, got - skip);
        r->start = 0;
        r->end = decode_into(r->decode, r->raw, got - skip, r->buf);
    }
    set_sentinel(r);
    return ENGINE_OK;
}

/* ---- header ---- */

/* A set of interned name pointers, to give repeated header names a suffix
 * without comparing every pair. */
struct name_set {
    const char **slots;
    size_t mask;
};

static bool name_set_add(struct name_set *set, const char *name)
{
    size_t i = ((uintptr_t)name >> 4) * 0x9E3779B97F4A7C15ull & set->mask;
    for (; set->slots[i]; i = (i + 1) & set->mask)
        if (set->slots[i] == name)
            return false;
    set->slots[i] = name;
    return true;
}

static int make_names(struct csv_reader *r, size_t n, bool from_header)
{
    struct name_set set = {0};
    size_t nslots = 16;
    while (nslots < 2 * n)
        nslots *= 2;
    set.slots = calloc(nslots, sizeof(*set.slots));
    set.mask = nslots - 1;
    r->names = calloc(n ? n : 1, sizeof(*r->names));
    r->fields = calloc(n ? n : 1, sizeof(*r->fields));
    r->header_row = json_object_new_array();
    int rc = ENGINE_NO_MEMORY;
    if (!set.slots || !r->names || !r->fields || !r->header_row)
        goto out;
    r->ncols = n;
    for (size_t i = 0; i < n; i++) {
        char gen[32];
        const char *s = gen;
        size_t len = 0;
        if (from_header) {
            s = r->spans[i].p;
            len = r->spans[i].len;
            while (len > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
            }
            while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        }
        if (len == 0) {
            s = gen;
            len = (size_t)snprintf(gen, sizeof(gen), "column_%zu", i + 1);
        }
        const char *name = rec_intern(r->env, s, len);
        /* A repeated name gets a suffix (_2, _3, ...): columns are found by name. */
        for (int k = 2; name && !name_set_add(&set, name); k++) {
            char *tmp = malloc(len + 16);
            if (!tmp)
                goto out;
            int tl = snprintf(tmp, len + 16, "%.*s_%d", (int)len, s, k);
            name = rec_intern(r->env, tmp, (size_t)tl);
            free(tmp);
        }
        if (!name)
            goto out;
        r->names[i] = name;
        json_object_array_add(r->header_row, json_object_new_string(name));
    }
    rc = ENGINE_OK;
out:
    free(set.slots);
    if (rc != ENGINE_OK)
        return rec_fail(r->env, rc, "out of memory reading the header");
    return rc;
}

/* Reads the header (or, without one, looks at the first record to count
 * the columns). */
static int read_header(struct csv_reader *r)
{
    for (;;) {
        bool end;
        int rc = at_end(r, &end);
        if (rc != ENGINE_OK)
            return rc;
        if (end)
            return rec_fail(r->env, ENGINE_BAD_INPUT, "the file is empty");
        size_t n, next;
        long long lines;
        int sr = scan_full(r, &n, &next, &lines);
        if (sr < 0)
            return rec_env_status(r->env);
        if (sr == SCAN_TOO_WIDE)
            return rec_fail(r->env, ENGINE_BAD_INPUT, "line %lld has more than %d fields",
                            r->line, CSV_MAX_FIELDS);
        if (sr == SCAN_UNTERMINATED)
            return rec_fail(r->env, ENGINE_BAD_INPUT,
                            "line %lld: the first row has an unterminated quote", r->line);
        if (n == 1 && r->spans[0].len == 0 && !(r->spans[0].flags & SPAN_QUOTED)) {
            r->start = next;   /* a blank line before the header */
            r->line += lines;
            continue;
        }
        if (!r->opt.has_header)
            return make_names(r, n, false);   /* the first record is read again by next() */
        for (size_t i = 0; i < n; i++)
            if (r->spans[i].flags & SPAN_UNESCAPE)
                span_unescape(r, &r->spans[i]);
        rc = make_names(r, n, true);
        r->start = next;
        r->line += lines;
        return rc;
    }
}

/* ---- reader_ops ---- */

static void csv_close(void *state)
{
    struct csv_reader *r = state;
    if (!r)
        return;
    input_close(&r->in);
    free(r->buf);
    free(r->raw);
    free(r->spans);
    free(r->fields);
    free(r->names);
    if (r->header_row)
        json_object_put(r->header_row);
    free(r);
}

static int csv_open(void **state, const struct reader_args *args)
{
    char field[64], msg[256];
    struct csv_reader *r = calloc(1, sizeof(*r));
    int rc = ENGINE_NO_MEMORY;
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    r->env = args->env;
    r->in.fd = -1;
    r->line = 1;
    if (csv_options_parse(args->config, &r->opt, field, sizeof(field), msg, sizeof(msg))) {
        rc = rec_fail(r->env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
        goto out;
    }
    rc = input_open(&r->in, args->path, r->env, CSV_BUF_INITIAL, 1 + CSV_PAD, &r->buf, &r->cap);
    if (rc != ENGINE_OK)
        goto out;
    r->spans_cap = 64;
    r->spans = malloc(r->spans_cap * sizeof(*r->spans));
    if (!r->spans) {
        rc = rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    rc = read_head(r);
    if (rc != ENGINE_OK)
        goto out;
    rc = skip_lines(r, r->opt.skip_rows);
    if (rc != ENGINE_OK)
        goto out;
    const char *head = r->buf + r->start;
    size_t head_len = r->end - r->start;
    if (r->opt.delim == 0)
        r->opt.delim = detect_delimiter(head, head_len, r->opt.quote);
    if (r->opt.delim == r->opt.quote || r->opt.delim == r->opt.escape) {
        rc = rec_fail(r->env, ENGINE_BAD_CONFIG,
                      "processing_config.delimiter: must differ from quote_char");
        goto out;
    }
    r->line_ending = detect_line_ending(head, head_len, r->opt.quote);
    build_tables(r);
    rc = read_header(r);
out:
    if (rc != ENGINE_OK) {
        csv_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

static int csv_next(void *state, struct record *rec)
{
    struct csv_reader *r = state;
    for (;;) {
        bool end;
        if (at_end(r, &end) != ENGINE_OK)
            return READ_ERROR;
        if (end)
            return READ_EOF;
        if (fast_path_on && fast_record(r, rec))
            return READ_RECORD;
        size_t n, next;
        long long lines;
        int sr = scan_full(r, &n, &next, &lines);
        if (sr < 0)
            return READ_ERROR;
        if (sr == SCAN_TOO_WIDE) {
            rec_fail(r->env, ENGINE_BAD_INPUT, "line %lld has more than %d fields", r->line,
                     CSV_MAX_FIELDS);
            return READ_ERROR;
        }
        long long line = r->line;
        if (sr == SCAN_UNTERMINATED) {
            rec_report(r->env, line, NULL, "error", "UNTERMINATED_QUOTE",
                       "a quoted field starting on this line is never closed");
            r->start = r->end;
            return READ_REJECTED;
        }
        r->start = next;
        r->line += lines;
        struct span *sp = r->spans;
        if (n == 1 && sp[0].len == 0 && !(sp[0].flags & SPAN_QUOTED))
            continue;   /* blank line */
        if (n != r->ncols) {
            rec_report(r->env, line, NULL, "error", "RAGGED_ROW",
                       "expected %zu fields, found %zu", r->ncols, n);
            return READ_REJECTED;
        }
        struct rec_field *f = r->fields;
        for (size_t i = 0; i < n; i++, sp++, f++) {
            if (sp->flags & SPAN_UNESCAPE)
                span_unescape(r, sp);
            f->name = r->names[i];
            f->val = sp->p;
            f->len = sp->len;
            f->type = is_null_value(&r->opt, sp->p, sp->len, sp->flags & SPAN_QUOTED)
                          ? REC_NULL
                          : REC_TEXT;
        }
        rec->fields = r->fields;
        rec->nfields = n;
        rec->line = line;
        return READ_RECORD;
    }
}

static int csv_columns(void *state, struct rec_columns *cols)
{
    struct csv_reader *r = state;
    for (size_t i = 0; i < r->ncols; i++)
        if (rec_columns_push(cols, r->names[i]))
            return ENGINE_NO_MEMORY;
    return ENGINE_OK;
}

static int csv_metadata(void *state, json_object *meta)
{
    struct csv_reader *r = state;
    static const char *const enc_names[] = {"auto", "utf-8", "iso-8859-1", "windows-1252"};
    char delim[2] = {(char)r->opt.delim, 0};
    char quote[2] = {(char)(r->opt.quote >= 0 ? r->opt.quote : 0), 0};
    json_object_object_add(meta, "delimiter_used", json_object_new_string(delim));
    json_object_object_add(meta, "encoding_detected", json_object_new_string(enc_names[r->enc]));
    json_object_object_add(meta, "bom", json_object_new_boolean(r->bom));
    json_object_object_add(meta, "has_header", json_object_new_boolean(r->opt.has_header));
    json_object_object_add(meta, "header_row", json_object_get(r->header_row));
    json_object_object_add(meta, "quote_char", json_object_new_string(quote));
    json_object_object_add(meta, "line_ending", json_object_new_string(r->line_ending));
    json_object_object_add(meta, "skip_rows", json_object_new_int64(r->opt.skip_rows));
    return ENGINE_OK;
}

static int csv_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    (void)head;
    (void)len;
    const char *dot = name_hint ? strrchr(name_hint, '.') : NULL;
    if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".tsv") == 0 ||
                strcasecmp(dot, ".txt") == 0))
        return 30;
    return 10;   /* the fallback for any text */
}

/* The media type of CSV content: which delimiter splits the first lines
 * the same way (text/plain when none does). */
static const char *csv_media_type(const unsigned char *p, size_t len)
{
    static const char delims[] = {',', ';', '\t', '|'};
    long first[4] = {0}, ok[4] = {1, 1, 1, 1};
    size_t lines = 0, i = 0;
    while (i < len && lines < CSV_MEDIA_TYPE_LINES) {
        long count[4] = {0};
        bool quoted = false;
        size_t start = i;
        for (; i < len && (quoted || (p[i] != '\n' && p[i] != '\r')); i++) {
            if (p[i] == '"')
                quoted = !quoted;
            for (int d = 0; d < 4 && !quoted; d++)
                count[d] += p[i] == (unsigned char)delims[d];
        }
        bool complete = i < len;
        while (i < len && (p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i - start == 0 || (!complete && lines > 0))
            continue;   /* a blank line, or a last line cut by the head */
        for (int d = 0; d < 4; d++) {
            if (lines == 0)
                first[d] = count[d];
            else if (count[d] != first[d])
                ok[d] = 0;
        }
        lines++;
    }
    int best = -1;
    for (int d = 0; d < 4; d++)
        if (ok[d] && first[d] > 0 && (best < 0 || first[d] > first[best]))
            best = d;
    if (best < 0)
        return "text/plain";
    return delims[best] == '\t' ? "text/tab-separated-values" : "text/csv";
}

const struct reader_ops reader_csv_ops = {
    .text_values = true,
    .sniff = csv_sniff,
    .media_type = csv_media_type,
    .validate_config = csv_validate_config,
    .open = csv_open,
    .next = csv_next,
    .columns = csv_columns,
    .metadata = csv_metadata,
    .close = csv_close,
};
