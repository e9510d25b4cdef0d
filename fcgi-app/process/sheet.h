/* sheet.h — what the two spreadsheet readers (read_xlsx.c, read_xls.c)
 * share: their processing_config options, sheet selection, column letters,
 * the column plan (header names and the `columns` selection), and dates.
 *
 * Options: sheet_name (a name, a 0-based index, or a list of them; default
 * the first sheet), skip_rows (rows 1..skip_rows of a sheet are ignored),
 * skip_footer (the last N data rows of a sheet are dropped),
 * use_column_names (the first non-empty row is the header; default true;
 * when false the columns are named by their letters A, B, ...), columns
 * ("A:C", "A,C,E:G", or a list of letters, header names or 0-based
 * indexes), date_format (strftime pattern for date cells; default ISO 8601:
 * 2024-01-31, 2024-01-31T10:30:00, 10:30:00). */
#ifndef QUARRY_PROCESS_SHEET_H
#define QUARRY_PROCESS_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/record.h"

/* Excel's own limits. */
#define SHEET_MAX_COLS 16384
#define SHEET_MAX_ROWS 1048576L
/* Sheets one run may read. */
#define SHEET_MAX_SELECTED 256

struct sheet_options {
    json_object *sheets;        /* borrowed; NULL = the first sheet */
    long long skip_rows, skip_footer;
    bool use_column_names;
    json_object *columns;       /* borrowed; NULL = all */
    const char *date_format;    /* borrowed; NULL = ISO 8601 */
};

/* Reads the spreadsheet keys of processing_config. On error fills field and
 * msg and returns -1. */
int sheet_options_parse(json_object *config, struct sheet_options *opt, char *field,
                        size_t field_len, char *msg, size_t msg_len);

/* Resolves sheet_name against the workbook's sheet names: fills idx with up
 * to SHEET_MAX_SELECTED sheet positions and returns how many, or -1 with
 * msg when a name or index does not exist. */
int sheet_select(const struct sheet_options *opt, const char *const *names, size_t count,
                 size_t *idx, char *msg, size_t msg_len);

/* "B7" -> col 1, row 7. Either part may be missing ("B" or "7"); a missing
 * part is -1. Returns 0, or -1 when ref is malformed or out of Excel's range. */
int sheet_parse_ref(const char *ref, long *col, long *row);
/* 0 -> "A", 27 -> "AB". out has room for 4 bytes. */
void sheet_col_letters(long col, char *out);

/* One header cell: its column and its text (not NUL-terminated). */
struct sheet_cell_text {
    long col;
    const char *text;
    size_t len;
};

/* The output columns of a sheet: sheet column positions and interned
 * names, in sheet order. */
struct sheet_plan {
    long *cols;
    const char **names;
    size_t n;
    long width;                 /* 1 + the last sheet column used */
};

/* Builds the plan from the header cells (sorted by column; ignored when
 * use_column_names is false) and the sheet's width, then applies the
 * `columns` selection. Ownership: plan's arrays belong to the caller
 * (sheet_plan_free). Returns ENGINE_OK, ENGINE_BAD_CONFIG with msg (a
 * selected column does not exist), or ENGINE_NO_MEMORY. */
int sheet_plan_build(struct rec_env *env, const struct sheet_options *opt,
                     const struct sheet_cell_text *header, size_t nheader, long width,
                     struct sheet_plan *plan, char *msg, size_t msg_len);
void sheet_plan_free(struct sheet_plan *plan);

enum sheet_date_kind { SHEET_NOT_DATE = 0, SHEET_DATE, SHEET_DATETIME, SHEET_TIME };

/* Whether an Excel number format shows a date, a date-time or a time:
 * builtin ids 14-22, 27-36, 45-47, 50-58, or a custom code with date or
 * time letters outside quotes and brackets. code may be NULL. */
enum sheet_date_kind sheet_format_kind(int num_fmt_id, const char *code);

/* Writes an Excel serial date (days since 1899-12-30, or 1904-01-01 with
 * date1904) as text of the given kind, with date_format when not NULL.
 * Returns the length, or 0 when the serial is out of range. */
size_t sheet_format_serial(double serial, bool date1904, enum sheet_date_kind kind,
                           const char *date_format, char *out, size_t out_len);
/* The same from calendar parts (libfreexl gives dates as text). */
size_t sheet_format_parts(int year, int month, int day, int hour, int minute, double second,
                          enum sheet_date_kind kind, const char *date_format, char *out,
                          size_t out_len);

/* Adds the options that were used to processing_metadata. */
void sheet_options_metadata(const struct sheet_options *opt, json_object *meta);

/* ---- what both readers keep: embedded as `sheet` in each reader ---- */

struct sheet_reader {
    struct rec_env *env;
    struct sheet_options opt;
    size_t sel[SHEET_MAX_SELECTED];          /* the selected sheets' positions */
    long long sel_rows[SHEET_MAX_SELECTED];  /* rows read from each */
    int nsel, cur;                           /* cur: the index in sel being read */
    struct sheet_plan plan;                  /* of the sheet being read */
    long long limit, emitted;                /* limit < 0: no skip_footer */
    const char *sheet_field;                 /* interned "_sheet" */
    struct rec_field *fields;                /* room for plan.n + 1 */
    size_t fields_cap;
    struct rec_arena *arena;
    struct record scratch;                   /* only its arena, for rec_alloc() */
    json_object *first_header;               /* header_row of the metadata */
};

/* reader_ops.validate_config of both readers. */
int sheet_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                          size_t msg_len);
/* The readers' prologue: reads the options, makes the scratch arena and
 * interns "_sheet". Returns ENGINE_OK or a status given to rec_fail;
 * sheet_reader_free() cleans up either way. */
int sheet_reader_open(struct sheet_reader *s, const struct reader_args *args);
void sheet_reader_free(struct sheet_reader *s);
/* Selects the sheets sheet_name names among the workbook's (names stay
 * the caller's). Returns ENGINE_OK or a status given to rec_fail. */
int sheet_reader_select(struct sheet_reader *s, const char *const *names, size_t count);
/* Plans the current sheet's columns (sheet_plan_build) and makes room for
 * its records; sheet_name, when not NULL, is named in a message. Returns
 * ENGINE_OK or a status given to rec_fail. */
int sheet_reader_plan(struct sheet_reader *s, const struct sheet_cell_text *header,
                      size_t nheader, long width, const char *sheet_name);
/* Starts a record: the "_sheet" field when several sheets are read.
 * Returns the number of fields set. */
size_t sheet_reader_record_start(struct sheet_reader *s, const char *sheet_name);
/* reader_ops.columns: the plan's names when one sheet is read. */
int sheet_reader_columns(const struct sheet_reader *s, struct rec_columns *cols);
/* The metadata keys both readers set before their own ones
 * (sheet_names, sheets_processed, rows_per_sheet, header_row). */
void sheet_reader_metadata(const struct sheet_reader *s, const char *const *names, size_t count,
                           json_object *meta);

#endif
