/* record.c — the run environment shared by readers, steps and writers:
 * the column-name intern table, line-error reporting, the failure reason,
 * byte progress, and the per-record scratch arena. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/record.h"

/* Line errors forwarded to the caller; the rest are only counted, so a file
 * with a million bad rows cannot flood the database. */
#define REC_REPORT_CAP 10000
/* Distinct column names per run: bounds memory for JSON inputs whose keys
 * change on every record. */
#define REC_NAMES_CAP 100000

struct rec_env {
    const struct engine_callbacks *cb;
    char **slots;          /* open addressing table of interned names */
    uint32_t *hashes;
    size_t nslots, nnames;
    long long reported, suppressed;
    long long bytes_read, bytes_total;
    int status;
    char error[512];
    char *tmpdir;          /* the run's temporary files (rec_env_tmpdir) */
};

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    max_align_t data[];
};

struct rec_arena {
    struct arena_chunk *head;   /* the chunk being filled; older chunks follow */
};

#define ARENA_CHUNK (64 * 1024)
/* Chunks kept across records; more than that is returned to the system. */
#define ARENA_KEEP (4 * 1024 * 1024)

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a: names are short */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Ownership: the returned env belongs to the caller (rec_env_free). cb is
 * borrowed and must outlive the env. */
struct rec_env *rec_env_new(const struct engine_callbacks *cb)
{
    struct rec_env *env = calloc(1, sizeof(*env));
    if (!env)
        return NULL;
    env->cb = cb;
    env->nslots = 64;
    env->slots = calloc(env->nslots, sizeof(*env->slots));
    env->hashes = calloc(env->nslots, sizeof(*env->hashes));
    if (!env->slots || !env->hashes) {
        rec_env_free(env);
        return NULL;
    }
    return env;
}

void rec_env_free(struct rec_env *env)
{
    if (!env)
        return;
    if (env->slots)
        for (size_t i = 0; i < env->nslots; i++)
            free(env->slots[i]);
    free(env->slots);
    free(env->hashes);
    free(env->tmpdir);
    free(env);
}

bool rec_env_cancelled(const struct rec_env *env)
{
    return env->cb && env->cb->cancel && *env->cb->cancel;
}

const char *rec_env_tmpdir(const struct rec_env *env)
{
    return env->tmpdir ? env->tmpdir : ".";
}

int rec_env_set_tmpdir(struct rec_env *env, const char *dir)
{
    char *copy = strdup(dir);
    if (!copy)
        return -1;
    free(env->tmpdir);
    env->tmpdir = copy;
    return 0;
}

int rec_env_status(const struct rec_env *env)
{
    return env->status;
}

const char *rec_env_error(const struct rec_env *env)
{
    return env->error;
}

long long rec_env_reported(const struct rec_env *env)
{
    return env->reported + env->suppressed;
}

void rec_env_bytes(const struct rec_env *env, long long *bytes_read, long long *bytes_total)
{
    *bytes_read = env->bytes_read;
    *bytes_total = env->bytes_total;
}

static int names_grow(struct rec_env *env)
{
    size_t n = env->nslots * 2;
    char **slots = calloc(n, sizeof(*slots));
    uint32_t *hashes = calloc(n, sizeof(*hashes));
    if (!slots || !hashes) {
        free(slots);
        free(hashes);
        return -1;
    }
    for (size_t i = 0; i < env->nslots; i++) {
        if (!env->slots[i])
            continue;
        size_t j = env->hashes[i] & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = env->slots[i];
        hashes[j] = env->hashes[i];
    }
    free(env->slots);
    free(env->hashes);
    env->slots = slots;
    env->hashes = hashes;
    env->nslots = n;
    return 0;
}

/* Ownership: the returned string belongs to env. */
const char *rec_intern(struct rec_env *env, const char *name, size_t len)
{
    uint32_t h = name_hash(name, len);
    size_t mask = env->nslots - 1;
    size_t i = h & mask;
    for (; env->slots[i]; i = (i + 1) & mask) {
        if (env->hashes[i] == h && strncmp(env->slots[i], name, len) == 0 &&
            env->slots[i][len] == '\0')
            return env->slots[i];
    }
    if (env->nnames >= REC_NAMES_CAP)
        return NULL;
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, name, len);
    copy[len] = '\0';
    env->slots[i] = copy;
    env->hashes[i] = h;
    env->nnames++;
    if (env->nnames * 2 > env->nslots && names_grow(env) != 0)
        return NULL;   /* copy stays in the table and is freed with it */
    return copy;
}

