/* read_xlsx.c — the .xlsx reader: a zip (libzip) of XML parts, each read
 * with libxml2's streaming xmlTextReader straight out of the zip.
 *
 *   xl/workbook.xml            sheet names (and the 1904 date system)
 *   xl/_rels/workbook.xml.rels where each sheet's part is
 *   xl/sharedStrings.xml       the strings cells refer to (kept in memory)
 *   xl/styles.xml              which cell styles show numbers as dates
 *   xl/worksheets/sheetN.xml   the rows, streamed one at a time
 *
 * Cell types: s (shared string), n (number; a date when its style says so),
 * b (boolean), str and inlineStr (strings), e (error text), d (ISO date).
 * Options are in sheet.h. skip_footer needs the number of data rows before
 * the first is returned: the sheet part is then streamed twice (once to
 * count), which keeps memory flat where a buffer of rows would not.
 *
 * Zip bombs: every part read is capped at its declared size and at 1 GiB,
 * a part over 16 MiB that inflates more than 200 times is refused before a
 * byte is inflated, and shared strings are capped in number and size. A
 * part with a DTD is refused (no workbook has one; it could only be an
 * entity attack). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "process/grow.h"
#include "process/record.h"
#include "process/sheet.h"
#include "process/text.h"
#include "process/xml_error.h"

#define XLSX_MAX_PART (1ULL << 30)
#define XLSX_BOMB_SIZE (16ULL << 20)
#define XLSX_BOMB_RATIO 200
#define XLSX_MAX_SHARED 10000000L
#define XLSX_MAX_SHARED_BYTES (256u << 20)
#define XLSX_MAX_SHEETS 10000
#define XLSX_MAX_STYLES 200000
#define XLSX_MAX_ROW_TEXT (64u << 20)
#define XLSX_MAX_PATH 512

enum cell_type { CT_NUMBER, CT_SHARED, CT_BOOL, CT_ERROR, CT_STRING, CT_ISO_DATE };

struct cell {
    long col;
    enum cell_type type;
    long style;
    size_t off, len;     /* text in row->text */
    bool has_value;
};

struct row {
    long num;
    struct cell *cells;
    size_t n, cap;
    char *text;
    size_t text_len, text_cap;
};

/* One part being read out of the zip. */
struct part {
    struct xlsx_reader *r;
    zip_file_t *zf;
    uint64_t read, cap;
};

struct sheet_stream {
    xmlTextReaderPtr x;
    char path[XLSX_MAX_PATH];
    long last_row;
    bool in_data;
};

struct xlsx_reader {
    struct sheet_reader sheet;
    zip_t *za;
    struct xml_error error;     /* the first XML error of the part being read */
    bool bomb;                  /* a part inflated past its cap */
    bool date1904;
    char **sheet_names, **sheet_paths;
    size_t nsheets;
    char *shared;               /* shared strings, each NUL-terminated */
    size_t shared_len, shared_cap;
    size_t *shared_off;
    long nshared, shared_off_cap;
    unsigned char *style_kind;  /* cellXfs index -> sheet_date_kind */
    long nstyles;
    struct sheet_stream st;
    bool sheet_open;
    char dimension[64];
    struct row row;
    uint64_t bytes_done, bytes_total;
    uint64_t part_read;
};

/* ---- zip parts ---- */

static int part_read(void *ctx, char *buf, int len)
{
    struct part *p = ctx;
    zip_int64_t n = zip_fread(p->zf, buf, (zip_uint64_t)len);
    if (n < 0)
        return -1;
    p->read += (uint64_t)n;
    p->r->part_read = p->read;
    if (p->read > p->cap) {
        p->r->bomb = true;
        return -1;
    }
    return (int)n;
}

static int part_close(void *ctx)
{
    struct part *p = ctx;
    zip_fclose(p->zf);
    free(p);
    return 0;
}

static zip_int64_t locate(struct xlsx_reader *r, const char *name)
{
    zip_int64_t idx = zip_name_locate(r->za, name, 0);
    return idx >= 0 ? idx : zip_name_locate(r->za, name, ZIP_FL_NOCASE);
}

/* Opens a part for streaming. *x is NULL (and ENGINE_OK returned) when
 * the part does not exist and !required. */
