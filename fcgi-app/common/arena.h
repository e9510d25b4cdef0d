#ifndef QUARRY_ARENA_H
#define QUARRY_ARENA_H
/* A bump allocator for everything one request needs. Reset when the request
 * ends, so handlers never free piecemeal.
 *
 * Allocation policy (redis' zmalloc): the allocating functions below never
 * return NULL. When memory runs out they log one line and abort the process;
 * the supervisor (multiwatch for the API pool) starts a fresh one. So callers
 * never test their results, and no half-built answer is ever sent. Sizes
 * that cannot be represented (a length near SIZE_MAX) are treated the same
 * way: they are bugs, not inputs, since every input is bounded before it is
 * copied. The one NULL that comes back is arena_strdup(a, NULL). */
#include <stddef.h>

struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t chunk_size;
};

/* chunk_size 0 means 16 KiB. Nothing is allocated until the first call. */
void arena_init(struct arena *a, size_t chunk_size);
/* Zeroed memory for size bytes, aligned for any type, owned by the arena. */
void *arena_alloc(struct arena *a, size_t size);
/* A copy of s (NULL for NULL), owned by the arena. */
char *arena_strdup(struct arena *a, const char *s);
/* A NUL-terminated copy of s[0..n), owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* The formatted text, owned by the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees all but the first chunk; memory handed out before is invalid after. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