void rec_report(struct rec_env *env, long long line, const char *column, const char *severity,
                const char *code, const char *fmt, ...)
{
    if (env->reported >= REC_REPORT_CAP) {
        env->suppressed++;
        return;
    }
    env->reported++;
    if (!env->cb || !env->cb->line_error)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    env->cb->line_error(env->cb->ctx, line, column, severity, code, msg);
    if (env->reported == REC_REPORT_CAP)
        env->cb->line_error(env->cb->ctx, line, NULL, "warning", "TOO_MANY_ERRORS",
                            "further row problems are counted but not listed");
}

int rec_fail(struct rec_env *env, int status, const char *fmt, ...)
{
    if (env->status != ENGINE_OK)
        return status;
    env->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(env->error, sizeof(env->error), fmt, ap);
    va_end(ap);
    return status;
}

void rec_set_bytes(struct rec_env *env, long long bytes_read, long long bytes_total)
{
    env->bytes_read = bytes_read;
    env->bytes_total = bytes_total;
}

/* ---- arena ---- */

/* Ownership: the returned arena belongs to the caller (rec_arena_free). */
struct rec_arena *rec_arena_new(void)
{
    return calloc(1, sizeof(struct rec_arena));
}

void rec_arena_reset(struct rec_arena *arena)
{
    /* Keep the newest chunks up to ARENA_KEEP bytes, all marked empty, so
     * that the steady state allocates nothing. */
    size_t kept = 0;
    struct arena_chunk **link = &arena->head;
    while (*link) {
        struct arena_chunk *c = *link;
        if (kept + c->size > ARENA_KEEP && kept > 0) {
            *link = c->next;
            free(c);
            continue;
        }
        kept += c->size;
        c->used = 0;
        link = &c->next;
    }
}

void rec_arena_free(struct rec_arena *arena)
{
    if (!arena)
        return;
    while (arena->head) {
        struct arena_chunk *c = arena->head;
        arena->head = c->next;
        free(c);
    }
    free(arena);
}

void *rec_alloc(struct record *rec, size_t len)
{
    struct rec_arena *arena = rec->arena;
    size_t need = (len + 15) & ~(size_t)15;
    if (need < len)
        return NULL;
    /* Any chunk of the list with room will do: after a reset they are all
     * empty, and filling from the head keeps it simple. */
    for (struct arena_chunk *c = arena->head; c; c = c->next) {
        if (c->size - c->used >= need) {
            void *p = (char *)c->data + c->used;
            c->used += need;
            return p;
        }
    }
    size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
    if (size > SIZE_MAX - sizeof(struct arena_chunk))
        return NULL;
    struct arena_chunk *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = need;
    c->next = arena->head;
    arena->head = c;
    return c->data;
}

/* ---- column lists ---- */

int rec_columns_push(struct rec_columns *cols, const char *name)
{
    if (cols->count == cols->cap) {
        size_t cap = cols->cap ? cols->cap * 2 : 16;
        const char **names = realloc(cols->names, cap * sizeof(*names));
        if (!names)
            return -1;
        cols->names = names;
        cols->cap = cap;
    }
    cols->names[cols->count++] = name;
    return 0;
}

void rec_columns_free(struct rec_columns *cols)
{
    free(cols->names);
    cols->names = NULL;
    cols->count = cols->cap = 0;
}

/* Allocates room for count names, each hint at its own position. */
static int names_alloc(struct rec_names *rn, struct rec_env *env, size_t count)
{
    rn->count = 0;
    rn->names = calloc(count ? count : 1, sizeof(*rn->names));
    rn->hints = calloc(count ? count : 1, sizeof(*rn->hints));
    if (!rn->names || !rn->hints)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < count; i++)
        rn->hints[i] = i;
    rn->count = count;
    return ENGINE_OK;
}

int rec_names_copy(struct rec_names *rn, struct rec_env *env, const char *const *names,
                   size_t count)
{
    int rc = names_alloc(rn, env, count);
    for (size_t i = 0; rc == ENGINE_OK && i < count; i++)
        rn->names[i] = names[i];
    return rc;
}

int rec_names_of_record(struct rec_names *rn, struct rec_env *env, const struct record *rec)
{
    int rc = names_alloc(rn, env, rec->nfields);
    for (size_t i = 0; rc == ENGINE_OK && i < rec->nfields; i++)
        rn->names[i] = rec->fields[i].name;
    return rc;
}

int rec_names_from_json(struct rec_names *rn, struct rec_env *env, json_object *array)
{
    int rc = names_alloc(rn, env, json_object_array_length(array));
    for (size_t i = 0; rc == ENGINE_OK && i < rn->count; i++) {
        json_object *c = json_object_array_get_idx(array, i);
        rn->names[i] = rec_intern(env, json_object_get_string(c),
                                  (size_t)json_object_get_string_len(c));
        if (!rn->names[i])
            rc = rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    }
    return rc;
}

void rec_names_free(struct rec_names *rn)
{
    free(rn->names);
    free(rn->hints);
    rn->names = NULL;
    rn->hints = NULL;
    rn->count = 0;
}