static int open_part(struct xlsx_reader *r, const char *name, bool required, xmlTextReaderPtr *x)
{
    *x = NULL;
    zip_int64_t idx = locate(r, name);
    if (idx < 0)
        return required ? rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                                   "not an Excel workbook: the part %s is missing", name)
                        : ENGINE_OK;
    zip_stat_t st;
    if (zip_stat_index(r->za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE))
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "the workbook part %s is unreadable", name);
    if (st.size > XLSX_MAX_PART ||
        (st.size > XLSX_BOMB_SIZE && st.size / XLSX_BOMB_RATIO > st.comp_size))
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                        "refused: the workbook part %s inflates from %llu to %llu bytes (a zip "
                        "bomb?)",
                        name, (unsigned long long)st.comp_size, (unsigned long long)st.size);
    struct part *p = calloc(1, sizeof(*p));
    if (!p)
        return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
    p->r = r;
    p->cap = st.size;
    p->zf = zip_fopen_index(r->za, (zip_uint64_t)idx, 0);
    if (!p->zf) {
        free(p);
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "cannot read the workbook part %s: %s", name,
                        zip_strerror(r->za));
    }
    r->part_read = 0;
    /* xmlReaderForIO owns p from here on, and closes it even when it fails */
    *x = xmlReaderForIO(part_read, part_close, p, name, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*x)
        return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "cannot parse the workbook part %s", name);
    xml_error_watch(*x, &r->error);
    return ENGINE_OK;
}

/* Moves to the next node: 1, 0 at the end, -1 after rec_fail(). */
static int step(struct xlsx_reader *r, xmlTextReaderPtr x, const char *name)
{
    int ret = xmlTextReaderRead(x);
    if (ret == 1 && xmlTextReaderNodeType(x) == XML_READER_TYPE_DOCUMENT_TYPE) {
        rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                 "refused: the workbook part %s has a DTD (entity declarations are an attack)",
                 name);
        return -1;
    }
    if (ret >= 0)
        return ret;
    if (r->bomb)
        rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                 "refused: the workbook part %s inflates past its declared size (a zip bomb?)",
                 name);
    else
        rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "invalid XML in the workbook part %s at line %d: %s",
                 name, r->error.line, r->error.text[0] ? r->error.text : "parse error");
    return -1;
}

static bool is_element(xmlTextReaderPtr x, const char *local)
{
    return xmlTextReaderNodeType(x) == XML_READER_TYPE_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(x), local) == 0;
}

static bool is_end(xmlTextReaderPtr x, const char *local)
{
    return xmlTextReaderNodeType(x) == XML_READER_TYPE_END_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(x), local) == 0;
}

