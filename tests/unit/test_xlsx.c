/* test_xlsx.c — the .xlsx reader (read_xlsx.c, sheet.c) and writer
 * (write_xlsx.c). Workbooks are made at test time: with libxlsxwriter for
 * the usual ones, part by part with libzip for the odd and the hostile
 * ones (a zip bomb, a DTD, a lying shared-string count). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "process/record.h"
#include "process/sheet.h"
#include "reader_harness.h"

extern const struct reader_ops reader_xlsx_ops;
extern const struct writer_ops writer_xlsx_ops;
extern unsigned long xlsx_sheet_rows;   /* write_xlsx.c: rows of a sheet (Excel's 1048576) */

static void tmp_name(struct harness *h, const char *suffix)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    static int n;
    snprintf(h->path, sizeof(h->path), "%s/quarry_xlsx_%d_%d%s", dir, (int)getpid(), n++, suffix);
}

/* People (title row, blank row, header at row 3, three people, a total
 * row) and Other (two columns). */
static void make_people(struct harness *h, bool constant_memory)
{
    tmp_name(h, ".xlsx");
    lxw_workbook_options o = {.constant_memory = constant_memory};
    lxw_workbook *wb = workbook_new_opt(h->path, &o);
    lxw_format *date = workbook_add_format(wb), *dt = workbook_add_format(wb);
    lxw_format *tm = workbook_add_format(wb), *custom = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    format_set_num_format(dt, "yyyy-mm-dd hh:mm:ss");
    format_set_num_format(tm, "hh:mm:ss");
    format_set_num_format(custom, "dd/mm/yyyy");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "People");
    worksheet_write_string(ws, 0, 0, "Staff report", NULL);
    const char *hdr[] = {"name", "age", "joined", "active", "score", "seen", "at", "born"};
    for (int i = 0; i < 8; i++)
        worksheet_write_string(ws, 2, (lxw_col_t)i, hdr[i], NULL);
    lxw_datetime d1 = {2020, 1, 15, 0, 0, 0}, d2 = {2021, 3, 4, 10, 30, 0};
    lxw_datetime t1 = {0, 0, 0, 8, 15, 30}, b1 = {1985, 7, 1, 0, 0, 0};
    worksheet_write_string(ws, 3, 0, "Ann", NULL);
    worksheet_write_number(ws, 3, 1, 34, NULL);
    worksheet_write_datetime(ws, 3, 2, &d1, date);
    worksheet_write_boolean(ws, 3, 3, 1, NULL);
    worksheet_write_number(ws, 3, 4, 9.5, NULL);
    worksheet_write_datetime(ws, 3, 5, &d2, dt);
    worksheet_write_datetime(ws, 3, 6, &t1, tm);
    worksheet_write_datetime(ws, 3, 7, &b1, custom);
    worksheet_write_string(ws, 4, 0, "Bjørn", NULL);
    worksheet_write_number(ws, 4, 1, 41, NULL);
    worksheet_write_boolean(ws, 4, 3, 0, NULL);
    worksheet_write_number(ws, 4, 4, -0.125, NULL);
    worksheet_write_string(ws, 5, 0, "Chloé", NULL);
    worksheet_write_number(ws, 5, 4, 1e20, NULL);
    worksheet_write_string(ws, 6, 0, "Total", NULL);
    worksheet_write_number(ws, 6, 1, 75, NULL);
    lxw_worksheet *other = workbook_add_worksheet(wb, "Other");
    worksheet_write_string(other, 0, 0, "a", NULL);
    worksheet_write_string(other, 0, 1, "b", NULL);
    worksheet_write_number(other, 1, 0, 1, NULL);
    worksheet_write_string(other, 1, 1, "x", NULL);
    ck_assert_int_eq(workbook_close(wb), LXW_NO_ERROR);
}

static int run(struct harness *h, const char *config)
{
    return harness_run(h, &reader_xlsx_ops, config, 0);
}

