/* read_xls.c — the legacy .xls (BIFF) reader, through libfreexl.
 *
 * libfreexl loads a workbook into memory when it opens it (a .xls sheet
 * has at most 65536 rows), so the file size is capped; rows are then taken
 * one at a time with freexl_get_cell_value(). The options are the .xlsx
 * reader's (sheet.h). libfreexl already turns cells with date formats into
 * "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS"; they are rewritten as
 * ISO 8601 (or with date_format) like the .xlsx reader does. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <freexl.h>

#include "process/record.h"
#include "process/sheet.h"

/* libfreexl holds the whole workbook in memory. */
#define XLS_MAX_FILE (256LL << 20)

struct xls_reader {
    struct sheet_reader sheet;
    const void *xls;
    const char **sheet_names;   /* owned by libfreexl */
    size_t nsheets;
    bool sheet_open;
    unsigned rows;              /* of the active sheet */
    unsigned short cols;
    unsigned next_row;          /* 0-based index of the next row to look at */
};

static const char *freexl_error(int rc)
{
    switch (rc) {
    case FREEXL_FILE_NOT_FOUND:
        return "the file cannot be opened";
    case FREEXL_INSUFFICIENT_MEMORY:
        return "out of memory";
    case FREEXL_CRAFTED_FILE:
        return "the file is corrupt or crafted";
    case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
        return "the file holds no workbook";
    case FREEXL_INVALID_CHARACTER:
    case FREEXL_UNSUPPORTED_CHARSET:
        return "the file uses a character set that cannot be read";
    default:
        return "the file is not a readable .xls workbook";
    }
}

/* Writes a double the shortest way that reads back the same. */
static size_t format_double(double d, char *out, size_t len)
{
    int n = snprintf(out, len, "%.15g", d);
    if (strtod(out, NULL) != d)
        n = snprintf(out, len, "%.17g", d);
    return n > 0 ? (size_t)n : 0;
}

/* A cell as a field value (name not set); the text lives in libfreexl or
 * the scratch arena until the next record. */
static int cell_value(struct xls_reader *r, unsigned row, unsigned short col,
                      struct rec_field *f)
{
    FreeXL_CellValue v;
    f->type = REC_NULL;
    f->val = "";
    f->len = 0;
    if (freexl_get_cell_value(r->xls, row, col, &v) != FREEXL_OK)
        return ENGINE_OK;
    char *out;
    int y, mo, d, h, mi;
    double s;
    enum sheet_date_kind kind;
    switch (v.type) {
    case FREEXL_CELL_INT:
        if (!(out = rec_alloc(&r->sheet.scratch, 16)))
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        f->val = out;
        f->len = (size_t)snprintf(out, 16, "%d", v.value.int_value);
        f->type = REC_INTEGER;
        return ENGINE_OK;
    case FREEXL_CELL_DOUBLE:
        if (!isfinite(v.value.double_value))
            return ENGINE_OK;
        if (!(out = rec_alloc(&r->sheet.scratch, 32)))
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        f->val = out;
        f->len = format_double(v.value.double_value, out, 32);
        f->type = REC_NUMBER;
        return ENGINE_OK;
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
        if (!v.value.text_value || !*v.value.text_value)
            return ENGINE_OK;
        f->val = v.value.text_value;
        f->len = strlen(f->val);
        f->type = REC_STRING;
        return ENGINE_OK;
    case FREEXL_CELL_DATE:
    case FREEXL_CELL_DATETIME:
    case FREEXL_CELL_TIME:
        if (!v.value.text_value)
            return ENGINE_OK;
        y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0;
        kind = v.type == FREEXL_CELL_DATE       ? SHEET_DATE
               : v.type == FREEXL_CELL_DATETIME ? SHEET_DATETIME
                                                : SHEET_TIME;
        if (!(out = rec_alloc(&r->sheet.scratch, 128)))
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        bool parsed = kind == SHEET_TIME
                          ? sscanf(v.value.text_value, "%d:%d:%lf", &h, &mi, &s) == 3
                          : sscanf(v.value.text_value, "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi,
                                   &s) >= 3;
        f->len = parsed ? sheet_format_parts(y, mo, d, h, mi, s, kind, r->sheet.opt.date_format, out,
                                             128)
                        : 0;
        if (f->len == 0) {
            f->val = v.value.text_value;
            f->len = strlen(f->val);
        } else {
            f->val = out;
        }
        f->type = REC_STRING;
        return ENGINE_OK;
    default:
        return ENGINE_OK;
    }
}

