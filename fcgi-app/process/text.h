/* text.h — small text helpers shared by the reader, steps and writers:
 * UTF-8, single-byte code pages, and strict parsing of numbers, booleans
 * and ISO dates from (pointer, length) slices. */
#ifndef QUARRY_PROCESS_TEXT_H
#define QUARRY_PROCESS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* The JSON number grammar, exactly (no blanks, no leading zeros). */
bool text_json_number_body(const char *p, size_t len);
static inline bool text_is_json_number(const char *p, size_t len)
{
    /* most text is not a number: decide on the first byte when possible */
    return len > 0 && ((p[0] >= '0' && p[0] <= '9') || p[0] == '-') &&
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