START_TEST(types_dates_and_skip_rows)
{
    for (int cm = 0; cm < 2; cm++) {
        struct harness h = {0};
        make_people(&h, cm);
        ck_assert_int_eq(run(&h, "{\"skip_rows\":1}"), ENGINE_OK);
        ck_assert_uint_eq(harness_count(&h), 4);
        ck_assert_str_eq(harness_rec(&h, 0),
                         "{\"name\":\"s:Ann\",\"age\":\"i:34\",\"joined\":\"s:2020-01-15\","
                         "\"active\":\"b:true\",\"score\":\"n:9.5\",\"seen\":"
                         "\"s:2021-03-04T10:30:00\",\"at\":\"s:08:15:30\",\"born\":"
                         "\"s:1985-07-01\"}");
        ck_assert_str_eq(harness_rec(&h, 1),
                         "{\"name\":\"s:Bjørn\",\"age\":\"i:41\",\"joined\":null,\"active\":"
                         "\"b:false\",\"score\":\"n:-0.125\",\"seen\":null,\"at\":null,\"born\":"
                         "null}");
        ck_assert_str_eq(harness_rec(&h, 2),
                         "{\"name\":\"s:Chloé\",\"age\":null,\"joined\":null,\"active\":null,"
                         "\"score\":\"n:1E+20\",\"seen\":null,\"at\":null,\"born\":null}");
        ck_assert_str_eq(harness_meta_str(&h, "rows_per_sheet"), "{ \"People\": 4 }");
        ck_assert_str_eq(harness_meta_str(&h, "dimension"), "A1:H7");
        harness_done(&h);
    }
}
END_TEST

START_TEST(default_header_is_first_non_empty_row)
{
    struct harness h = {0};
    make_people(&h, false);
    ck_assert_int_eq(run(&h, NULL), ENGINE_OK);
    /* "Staff report" is the header: one column named after it */
    ck_assert_str_eq(harness_rec(&h, 0), "{\"Staff report\":\"s:name\"}");
    ck_assert_str_eq(harness_meta_str(&h, "header_row"), "[ \"Staff report\" ]");
    harness_done(&h);
}
END_TEST

START_TEST(skip_footer_and_columns)
{
    struct harness h = {0};
    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2,\"skip_footer\":1,\"columns\":\"A:B\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 3);
    ck_assert_str_eq(harness_rec(&h, 2), "{\"name\":\"s:Chloé\",\"age\":null}");
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2,\"skip_footer\":3,\"columns\":[\"score\",\"A\",0]}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"name\":\"s:Ann\",\"score\":\"n:9.5\"}");
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2,\"skip_footer\":100}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"skip_rows\":2,\"columns\":[\"nope\"]}"), ENGINE_BAD_CONFIG);
    ck_assert_ptr_nonnull(strstr(h.error, "no column \"nope\""));
    harness_done(&h);
}
END_TEST

START_TEST(letters_without_header_and_date_format)
{
    struct harness h = {0};
    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"skip_rows\":3,\"use_column_names\":false,\"columns\":\"A,C\","
                             "\"date_format\":\"%d/%m/%Y\"}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 4);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"A\":\"s:Ann\",\"C\":\"s:15/01/2020\"}");
    ck_assert_str_eq(harness_rec(&h, 3), "{\"A\":\"s:Total\",\"C\":null}");
    harness_done(&h);
}
END_TEST

START_TEST(sheet_selection)
{
    struct harness h = {0};
    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":\"Other\"}"), ENGINE_OK);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"a\":\"i:1\",\"b\":\"s:x\"}");
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":1}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 1);
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":[\"other\",0],\"skip_rows\":0}"), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 6);
    ck_assert_str_eq(harness_rec(&h, 0), "{\"_sheet\":\"s:Other\",\"a\":\"i:1\",\"b\":\"s:x\"}");
    ck_assert_str_eq(harness_rec(&h, 1), "{\"_sheet\":\"s:People\",\"Staff report\":\"s:name\"}");
    ck_assert_str_eq(harness_meta_str(&h, "sheets_processed"), "[ \"Other\", \"People\" ]");
    ck_assert_str_eq(harness_meta_str(&h, "total_sheets"), "2");
    harness_done(&h);

    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":\"Missing\"}"), ENGINE_BAD_CONFIG);
    ck_assert_ptr_nonnull(strstr(h.error, "\"People\", \"Other\""));
    harness_done(&h);
    make_people(&h, false);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":7}"), ENGINE_BAD_CONFIG);
    harness_done(&h);
}
END_TEST