static bool row_blank(struct xls_reader *r, unsigned row)
{
    for (unsigned short c = 0; c < r->cols; c++) {
        FreeXL_CellValue v;
        if (freexl_get_cell_value(r->xls, row, c, &v) != FREEXL_OK || v.type == FREEXL_CELL_NULL)
            continue;
        if ((v.type == FREEXL_CELL_TEXT || v.type == FREEXL_CELL_SST_TEXT) &&
            (!v.value.text_value || !*v.value.text_value))
            continue;
        return false;
    }
    return true;
}

/* The next row past skip_rows that is not blank, from r->next_row on;
 * false at the end of the sheet. */
static bool take_row(struct xls_reader *r, unsigned *row)
{
    for (; r->next_row < r->rows; r->next_row++) {
        if ((long long)r->next_row + 1 <= r->sheet.opt.skip_rows || row_blank(r, r->next_row))
            continue;
        *row = r->next_row++;
        return true;
    }
    return false;
}

static int open_sheet(struct xls_reader *r)
{
    size_t sheet = r->sheet.sel[r->sheet.cur];
    r->rows = 0;
    r->cols = 0;
    r->next_row = 0;
    r->sheet.emitted = 0;
    r->sheet.limit = -1;
    if (freexl_select_active_worksheet(r->xls, (unsigned short)sheet) != FREEXL_OK ||
        freexl_worksheet_dimensions(r->xls, &r->rows, &r->cols) != FREEXL_OK)
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "the sheet \"%s\" cannot be read",
                        r->sheet_names[sheet]);
    r->sheet_open = true;
    struct sheet_cell_text *header = NULL;
    size_t nheader = 0;
    unsigned row;
    if (r->sheet.opt.use_column_names && take_row(r, &row)) {
        header = calloc(r->cols ? r->cols : 1, sizeof(*header));
        if (!header)
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        rec_arena_reset(r->sheet.arena);
        for (unsigned short c = 0; c < r->cols; c++) {
            struct rec_field f;
            int rc = cell_value(r, row, c, &f);
            if (rc != ENGINE_OK) {
                free(header);
                return rc;
            }
            if (f.type == REC_NULL)
                continue;
            header[nheader].col = c;
            header[nheader].text = f.val;
            header[nheader++].len = f.len;
        }
    }
    if (r->sheet.opt.skip_footer > 0) {
        long long data = 0;
        unsigned saved = r->next_row, ignored;
        while (take_row(r, &ignored))
            data++;
        r->next_row = saved;
        r->sheet.limit = data > r->sheet.opt.skip_footer ? data - r->sheet.opt.skip_footer : 0;
    }
    int rc = sheet_reader_plan(&r->sheet, header, nheader, r->cols, r->sheet_names[sheet]);
    free(header);
    return rc;
}

static void xls_close(void *state)
{
    struct xls_reader *r = state;
    if (!r)
        return;
    if (r->xls)
        freexl_close(r->xls);
    free(r->sheet_names);
    sheet_reader_free(&r->sheet);
    free(r);
}

