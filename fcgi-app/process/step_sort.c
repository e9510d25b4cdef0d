/* step_sort.c — sorts the records, larger than memory if need be.
 * params: {columns: [{column, order?: asc|desc, nulls?: first|last} | "name", ...],
 *          collation?: binary|locale, locale?, run_size?}
 *
 * An external merge sort, as databases and GNU sort do it:
 *  - process() copies each record into the current run (a buffer of at most
 *    run_size bytes, 64 MiB by default) as one flat "blob": a header, the
 *    sort keys parsed once, the fields' headers, the values' bytes;
 *  - a full run is sorted (a stable merge sort on small entries holding
 *    the first key, so the common one-number sort rarely looks at a blob)
 *    and spilled, appended to a temporary file beside the output (the
 *    job's own directory, named ".sort.<pid>.<n>.tmp");
 *  - after the input, drain() merges the runs (a binary heap of cursors,
 *    the last run straight from memory) and hands the records to the next
 *    step in order. Past SORT_FAN_IN runs, groups of them are first merged
 *    into longer runs in a second file, so that the number of open cursors
 *    (and their buffers) stays bounded.
 * Memory: the run buffer (run_size) plus at most SORT_FAN_IN cursor
 * buffers of SORT_CURSOR_MAX bytes, whatever the size of the input.
 *
 * Comparison, per key column in order: a null (or a missing column) goes
 * first or last as asked (default last, whatever the order); otherwise a
 * value that is a number compares as a number (integers beyond 2^53
 * exactly), an ISO date or date-time as an instant (UTC), anything else
 * as text: bytes (UTF-8 code point order) or, with collation "locale", by
 * strcoll_l in the named locale (default: the process's LC_COLLATE). A
 * column mixing kinds sorts numbers, then instants, then text. desc
 * reverses the comparison of values, not where nulls go. Records with
 * equal keys keep their input order (stable).
 *
 * Temporary files: removed as soon as they are merged, and by free(),
 * which the pipeline calls on every way out (end, failure, cancel). A
 * killed process leaves them in the job's directory, which the dispatcher
 * removes when it ends the job (and a retried run removes ".*.tmp" there
 * before it starts). Name pointers are written as indexes into the step's
 * own table, so a file means nothing outside its run. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/step_util.h"
#include "process/text.h"

#define SORT_RUN_DEFAULT (64u << 20)
#define SORT_RUN_MIN (64u << 10)
#define SORT_RUN_MAX (1u << 30)
#define SORT_MAX_KEYS 64
#define SORT_FAN_IN 64
#define SORT_CURSOR_MIN (16u << 10)
#define SORT_CURSOR_MAX (256u << 10)
#define SORT_WRITE_BUF (1u << 20)
#define SORT_MAX_NAMES 65535
#define SORT_MAX_BLOB (SORT_RUN_MAX)

/* Classes of a key value; the order among non-null classes is theirs. */
enum { CLS_NULL = 0, CLS_NUM = 1, CLS_DATE = 2, CLS_TEXT = 3 };

/* A blob: struct blob_hdr, nkeys struct blob_key, nfields struct
 * blob_field, the values' bytes, padding to a multiple of 8. */
struct blob_hdr {
    uint32_t size;      /* of the whole blob */
    uint32_t nfields;   /* top bit: the record had a warning */
    int64_t line;
};
struct blob_key {
    double num;         /* CLS_NUM, CLS_DATE */
    uint32_t off;       /* CLS_NUM, CLS_TEXT: the value's bytes, from the blob start */
    uint32_t len_cls;   /* length (30 bits) | class << 30 */
};
struct blob_field {
    uint32_t len;
    uint16_t name;      /* index into sorter.names */
    uint8_t type;
    uint8_t pad;
};
#define WARNED_BIT 0x80000000u
#define KEY_LEN(k) ((k)->len_cls & 0x3FFFFFFFu)
#define KEY_CLS(k) ((k)->len_cls >> 30)

/* What the in-memory sort moves: the first key and where the blob is. */
struct entry {
    double num;
    uint32_t off;
    uint32_t cls;
};

struct sort_key {
    const char *name;   /* interned */
    size_t hint;
    bool desc, nulls_first;
};

struct run_ref {
    off_t off, len;     /* in the file */
};

/* A temporary file and the runs in it. */
struct spill {
    int fd;
    char path[1100];
    struct run_ref *runs;
    size_t nruns, cap;
    off_t size;
};

