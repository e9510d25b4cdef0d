/* outbuf.c — buffered output and the JSON string escaper (see outbuf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/outbuf.h"
#include "process/record.h"
#include "process/scan.h"
#include "process/text.h"

int outbuf_open(struct outbuf *ob, const char *path)
{
    ob->len = 0;
    ob->error = 0;
    ob->written = 0;
    ob->buf = malloc(OUTBUF_SIZE);
    if (!ob->buf)
        return ENOMEM;
    ob->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (ob->fd < 0) {
        int err = errno;
        free(ob->buf);
        ob->buf = NULL;
        return err;
    }
    return 0;
}

static void write_all(struct outbuf *ob, const char *p, size_t n)
{
    while (n > 0 && !ob->error) {
        ssize_t w = write(ob->fd, p, n);
        if (w < 0) {
            if (errno != EINTR)
                ob->error = errno;
            continue;
        }
        p += w;
        n -= (size_t)w;
        ob->written += w;
    }
}

int outbuf_flush(struct outbuf *ob)
{
    write_all(ob, ob->buf, ob->len);
    ob->len = 0;
    return ob->error;
}

void outbuf_put_slow(struct outbuf *ob, const void *p, size_t n)
{
    outbuf_flush(ob);
    if (n >= OUTBUF_SIZE) {
        write_all(ob, p, n);   /* large pieces go straight out */
        return;
    }
    memcpy(ob->buf, p, n);
    ob->len = n;
}

int outbuf_close(struct outbuf *ob)
{
    if (!ob->buf)
        return ob->error ? ob->error : EBADF;
    outbuf_flush(ob);
    if (close(ob->fd) != 0 && !ob->error)
        ob->error = errno;
    free(ob->buf);
    ob->buf = NULL;
    return ob->error;
}

/* 0: copy as is; 1: needs an escape; 2: start of a multi-byte sequence. */
static const unsigned char json_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static void put_escape(struct outbuf *ob, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        n = 6;
    }
    outbuf_put(ob, e, n);
}

/* The general case: any length, buffer flushed as needed. */
static void json_string_slow(struct outbuf *ob, const unsigned char *p, const unsigned char *e)
{
    while (p < e) {
        const unsigned char *run = p;
        p = scan_json_special(p, e);
        /* extend the run over valid multi-byte sequences */
        while (p < e && json_class[*p] == 2) {
            size_t len = text_utf8_seq(p, (size_t)(e - p));
            if (len == 0)
                break;
            p = scan_json_special(p + len, e);
        }
        if (p > run)
            outbuf_put(ob, run, (size_t)(p - run));
        if (p == e)
            break;
        if (json_class[*p] == 1)
            put_escape(ob, *p);
        else
            outbuf_put(ob, "\\ufffd", 6);   /* a byte that is not UTF-8 */
        p++;
    }
}

/* A short run, 4 to 15 bytes: two overlapping loads, one test, two
 * stores. Returns false (nothing decided) when a byte is special. */
static inline bool copy_short(char *w, const unsigned char *p, size_t r)
{
    if (r >= 8) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + r - 8, 8);
        if (scan_json_special_swar(a) | scan_json_special_swar(b))
            return false;
        memcpy(w, &a, 8);
        memcpy(w + r - 8, &b, 8);
        return true;
    }
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + r - 4, 4);
    if (scan_json_special_swar((uint64_t)a | (uint64_t)b << 32))
        return false;
    memcpy(w, &a, 4);
    memcpy(w + r - 4, &b, 4);
    return true;
}

/* Copies the plain bytes at the start of [p, e) to w, 16 at a time where it
 * can; w has room for e - p + 16 bytes. Returns how many were plain. */
static inline size_t copy_plain(char *w, const unsigned char *p, const unsigned char *e)
{
    const unsigned char *start = p;
#if defined(__SSE2__)
    size_t n = (size_t)(e - p);
    while (e - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        _mm_storeu_si128((__m128i *)(void *)w, x);
        unsigned mask = scan_json_special_mask(x);
        if (mask)
            return (size_t)(p - start) + (size_t)__builtin_ctz(mask);
        p += 16;
        w += 16;
    }
    if (p < e && n >= 16) {
        /* The last bytes: load the 16 that end at e. Those before p were
         * found plain already, so only [p, e) can set bits. */
        const unsigned char *q = e - 16;
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
        _mm_storeu_si128((__m128i *)(void *)(w - (p - q)), x);
        unsigned mask = scan_json_special_mask(x);
        return mask ? (size_t)(q - start) + (size_t)__builtin_ctz(mask) : n;
    }
#endif
    size_t r = (size_t)(e - p);
    if (r >= 4 && r < 16 && copy_short(w, p, r))
        return (size_t)(e - start);
    while (p < e && json_class[*p] == 0)
        *w++ = (char)*p++;
    return (size_t)(p - start);
}

void outbuf_json_string_any(struct outbuf *ob, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    /* The usual case, a short string: copied straight into the buffer;
     * valid UTF-8 is copied too; the first byte to escape (or any trouble)
     * hands over to the general path. */
    if (n <= 4096 && OUTBUF_SIZE - ob->len >= n + 2 + 16) {
        char *w = ob->buf + ob->len;
        *w++ = '"';
        for (;;) {
            size_t k = copy_plain(w, p, e);
            p += k;
            w += k;
            if (p == e || json_class[*p] != 2)
                break;
            size_t len = text_utf8_seq(p, (size_t)(e - p));
            if (len == 0)
                break;
            memcpy(w, p, len);
            p += len;
            w += len;
        }
        ob->len = (size_t)(w - ob->buf);
        if (p == e) {
            ob->buf[ob->len++] = '"';
            return;
        }
    } else {
        outbuf_putc(ob, '"');
    }
    json_string_slow(ob, p, e);
    outbuf_putc(ob, '"');
}

int outbuf_create(struct outbuf *ob, const char *path, struct rec_env *env)
{
    int err = outbuf_open(ob, path);
    return err ? rec_fail(env, ENGINE_IO_ERROR, "cannot create the output: %s", strerror(err))
               : ENGINE_OK;
}

int outbuf_fail(const struct outbuf *ob, struct rec_env *env)
{
    return rec_fail(env, ENGINE_IO_ERROR, "writing the output failed: %s", strerror(ob->error));
}

int outbuf_finish(struct outbuf *ob, struct rec_env *env)
{
    int err = outbuf_close(ob);
    return err ? rec_fail(env, ENGINE_IO_ERROR, "writing the output failed: %s", strerror(err))
               : ENGINE_OK;
}