static int xls_open(void **state, const struct reader_args *args)
{
    struct xls_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    int rc = sheet_reader_open(&r->sheet, args);
    if (rc != ENGINE_OK)
        goto out;
    struct stat st;
    if (stat(args->path, &st) != 0) {
        rc = rec_fail(r->sheet.env, ENGINE_IO_ERROR, "cannot open the input: %s", strerror(errno));
        goto out;
    }
    if (st.st_size > XLS_MAX_FILE) {
        rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "an .xls file larger than %lld MiB is refused",
                      XLS_MAX_FILE >> 20);
        goto out;
    }
    rec_set_bytes(r->sheet.env, 0, (long long)st.st_size);
    int xrc = freexl_open(args->path, &r->xls);
    if (xrc != FREEXL_OK) {
        rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "not a readable .xls file: %s",
                      freexl_error(xrc));
        goto out;
    }
    unsigned info;
    if (freexl_get_info(r->xls, FREEXL_BIFF_PASSWORD, &info) == FREEXL_OK &&
        info == FREEXL_BIFF_OBFUSCATED) {
        rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "the .xls file is password-protected");
        goto out;
    }
    if (freexl_get_info(r->xls, FREEXL_BIFF_SHEET_COUNT, &info) != FREEXL_OK)
        info = 0;
    r->sheet_names = calloc(info ? info : 1, sizeof(*r->sheet_names));
    if (!r->sheet_names) {
        rc = rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < info && i < 65535; i++) {
        const char *name = NULL;
        if (freexl_get_worksheet_name(r->xls, (unsigned short)i, &name) != FREEXL_OK || !name)
            name = "";
        r->sheet_names[r->nsheets++] = name;
    }
    if ((rc = sheet_reader_select(&r->sheet, r->sheet_names, r->nsheets)) == ENGINE_OK)
        rc = open_sheet(r);
out:
    if (rc != ENGINE_OK) {
        xls_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

static int xls_next(void *state, struct record *rec)
{
    struct xls_reader *r = state;
    rec_arena_reset(r->sheet.arena);
    for (;;) {
        unsigned row;
        if (!r->sheet_open) {
            if (++r->sheet.cur >= r->sheet.nsel) {
                r->sheet.cur = r->sheet.nsel - 1;
                return READ_EOF;
            }
            if (open_sheet(r) != ENGINE_OK)
                return READ_ERROR;
        }
        if ((r->sheet.limit >= 0 && r->sheet.emitted >= r->sheet.limit) || !take_row(r, &row)) {
            r->sheet_open = false;
            continue;
        }
        size_t n = sheet_reader_record_start(&r->sheet, r->sheet_names[r->sheet.sel[r->sheet.cur]]);
        for (size_t i = 0; i < r->sheet.plan.n; i++) {
            struct rec_field *f = &r->sheet.fields[n++];
            if (cell_value(r, row, (unsigned short)r->sheet.plan.cols[i], f) != ENGINE_OK)
                return READ_ERROR;
            f->name = r->sheet.plan.names[i];
        }
        rec->fields = r->sheet.fields;
        rec->nfields = n;
        rec->line = (long long)row + 1;
        r->sheet.emitted++;
        r->sheet.sel_rows[r->sheet.cur] = r->sheet.emitted;
        return READ_RECORD;
    }
}

static int xls_columns(void *state, struct rec_columns *cols)
{
    struct xls_reader *r = state;
    return sheet_reader_columns(&r->sheet, cols);
}

static int xls_metadata(void *state, json_object *meta)
{
    struct xls_reader *r = state;
    sheet_reader_metadata(&r->sheet, r->sheet_names, r->nsheets, meta);
    sheet_options_metadata(&r->sheet.opt, meta);
    return ENGINE_OK;
}

static int xls_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    if (len < 8 || memcmp(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) != 0)
        return 0;
    const char *dot = name_hint ? strrchr(name_hint, '.') : NULL;
    /* OLE2 is also .doc and .msg: the name and libfreexl decide */
    return dot && strcasecmp(dot, ".xls") == 0 ? 90 : 60;
}

/* OLE2 is also .doc and .msg: a workbook is what libfreexl can open. */
static bool xls_confirm(const char *path)
{
    const void *handle = NULL;
    int rc = freexl_open_info(path, &handle);
    if (handle)
        freexl_close(handle);
    return rc == FREEXL_OK;
}

const struct reader_ops reader_xls_ops = {
    .sniff = xls_sniff,
    .binary = true,
    .confirm = xls_confirm,
    .validate_config = sheet_validate_config,
    .open = xls_open,
    .next = xls_next,
    .columns = xls_columns,
    .metadata = xls_metadata,
    .close = xls_close,
};