/* ---- workbooks made part by part ---- */

static const char *content_types =
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
    "content-types\"/>";
static const char *workbook_1904 =
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/"
    "spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><workbookPr date1904=\"1\"/><sheets><sheet name=\"S\" sheetId=\"1\" "
    "r:id=\"rId7\"/></sheets></workbook>";
static const char *rels =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
    "2006/relationships\"><Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/"
    "officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"strings.xml\"/><Relationship Id=\"rId9\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/></Relationships>";
static const char *styles =
    "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
    "2006/main\"><numFmts count=\"1\"><numFmt numFmtId=\"170\" formatCode=\"[$-409]d\\-mmm\\-yy;"
    "@\"/></numFmts><cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"170\"/><xf numFmtId=\"4\"/>"
    "</cellXfs></styleSheet>";
static const char *strings =
    "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
    "main\" count=\"3\" uniqueCount=\"3\"><si><t>key</t></si><si><r><rPr><b/></rPr><t>val</t>"
    "</r><r><t xml:space=\"preserve\">ue </t></r><rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh>"
    "</si><si><t/></si></sst>";
static const char *sheet =
    "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
    "2006/main\"><dimension ref=\"A1:E4\"/><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
    "<c t=\"inlineStr\"><is><t>when</t></is></c><c><v>5</v></c></row>"
    "<row><c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c>"
    "<c t=\"e\"><v>#DIV/0!</v></c><c s=\"1\"><v>0</v></c><c t=\"str\"><f>A2</f><v>calc</v></c>"
    "</row>"
    "<row r=\"4\"><c r=\"B4\" t=\"s\"><v>2</v></c><c r=\"C4\" s=\"1\"><v>366.5</v></c>"
    "<c r=\"D4\" t=\"d\"><v>2024-05-06</v></c><c r=\"A4\" t=\"s\"><v>99</v></c>"
    "<c r=\"E4\" s=\"2\"><v>1.5</v></c></row>"
    "</sheetData></worksheet>";

struct part {
    const char *name;
    const char *data;
    size_t len;   /* 0: strlen(data) */
};

static void make_zip(struct harness *h, const struct part *parts, size_t n)
{
    tmp_name(h, ".xlsx");
    int err;
    zip_t *za = zip_open(h->path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_ptr_nonnull(za);
    for (size_t i = 0; i < n; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *src = zip_source_buffer(za, parts[i].data, len, 0);
        ck_assert_ptr_nonnull(src);
        zip_int64_t idx = zip_file_add(za, parts[i].name, src, ZIP_FL_OVERWRITE);
        ck_assert_int_ge(idx, 0);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9);
    }
    ck_assert_int_eq(zip_close(za), 0);
}

