/* write_csv.c — CSV out: comma-separated, "\n" line ends, a header row,
 * fields quoted (RFC 4180, doubled quotes) only where needed. A null is an
 * empty field; an empty string is "" so the two survive a round trip.
 *
 * The columns are the ones known up front (the input header after select,
 * drop, rename) or, when the reader could not say, the first record's. A
 * later record is matched to them by name: a missing column is written
 * empty, an extra one is left out. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "process/outbuf.h"
#include "process/record.h"
#include "process/scan.h"

struct csv_writer {
    struct outbuf ob;
    struct rec_env *env;
    const char **cols;
    size_t *hints;
    size_t ncols;
    bool header_done;
};

static void put_field(struct outbuf *ob, const char *p, size_t len, bool is_null)
{
    if (is_null)
        return;
    const char *e = p + len;
    const char *special = scan_find4(p, e, ',', '"', '\n', '\r');   /* these force quoting */
    if (special == e && len > 0) {
        outbuf_put(ob, p, len);
        return;
    }
    outbuf_putc(ob, '"');
    const char *run = p;
    for (const char *q = special; q < e; q++) {
        if (*q == '"') {
            outbuf_put(ob, run, (size_t)(q - run + 1));   /* the quote, then its double */
            run = q;
        }
    }
    outbuf_put(ob, run, (size_t)(e - run));
    outbuf_putc(ob, '"');
}

static int set_columns(struct csv_writer *w, const char *const *names, size_t n)
{
    w->cols = malloc((n ? n : 1) * sizeof(*w->cols));
    w->hints = calloc(n ? n : 1, sizeof(*w->hints));
    if (!w->cols || !w->hints)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        w->cols[i] = names[i];
        w->hints[i] = i;
    }
    w->ncols = n;
    return ENGINE_OK;
}

static void write_header(struct csv_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        if (i > 0)
            outbuf_putc(&w->ob, ',');
        put_field(&w->ob, w->cols[i], strlen(w->cols[i]), false);
    }
    outbuf_putc(&w->ob, '\n');
    w->header_done = true;
}

static int csvw_open(void **state, const struct writer_args *args)
{
    struct csv_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    w->env = args->env;
    int err = outbuf_open(&w->ob, args->path);
    if (err) {
        free(w);
        return rec_fail(args->env, ENGINE_IO_ERROR, "cannot create the output: %s",
                        strerror(err));
    }
    if (args->columns && args->columns->count > 0) {
        if (set_columns(w, args->columns->names, args->columns->count) != ENGINE_OK) {
            outbuf_close(&w->ob);
            free(w->cols);
            free(w->hints);
            free(w);
            return ENGINE_NO_MEMORY;
        }
        write_header(w);
    }
    *state = w;
    return ENGINE_OK;
}

static int csvw_write(void *state, const struct record *rec)
{
    struct csv_writer *w = state;
    if (!w->header_done) {
        const char **names = malloc((rec->nfields ? rec->nfields : 1) * sizeof(*names));
        if (!names)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < rec->nfields; i++)
            names[i] = rec->fields[i].name;
        int rc = set_columns(w, names, rec->nfields);
        free(names);
        if (rc != ENGINE_OK)
            return rc;
        write_header(w);
    }
    for (size_t i = 0; i < w->ncols; i++) {
        if (i > 0)
            outbuf_putc(&w->ob, ',');
        const struct rec_field *f;
        if (i < rec->nfields && rec->fields[i].name == w->cols[i]) {
            f = &rec->fields[i];
        } else {
            long k = rec_find(rec, w->cols[i], &w->hints[i]);
            if (k < 0)
                continue;
            f = &rec->fields[k];
        }
        put_field(&w->ob, f->val, f->len, f->type == REC_NULL);
    }
    outbuf_putc(&w->ob, '\n');
    if (w->ob.error)
        return rec_fail(w->env, ENGINE_IO_ERROR, "writing the output failed: %s",
                        strerror(w->ob.error));
    return ENGINE_OK;
}

static int csvw_close(void *state)
{
    struct csv_writer *w = state;
    int err = outbuf_close(&w->ob);
    int rc = err ? rec_fail(w->env, ENGINE_IO_ERROR, "writing the output failed: %s",
                            strerror(err))
                 : ENGINE_OK;
    free(w->cols);
    free(w->hints);
    free(w);
    return rc;
}

const struct writer_ops writer_csv_ops = {
    .format = "csv",
    .extension = "csv",
    .open = csvw_open,
    .write = csvw_write,
    .close = csvw_close,
};
