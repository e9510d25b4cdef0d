/* text.h — small text helpers shared by the reader, steps and writers:
 * UTF-8, single-byte code pages, and strict parsing of numbers, booleans
 * and ISO dates from (pointer, length) slices. */
#ifndef QUARRY_PROCESS_TEXT_H
#define QUARRY_PROCESS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes code point cp as UTF-8 into out (room for 4 bytes); returns the length. */
static inline size_t text_utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes there
 * are not valid UTF-8 (overlong forms and surrogates are invalid). */
size_t text_utf8_seq(const unsigned char *p, size_t avail);

/* True when p[0..len) is valid UTF-8; with allow_cut, a sequence cut off by
 * the end of the slice is accepted. */
bool text_utf8_valid_prefix(const char *p, size_t len, bool allow_cut);

/* byte -> Unicode code point tables. */
const uint16_t *text_latin1_table(void);
const uint16_t *text_cp1252_table(void);

/* Strict parsers: the whole slice must match, surrounding ASCII blanks are
 * allowed. */
bool text_parse_int64(const char *p, size_t len, int64_t *out);
bool text_parse_double(const char *p, size_t len, double *out);
/* true/false, case-insensitive. */
bool text_parse_bool(const char *p, size_t len, bool *out);
/* ISO 8601: YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS[.fff]][Z|+HH:MM].
 * *epoch is seconds since 1970 (UTC), *has_time says which form it was. */
bool text_parse_iso(const char *p, size_t len, double *epoch, bool *has_time);
/* The same, exactly: microseconds since 1970 (UTC); digits past the sixth
 * of a fraction are dropped. */
bool text_parse_iso_micros(const char *p, size_t len, int64_t *micros, bool *has_time);
/* The index of the first byte at or after i that is not an ASCII digit
 * (len if none): four bytes at a time while four remain. */
static inline size_t text_digit_run(const char *p, size_t i, size_t len)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (len - i >= 4) {
        uint32_t x;
        memcpy(&x, p + i, 4);
        /* 0x80 in each byte that is not a digit (a byte after one of
         * 0xFA..0xFF may be marked too: it is past the first anyway) */
        uint32_t t = ((x & 0xF0F0F0F0u) | (((x + 0x06060606u) & 0xF0F0F0F0u) >> 4)) ^ 0x33333333u;
        uint32_t m = (((t & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | t) & 0x80808080u;
        if (m)
            return i + (size_t)__builtin_ctz(m) / 8;
        i += 4;
    }
#endif
    while (i < len && (unsigned char)(p[i] - '0') < 10)
        i++;
    return i;
}

/* The shape of p[0..len) as digits, in one pass: TEXT_DIGITS when every
 * byte is an ASCII digit, TEXT_DIGITS_DOT when it is digits, '.', digits
 * (at least one on each side), else 0. */
enum { TEXT_DIGITS = 1, TEXT_DIGITS_DOT = 2 };
static inline int text_digits_shape(const char *p, size_t len)
{
    size_t i = text_digit_run(p, 0, len);
    if (i == len)
        return len > 0 ? TEXT_DIGITS : 0;
    if (p[i] != '.' || i == 0)
        return 0;
    size_t start = ++i;
    i = text_digit_run(p, i, len);
    return i == len && i > start ? TEXT_DIGITS_DOT : 0;
}

/* The JSON number grammar, exactly (no blanks, no leading zeros), in one
 * pass; inline, for the JSON writers' test of every text value. */
static inline bool text_json_number_body(const char *p, size_t len)
{
    size_t i = 0;
    if (i < len && p[i] == '-')
        i++;
    if (i >= len)
        return false;
    if (p[i] == '0') {
        i++;
    } else if ((unsigned char)(p[i] - '1') < 9) {
        i = text_digit_run(p, i + 1, len);
    } else {
        return false;
    }
    if (i == len)
        return true;
    if (p[i] == '.') {
        size_t start = ++i;
        i = text_digit_run(p, i, len);
        if (i == start)
            return false;
        if (i == len)
            return true;
    }
    if (p[i] == 'e' || p[i] == 'E') {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t start = i;
        while (i < len && (unsigned char)(p[i] - '0') < 10)
            i++;
        if (i == start)
            return false;
    }
    return i == len;
}

static inline bool text_is_json_number(const char *p, size_t len)
{
    /* most text is not a number: decide on the first byte when possible */
    return len > 0 && ((unsigned char)(p[0] - '0') < 10 || p[0] == '-') &&
           text_json_number_body(p, len);
}

/* What a value looks like, for data_types inference. */
enum text_kind { KIND_INTEGER, KIND_NUMBER, KIND_BOOLEAN, KIND_DATE, KIND_DATETIME, KIND_STRING };
enum text_kind text_classify(const char *p, size_t len);
const char *text_kind_name(enum text_kind kind);

static inline unsigned char text_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* ASCII case-insensitive comparison of n bytes (NUL bytes included). */
static inline int text_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int d = text_ascii_lower((unsigned char)a[i]) - text_ascii_lower((unsigned char)b[i]);
        if (d)
            return d;
    }
    return 0;
}

/* Joins n names with ", " into out (for messages: "must be one of: a, b").
 * What does not fit is cut; out is always terminated. Returns out. */
const char *text_join(char *out, size_t out_len, const char *const *names, size_t n);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t text_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
