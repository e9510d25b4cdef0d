#include "common/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    max_align_t data[];
};

/* What zmalloc_default_oom does in redis: say so once and stop. */
static _Noreturn void out_of_memory(size_t size)
{
    log_error("out of memory allocating %zu bytes: aborting", size);
    abort();
}

static struct arena_chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct arena_chunk))
        out_of_memory(size);
    struct arena_chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL)
        out_of_memory(size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void arena_init(struct arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 16384;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    if (size > SIZE_MAX - align)
        out_of_memory(size);
    size = (size + align - 1) & ~(align - 1);
    if (a->head == NULL || a->head->size - a->head->used < size) {
        size_t want = size > a->chunk_size ? size : a->chunk_size;
        struct arena_chunk *c = chunk_new(want);
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        out_of_memory(n);
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory(0); /* only a text over INT_MAX bytes gets here */
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;
    if (c == NULL)
        return;
    /* Keep the oldest chunk (the last in the list): most requests fit in it. */
    while (c->next != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