START_TEST(odd_parts_inline_strings_1904_and_errors)
{
    struct harness h = {0};
    struct part parts[] = {
        {"[Content_Types].xml", content_types, 0}, {"xl/workbook.xml", workbook_1904, 0},
        {"xl/_rels/workbook.xml.rels", rels, 0},   {"xl/styles.xml", styles, 0},
        {"xl/strings.xml", strings, 0},            {"xl/worksheets/data.xml", sheet, 0},
    };
    make_zip(&h, parts, 6);
    ck_assert_int_eq(run(&h, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"key\":\"s:inline\",\"value\":\"s:#DIV/0!\",\"when\":\"s:1904-01-01\","
                     "\"5\":\"s:calc\"}");
    /* A4 points at a missing shared string (a warning); E4 has no header */
    ck_assert_str_eq(harness_rec(&h, 1),
                     "{\"key\":null,\"value\":null,\"when\":\"s:1905-01-01\",\"5\":"
                     "\"s:2024-05-06\"}");
    ck_assert_uint_eq(json_object_array_length(h.errors), 1);
    ck_assert_str_eq(harness_err(&h, 0), "4:warning:BAD_SHARED_STRING");
    ck_assert_str_eq(harness_meta_str(&h, "date_system"), "1904");
    ck_assert_str_eq(harness_meta_str(&h, "shared_strings"), "3");
    harness_done(&h);
}
END_TEST

START_TEST(zip_bomb_is_refused)
{
    struct harness h = {0};
    size_t big = 32u << 20;
    char *bomb = malloc(big);
    const char *head = "<worksheet><sheetData>";
    const char *tail = "</sheetData></worksheet>";
    memset(bomb, ' ', big);
    memcpy(bomb, head, strlen(head));
    memcpy(bomb + big - strlen(tail), tail, strlen(tail));
    struct part parts[] = {
        {"[Content_Types].xml", content_types, 0}, {"xl/workbook.xml", workbook_1904, 0},
        {"xl/_rels/workbook.xml.rels", rels, 0},   {"xl/worksheets/data.xml", bomb, big},
    };
    make_zip(&h, parts, 4);
    free(bomb);
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "zip bomb"));
    harness_done(&h);
}
END_TEST

START_TEST(hostile_parts_are_refused)
{
    struct harness h = {0};
    const char *lying = "<sst uniqueCount=\"4000000000\"><si><t>a</t></si></sst>";
    struct part parts[] = {
        {"xl/workbook.xml", workbook_1904, 0},
        {"xl/_rels/workbook.xml.rels", rels, 0},
        {"xl/strings.xml", lying, 0},
        {"xl/worksheets/data.xml", sheet, 0},
    };
    make_zip(&h, parts, 4);
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "shared strings"));
    harness_done(&h);

    const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\">"
                      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><workbook><sheets>"
                      "<sheet name=\"&b;\"/></sheets></workbook>";
    parts[0].data = dtd;
    parts[2].data = strings;
    make_zip(&h, parts, 4);
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "DTD"));
    harness_done(&h);

    parts[0].data = "<workbook><sheets><sheet name=\"S\"";   /* cut off */
    make_zip(&h, parts, 4);
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "invalid XML"));
    harness_done(&h);

    struct part no_workbook[] = {{"word/document.xml", "<w/>", 0}};
    make_zip(&h, no_workbook, 1);
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "xl/workbook.xml"));
    harness_done(&h);

    harness_write(&h, "", 0, ".xlsx");
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    harness_done(&h);
    harness_write(&h, "id,name\n1,a\n", 12, ".xlsx");
    ck_assert_int_eq(run(&h, NULL), ENGINE_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(h.error, "not a readable .xlsx"));
    harness_done(&h);
}
END_TEST

START_TEST(config_validation)
{
    char field[64], msg[256];
    const char *bad[] = {"{\"sheet_name\":[]}",         "{\"sheet_name\":-1}",
                         "{\"skip_footer\":-2}",        "{\"use_column_names\":\"no\"}",
                         "{\"columns\":\"A:3\"}",       "{\"columns\":[true]}",
                         "{\"date_format\":\"\"}",      "{\"sheet_name\":{\"a\":1}}"};
    const char *fields[] = {"sheet_name", "sheet_name", "skip_footer", "use_column_names",
                            "columns",    "columns",    "date_format", "sheet_name"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *c = json_tokener_parse(bad[i]);
        ck_assert_int_eq(reader_xlsx_ops.validate_config(c, field, sizeof(field), msg,
                                                         sizeof(msg)),
                         -1);
        ck_assert_str_eq(field, fields[i]);
        json_object_put(c);
    }
}
END_TEST

