/* libFuzzer target for the multipart/form-data parser (fcgi-app/api/multipart.c).
 * fuzz-link: fcgi-app/api/multipart.c
 *
 * The first byte picks a chunk size; the rest is a body with the boundary
 * "Q". The body is parsed twice, whole and in chunks, and the two runs must
 * agree on the status and on everything the callbacks saw: a delimiter cut
 * by a chunk edge must never change the result. The Content-Type parser is
 * fed the input as a header value as well. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/multipart.h"

struct trace {
    uint64_t hash; /* FNV-1a over the events */
    size_t parts, bytes;
    int open; /* a part began and has not ended */
};

static void mix(struct trace *t, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        t->hash = (t->hash ^ p[i]) * 1099511628211ULL;
}

static int on_begin(void *ctx, const struct multipart_part *part)
{
    struct trace *t = ctx;
    if (t->open)
        abort(); /* a part began inside another */
    t->open = 1;
    t->parts++;
    mix(t, "B", 1);
    mix(t, part->name, strlen(part->name) + 1);
    mix(t, part->filename, strlen(part->filename) + 1);
    mix(t, part->content_type, strlen(part->content_type) + 1);
    mix(t, &part->has_filename, sizeof(part->has_filename));
    if (strlen(part->name) >= sizeof(part->name) || strlen(part->filename) >= sizeof(part->filename))
        abort();
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct trace *t = ctx;
    if (!t->open || len == 0)
        abort(); /* data outside a part, or an empty call */
    /* Data is hashed as a stream: how it was split must not matter. */
    mix(t, data, len);
    t->bytes += len;
    return 0;
}

static int on_end(void *ctx)
{
    struct trace *t = ctx;
    if (!t->open)
        abort();
    t->open = 0;
    mix(t, "E", 1);
    return 0;
}

static enum multipart_status run(const char *body, size_t len, size_t chunk, struct trace *t)
{
    struct multipart_callbacks cb = {t, on_begin, on_data, on_end};
    memset(t, 0, sizeof(*t));
    t->hash = 1469598103934665603ULL;
    struct multipart *p = multipart_new("Q", &cb);
    if (p == NULL)
        abort();
    enum multipart_status st = MP_OK;
    for (size_t off = 0; off < len && st == MP_OK; off += chunk)
        st = multipart_feed(p, body + off, len - off < chunk ? len - off : chunk);
    if (st == MP_OK)
        st = multipart_finish(p);
    multipart_free(p);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    struct trace whole, pieces;
    enum multipart_status a = run(body, len, len ? len : 1, &whole);
    enum multipart_status b = run(body, len, chunk, &pieces);
    /* Until the first error both runs see the same bytes; the error itself
     * may show at a different point only for a header block (it is checked
     * when complete), so the statuses must agree and, on success, all events. */
    if (a != b)
        abort();
    if (a == MP_OK && (whole.hash != pieces.hash || whole.parts != pieces.parts ||
                       whole.bytes != pieces.bytes || whole.open || pieces.open))
        abort();

    char *ct = malloc(len + 1);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (ct == NULL)
        return 0;
    memcpy(ct, body, len);
    ct[len] = '\0';
    if (multipart_boundary(ct, boundary, sizeof(boundary)) == 0 &&
        (strlen(boundary) < 1 || strlen(boundary) > MULTIPART_BOUNDARY_MAX))
        abort();
    free(ct);
    return 0;
}