/* The value of the attribute whose local name is local, copied into out. */
static bool attr(xmlTextReaderPtr x, const char *local, char *out, size_t out_len)
{
    bool found = false;
    if (xmlTextReaderMoveToFirstAttribute(x) != 1)
        return false;
    do {
        if (strcmp((const char *)xmlTextReaderConstLocalName(x), local) == 0 &&
            !xmlTextReaderIsNamespaceDecl(x)) {
            const char *v = (const char *)xmlTextReaderConstValue(x);
            size_t n = v ? strnlen(v, out_len - 1) : 0;   /* called per cell: no printf */
            memcpy(out, v ? v : "", n);
            out[n] = '\0';
            found = true;
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(x) == 1);
    xmlTextReaderMoveToElement(x);
    return found;
}

static bool is_text(xmlTextReaderPtr x)
{
    int t = xmlTextReaderNodeType(x);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE;
}

/* ---- workbook, relationships, styles, shared strings ---- */

/* "worksheets/sheet1.xml" (relative to xl/) or "/xl/worksheets/sheet1.xml". */
static void part_path(const char *target, char *out, size_t out_len)
{
    if (target[0] == '/')
        snprintf(out, out_len, "%s", target + 1);
    else if (strncmp(target, "../", 3) == 0)
        snprintf(out, out_len, "%s", target + 3);
    else
        snprintf(out, out_len, "xl/%s", target);
}

static int read_workbook(struct xlsx_reader *r, char ***rids)
{
    const char *name = "xl/workbook.xml";
    xmlTextReaderPtr x;
    int rc = open_part(r, name, true, &x);
    if (rc != ENGINE_OK)
        return rc;
    size_t cap = 8;
    r->sheet_names = calloc(cap, sizeof(char *));
    *rids = calloc(cap, sizeof(char *));
    if (!r->sheet_names || !*rids) {
        rc = rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    int ret;
    char buf[1024], id[256];
    while ((ret = step(r, x, name)) == 1) {
        if (is_element(x, "workbookPr") && attr(x, "date1904", buf, sizeof(buf)))
            r->date1904 = strcmp(buf, "1") == 0 || strcasecmp(buf, "true") == 0;
        if (!is_element(x, "sheet") || !attr(x, "name", buf, sizeof(buf)))
            continue;
        if (r->nsheets >= XLSX_MAX_SHEETS) {
            rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "the workbook has too many sheets");
            goto out;
        }
        if (r->nsheets == cap) {
            cap *= 2;
            char **n1 = realloc(r->sheet_names, cap * sizeof(char *));
            if (n1)
                r->sheet_names = n1;
            char **n2 = realloc(*rids, cap * sizeof(char *));
            if (n2)
                *rids = n2;
            if (!n1 || !n2) {
                rc = rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
                goto out;
            }
        }
        if (!attr(x, "id", id, sizeof(id)))
            id[0] = '\0';
        r->sheet_names[r->nsheets] = strdup(buf);
        (*rids)[r->nsheets] = strdup(id);
        r->nsheets++;
        if (!r->sheet_names[r->nsheets - 1] || !(*rids)[r->nsheets - 1]) {
            rc = rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
            goto out;
        }
    }
    if (ret < 0)
        rc = rec_env_status(r->sheet.env);
out:
    xmlFreeTextReader(x);
    return rc;
}

/* Finds each sheet's part and the shared strings and styles parts. */
static int read_relationships(struct xlsx_reader *r, char **rids, char *shared, char *styles)
{
    const char *name = "xl/_rels/workbook.xml.rels";
    snprintf(shared, XLSX_MAX_PATH, "xl/sharedStrings.xml");
    snprintf(styles, XLSX_MAX_PATH, "xl/styles.xml");
    r->sheet_paths = calloc(r->nsheets ? r->nsheets : 1, sizeof(char *));
    if (!r->sheet_paths)
        return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
    xmlTextReaderPtr x;
    int rc = open_part(r, name, false, &x);
    if (rc != ENGINE_OK)
        return rc;
    int ret = 0;
    char id[256], type[512], target[XLSX_MAX_PATH - 8], path[XLSX_MAX_PATH];
    while (x && (ret = step(r, x, name)) == 1) {
        if (!is_element(x, "Relationship") || !attr(x, "Id", id, sizeof(id)) ||
            !attr(x, "Target", target, sizeof(target)))
            continue;
        if (!attr(x, "Type", type, sizeof(type)))
            type[0] = '\0';
        part_path(target, path, sizeof(path));
        size_t tl = strlen(type);
        if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0)
            snprintf(shared, XLSX_MAX_PATH, "%s", path);
        else if (tl >= 7 && strcmp(type + tl - 7, "/styles") == 0)
            snprintf(styles, XLSX_MAX_PATH, "%s", path);
        for (size_t i = 0; i < r->nsheets; i++)
            if (!r->sheet_paths[i] && strcmp(rids[i], id) == 0)
                r->sheet_paths[i] = strdup(path);
    }
    if (x) {
        xmlFreeTextReader(x);
        if (ret < 0)
            return rec_env_status(r->sheet.env);
    }
    /* without relationships, the usual names */
    for (size_t i = 0; i < r->nsheets; i++) {
        if (r->sheet_paths[i])
            continue;
        snprintf(path, sizeof(path), "xl/worksheets/sheet%zu.xml", i + 1);
        if (!(r->sheet_paths[i] = strdup(path)))
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
    }
    return ENGINE_OK;
}

struct num_fmt {
    int id;
    unsigned char kind;
};

static int read_styles(struct xlsx_reader *r, const char *name)
{
    xmlTextReaderPtr x;
    int rc = open_part(r, name, false, &x);
    if (rc != ENGINE_OK || !x)
        return rc;
    struct num_fmt *fmts = NULL;
    size_t nfmts = 0, fmts_cap = 0;
    long styles_cap = 0;
    int ret, xfs_depth = -1;
    char buf[1024], code[1024];
    while ((ret = step(r, x, name)) == 1) {
        if (is_element(x, "numFmt") && attr(x, "numFmtId", buf, sizeof(buf)) &&
            attr(x, "formatCode", code, sizeof(code))) {
            if (nfmts == fmts_cap) {
                fmts_cap = fmts_cap ? fmts_cap * 2 : 16;
                struct num_fmt *f = fmts_cap <= XLSX_MAX_STYLES
                                        ? realloc(fmts, fmts_cap * sizeof(*f))
                                        : NULL;
                if (!f) {
                    rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "too many number formats");
                    goto out;
                }
                fmts = f;
            }
            fmts[nfmts].id = atoi(buf);
            fmts[nfmts++].kind = (unsigned char)sheet_format_kind(atoi(buf), code);
        } else if (is_element(x, "cellXfs") && !xmlTextReaderIsEmptyElement(x)) {
            xfs_depth = xmlTextReaderDepth(x);
        } else if (is_end(x, "cellXfs")) {
            xfs_depth = -1;
        } else if (xfs_depth >= 0 && is_element(x, "xf") &&
                   xmlTextReaderDepth(x) == xfs_depth + 1) {
            if (r->nstyles == styles_cap) {
                styles_cap = styles_cap ? styles_cap * 2 : 64;
                unsigned char *k = styles_cap <= XLSX_MAX_STYLES
                                       ? realloc(r->style_kind, (size_t)styles_cap)
                                       : NULL;
                if (!k) {
                    rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "too many cell styles");
                    goto out;
                }
                r->style_kind = k;
            }
            int id = attr(x, "numFmtId", buf, sizeof(buf)) ? atoi(buf) : 0;
            unsigned char kind = (unsigned char)sheet_format_kind(id, NULL);
            for (size_t i = 0; i < nfmts; i++)
                if (fmts[i].id == id)
                    kind = fmts[i].kind;
            r->style_kind[r->nstyles++] = kind;
        }
    }
    if (ret < 0)
        rc = rec_env_status(r->sheet.env);
