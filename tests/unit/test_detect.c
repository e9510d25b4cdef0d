/* test_detect.c — detect_format(): libmagic plus content sniffing, the file
 * name only a hint; what the engine cannot read is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "process/detect.h"

static char path[256];

static void write_file(const void *data, size_t len)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/quarry_detect_XXXXXX", dir);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* Detects text written to a temporary file; expects format and mime. */
static void expect(const char *text, size_t len, const char *hint, const char *want_format,
                   const char *want_mime)
{
    char format[16], mime[128];
    write_file(text, len);
    int rc = detect_format(path, hint, format, sizeof(format), mime, sizeof(mime));
    unlink(path);
    if (!want_format) {
        ck_assert_msg(rc == -1, "accepted as %s (%s)", format, mime);
        if (want_mime)
            ck_assert_str_eq(mime, want_mime);
        return;
    }
    ck_assert_msg(rc == 0, "refused (%s)", mime);
    ck_assert_str_eq(format, want_format);
    ck_assert_str_eq(mime, want_mime);
}

#define EXPECT(text, hint, fmt, mime) expect(text, sizeof(text) - 1, hint, fmt, mime)

START_TEST(delimited_text)
{
    EXPECT("id,name,city\n1,Ann,Oslo\n2,\"B, b\",Rome\n", "x.csv", "csv", "text/csv");
    EXPECT("id;name;city\n1;Ann;Oslo\n2;Bob;Rome\n", NULL, "csv", "text/csv");
    EXPECT("id\tname\n1\tAnn\n2\tBob\n", "x.txt", "csv", "text/tab-separated-values");
    EXPECT("Dear reader,\nthis is a letter. It has no columns at all\nbut lines of prose.\n",
           NULL, "csv", "text/plain");
    EXPECT("name;caf\xe9\nx;y\n", "latin1.csv", "csv", "text/csv");
}
END_TEST

START_TEST(json_family)
{
    EXPECT("[{\"a\":1},{\"a\":2}]", NULL, "json", "application/json");
    EXPECT("{\n  \"data\": {\"customers\": []}\n}\n", NULL, "json", "application/json");
    EXPECT("{\"a\":1}\n{\"a\":2}\n", NULL, "jsonl", "application/x-ndjson");
    /* the name is only a hint: JSON Lines named .json is still JSON Lines */
    EXPECT("{\"a\":1}\n{\"a\":2}\n", "data.json", "jsonl", "application/x-ndjson");
    EXPECT("[{\"a\":1}]", "data.csv", "json", "application/json");
    /* one object on one line: the hint decides */
    EXPECT("{\"a\":1}\n", "one.jsonl", "jsonl", "application/x-ndjson");
    EXPECT("{\"a\":1}\n", "one.json", "json", "application/json");
}
END_TEST

START_TEST(xml)
{
    EXPECT("<?xml version=\"1.0\"?>\n<rows><row a=\"1\"/></rows>\n", NULL, "xml",
           "application/xml");
    EXPECT("<rows><row>1</row></rows>", "rows.txt", "xml", "application/xml");
}
END_TEST

START_TEST(workbooks)
{
    char format[16], mime[128];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/quarry_detect_%d.bin", dir, (int)getpid());
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    worksheet_write_string(ws, 0, 0, "a", NULL);
    worksheet_write_number(ws, 1, 0, 1, NULL);
    ck_assert_int_eq(workbook_close(wb), LXW_NO_ERROR);
    ck_assert_int_eq(detect_format(path, "upload.dat", format, sizeof(format), mime, sizeof(mime)),
                     0);
    ck_assert_str_eq(format, "xlsx");
    ck_assert_str_eq(mime, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    unlink(path);

    /* a zip that is not a workbook */
    int err;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_ptr_nonnull(za);
    zip_source_t *src = zip_source_buffer(za, "hello", 5, 0);
    ck_assert_int_ge(zip_file_add(za, "word/document.xml", src, 0), 0);
    ck_assert_int_eq(zip_close(za), 0);
    ck_assert_int_eq(detect_format(path, "x.xlsx", format, sizeof(format), mime, sizeof(mime)),
                     -1);
    ck_assert_str_ne(mime, "");   /* libmagic's name for it, e.g. a Word document */
    unlink(path);

    char xls[512];
    snprintf(xls, sizeof(xls), "%s/tests/unit/data/sample.xls",
             getenv("srcdir") ? getenv("srcdir") : ".");
    ck_assert_int_eq(detect_format(xls, NULL, format, sizeof(format), mime, sizeof(mime)), 0);
    ck_assert_str_eq(format, "xls");
    ck_assert_str_eq(mime, "application/vnd.ms-excel");

    /* OLE2 magic that is not a workbook */
    unsigned char ole[4096] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    expect((const char *)ole, sizeof(ole), "x.xls", NULL, NULL);
}
END_TEST

START_TEST(what_cannot_be_read)
{
    static const unsigned char png[] = {
        0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 'I',  'H',
        'D',  'R',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
        0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 'I',  'D',  'A',  'T',  0x78,
        0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
        0x00, 0x00, 0x00, 'I',  'E',  'N',  'D',  0xAE, 0x42, 0x60, 0x82};
    expect((const char *)png, sizeof(png), "image.csv", NULL, "image/png");
    EXPECT("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n"
           "%%EOF\n",
           "doc.csv", NULL, "application/pdf");
    unsigned char blob[2048];
    for (size_t i = 0; i < sizeof(blob); i++)
        blob[i] = (unsigned char)((i * 7919u) ^ (i >> 3));
    expect((const char *)blob, sizeof(blob), "data.json", NULL, NULL);
    expect("", 0, "empty.csv", NULL, NULL);
    char format[16], mime[128];
    ck_assert_int_eq(detect_format("/nonexistent/quarry", NULL, format, sizeof(format), mime,
                                   sizeof(mime)),
                     -1);
}
END_TEST

Suite *detect_suite(void)
{
    Suite *s = suite_create("detect");
    TCase *tc = tcase_create("detect");
    tcase_add_test(tc, delimited_text);
    tcase_add_test(tc, json_family);
    tcase_add_test(tc, xml);
    tcase_add_test(tc, workbooks);
    tcase_add_test(tc, what_cannot_be_read);
    suite_add_tcase(s, tc);
    return s;
}
