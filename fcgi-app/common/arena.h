#ifndef QUARRY_ARENA_H
#define QUARRY_ARENA_H
/* A bump allocator for everything one request needs. Reset when the request
 * ends, so handlers never free piecemeal. */
#include <stddef.h>

struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t chunk_size;
};

void arena_init(struct arena *a, size_t chunk_size);
/* Returns zeroed memory owned by the arena, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees all but the first chunk; memory handed out before is invalid after. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