out:
    free(fmts);
    xmlFreeTextReader(x);
    return rc;
}

/* Appends s[0..n) to the text *buf[0..*len) (capacity *cap). */
static int text_append(struct xlsx_reader *r, char **buf, size_t *len, size_t *cap, const char *s,
                       size_t n)
{
    if (!grow(buf, cap, *len + n, 1, 4096))
        return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
    memcpy(*buf + *len, s, n);
    *len += n;
    return ENGINE_OK;
}

static int shared_append(struct xlsx_reader *r, const char *s, size_t n)
{
    if (r->shared_len + n + 1 > XLSX_MAX_SHARED_BYTES)
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                        "refused: the shared strings are larger than %u MiB",
                        XLSX_MAX_SHARED_BYTES >> 20);
    return text_append(r, &r->shared, &r->shared_len, &r->shared_cap, s, n);
}

/* Ends the string being built: NUL-terminates it and records its start. */
static int shared_push(struct xlsx_reader *r, size_t start)
{
    if (r->nshared >= XLSX_MAX_SHARED)
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "refused: more than %ld shared strings",
                        XLSX_MAX_SHARED);
    if (r->nshared == r->shared_off_cap) {
        long cap = r->shared_off_cap ? r->shared_off_cap * 2 : 1024;
        size_t *o = realloc(r->shared_off, (size_t)cap * sizeof(*o));
        if (!o)
            return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
        r->shared_off = o;
        r->shared_off_cap = cap;
    }
    int rc = shared_append(r, "", 1);
    if (rc == ENGINE_OK)
        r->shared_off[r->nshared++] = start;
    return rc;
}

static int read_shared_strings(struct xlsx_reader *r, const char *name)
{
    xmlTextReaderPtr x;
    int rc = open_part(r, name, false, &x);
    if (rc != ENGINE_OK || !x)
        return rc;
    int ret;
    bool in_si = false, in_t = false, in_rph = false;
    size_t start = 0;
    char buf[64];
    while ((ret = step(r, x, name)) == 1 && rc == ENGINE_OK) {
        int type = xmlTextReaderNodeType(x);
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *local = (const char *)xmlTextReaderConstLocalName(x);
            bool empty = xmlTextReaderIsEmptyElement(x);
            if (strcmp(local, "sst") == 0 && attr(x, "uniqueCount", buf, sizeof(buf)) &&
                atol(buf) > XLSX_MAX_SHARED) {
                rc = rec_fail(r->sheet.env, ENGINE_BAD_INPUT,
                              "refused: the workbook declares %s shared strings (the limit is "
                              "%ld)",
                              buf, XLSX_MAX_SHARED);
            } else if (strcmp(local, "si") == 0) {
                start = r->shared_len;
                in_si = !empty;
                if (empty)
                    rc = shared_push(r, start);
            } else if (strcmp(local, "rPh") == 0) {
                in_rph = !empty;
            } else if (strcmp(local, "t") == 0) {
                in_t = in_si && !in_rph && !empty;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            const char *local = (const char *)xmlTextReaderConstLocalName(x);
            if (strcmp(local, "t") == 0) {
                in_t = false;
            } else if (strcmp(local, "rPh") == 0) {
                in_rph = false;
            } else if (strcmp(local, "si") == 0 && in_si) {
                in_si = false;
                rc = shared_push(r, start);
            }
        } else if (in_t && is_text(x)) {
            const char *v = (const char *)xmlTextReaderConstValue(x);
            if (v)
                rc = shared_append(r, v, strlen(v));
        }
    }
    if (ret < 0 && rc == ENGINE_OK)
        rc = rec_env_status(r->sheet.env);
    xmlFreeTextReader(x);
    return rc;
}

/* ---- rows ---- */

static int row_text(struct xlsx_reader *r, struct row *row, const char *s, size_t n)
{
    if (row->text_len + n > XLSX_MAX_ROW_TEXT)
        return rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "row %ld holds more than %u MiB of text",
                        row->num, XLSX_MAX_ROW_TEXT >> 20);
    return text_append(r, &row->text, &row->text_len, &row->text_cap, s, n);
}