struct cursor {
    unsigned idx;           /* run order: ties go to the earlier run */
    const char *cur;        /* the current blob; NULL when done */
    /* a run in memory */
    const struct entry *ents;
    size_t i, n;
    const char *base;
    /* a run in a file */
    int fd;
    off_t pos, end;
    char *buf;
    size_t cap, lo, hi;
};

struct sorter {
    struct rec_env *env;
    struct sort_key *keys;
    size_t nkeys;
    bool locale;
    locale_t loc;
    size_t run_size;
    /* the interned names seen, and each field position's last index */
    const char **names;
    size_t nnames, names_cap;
    uint16_t *pos_hint;
    size_t pos_cap;
    /* the current run */
    char *buf;
    size_t used, cap;
    struct entry *ents, *tmp;
    size_t nents, ents_cap;
    /* spilled runs */
    struct spill files[2];
    int cur_file;           /* files[cur_file] holds the runs */
    unsigned file_seq;
    /* output */
    char *wbuf;
    size_t wused;
    /* the merge */
    bool draining;
    struct cursor *cursors;
    size_t ncursors;
    struct cursor **heap;
    size_t nheap;
    struct cursor *popped;
    bool mem_only;
    size_t mem_i;
    struct rec_field *fields;
    size_t fields_cap;
    /* locale comparison scratch */
    char *ca, *cb;
    size_t ca_cap, cb_cap;
    /* counters */
    long long runs, spilled_bytes;
};

static const char *const order_names[] = {"asc", "desc", NULL};
static const char *const nulls_names[] = {"last", "first", NULL};
static const char *const collation_names[] = {"binary", "locale", NULL};

/* ---------------------------------------------------------------- params */

static int sort_validate(json_object *params, char *field, size_t field_len, char *msg,
                         size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    json_object *list = param_get(params, "columns");
    if (!list)
        return step_err_set(&e, "columns", "is required");
    if (!json_object_is_type(list, json_type_array))
        return step_err_set(&e, "columns", "must be an array of {column, order?, nulls?}");
    size_t n = json_object_array_length(list);
    if (n == 0)
        return step_err_set(&e, "columns", "must name at least one column");
    if (n > SORT_MAX_KEYS)
        return step_err_set(&e, "columns", "must name at most %d columns", SORT_MAX_KEYS);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(list, i);
        char sub[64], inner[64] = "";
        snprintf(sub, sizeof(sub), "columns[%zu]", i);
        const char *name = NULL;
        if (json_object_is_type(c, json_type_string)) {
            name = json_object_get_string(c);
            if (!name[0])
                return step_err_set(&e, sub, "must not be empty");
        } else if (json_object_is_type(c, json_type_object)) {
            struct step_err ie = {inner, sizeof(inner), msg, msg_len};
            int idx = 0;
            if (param_string(c, "column", true, &name, &ie) ||
                param_enum(c, "order", order_names, false, &idx, &ie) ||
                param_enum(c, "nulls", nulls_names, false, &idx, &ie)) {
                snprintf(field, field_len, "%s.%s", sub, inner);
                return -1;
            }
        } else {
            return step_err_set(&e, sub, "must be an object {column, order?, nulls?}");
        }
        if (strlen(name) > 4096)
            return step_err_set(&e, sub, "the column name must be at most 4096 bytes");
    }
    int coll = 0;
    if (param_enum(params, "collation", collation_names, false, &coll, &e))
        return -1;
    const char *locale_name = NULL;
    if (param_string(params, "locale", false, &locale_name, &e))
        return -1;
    if (locale_name) {
        if (coll != 1)
            return step_err_set(&e, "locale", "is only for collation \"locale\"");
        locale_t loc = newlocale(LC_COLLATE_MASK, locale_name, (locale_t)0);
        if (loc == (locale_t)0)
            return step_err_set(&e, "locale", "\"%.100s\" is not a locale installed here",
                                locale_name);
        freelocale(loc);
    }
    json_object *rs = param_get(params, "run_size");
    if (rs) {
        int64_t v = json_object_is_type(rs, json_type_int) ? json_object_get_int64(rs) : -1;
        if (v < SORT_RUN_MIN || v > SORT_RUN_MAX)
            return step_err_set(&e, "run_size", "must be an integer number of bytes from %u to %u",
                                SORT_RUN_MIN, SORT_RUN_MAX);
    }
    return 0;
}

/* ---------------------------------------------------------------- files */

static void spill_close(struct spill *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        unlink(f->path);
    }
    f->fd = -1;
    free(f->runs);
    f->runs = NULL;
    f->nruns = f->cap = 0;
    f->size = 0;
}

