/* write_xlsx.c — XLSX out, with libxlsxwriter in constant_memory mode: each
 * row goes to a temporary file (next to the output) as soon as the next
 * row starts, and strings are written inline instead of into a shared
 * table, so memory stays flat whatever the number of rows.
 *
 * The header row is bold. Numbers are written as numbers (integers with
 * more than 15 digits stay text: Excel keeps 15 significant digits and
 * would change them), booleans as booleans, nulls as empty cells, the rest
 * as strings (cut at Excel's 32767 characters, with a warning). Columns are
 * the ones known up front or the first record's, matched by name like the
 * CSV writer. A sheet holds 1048576 rows: past that the rows go on in
 * Sheet2, Sheet3, ... each with its header. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "process/record.h"
#include "process/text.h"

#define XLSX_MAX_STRING 32767
#define XLSX_MAX_DIGITS 15

/* Rows of a sheet, its header included: Excel's limit. Not a setting: the
 * unit tests lower it to see the rollover without writing a million rows
 * (test_xlsx.c); nothing else changes it. */
unsigned long xlsx_sheet_rows = LXW_ROW_MAX;

struct xlsx_writer {
    struct rec_env *env;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    char *tmpdir;
    struct rec_names cols;
    bool header_done;
    lxw_row_t row;              /* next row of the current sheet */
    int sheets;
    char *buf;                  /* NUL-terminated copy of a value */
    size_t buf_cap;
    bool warned_columns;
};

static int lxw_fail(struct xlsx_writer *w, lxw_error err)
{
    return rec_fail(w->env, err == LXW_ERROR_MEMORY_MALLOC_FAILED ? ENGINE_NO_MEMORY
                                                                  : ENGINE_IO_ERROR,
                    "writing the .xlsx output failed: %s", lxw_strerror(err));
}

/* A NUL-terminated copy of p[0..len), cut to Excel's limit without
 * splitting a UTF-8 sequence. */
static const char *cstr(struct xlsx_writer *w, const char *p, size_t len, bool *cut)
{
    *cut = len > XLSX_MAX_STRING;
    if (*cut) {
        len = XLSX_MAX_STRING;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;
    }
    if (len + 1 > w->buf_cap) {
        size_t cap = w->buf_cap ? w->buf_cap : 256;
        while (cap < len + 1)
            cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b)
            return NULL;
        w->buf = b;
        w->buf_cap = cap;
    }
    memcpy(w->buf, p, len);
    w->buf[len] = '\0';
    /* an embedded NUL would end the string early anyway */
    return w->buf;
}

static int new_sheet(struct xlsx_writer *w)
{
    char name[32];
    snprintf(name, sizeof(name), "Sheet%d", ++w->sheets);
    w->ws = workbook_add_worksheet(w->wb, name);
    if (!w->ws)
        return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory creating a worksheet");
    w->row = 0;
    w->header_done = false;
    return ENGINE_OK;
}

static int write_header(struct xlsx_writer *w)
{
    for (size_t i = 0; i < w->cols.count && i < LXW_COL_MAX; i++) {
        bool cut;
        const char *s = cstr(w, w->cols.names[i], strlen(w->cols.names[i]), &cut);
        if (!s)
            return rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        lxw_error err = worksheet_write_string(w->ws, 0, (lxw_col_t)i, s, w->bold);
        if (err != LXW_NO_ERROR)
            return lxw_fail(w, err);
    }
    w->row = 1;
    w->header_done = true;
    return ENGINE_OK;
}

static void free_writer(struct xlsx_writer *w)
{
    free(w->tmpdir);
    rec_names_free(&w->cols);
    free(w->buf);
    free(w);
}