static struct cell *row_cell(struct xlsx_reader *r, struct row *row)
{
    if (row->n == row->cap && (row->cap >= SHEET_MAX_COLS * 2 ||
                               !grow(&row->cells, &row->cap, row->n + 1, sizeof(*row->cells), 32))) {
        rec_fail(r->sheet.env, ENGINE_BAD_INPUT, "row %ld has too many cells", row->num);
        return NULL;
    }
    return &row->cells[row->n++];
}

static enum cell_type cell_type_of(const char *t)
{
    if (strcmp(t, "s") == 0)
        return CT_SHARED;
    if (strcmp(t, "b") == 0)
        return CT_BOOL;
    if (strcmp(t, "e") == 0)
        return CT_ERROR;
    if (strcmp(t, "str") == 0 || strcmp(t, "inlineStr") == 0)
        return CT_STRING;
    if (strcmp(t, "d") == 0)
        return CT_ISO_DATE;
    return CT_NUMBER;
}

static int cmp_cell(const void *a, const void *b)
{
    long x = ((const struct cell *)a)->col, y = ((const struct cell *)b)->col;
    return x < y ? -1 : x > y;
}

/* Reads the next <row> of the sheet: 1 with row filled, 0 at the end of the
 * sheet data, -1 after rec_fail(). */
static int next_row(struct xlsx_reader *r, struct sheet_stream *st, struct row *row)
{
    row->n = 0;
    row->text_len = 0;
    bool in_row = false, in_v = false, in_t = false, in_is = false, in_rph = false;
    struct cell *cell = NULL;
    char buf[64];
    for (;;) {
        int ret = step(r, st->x, st->path);
        if (ret <= 0)
            return ret;
        int type = xmlTextReaderNodeType(st->x);
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *local = (const char *)xmlTextReaderConstLocalName(st->x);
            bool empty = xmlTextReaderIsEmptyElement(st->x);
            if (strcmp(local, "row") == 0) {
                long col, num = -1;
                if (!attr(st->x, "r", buf, sizeof(buf)) || sheet_parse_ref(buf, &col, &num) ||
                    num < 0)
                    num = st->last_row + 1;
                row->num = st->last_row = num;
                row->n = 0;
                row->text_len = 0;
                in_row = true;
                if (empty)
                    return 1;
            } else if (in_row && strcmp(local, "c") == 0) {
                long col = -1, num;
                if (attr(st->x, "r", buf, sizeof(buf)) && sheet_parse_ref(buf, &col, &num))
                    col = -1;
                if (col < 0)
                    col = row->n ? row->cells[row->n - 1].col + 1 : 0;
                if (col >= SHEET_MAX_COLS) {
                    cell = NULL;
                    continue;
                }
                if (!(cell = row_cell(r, row)))
                    return -1;
                cell->col = col;
                cell->type = attr(st->x, "t", buf, sizeof(buf)) ? cell_type_of(buf) : CT_NUMBER;
                cell->style = attr(st->x, "s", buf, sizeof(buf)) ? atol(buf) : 0;
                cell->off = row->text_len;
                cell->len = 0;
                cell->has_value = false;
                if (empty)
                    cell = NULL;
            } else if (cell && strcmp(local, "v") == 0) {
                in_v = !empty;
            } else if (cell && strcmp(local, "is") == 0) {
                in_is = !empty;
            } else if (in_is && strcmp(local, "rPh") == 0) {
                in_rph = !empty;
            } else if (in_is && strcmp(local, "t") == 0) {
                in_t = !in_rph && !empty;
            } else if (!st->in_data && strcmp(local, "dimension") == 0 && r->dimension[0] == 0) {
                attr(st->x, "ref", r->dimension, sizeof(r->dimension));
            } else if (strcmp(local, "sheetData") == 0) {
                st->in_data = true;
                if (empty)
                    return 0;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            const char *local = (const char *)xmlTextReaderConstLocalName(st->x);
            if (strcmp(local, "v") == 0)
                in_v = false;
            else if (strcmp(local, "t") == 0)
                in_t = false;
            else if (strcmp(local, "rPh") == 0)
                in_rph = false;
            else if (strcmp(local, "is") == 0)
                in_is = false;
            else if (strcmp(local, "c") == 0)
                cell = NULL;
            else if (strcmp(local, "row") == 0 && in_row)
                break;
            else if (strcmp(local, "sheetData") == 0)
                return 0;
        } else if (cell && (in_v || in_t) && is_text(st->x)) {
            const char *v = (const char *)xmlTextReaderConstValue(st->x);
            size_t n = v ? strlen(v) : 0;
            if (n && row_text(r, row, v, n) != ENGINE_OK)
                return -1;
            cell->len += n;
            cell->has_value = cell->has_value || n > 0 || in_t;
        }
    }
    /* cells come in column order; sort the odd file that does not */
    for (size_t i = 1; i < row->n; i++) {
        if (row->cells[i].col <= row->cells[i - 1].col) {
            qsort(row->cells, row->n, sizeof(*row->cells), cmp_cell);
            break;
        }
    }
    return 1;
}