static int spill_open(struct sorter *s, struct spill *f)
{
    static unsigned counter;
    snprintf(f->path, sizeof(f->path), "%s/.sort.%ld.%u.tmp", rec_env_tmpdir(s->env),
             (long)getpid(), counter++);
    f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0)
        return rec_fail(s->env, ENGINE_IO_ERROR, "sort: cannot create a temporary file: %s",
                        strerror(errno));
    return ENGINE_OK;
}

static int write_all(struct sorter *s, struct spill *f, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = pwrite(f->fd, p, len, f->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return rec_fail(s->env, ENGINE_IO_ERROR, "sort: cannot write a temporary file: %s",
                            n < 0 ? strerror(errno) : "no space");
        p += n;
        len -= (size_t)n;
        f->size += n;
        s->spilled_bytes += n;
    }
    return ENGINE_OK;
}

static int wflush(struct sorter *s, struct spill *f)
{
    int rc = write_all(s, f, s->wbuf, s->wused);
    s->wused = 0;
    return rc;
}

static int wput(struct sorter *s, struct spill *f, const char *blob)
{
    struct blob_hdr h;
    memcpy(&h, blob, sizeof(h));
    if (s->wused + h.size > SORT_WRITE_BUF) {
        int rc = wflush(s, f);
        if (rc != ENGINE_OK)
            return rc;
        if (h.size > SORT_WRITE_BUF)
            return write_all(s, f, blob, h.size);
    }
    memcpy(s->wbuf + s->wused, blob, h.size);
    s->wused += h.size;
    return ENGINE_OK;
}

static int run_begin(struct sorter *s, struct spill *f)
{
    if (f->nruns == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct run_ref *r = realloc(f->runs, cap * sizeof(*r));
        if (!r)
            return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
        f->runs = r;
        f->cap = cap;
    }
    f->runs[f->nruns].off = f->size;
    f->runs[f->nruns].len = 0;
    f->nruns++;
    return ENGINE_OK;
}

static int run_end(struct sorter *s, struct spill *f)
{
    int rc = wflush(s, f);
    f->runs[f->nruns - 1].len = f->size - f->runs[f->nruns - 1].off;
    return rc;
}

/* ---------------------------------------------------------------- comparison */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

static const char *cstr(char **buf, size_t *cap, const char *p, size_t len)
{
    if (len + 1 > *cap) {
        size_t n = *cap ? *cap : 256;
        while (n < len + 1)
            n *= 2;
        char *b = realloc(*buf, n);
        if (!b)
            return NULL;
        *buf = b;
        *cap = n;
    }
    memcpy(*buf, p, len);
    (*buf)[len] = '\0';
    return *buf;
}

static int text_cmp(struct sorter *s, const char *a, size_t alen, const char *b, size_t blen)
{
    if (s->locale) {
        const char *x = cstr(&s->ca, &s->ca_cap, a, alen);
        const char *y = cstr(&s->cb, &s->cb_cap, b, blen);
        if (x && y) {
            int c = strcoll_l(x, y, s->loc);
            if (c != 0)
                return c < 0 ? -1 : 1;
        }
    }
    return bytes_cmp(a, alen, b, blen);
}

/* Two numbers equal as doubles: exactly, when both are integers. */
static int exact_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int64_t x, y;
    if (text_parse_int64(a, alen, &x) && text_parse_int64(b, blen, &y))
        return (x > y) - (x < y);
    return 0;
}

static int key_cmp(struct sorter *s, const struct sort_key *sk, const char *a,
                   const struct blob_key *ka, const char *b, const struct blob_key *kb)
{
    unsigned ca = KEY_CLS(ka), cb = KEY_CLS(kb);
    if (ca == CLS_NULL || cb == CLS_NULL) {
        if (ca == cb)
            return 0;
        int c = ca == CLS_NULL ? 1 : -1;
        return sk->nulls_first ? -c : c;
    }
    int c;
    if (ca != cb) {
        c = ca < cb ? -1 : 1;
    } else if (ca == CLS_TEXT) {
        c = text_cmp(s, a + ka->off, KEY_LEN(ka), b + kb->off, KEY_LEN(kb));
    } else {
        c = (ka->num > kb->num) - (ka->num < kb->num);
        if (c == 0 && ca == CLS_NUM && fabs(ka->num) >= 9007199254740992.0)
            c = exact_cmp(a + ka->off, KEY_LEN(ka), b + kb->off, KEY_LEN(kb));
    }
    return sk->desc ? -c : c;
}