static int xlsxw_open(void **state, const struct writer_args *args)
{
    struct xlsx_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    w->env = args->env;
    int rc = ENGINE_NO_MEMORY;
    /* temporary files beside the output: same disk, same cleanup */
    char *copy = strdup(args->path);
    w->tmpdir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    if (!w->tmpdir) {
        rc = rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = w->tmpdir,
                                .use_zip64 = LXW_TRUE};
    w->wb = workbook_new_opt(args->path, &opt);
    if (!w->wb) {
        rc = rec_fail(w->env, ENGINE_IO_ERROR, "cannot create the .xlsx output");
        goto out;
    }
    w->bold = workbook_add_format(w->wb);
    if (!w->bold) {
        rc = rec_fail(w->env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    format_set_bold(w->bold);
    if ((rc = new_sheet(w)) != ENGINE_OK)
        goto out;
    if (args->columns && args->columns->count > 0) {
        if ((rc = rec_names_copy(&w->cols, w->env, args->columns->names,
                                 args->columns->count)) != ENGINE_OK ||
            (rc = write_header(w)) != ENGINE_OK)
            goto out;
    }
    rc = ENGINE_OK;
out:
    if (rc != ENGINE_OK) {
        if (w->wb)
            workbook_close(w->wb);   /* frees it; the pipeline removes the file */
        free_writer(w);
        return rc;
    }
    *state = w;
    return ENGINE_OK;
}

/* How many digits a JSON number has before its exponent. */
static size_t digit_count(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && p[i] != 'e' && p[i] != 'E'; i++)
        n += p[i] >= '0' && p[i] <= '9';
    return n;
}

static lxw_error write_cell(struct xlsx_writer *w, lxw_col_t col, const struct rec_field *f,
                            long long line)
{
    bool number = false;
    switch (f->type) {
    case REC_NULL:
        return LXW_NO_ERROR;
    case REC_BOOLEAN:
        return worksheet_write_boolean(w->ws, w->row, col, f->len == 4, NULL);
    case REC_INTEGER:
    case REC_NUMBER:
    case REC_TEXT:
        number = text_is_json_number(f->val, f->len) &&
                 (f->type == REC_NUMBER || digit_count(f->val, f->len) <= XLSX_MAX_DIGITS);
        break;
    default:
        break;
    }
    if (number) {
        char tmp[64];
        double d;
        if (f->len < sizeof(tmp)) {
            memcpy(tmp, f->val, f->len);
            tmp[f->len] = '\0';
            d = strtod(tmp, NULL);
            if (isfinite(d))
                return worksheet_write_number(w->ws, w->row, col, d, NULL);
        }
    }
    bool cut;
    const char *s = cstr(w, f->val, f->len, &cut);
    if (!s)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (cut)
        rec_report(w->env, line, f->name, "warning", "VALUE_TRUNCATED",
                   "the value is longer than Excel's %d characters and was cut",
                   XLSX_MAX_STRING);
    return worksheet_write_string(w->ws, w->row, col, s, NULL);
}

static int xlsxw_write(void *state, const struct record *rec)
{
    struct xlsx_writer *w = state;
    int rc;
    if (!w->cols.names && (rc = rec_names_of_record(&w->cols, w->env, rec)) != ENGINE_OK)
        return rc;
    if (w->row >= xlsx_sheet_rows && (rc = new_sheet(w)) != ENGINE_OK)
        return rc;
    if (!w->header_done && (rc = write_header(w)) != ENGINE_OK)
        return rc;
    if (w->cols.count > LXW_COL_MAX && !w->warned_columns) {
        w->warned_columns = true;
        rec_report(w->env, rec->line, NULL, "warning", "TOO_MANY_COLUMNS",
                   "only the first %d columns fit in a worksheet", LXW_COL_MAX);
    }
    for (size_t i = 0; i < w->cols.count && i < LXW_COL_MAX; i++) {
        const struct rec_field *f = rec_names_field(&w->cols, rec, i);
        lxw_error err = f ? write_cell(w, (lxw_col_t)i, f, rec->line) : LXW_NO_ERROR;
        if (err != LXW_NO_ERROR)
            return lxw_fail(w, err);
    }
    w->row++;
    return ENGINE_OK;
}

static int xlsxw_close(void *state)
{
    struct xlsx_writer *w = state;
    int rc = ENGINE_OK;
    if (!w->header_done && w->row == 0 && w->cols.names)
        rc = write_header(w);
    lxw_error err = workbook_close(w->wb);
    if (err != LXW_NO_ERROR && rc == ENGINE_OK)
        rc = lxw_fail(w, err);
    free_writer(w);
    return rc;
}

const struct writer_ops writer_xlsx_ops = {
    .extension = "xlsx",
    .open = xlsxw_open,
    .write = xlsxw_write,
    .close = xlsxw_close,
};