static bool row_blank(const struct row *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (row->cells[i].has_value && row->cells[i].len > 0)
            return false;
    return true;
}

/* The value of a cell as a field (name not set). */
static int cell_value(struct xlsx_reader *r, const struct row *row, const struct cell *c,
                      struct rec_field *f)
{
    const char *text = row->text + c->off;
    size_t len = c->len;
    f->type = REC_NULL;
    f->val = "";
    f->len = 0;
    if (!c->has_value || (len == 0 && c->type != CT_STRING))
        return ENGINE_OK;
    switch (c->type) {
    case CT_SHARED: {
        int64_t i;
        if (!text_parse_int64(text, len, &i) || i < 0 || i >= r->nshared) {
            rec_report(r->sheet.env, row->num, NULL, "warning", "BAD_SHARED_STRING",
                       "a cell refers to a shared string that does not exist");
            return ENGINE_OK;
        }
        f->val = r->shared + r->shared_off[i];
        f->len = (i + 1 < r->nshared ? r->shared_off[i + 1] : r->shared_len) - r->shared_off[i] - 1;
        f->type = f->len ? REC_STRING : REC_NULL;   /* an empty string shows as a blank cell */
        return ENGINE_OK;
    }
    case CT_BOOL:
        if (len == 1 && (text[0] == '0' || text[0] == '1')) {
            f->val = text[0] == '1' ? "true" : "false";
            f->len = strlen(f->val);
            f->type = REC_BOOLEAN;
            return ENGINE_OK;
        }
        break;
    case CT_ERROR:
    case CT_STRING:
    case CT_ISO_DATE:
        f->val = text;
        f->len = len;
        f->type = len ? REC_STRING : REC_NULL;
        return ENGINE_OK;
    case CT_NUMBER: {
        enum sheet_date_kind kind =
            c->style >= 0 && c->style < r->nstyles ? r->style_kind[c->style] : SHEET_NOT_DATE;
        double d;
        if (kind != SHEET_NOT_DATE && text_parse_double(text, len, &d)) {
            char *out = rec_alloc(&r->sheet.scratch, 128);
            if (!out)
                return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
            size_t n = sheet_format_serial(d, r->date1904, kind, r->sheet.opt.date_format, out, 128);
            if (n > 0) {
                f->val = out;
                f->len = n;
                f->type = REC_STRING;
                return ENGINE_OK;
            }
        }
        int64_t i;
        f->val = text;
        f->len = len;
        if (text_parse_int64(text, len, &i) && text_is_json_number(text, len))
            f->type = REC_INTEGER;
        else if (text_is_json_number(text, len))
            f->type = REC_NUMBER;
        else
            f->type = REC_TEXT;
        return ENGINE_OK;
    }
    }
    f->val = text;
    f->len = len;
    f->type = REC_TEXT;
    return ENGINE_OK;
}

/* ---- sheets ---- */

static void close_sheet(struct xlsx_reader *r)
{
    if (r->st.x)
        xmlFreeTextReader(r->st.x);
    r->st.x = NULL;
    sheet_plan_free(&r->sheet.plan);
    r->sheet_open = false;
}

static int open_stream(struct xlsx_reader *r, size_t sheet, struct sheet_stream *st)
{
    memset(st, 0, sizeof(*st));
    snprintf(st->path, sizeof(st->path), "%s", r->sheet_paths[sheet]);
    int rc = open_part(r, st->path, true, &st->x);
    return rc;
}

static bool past_skipped(const struct xlsx_reader *r, const struct row *row)
{
    return row->num > r->sheet.opt.skip_rows && !row_blank(row);
}

/* First pass for skip_footer: how many data rows the sheet has. */
static int count_data_rows(struct xlsx_reader *r, size_t sheet, long long *count)
{
    struct sheet_stream st;
    struct row row = {0};
    int rc = open_stream(r, sheet, &st), ret;
    bool header = r->sheet.opt.use_column_names;
    *count = 0;
    if (rc != ENGINE_OK)
        return rc;
    while ((ret = next_row(r, &st, &row)) == 1) {
        if (!past_skipped(r, &row))
            continue;
        if (header)
            header = false;
        else
            (*count)++;
    }
    xmlFreeTextReader(st.x);
    free(row.cells);
    free(row.text);
    return ret < 0 ? rec_env_status(r->sheet.env) : ENGINE_OK;
}

/* Opens the cur-th selected sheet: counts its rows when skip_footer asks,
 * then reads up to the header and plans the columns. */