START_TEST(date_kinds_and_serials)
{
    char out[64];
    ck_assert_int_eq(sheet_format_kind(14, NULL), SHEET_DATE);
    ck_assert_int_eq(sheet_format_kind(22, NULL), SHEET_DATETIME);
    ck_assert_int_eq(sheet_format_kind(21, NULL), SHEET_TIME);
    ck_assert_int_eq(sheet_format_kind(4, NULL), SHEET_NOT_DATE);
    ck_assert_int_eq(sheet_format_kind(164, "0.00\"days\""), SHEET_NOT_DATE);
    ck_assert_int_eq(sheet_format_kind(164, "[Red]#,##0;[Blue]-#,##0"), SHEET_NOT_DATE);
    ck_assert_int_eq(sheet_format_kind(164, "[h]:mm:ss"), SHEET_TIME);
    ck_assert_int_eq(sheet_format_kind(164, "yyyy-mm-dd hh:mm"), SHEET_DATETIME);
    ck_assert_int_eq(sheet_format_kind(164, "mmm yy"), SHEET_DATE);
    ck_assert_int_eq(sheet_format_kind(164, "General"), SHEET_NOT_DATE);
    ck_assert_uint_gt(sheet_format_serial(43845, false, SHEET_DATE, NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "2020-01-15");
    sheet_format_serial(1, false, SHEET_DATE, NULL, out, sizeof(out));
    ck_assert_str_eq(out, "1900-01-01");
    sheet_format_serial(61, false, SHEET_DATE, NULL, out, sizeof(out));
    ck_assert_str_eq(out, "1900-03-01");
    sheet_format_serial(44259.4375, false, SHEET_DATETIME, NULL, out, sizeof(out));
    ck_assert_str_eq(out, "2021-03-04T10:30:00");
    sheet_format_serial(0.999999999, false, SHEET_TIME, NULL, out, sizeof(out));
    ck_assert_str_eq(out, "00:00:00");
    sheet_format_serial(44259.4375, false, SHEET_DATETIME, "%A %d %B %Y %H.%M", out, sizeof(out));
    ck_assert_str_eq(out, "Thursday 04 March 2021 10.30");
    ck_assert_uint_eq(sheet_format_serial(-1, false, SHEET_DATE, NULL, out, sizeof(out)), 0);
    ck_assert_uint_eq(sheet_format_serial(3e6, false, SHEET_DATE, NULL, out, sizeof(out)), 0);
    long col, row;
    ck_assert_int_eq(sheet_parse_ref("XFD1048576", &col, &row), 0);
    ck_assert_int_eq(col, 16383);
    ck_assert_int_eq(row, 1048576);
    ck_assert_int_eq(sheet_parse_ref("XFE1", &col, &row), -1);
    ck_assert_int_eq(sheet_parse_ref("A0", &col, &row), -1);
    char letters[4];
    sheet_col_letters(27, letters);
    ck_assert_str_eq(letters, "AB");
    sheet_col_letters(16383, letters);
    ck_assert_str_eq(letters, "XFD");
}
END_TEST

/* ---- the writer ---- */

static void write_records(struct harness *h, const struct rec_columns *cols,
                          const struct record *recs, size_t n, struct rec_env *env)
{
    struct writer_args args = {.path = h->path, .columns = cols, .env = env};
    void *state;
    ck_assert_int_eq(writer_xlsx_ops.open(&state, &args), ENGINE_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(writer_xlsx_ops.write(state, &recs[i]), ENGINE_OK);
    ck_assert_int_eq(writer_xlsx_ops.close(state), ENGINE_OK);
}

START_TEST(writer_round_trip)
{
    struct harness h = {0};
    tmp_name(&h, ".xlsx");
    struct rec_env *env = rec_env_new(NULL);
    const char *id = rec_intern(env, "id", 2), *name = rec_intern(env, "name", 4);
    const char *ok = rec_intern(env, "ok", 2), *big = rec_intern(env, "big", 3);
    const char *text = rec_intern(env, "text", 4), *extra = rec_intern(env, "extra", 5);
    size_t long_len = 40000;
    char *longs = malloc(long_len);
    memset(longs, 'x', long_len);
    longs[32766] = '\xC3';   /* a two-byte character across Excel's limit */
    longs[32767] = '\xA9';
    struct rec_field r1[] = {{id, "1", 1, REC_INTEGER, REC_NUM_UNKNOWN},
                             {name, "Ann \"A\" <x>", 11, REC_STRING, REC_NUM_UNKNOWN},
                             {ok, "true", 4, REC_BOOLEAN, REC_NUM_UNKNOWN},
                             {big, "12345678901234567890", 20, REC_INTEGER, REC_NUM_UNKNOWN},
                             {text, "007", 3, REC_TEXT, REC_NUM_UNKNOWN}};
    struct rec_field r2[] = {{text, "2.50", 4, REC_TEXT, REC_NUM_UNKNOWN},
                             {id, "2", 1, REC_INTEGER, REC_NUM_UNKNOWN},
                             {extra, "dropped", 7, REC_STRING, REC_NUM_UNKNOWN},
                             {name, longs, long_len, REC_STRING, REC_NUM_UNKNOWN},
                             {ok, "", 0, REC_NULL, REC_NUM_UNKNOWN}};
    struct record recs[] = {{r1, 5, 1, NULL, false, false}, {r2, 5, 2, NULL, false, false}};
    write_records(&h, NULL, recs, 2, env);
    rec_env_free(env);
    free(longs);
    ck_assert_int_eq(run(&h, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 2);
    ck_assert_str_eq(harness_rec(&h, 0),
                     "{\"id\":\"i:1\",\"name\":\"s:Ann \\\"A\\\" <x>\",\"ok\":\"b:true\","
                     "\"big\":\"s:12345678901234567890\",\"text\":\"s:007\"}");
    const char *r = harness_rec(&h, 1);
    ck_assert_ptr_nonnull(strstr(r, "\"id\":\"i:2\""));
    ck_assert_ptr_nonnull(strstr(r, "\"text\":\"n:2.5\""));
    ck_assert_ptr_nonnull(strstr(r, "\"ok\":null"));
    ck_assert_ptr_null(strstr(r, "extra"));
    /* 32766 characters: the é that would cross the limit is left out */
    ck_assert_uint_eq(strlen(r), strlen("{\"id\":\"i:2\",\"name\":\"s:\",\"ok\":null,\"big\":null,"
                                        "\"text\":\"n:2.5\"}") +
                                     32766);
    harness_done(&h);
}
END_TEST

/* The text of one part of the zip at path. */
static char *zip_part(const char *path, const char *name)
{
    int err;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    ck_assert_ptr_nonnull(za);
    zip_stat_t st;
    ck_assert_int_eq(zip_stat(za, name, 0, &st), 0);
    char *text = calloc(1, st.size + 1);
    zip_file_t *zf = zip_fopen(za, name, 0);
    ck_assert_int_eq(zip_fread(zf, text, st.size), (zip_int64_t)st.size);
    zip_fclose(zf);
    zip_discard(za);
    return text;
}

START_TEST(writer_with_known_columns_and_no_rows)
{
    struct harness h = {0};
    tmp_name(&h, ".xlsx");
    struct rec_env *env = rec_env_new(NULL);
    const char *names[] = {rec_intern(env, "a", 1), rec_intern(env, "b", 1)};
    struct rec_columns cols = {names, 2, 2};
    write_records(&h, &cols, NULL, 0, env);
    rec_env_free(env);
    /* the header cells use a style whose font is bold */
    char *sheet1 = zip_part(h.path, "xl/worksheets/sheet1.xml");
    char *style = zip_part(h.path, "xl/styles.xml");
    ck_assert_ptr_nonnull(strstr(sheet1, "<c r=\"A1\" s=\"1\""));
    ck_assert_ptr_nonnull(strstr(style, "<b/>"));
    free(sheet1);
    free(style);
    ck_assert_int_eq(run(&h, NULL), ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 0);
    ck_assert_str_eq(harness_meta_str(&h, "header_row"), "[ \"a\", \"b\" ]");
    harness_done(&h);
}
END_TEST

/* Past a sheet's rows the writer goes on in Sheet2, Sheet3, ... each with
 * its header. Excel's limit (1,048,576 rows) is lowered to 4 here: the
 * same comparison, without writing a million rows (that takes about 8 s
 * of CPU under the sanitizers, reading it back as much again). */
START_TEST(writer_rolls_over_to_new_sheets)
{
    ck_assert_uint_eq(xlsx_sheet_rows, 1048576);
    struct harness h = {0};
    tmp_name(&h, ".xlsx");
    struct rec_env *env = rec_env_new(NULL);
    const char *names[] = {rec_intern(env, "n", 1), rec_intern(env, "s", 1)};
    struct rec_columns cols = {names, 2, 2};
    struct rec_field fields[8][2];
    struct record recs[8];
    static const char *const digits[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    static const char *const words[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (size_t i = 0; i < 8; i++) {
        fields[i][0] = (struct rec_field){.name = names[0], .val = digits[i], .len = 1,
                                          .type = REC_INTEGER};
        fields[i][1] = (struct rec_field){.name = names[1], .val = words[i], .len = 1,
                                          .type = REC_STRING};
        recs[i] = (struct record){.fields = fields[i], .nfields = 2, .line = (long long)i + 1};
    }
    xlsx_sheet_rows = 4;   /* a header and three rows */
    write_records(&h, &cols, recs, 8, env);
    xlsx_sheet_rows = 1048576;
    rec_env_free(env);

    char *book = zip_part(h.path, "xl/workbook.xml");
    ck_assert_ptr_nonnull(strstr(book, "name=\"Sheet3\""));
    ck_assert_ptr_null(strstr(book, "name=\"Sheet4\""));
    free(book);
    ck_assert_int_eq(run(&h, "{\"sheet_name\":[\"Sheet1\",\"Sheet2\",\"Sheet3\"]}"),
                     ENGINE_OK);
    ck_assert_uint_eq(harness_count(&h), 8);   /* every row once, each sheet's header read as one */
    ck_assert_str_eq(harness_rec(&h, 0), "{\"_sheet\":\"s:Sheet1\",\"n\":\"i:1\",\"s\":\"s:a\"}");
    ck_assert_str_eq(harness_rec(&h, 2), "{\"_sheet\":\"s:Sheet1\",\"n\":\"i:3\",\"s\":\"s:c\"}");
    ck_assert_str_eq(harness_rec(&h, 3), "{\"_sheet\":\"s:Sheet2\",\"n\":\"i:4\",\"s\":\"s:d\"}");
    ck_assert_str_eq(harness_rec(&h, 5), "{\"_sheet\":\"s:Sheet2\",\"n\":\"i:6\",\"s\":\"s:f\"}");
    ck_assert_str_eq(harness_rec(&h, 6), "{\"_sheet\":\"s:Sheet3\",\"n\":\"i:7\",\"s\":\"s:g\"}");
    ck_assert_str_eq(harness_rec(&h, 7), "{\"_sheet\":\"s:Sheet3\",\"n\":\"i:8\",\"s\":\"s:h\"}");
    harness_done(&h);
}
END_TEST

Suite *xlsx_suite(void)
{
    Suite *s = suite_create("xlsx");
    TCase *tc = tcase_create("xlsx");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, types_dates_and_skip_rows);
    tcase_add_test(tc, default_header_is_first_non_empty_row);
    tcase_add_test(tc, skip_footer_and_columns);
    tcase_add_test(tc, letters_without_header_and_date_format);
    tcase_add_test(tc, sheet_selection);
    tcase_add_test(tc, odd_parts_inline_strings_1904_and_errors);
    tcase_add_test(tc, zip_bomb_is_refused);
    tcase_add_test(tc, hostile_parts_are_refused);
    tcase_add_test(tc, config_validation);
    tcase_add_test(tc, writer_rolls_over_to_new_sheets);
    tcase_add_test(tc, date_kinds_and_serials);
    tcase_add_test(tc, writer_round_trip);
    tcase_add_test(tc, writer_with_known_columns_and_no_rows);
    suite_add_tcase(s, tc);
    return s;
}
