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
    struct rec_names cols;
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

static void write_header(struct csv_writer *w)
{
    for (size_t i = 0; i < w->cols.count; i++) {
        if (i > 0)
            outbuf_putc(&w->ob, ',');
        put_field(&w->ob, w->cols.names[i], strlen(w->cols.names[i]), false);
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
    int rc = outbuf_create(&w->ob, args->path, w->env);
    if (rc != ENGINE_OK) {
        free(w);
        return rc;
    }
    if (args->columns && args->columns->count > 0) {
        rc = rec_names_copy(&w->cols, w->env, args->columns->names, args->columns->count);
        if (rc != ENGINE_OK) {
            outbuf_close(&w->ob);
            rec_names_free(&w->cols);
            free(w);
            return rc;
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
        int rc = rec_names_of_record(&w->cols, w->env, rec);
        if (rc != ENGINE_OK)
            return rc;
        write_header(w);
    }
    for (size_t i = 0; i < w->cols.count; i++) {
        if (i > 0)
            outbuf_putc(&w->ob, ',');
        const struct rec_field *f = rec_names_field(&w->cols, rec, i);
        if (f)
            put_field(&w->ob, f->val, f->len, f->type == REC_NULL);
    }
    outbuf_putc(&w->ob, '\n');
    return outbuf_status(&w->ob, w->env);
}

static int csvw_close(void *state)
{
    struct csv_writer *w = state;
    int rc = outbuf_finish(&w->ob, w->env);
    rec_names_free(&w->cols);
    free(w);
    return rc;
}

const struct writer_ops writer_csv_ops = {
    .extension = "csv",
    .open = csvw_open,
    .write = csvw_write,
    .close = csvw_close,
};
