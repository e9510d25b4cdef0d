/* grow.h — the one way the engine grows a heap array: its capacity doubles
 * (from a first size) until it holds what is needed, the new room zeroed.
 *
 *     if (!grow(&r->name, &r->name_cap, need, 1, 64))
 *         return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
 *
 * The check that there is room already is inline; the realloc is not. */
#ifndef QUARRY_PROCESS_GROW_H
#define QUARRY_PROCESS_GROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The slow path of grow(): array_ptr is the address of the array pointer
 * (of any object type). */
static inline bool grow_realloc(void *array_ptr, size_t *cap, size_t need, size_t size,
                                size_t first)
{
    size_t n = *cap ? *cap : first;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return false;
    void *old;
    memcpy(&old, array_ptr, sizeof(old));
    char *p = realloc(old, n * size);
    if (!p)
        return false;
    memset(p + *cap * size, 0, (n - *cap) * size);
    memcpy(array_ptr, &p, sizeof(p));
    *cap = n;
    return true;
}

/* Room for need items of size bytes in the array at *array_ptr, whose
 * capacity is *cap items (first when it is still 0). Returns false when
 * out of memory: the array and *cap are then as they were. */
static inline bool grow(void *array_ptr, size_t *cap, size_t need, size_t size, size_t first)
{
    return need <= *cap || grow_realloc(array_ptr, cap, need, size, first);
}

#endif