static int blob_cmp(struct sorter *s, const char *a, const char *b)
{
    const struct blob_key *ka = (const struct blob_key *)(a + sizeof(struct blob_hdr));
    const struct blob_key *kb = (const struct blob_key *)(b + sizeof(struct blob_hdr));
    for (size_t i = 0; i < s->nkeys; i++) {
        int c = key_cmp(s, &s->keys[i], a, &ka[i], b, &kb[i]);
        if (c)
            return c;
    }
    return 0;
}

static inline int entry_cmp(struct sorter *s, const struct entry *a, const struct entry *b)
{
    if (a->cls == b->cls && (a->cls == CLS_NUM || a->cls == CLS_DATE)) {
        if (a->num != b->num) {
            int c = a->num < b->num ? -1 : 1;
            return s->keys[0].desc ? -c : c;
        }
        /* equal, and nothing else to look at: spare the blobs (cache misses) */
        if (s->nkeys == 1 && (a->cls == CLS_DATE || fabs(a->num) < 9007199254740992.0))
            return 0;
    }
    return blob_cmp(s, s->buf + a->off, s->buf + b->off);
}

/* A stable merge sort of e[0..n) using tmp[0..n). */
static void msort(struct sorter *s, struct entry *e, struct entry *tmp, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            struct entry x = e[i];
            size_t j = i;
            while (j > 0 && entry_cmp(s, &e[j - 1], &x) > 0) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    msort(s, e, tmp, h);
    msort(s, e + h, tmp + h, n - h);
    if (entry_cmp(s, &e[h - 1], &e[h]) <= 0)
        return;   /* already in order (sorted input) */
    memcpy(tmp, e, n * sizeof(*e));
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        e[k++] = entry_cmp(s, &tmp[j], &tmp[i]) < 0 ? tmp[j++] : tmp[i++];
    while (i < h)
        e[k++] = tmp[i++];
    while (j < n)
        e[k++] = tmp[j++];
}

/* ---------------------------------------------------------------- runs */

static size_t entry_bytes(void)
{
    return 2 * sizeof(struct entry);   /* the entry and its merge scratch */
}

static int name_index(struct sorter *s, size_t pos, const char *name, uint16_t *out)
{
    if (pos >= s->pos_cap) {
        size_t cap = s->pos_cap ? s->pos_cap * 2 : 64;
        while (cap <= pos)
            cap *= 2;
        uint16_t *p = realloc(s->pos_hint, cap * sizeof(*p));
        if (!p)
            return -1;
        memset(p + s->pos_cap, 0, (cap - s->pos_cap) * sizeof(*p));
        s->pos_hint = p;
        s->pos_cap = cap;
    }
    uint16_t h = s->pos_hint[pos];
    if (h < s->nnames && s->names[h] == name) {
        *out = h;
        return 0;
    }
    for (size_t i = 0; i < s->nnames; i++) {
        if (s->names[i] == name) {
            *out = s->pos_hint[pos] = (uint16_t)i;
            return 0;
        }
    }
    if (s->nnames >= SORT_MAX_NAMES)
        return -2;
    if (s->nnames == s->names_cap) {
        size_t cap = s->names_cap ? s->names_cap * 2 : 64;
        const char **p = realloc(s->names, cap * sizeof(*p));
        if (!p)
            return -1;
        s->names = p;
        s->names_cap = cap;
    }
    s->names[s->nnames] = name;
    *out = s->pos_hint[pos] = (uint16_t)s->nnames++;
    return 0;
}

/* The class and number of one value. */
static unsigned classify(const struct rec_field *f, double *num)
{
    if (!f || f->type == REC_NULL)
        return CLS_NULL;
    if (f->type == REC_BOOLEAN || f->type == REC_JSON)
        return CLS_TEXT;
    if (f->len == 0)
        return CLS_TEXT;
    if (text_parse_double(f->val, f->len, num))
        return CLS_NUM;
    bool has_time;
    if (text_parse_iso(f->val, f->len, num, &has_time))
        return CLS_DATE;
    return CLS_TEXT;
}

static int sort_run(struct sorter *s)
{
    if (s->nents > 1)
        msort(s, s->ents, s->tmp, s->nents);
    return ENGINE_OK;
}

