/* outbuf.h — one big output buffer over a file descriptor: writers append
 * with outbuf_put() and the data reaches the file in large write(2) calls. */
#ifndef QUARRY_PROCESS_OUTBUF_H
#define QUARRY_PROCESS_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "process/engine.h"
#include "process/scan.h"

#define OUTBUF_SIZE (1u << 20)

struct outbuf {
    int fd;
    int error;          /* errno of the first failed write, then every call is a no-op */
    char *buf;
    size_t len;
    long long written;  /* bytes handed to the kernel */
};

/* Creates (truncates) path, mode 0644. Returns 0 or an errno value. */
int outbuf_open(struct outbuf *ob, const char *path);
/* Writes out what is buffered. Returns 0 or the first errno seen. */
int outbuf_flush(struct outbuf *ob);
/* Flushes, closes and frees. Returns 0 or the first errno seen. */
int outbuf_close(struct outbuf *ob);
void outbuf_put_slow(struct outbuf *ob, const void *p, size_t n);

/* The same for a writer: a failure is given to rec_fail ("cannot create
 * the output: ...", "writing the output failed: ...") and an
 * engine_status is returned. */
struct rec_env;
int outbuf_create(struct outbuf *ob, const char *path, struct rec_env *env);
int outbuf_finish(struct outbuf *ob, struct rec_env *env);
int outbuf_fail(const struct outbuf *ob, struct rec_env *env);
/* Whether a write failed so far (called once a record). */
static inline int outbuf_status(const struct outbuf *ob, struct rec_env *env)
{
    return ob->error ? outbuf_fail(ob, env) : ENGINE_OK;
}

static inline void outbuf_put(struct outbuf *ob, const void *p, size_t n)
{
    if (n <= OUTBUF_SIZE - ob->len) {
        memcpy(ob->buf + ob->len, p, n);
        ob->len += n;
        return;
    }
    outbuf_put_slow(ob, p, n);
}

static inline void outbuf_putc(struct outbuf *ob, char c)
{
    if (ob->len == OUTBUF_SIZE)
        outbuf_flush(ob);
    ob->buf[ob->len++] = c;
}

/* Writes p[0..n) as a JSON string, quotes included. Control characters are
 * escaped and invalid UTF-8 bytes become U+FFFD, so the output is always
 * valid JSON. */
void outbuf_json_string_any(struct outbuf *ob, const char *p, size_t n);

/* The same; a string of 4 to 32 plain ASCII bytes (the usual value) is
 * copied here with two overlapping loads, no call, anything else goes to
 * outbuf_json_string_any. */
static inline void outbuf_json_string(struct outbuf *ob, const char *p, size_t n)
{
    if (n >= 4 && n <= 32 && OUTBUF_SIZE - ob->len >= 34) {
        char *w = ob->buf + ob->len;
#if defined(__SSE2__)
        if (n >= 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
            if (!(scan_json_special_mask(a) | scan_json_special_mask(b))) {
                w[0] = '"';
                _mm_storeu_si128((__m128i *)(void *)(w + 1), a);
                _mm_storeu_si128((__m128i *)(void *)(w + 1 + n - 16), b);
                w[n + 1] = '"';
                ob->len += n + 2;
                return;
            }
        } else
#endif
        if (n >= 8 && n <= 16) {
            uint64_t a, b;
            memcpy(&a, p, 8);
            memcpy(&b, p + n - 8, 8);
            if (!(scan_json_special_swar(a) | scan_json_special_swar(b))) {
                w[0] = '"';
                memcpy(w + 1, &a, 8);
                memcpy(w + 1 + n - 8, &b, 8);
                w[n + 1] = '"';
                ob->len += n + 2;
                return;
            }
        } else if (n < 8) {
            uint32_t a, b;
            memcpy(&a, p, 4);
            memcpy(&b, p + n - 4, 4);
            if (!scan_json_special_swar((uint64_t)a | (uint64_t)b << 32)) {
                w[0] = '"';
                memcpy(w + 1, &a, 4);
                memcpy(w + 1 + n - 4, &b, 4);
                w[n + 1] = '"';
                ob->len += n + 2;
                return;
            }
        }
    }
    outbuf_json_string_any(ob, p, n);
}

#endif
