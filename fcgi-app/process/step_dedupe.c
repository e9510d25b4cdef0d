/* step_dedupe.c — drops rows whose key was seen before (the first one is
 * kept). params: {columns?: [..]} — without columns the whole row is the key.
 *
 * Memory bound: only a 64-bit hash of each distinct key is kept, in an open
 * addressing table at most half full: 16 bytes per distinct key, and at most
 * DEDUPE_MAX_KEYS (16,777,216) keys = 256 MiB. Past that the job fails with
 * a clear message rather than letting duplicates through. Two different
 * keys share a 64-bit hash with probability about n^2 / 2^65 (1e-5 at 16M
 * keys); such a row would be dropped as a duplicate. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

#define DEDUPE_MAX_KEYS (1u << 24)

struct dedupe {
    struct rec_env *env;
    struct rec_names key;   /* names NULL: the whole row */
    uint64_t *slots;      /* 0 = empty */
    size_t mask, count;
    long long dropped;
};

static const char *const keep_names[] = {"first", NULL};

static int dedupe_validate(json_object *params, char *field, size_t field_len, char *msg,
                           size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    int keep = 0;
    return param_columns(params, "columns", false, &e) ||
                   param_enum(params, "keep", keep_names, false, &keep, &e)
               ? -1
               : 0;
}

static void dedupe_free(void *state)
{
    struct dedupe *d = state;
    if (!d)
        return;
    rec_names_free(&d->key);
    free(d->slots);
    free(d);
}

static int dedupe_init(void **state, json_object *params, struct rec_env *env)
{
    struct dedupe *d = calloc(1, sizeof(*d));
    if (!d)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    d->env = env;
    d->mask = (1u << 16) - 1;
    d->slots = calloc(d->mask + 1, sizeof(*d->slots));
    if (!d->slots)
        goto oom;
    json_object *list = param_get(params, "columns");
    if (list && rec_names_from_json(&d->key, env, list) != ENGINE_OK) {
        dedupe_free(d);
        return ENGINE_NO_MEMORY;
    }
    *state = d;
    return ENGINE_OK;
oom:
    dedupe_free(d);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int dedupe_columns(void *state, struct rec_columns *cols)
{
    struct dedupe *d = state;
    return step_need_columns(d->env, cols, &d->key, "dedupe");
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t hash_bytes(uint64_t h, const char *p, size_t len)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix(h ^ w, k);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, len - i);
    return mix(h ^ tail ^ ((uint64_t)len << 56), 0xD6E8FEB86659FD93ull);
}

static uint64_t hash_field(uint64_t h, const struct rec_field *f)
{
    if (!f || f->type == REC_NULL)
        return mix(h ^ 0x5851F42D4C957F2Dull, 0x2545F4914F6CDD1Dull);   /* null != "" */
    return hash_bytes(h + 1, f->val, f->len);
}

static int grow(struct dedupe *d)
{
    size_t mask = d->mask * 2 + 1;
    uint64_t *slots = calloc(mask + 1, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i <= d->mask; i++) {
        uint64_t h = d->slots[i];
        if (!h)
            continue;
        size_t j = h & mask;
        while (slots[j])
            j = (j + 1) & mask;
        slots[j] = h;
    }
    free(d->slots);
    d->slots = slots;
    d->mask = mask;
    return 0;
}

/* Returns 1 when h was new (and is now in the set), 0 when seen, -1 full. */
static int insert(struct dedupe *d, uint64_t h)
{
    if (h == 0)
        h = 1;
    size_t i = h & d->mask;
    for (; d->slots[i]; i = (i + 1) & d->mask)
        if (d->slots[i] == h)
            return 0;
    if (d->count >= DEDUPE_MAX_KEYS)
        return -1;
    d->slots[i] = h;
    d->count++;
    if (d->count * 2 > d->mask + 1 && grow(d))
        return -1;
    return 1;
}

static int dedupe_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct dedupe *d = state;
    uint64_t h = 0x243F6A8885A308D3ull;
    if (d->key.names) {
        for (size_t i = 0; i < d->key.count; i++) {
            long k = rec_find(rec, d->key.names[i], &d->key.hints[i]);
            h = hash_field(h, k >= 0 ? &rec->fields[k] : NULL);
        }
    } else {
        for (size_t i = 0; i < rec->nfields; i++)
            h = hash_field(mix(h ^ (uintptr_t)rec->fields[i].name, 0x9E3779B97F4A7C15ull),
                           &rec->fields[i]);
    }
    int rc = insert(d, h);
    if (rc == 0) {
        d->dropped++;
        return STEP_DROP;
    }
    if (rc < 0) {
        rec_fail(d->env, ENGINE_BAD_INPUT,
                 "dedupe: more than %u distinct keys; the limit keeps memory bounded",
                 DEDUPE_MAX_KEYS);
        issue->code = "DEDUPE_LIMIT";
        snprintf(issue->message, sizeof(issue->message), "too many distinct keys");
        return STEP_FAIL;
    }
    return STEP_KEEP;
}

static int dedupe_finish(void *state, json_object *meta)
{
    struct dedupe *d = state;
    return step_count_metadata(meta, "duplicates_removed", d->dropped);
}

const struct step_ops step_dedupe_ops = {
    .type = "dedupe",
    .keeps_values = true,
    .validate = dedupe_validate,
    .init = dedupe_init,
    .columns = dedupe_columns,
    .process = dedupe_process,
    .finish = dedupe_finish,
    .free = dedupe_free,
};