/* Sorts the current run and appends it to the file. */
static int spill_run(struct sorter *s)
{
    struct spill *f = &s->files[s->cur_file];
    int rc;
    if (f->fd < 0 && (rc = spill_open(s, f)) != ENGINE_OK)
        return rc;
    if (!s->wbuf && !(s->wbuf = malloc(SORT_WRITE_BUF)))
        return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    sort_run(s);
    if ((rc = run_begin(s, f)) != ENGINE_OK)
        return rc;
    for (size_t i = 0; i < s->nents; i++) {
        if (i % 4096 == 0 && rec_env_cancelled(s->env))
            return rec_fail(s->env, ENGINE_CANCELLED, "cancelled");
        if (i + 8 < s->nents)   /* the blobs are read in sorted, i.e. random, order */
            __builtin_prefetch(s->buf + s->ents[i + 8].off);
        if ((rc = wput(s, f, s->buf + s->ents[i].off)) != ENGINE_OK)
            return rc;
    }
    if ((rc = run_end(s, f)) != ENGINE_OK)
        return rc;
    s->runs++;
    s->used = 0;
    s->nents = 0;
    return ENGINE_OK;
}

static int reserve(struct sorter *s, size_t size)
{
    if (s->used + size > s->cap) {
        size_t cap = s->cap ? s->cap : (1u << 20);
        while (cap < s->used + size)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return -1;
        s->buf = b;
        s->cap = cap;
    }
    if (s->nents == s->ents_cap) {
        size_t cap = s->ents_cap ? s->ents_cap * 2 : 4096;
        struct entry *e = realloc(s->ents, cap * sizeof(*e));
        if (!e)
            return -1;
        s->ents = e;
        struct entry *t = realloc(s->tmp, cap * sizeof(*t));
        if (!t)
            return -1;
        s->tmp = t;
        s->ents_cap = cap;
    }
    return 0;
}

static int sort_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct sorter *s = state;
    size_t size = sizeof(struct blob_hdr) + s->nkeys * sizeof(struct blob_key) +
                  rec->nfields * sizeof(struct blob_field);
    for (size_t i = 0; i < rec->nfields; i++)
        size += rec->fields[i].len;
    size = (size + 7) & ~(size_t)7;
    if (size >= SORT_MAX_BLOB || rec->nfields >= WARNED_BIT) {
        rec_fail(s->env, ENGINE_BAD_INPUT, "sort: a record of %zu bytes is larger than the "
                 "largest run (%u bytes)", size, SORT_RUN_MAX);
        issue->code = "SORT_RECORD_TOO_LARGE";
        snprintf(issue->message, sizeof(issue->message), "the record is too large to sort");
        return STEP_FAIL;
    }
    if (s->nents > 0 && s->used + size + (s->nents + 1) * entry_bytes() > s->run_size) {
        if (spill_run(s) != ENGINE_OK)
            goto failed;
    }
    if (reserve(s, size)) {
        rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
        goto failed;
    }
    char *blob = s->buf + s->used;
    struct blob_hdr h = {(uint32_t)size, (uint32_t)rec->nfields | (rec->warned ? WARNED_BIT : 0),
                         rec->line};
    memcpy(blob, &h, sizeof(h));
    struct blob_key *keys = (struct blob_key *)(blob + sizeof(h));
    struct blob_field *fh = (struct blob_field *)(keys + s->nkeys);
    char *val = (char *)(fh + rec->nfields);
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct rec_field *f = &rec->fields[i];
        uint16_t idx;
        int rc = name_index(s, i, f->name, &idx);
        if (rc) {
            if (rc == -2)
                rec_fail(s->env, ENGINE_BAD_INPUT, "sort: more than %d distinct column names",
                         SORT_MAX_NAMES);
            else
                rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
            goto failed;
        }
        fh[i] = (struct blob_field){(uint32_t)f->len, idx, (uint8_t)f->type, 0};
        if (f->len)
            memcpy(val, f->val, f->len);
        val += f->len;
    }
    memset(val, 0, (size_t)(blob + size - val));
    const char *values = (const char *)(fh + rec->nfields);
    for (size_t k = 0; k < s->nkeys; k++) {
        long at = rec_find(rec, s->keys[k].name, &s->keys[k].hint);
        const struct rec_field *f = at >= 0 ? &rec->fields[at] : NULL;
        double num = 0;
        unsigned cls = classify(f, &num);
        uint32_t off = 0;
        if (f && cls != CLS_NULL) {
            off = (uint32_t)(values - blob);
            for (long j = 0; j < at; j++)
                off += (uint32_t)rec->fields[j].len;
        }
        keys[k] = (struct blob_key){num, off,
                                    (uint32_t)(f ? f->len : 0) | ((uint32_t)cls << 30)};
    }
    s->ents[s->nents++] = (struct entry){keys[0].num, (uint32_t)s->used, KEY_CLS(&keys[0])};
    s->used += size;
    return STEP_HOLD;