static int open_sheet(struct xlsx_reader *r)
{
    size_t sheet = r->sheet.sel[r->sheet.cur];
    int rc;
    r->sheet.limit = -1;
    r->sheet.emitted = 0;
    if (r->sheet.opt.skip_footer > 0) {
        long long rows;
        if ((rc = count_data_rows(r, sheet, &rows)) != ENGINE_OK)
            return rc;
        r->sheet.limit = rows > r->sheet.opt.skip_footer ? rows - r->sheet.opt.skip_footer : 0;
    }
    if ((rc = open_stream(r, sheet, &r->st)) != ENGINE_OK)
        return rc;
    r->sheet_open = true;
    struct sheet_cell_text *header = NULL;
    size_t nheader = 0;
    long width = 0;
    int ret = 1;
    if (r->sheet.opt.use_column_names) {
        while ((ret = next_row(r, &r->st, &r->row)) == 1 && !past_skipped(r, &r->row))
            ;
        if (ret < 0)
            return rec_env_status(r->sheet.env);
        if (ret == 1) {
            header = calloc(r->row.n ? r->row.n : 1, sizeof(*header));
            if (!header)
                return rec_fail(r->sheet.env, ENGINE_NO_MEMORY, "out of memory");
            rec_arena_reset(r->sheet.arena);
            for (size_t i = 0; i < r->row.n; i++) {
                struct rec_field f;
                if ((rc = cell_value(r, &r->row, &r->row.cells[i], &f)) != ENGINE_OK) {
                    free(header);
                    return rc;
                }
                if (f.type == REC_NULL)
                    continue;
                header[nheader].col = r->row.cells[i].col;
                header[nheader].text = f.val;
                header[nheader++].len = f.len;
            }
        }
    } else {
        long col, row;
        const char *colon = strchr(r->dimension, ':');
        if (colon && sheet_parse_ref(colon + 1, &col, &row) == 0 && col >= 0)
            width = col + 1;
    }
    rc = sheet_reader_plan(&r->sheet, header, nheader, width, r->sheet_names[sheet]);
    free(header);
    return rc;
}

/* Without a header the first data row may be wider than the dimension. */
static int widen_plan(struct xlsx_reader *r)
{
    if (r->sheet.opt.use_column_names || r->sheet.plan.width > 0 || r->row.n == 0)
        return ENGINE_OK;
    return sheet_reader_plan(&r->sheet, NULL, 0, r->row.cells[r->row.n - 1].col + 1, NULL);
}

/* ---- reader_ops ---- */

static void xlsx_close(void *state)
{
    struct xlsx_reader *r = state;
    if (!r)
        return;
    close_sheet(r);
    for (size_t i = 0; i < r->nsheets; i++) {
        free(r->sheet_names[i]);
        if (r->sheet_paths)
            free(r->sheet_paths[i]);
    }
    free(r->sheet_names);
    free(r->sheet_paths);
    free(r->shared);
    free(r->shared_off);
    free(r->style_kind);
    free(r->row.cells);
    free(r->row.text);
    sheet_reader_free(&r->sheet);
    if (r->za)
        zip_discard(r->za);
    free(r);
}

