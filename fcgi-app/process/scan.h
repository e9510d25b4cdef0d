/* scan.h — finding the next interesting byte quickly. The CSV reader, the
 * CSV writer and the JSON escaper spend most of their time looking for a
 * few special bytes in long runs of ordinary ones; with SSE2 (every x86-64)
 * that is done 16 bytes at a time, elsewhere one byte at a time. */
#ifndef QUARRY_PROCESS_SCAN_H
#define QUARRY_PROCESS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes a buffer needs after its sentinel for scan_until to read safely. */
#define SCAN_PAD 32

/* Four bytes to look for, prepared once. */
struct scan_set {
#if defined(__SSE2__)
    __m128i v[4];
#endif
    char c[4];
};

static inline void scan_set_init(struct scan_set *set, char a, char b, char c, char d)
{
    set->c[0] = a;
    set->c[1] = b;
    set->c[2] = c;
    set->c[3] = d;
#if defined(__SSE2__)
    set->v[0] = _mm_set1_epi8(a);
    set->v[1] = _mm_set1_epi8(b);
    set->v[2] = _mm_set1_epi8(c);
    set->v[3] = _mm_set1_epi8(d);
#endif
}

/* First byte of the set at or after p. One of them MUST occur before the
 * end of the buffer: the caller keeps a sentinel, and SCAN_PAD bytes after
 * it that may be read (their value does not matter). */
static inline const char *scan_until(const char *p, const struct scan_set *set)
{
#if defined(__SSE2__)
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, set->v[0]), _mm_cmpeq_epi8(x, set->v[1])),
            _mm_or_si128(_mm_cmpeq_epi8(x, set->v[2]), _mm_cmpeq_epi8(x, set->v[3])));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#else
    while (*p != set->c[0] && *p != set->c[1] && *p != set->c[2] && *p != set->c[3])
        p++;
    return p;
#endif
}

/* First of the four bytes a..d in [p, e), or e. */
static inline const char *scan_find4(const char *p, const char *e, char a, char b, char c, char d)
{
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c),
                  vd = _mm_set1_epi8(d);
    while (e - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vd)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < e && *p != a && *p != b && *p != c && *p != d)
        p++;
    return p;
}

#if defined(__SSE2__)
/* Bit i set when byte i of x is '"', '\\', a control byte or a non-ASCII
 * byte: the bytes a JSON string cannot hold as they are (or, non-ASCII,
 * not without a look at the UTF-8). */
static inline unsigned scan_json_special_mask(__m128i x)
{
    /* signed compare: bytes >= 0x80 are negative, so "< 0x20" takes them too */
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                             _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Non-zero when one of the 8 bytes of x is such a byte (SWAR: the classic
 * has-zero / has-less-than tests, exact about whether such a byte exists,
 * not about where). */
static inline uint64_t scan_json_special_swar(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & high;
}

/* First byte in [p, e) that a JSON string cannot hold as is: '"', '\\', a
 * control byte (< 0x20) or a non-ASCII byte (>= 0x80, to be checked as
 * UTF-8); or e. */
static inline const unsigned char *scan_json_special(const unsigned char *p,
                                                     const unsigned char *e)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (e - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed: bytes >= 0x80 are negative, so "< 0x20" catches them too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                              _mm_cmpeq_epi8(x, backslash)),
                                 _mm_cmplt_epi8(x, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

#endif