failed:
    issue->code = "SORT_FAILED";
    snprintf(issue->message, sizeof(issue->message), "%s", rec_env_error(s->env));
    return STEP_FAIL;
}

/* ---------------------------------------------------------------- merge */

static void cursor_free(struct cursor *c)
{
    free(c->buf);
    c->buf = NULL;
}

/* Makes the blob at c->lo whole in the buffer; sets c->cur (NULL at the end). */
static int cursor_fill(struct sorter *s, struct cursor *c)
{
    for (;;) {
        size_t have = c->hi - c->lo;
        if (have >= sizeof(struct blob_hdr)) {
            struct blob_hdr h;
            memcpy(&h, c->buf + c->lo, sizeof(h));
            if (h.size < sizeof(h) || h.size > SORT_MAX_BLOB)
                return rec_fail(s->env, ENGINE_IO_ERROR, "sort: a temporary file is damaged");
            if (have >= h.size) {
                c->cur = c->buf + c->lo;
                return ENGINE_OK;
            }
            if (h.size > c->cap) {
                char *b = malloc(h.size);
                if (!b)
                    return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
                memcpy(b, c->buf + c->lo, have);
                free(c->buf);
                c->buf = b;
                c->cap = h.size;
                c->lo = 0;
                c->hi = have;
            }
        }
        if (c->pos >= c->end) {
            if (have)
                return rec_fail(s->env, ENGINE_IO_ERROR, "sort: a temporary file is damaged");
            c->cur = NULL;
            return ENGINE_OK;
        }
        if (c->lo > 0) {
            memmove(c->buf, c->buf + c->lo, have);
            c->lo = 0;
            c->hi = have;
        }
        size_t want = c->cap - c->hi;
        if ((off_t)want > c->end - c->pos)
            want = (size_t)(c->end - c->pos);
        ssize_t n = pread(c->fd, c->buf + c->hi, want, c->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return rec_fail(s->env, ENGINE_IO_ERROR, "sort: cannot read a temporary file: %s",
                            n < 0 ? strerror(errno) : "short file");
        c->hi += (size_t)n;
        c->pos += n;
    }
}

static int cursor_next(struct sorter *s, struct cursor *c)
{
    if (c->ents) {
        c->i++;
        c->cur = c->i < c->n ? c->base + c->ents[c->i].off : NULL;
        return ENGINE_OK;
    }
    struct blob_hdr h;
    memcpy(&h, c->cur, sizeof(h));
    c->lo += h.size;
    return cursor_fill(s, c);
}

static bool cursor_less(struct sorter *s, const struct cursor *a, const struct cursor *b)
{
    int c = blob_cmp(s, a->cur, b->cur);
    return c < 0 || (c == 0 && a->idx < b->idx);
}

static void sift_down(struct sorter *s, size_t i)
{
    struct cursor **h = s->heap;
    size_t n = s->nheap;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cursor_less(s, h[l], h[m]))
            m = l;
        if (l + 1 < n && cursor_less(s, h[l + 1], h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct cursor *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void merge_end(struct sorter *s)
{
    for (size_t i = 0; i < s->ncursors; i++)
        cursor_free(&s->cursors[i]);
    free(s->cursors);
    free(s->heap);
    s->cursors = NULL;
    s->heap = NULL;
    s->ncursors = s->nheap = 0;
    s->popped = NULL;
}

/* Opens cursors on runs [first, first + n) of f, plus the run in memory
 * when with_mem, and builds the heap. */
static int merge_begin(struct sorter *s, struct spill *f, size_t first, size_t n, bool with_mem)
{
    size_t total = n + (with_mem ? 1 : 0);
    s->cursors = calloc(total ? total : 1, sizeof(*s->cursors));
    s->heap = calloc(total ? total : 1, sizeof(*s->heap));
    if (!s->cursors || !s->heap)
        return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    s->ncursors = total;
    size_t cap = s->run_size / SORT_FAN_IN;
    cap = cap < SORT_CURSOR_MIN ? SORT_CURSOR_MIN : cap > SORT_CURSOR_MAX ? SORT_CURSOR_MAX : cap;
    for (size_t i = 0; i < n; i++) {
        struct cursor *c = &s->cursors[i];
        c->idx = (unsigned)i;
        c->fd = f->fd;
        c->pos = f->runs[first + i].off;
        c->end = c->pos + f->runs[first + i].len;
        c->cap = cap;
        if (!(c->buf = malloc(cap)))
            return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
        int rc = cursor_fill(s, c);
        if (rc != ENGINE_OK)
            return rc;
    }
    if (with_mem) {
        struct cursor *c = &s->cursors[n];
        c->idx = (unsigned)n;
        c->ents = s->ents;
        c->n = s->nents;
        c->base = s->buf;
        c->fd = -1;
        c->cur = c->n ? s->buf + s->ents[0].off : NULL;
    }
    for (size_t i = 0; i < total; i++)
        if (s->cursors[i].cur)
            s->heap[s->nheap++] = &s->cursors[i];
    for (size_t i = s->nheap; i-- > 0;)
        sift_down(s, i);
    return ENGINE_OK;
}

/* The next blob of the merge, or NULL at the end. */
static int merge_next(struct sorter *s, const char **out)
{
    if (s->popped) {
        struct cursor *c = s->popped;
        s->popped = NULL;
        int rc = cursor_next(s, c);
        if (rc != ENGINE_OK)
            return rc;
        if (c->cur) {
            sift_down(s, 0);
        } else {
            s->heap[0] = s->heap[--s->nheap];
            sift_down(s, 0);
        }
    }
    if (s->nheap == 0) {
        *out = NULL;
        return ENGINE_OK;
    }
    s->popped = s->heap[0];
    *out = s->popped->cur;
    return ENGINE_OK;
}

/* Merges groups of SORT_FAN_IN runs into the other file until at most
 * SORT_FAN_IN are left. */
static int merge_passes(struct sorter *s)
{
    while (s->files[s->cur_file].nruns > SORT_FAN_IN) {
        struct spill *from = &s->files[s->cur_file], *to = &s->files[1 - s->cur_file];
        int rc = spill_open(s, to);
        if (rc != ENGINE_OK)
            return rc;
        for (size_t first = 0; first < from->nruns; first += SORT_FAN_IN) {
            size_t n = from->nruns - first < SORT_FAN_IN ? from->nruns - first : SORT_FAN_IN;
            if ((rc = merge_begin(s, from, first, n, false)) != ENGINE_OK ||
                (rc = run_begin(s, to)) != ENGINE_OK)
                return rc;
            const char *blob;
            for (size_t k = 0;; k++) {
                if (k % 4096 == 0 && rec_env_cancelled(s->env))
                    return rec_fail(s->env, ENGINE_CANCELLED, "cancelled");
                if ((rc = merge_next(s, &blob)) != ENGINE_OK)
                    return rc;
                if (!blob)
                    break;
                if ((rc = wput(s, to, blob)) != ENGINE_OK)
                    return rc;
            }
            if ((rc = run_end(s, to)) != ENGINE_OK)
                return rc;
            merge_end(s);
        }
        spill_close(from);
        s->cur_file = 1 - s->cur_file;
    }
    return ENGINE_OK;
}

static int drain_begin(struct sorter *s)
{
    s->draining = true;
    struct spill *f = &s->files[s->cur_file];
    if (f->nruns == 0) {
        s->mem_only = true;
        s->runs += s->nents > 0;
        return sort_run(s);
    }
    int rc;
    if (f->nruns + 1 > SORT_FAN_IN) {
        /* every run to disk, then fewer, longer runs */
        if (s->nents > 0 && (rc = spill_run(s)) != ENGINE_OK)
            return rc;
        free(s->buf);
        free(s->ents);
        free(s->tmp);
        s->buf = NULL;
        s->ents = s->tmp = NULL;
        s->cap = s->used = s->nents = s->ents_cap = 0;
        if ((rc = merge_passes(s)) != ENGINE_OK)
            return rc;
        f = &s->files[s->cur_file];
    } else if (s->nents > 0) {
        sort_run(s);
        s->runs++;
    }
    free(s->wbuf);
    s->wbuf = NULL;
    return merge_begin(s, f, 0, f->nruns, s->nents > 0);
}

static int sort_drain(void *state, struct record *rec)
{
    struct sorter *s = state;
    if (!s->draining && drain_begin(s) != ENGINE_OK)
        return -1;
    const char *blob;
    if (s->mem_only) {
        if (s->mem_i + 8 < s->nents)
            __builtin_prefetch(s->buf + s->ents[s->mem_i + 8].off);
        blob = s->mem_i < s->nents ? s->buf + s->ents[s->mem_i++].off : NULL;
    } else if (merge_next(s, &blob) != ENGINE_OK) {
        return -1;
    }
    if (!blob)
        return 0;
    struct blob_hdr h;
    memcpy(&h, blob, sizeof(h));
    size_t nfields = h.nfields & ~WARNED_BIT;
    if (nfields > s->fields_cap) {
        size_t cap = s->fields_cap ? s->fields_cap : 16;
        while (cap < nfields)
            cap *= 2;
        struct rec_field *p = realloc(s->fields, cap * sizeof(*p));
        if (!p) {
            rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
            return -1;
        }
        s->fields = p;
        s->fields_cap = cap;
    }
    const struct blob_field *fh =
        (const struct blob_field *)(blob + sizeof(h) + s->nkeys * sizeof(struct blob_key));
    const char *val = (const char *)(fh + nfields);
    for (size_t i = 0; i < nfields; i++) {
        s->fields[i] = (struct rec_field){.name = s->names[fh[i].name], .val = val,
                                          .len = fh[i].len, .type = (enum rec_type)fh[i].type};
        val += fh[i].len;
    }
    rec->fields = s->fields;
    rec->nfields = nfields;
    rec->line = h.line;
    rec->warned = (h.nfields & WARNED_BIT) != 0;
    return 1;
}

/* ---------------------------------------------------------------- the step */

static void sort_free(void *state)
{
    struct sorter *s = state;
    if (!s)
        return;
    merge_end(s);
    spill_close(&s->files[0]);
    spill_close(&s->files[1]);
    if (s->loc != (locale_t)0)
        freelocale(s->loc);
    free(s->keys);
    free(s->names);
    free(s->pos_hint);
    free(s->buf);
    free(s->ents);
    free(s->tmp);
    free(s->wbuf);
    free(s->fields);
    free(s->ca);
    free(s->cb);
    free(s);
}

static int sort_init(void **state, json_object *params, struct rec_env *env)
{
    struct sorter *s = calloc(1, sizeof(*s));
    if (!s)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    s->env = env;
    s->files[0].fd = s->files[1].fd = -1;
    s->run_size = SORT_RUN_DEFAULT;
    json_object *v = param_get(params, "run_size");
    if (v)
        s->run_size = (size_t)json_object_get_int64(v);
    json_object *list = param_get(params, "columns");
    s->nkeys = json_object_array_length(list);
    s->keys = calloc(s->nkeys, sizeof(*s->keys));
    if (!s->keys)
        goto oom;
    for (size_t i = 0; i < s->nkeys; i++) {
        json_object *c = json_object_array_get_idx(list, i), *x;
        const char *name = json_object_is_type(c, json_type_string)
                               ? json_object_get_string(c)
                               : (json_object_object_get_ex(c, "column", &x)
                                      ? json_object_get_string(x)
                                      : "");
        if (!(s->keys[i].name = rec_intern(env, name, strlen(name))))
            goto oom;
        if (json_object_is_type(c, json_type_object)) {
            s->keys[i].desc = (x = param_get(c, "order")) && strcmp(json_object_get_string(x),
                                                                    "desc") == 0;
            s->keys[i].nulls_first = (x = param_get(c, "nulls")) &&
                                     strcmp(json_object_get_string(x), "first") == 0;
        }
    }
    v = param_get(params, "collation");
    if (v && strcmp(json_object_get_string(v), "locale") == 0) {
        json_object *l = param_get(params, "locale");
        const char *name = l ? json_object_get_string(l) : "";
        s->locale = true;
        s->loc = newlocale(LC_COLLATE_MASK, name, (locale_t)0);
        if (s->loc == (locale_t)0) {
            sort_free(s);
            return rec_fail(env, ENGINE_BAD_CONFIG, "sort: the locale \"%.100s\" is not installed",
                            name[0] ? name : "of the environment");
        }
    }
    *state = s;
    return ENGINE_OK;
oom:
    sort_free(s);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int sort_columns(void *state, struct rec_columns *cols)
{
    struct sorter *s = state;
    for (size_t i = 0; i < s->nkeys; i++) {
        int rc = step_need_column(s->env, cols, s->keys[i].name, "sort");
        if (rc != ENGINE_OK)
            return rc;
    }
    return ENGINE_OK;
}

static int sort_finish(void *state, json_object *meta)
{
    struct sorter *s = state;
    if (step_count_metadata(meta, "sort_runs", s->runs))
        return -1;
    return step_count_metadata(meta, "sort_spilled_bytes", s->spilled_bytes);
}

const struct step_ops step_sort_ops = {
    .type = "sort",
    .keeps_values = true,
    .validate = sort_validate,
    .init = sort_init,
    .columns = sort_columns,
    .process = sort_process,
    .drain = sort_drain,
    .finish = sort_finish,
    .free = sort_free,
};