static int xlsx_open(void **state, const struct reader_args *args)
{
    char shared[XLSX_MAX_PATH], styles[XLSX_MAX_PATH];
    char **rids = NULL;
    struct xlsx_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    int rc = sheet_reader_open(&r->sheet, args);
    if (rc != ENGINE_OK)
        goto out;
    xml_error_quiet();
    int err = 0;
    r->za = zip_open(args->path, ZIP_RDONLY, &err);
    if (!r->za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        rc = rec_fail(r->sheet.env, err == ZIP_ER_OPEN ? ENGINE_IO_ERROR : ENGINE_BAD_INPUT,
                      "not a readable .xlsx file: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto out;
    }
    if ((rc = read_workbook(r, &rids)) != ENGINE_OK ||
        (rc = read_relationships(r, rids, shared, styles)) != ENGINE_OK ||
        (rc = read_styles(r, styles)) != ENGINE_OK ||
        (rc = read_shared_strings(r, shared)) != ENGINE_OK)
        goto out;
    rc = sheet_reader_select(&r->sheet, (const char *const *)r->sheet_names, r->nsheets);
    if (rc != ENGINE_OK)
        goto out;
    for (int i = 0; i < r->sheet.nsel; i++) {
        zip_stat_t st;
        zip_int64_t idx = locate(r, r->sheet_paths[r->sheet.sel[i]]);
        if (idx >= 0 && zip_stat_index(r->za, (zip_uint64_t)idx, 0, &st) == 0)
            r->bytes_total += st.size;
    }
    rc = open_sheet(r);
out:
    for (size_t i = 0; rids && i < r->nsheets; i++)
        free(rids[i]);
    free(rids);
    if (rc != ENGINE_OK) {
        xlsx_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

/* Turns r->row into the record's fields per the column plan. */
static int build_record(struct xlsx_reader *r, struct record *rec)
{
    size_t n = sheet_reader_record_start(&r->sheet, r->sheet_names[r->sheet.sel[r->sheet.cur]]);
    size_t c = 0;
    for (size_t i = 0; i < r->sheet.plan.n; i++) {
        struct rec_field *f = &r->sheet.fields[n++];
        f->name = r->sheet.plan.names[i];
        f->type = REC_NULL;
        f->val = "";
        f->len = 0;
        while (c < r->row.n && r->row.cells[c].col < r->sheet.plan.cols[i])
            c++;
        if (c < r->row.n && r->row.cells[c].col == r->sheet.plan.cols[i]) {
            int rc = cell_value(r, &r->row, &r->row.cells[c], f);
            if (rc != ENGINE_OK)
                return rc;
            f->name = r->sheet.plan.names[i];
        }
    }
    rec->fields = r->sheet.fields;
    rec->nfields = n;
    rec->line = r->row.num;
    return ENGINE_OK;
}

static int xlsx_next(void *state, struct record *rec)
{
    struct xlsx_reader *r = state;
    rec_arena_reset(r->sheet.arena);
    for (;;) {
        if (!r->sheet_open) {
            r->bytes_done += r->part_read;
            r->part_read = 0;
            if (++r->sheet.cur >= r->sheet.nsel) {
                r->sheet.cur = r->sheet.nsel - 1;
                return READ_EOF;
            }
            if (open_sheet(r) != ENGINE_OK)
                return READ_ERROR;
        }
        int ret = next_row(r, &r->st, &r->row);
        rec_set_bytes(r->sheet.env, (long long)(r->bytes_done + r->part_read),
                      (long long)r->bytes_total);
        if (ret < 0)
            return READ_ERROR;
        if (ret == 0 || (r->sheet.limit >= 0 && r->sheet.emitted >= r->sheet.limit)) {
            r->sheet.sel_rows[r->sheet.cur] = r->sheet.emitted;
            close_sheet(r);
            continue;
        }
        if (!past_skipped(r, &r->row))
            continue;
        if (widen_plan(r) != ENGINE_OK)
            return READ_ERROR;
        if (build_record(r, rec) != ENGINE_OK)
            return READ_ERROR;
        r->sheet.emitted++;
        r->sheet.sel_rows[r->sheet.cur] = r->sheet.emitted;
        return READ_RECORD;
    }
}

static int xlsx_columns(void *state, struct rec_columns *cols)
{
    struct xlsx_reader *r = state;
    if (!r->sheet.opt.use_column_names && r->sheet.plan.width == 0)
        return ENGINE_OK;   /* known per record */
    return sheet_reader_columns(&r->sheet, cols);
}

static int xlsx_metadata(void *state, json_object *meta)
{
    struct xlsx_reader *r = state;
    sheet_reader_metadata(&r->sheet, (const char *const *)r->sheet_names, r->nsheets, meta);
    json_object_object_add(meta, "shared_strings", json_object_new_int64(r->nshared));
    json_object_object_add(meta, "date_system", json_object_new_string(r->date1904 ? "1904"
                                                                                    : "1900"));
    if (r->dimension[0])
        json_object_object_add(meta, "dimension", json_object_new_string(r->dimension));
    sheet_options_metadata(&r->sheet.opt, meta);
    return ENGINE_OK;
}

static int xlsx_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    if (len < 4 || memcmp(head, "PK\x03\x04", 4) != 0)
        return 0;
    const char *dot = name_hint ? strrchr(name_hint, '.') : NULL;
    int bonus = dot && strcasecmp(dot, ".xlsx") == 0 ? 5 : 0;
    if (memmem(head, len, "xl/workbook.xml", 15) || memmem(head, len, "xl/_rels", 8) ||
        memmem(head, len, "xl/worksheets", 13))
        return 90 + bonus;
    return 20 + bonus * 10;   /* some zip: only the name says it is a workbook */
}

/* A zip is a workbook when it holds xl/workbook.xml. */
static bool xlsx_confirm(const char *path)
{
    int err;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    if (!za)
        return false;
    bool yes = zip_name_locate(za, "xl/workbook.xml", ZIP_FL_NOCASE) >= 0;
    zip_discard(za);
    return yes;
}

const struct reader_ops reader_xlsx_ops = {
    .sniff = xlsx_sniff,
    .binary = true,
    .confirm = xlsx_confirm,
    .validate_config = sheet_validate_config,
    .open = xlsx_open,
    .next = xlsx_next,
    .columns = xlsx_columns,
    .metadata = xlsx_metadata,
    .close = xlsx_close,
};
