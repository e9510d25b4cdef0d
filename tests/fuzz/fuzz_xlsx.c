/* fuzz_xlsx.c — libFuzzer target for the .xlsx reader (read_xlsx.c,
 * sheet.c) and, on some inputs, the XLSX writer (write_xlsx.c).
 *
 * Byte 0 chooses the reader options, byte 1 the mode: with bit 0 the rest
 * is the file itself (a zip); otherwise the rest is split at \x01 bytes into
 * the sheet, shared strings, styles and workbook parts, which are zipped
 * (in memory) with a fixed relationships part, so that the fuzzer works on
 * the XML inside a valid zip. With bits 1 and 2, every record read is written to
 * an .xlsx in $TMPDIR, which is then removed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "fuzz_reader.h"
#include "process/formats.h"

static const char *const part_names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                         "xl/styles.xml", "xl/workbook.xml"};
static const char workbook[] =
    "<workbook xmlns:r=\"urn:r\"><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/></Relationships>";

/* Zips the parts in memory; returns a malloc'ed buffer (NULL on failure). */
static uint8_t *make_zip(const uint8_t *data, size_t size, size_t *out_len)
{
    const uint8_t *part[4] = {NULL};
    size_t len[4] = {0};
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < 4; i++) {
        if (i == size || data[i] == 0x01) {
            part[n] = data + start;
            len[n++] = i - start;
            start = i + 1;
        }
    }
    if (n < 4) {
        part[3] = (const uint8_t *)workbook;
        len[3] = sizeof(workbook) - 1;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    uint8_t *buf = NULL;
    if (!src)
        goto out;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!za)
        goto out;
    for (size_t i = 0; i < 5; i++) {
        const void *p = i < 4 ? (const void *)part[i] : rels;
        size_t l = i < 4 ? len[i] : sizeof(rels) - 1;
        if (i < 4 && !p)
            continue;
        zip_source_t *s = zip_source_buffer(za, l ? p : "", l, 0);
        if (!s || zip_file_add(za, i < 4 ? part_names[i] : "xl/_rels/workbook.xml.rels", s, 0) < 0) {
            zip_source_free(s);
            zip_discard(za);
            goto out;
        }
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        goto out;
    }
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0)
        goto out;
    buf = malloc(st.size ? st.size : 1);
    if (buf && zip_source_read(src, buf, st.size) != (zip_int64_t)st.size) {
        free(buf);
        buf = NULL;
    }
    *out_len = st.size;
    zip_source_close(src);
out:
    if (src)
        zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

struct sink {
    const struct writer_ops *ops;
    void *state;
    struct rec_env *env;
    int failed;
};

static void write_record(const struct record *rec, void *ctx)
{
    struct sink *s = ctx;
    if (!s->state || s->failed)
        return;
    if (s->ops->write(s->state, rec) != ENGINE_OK)
        s->failed = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t a = data[0], mode = data[1];
    data += 2;
    size -= 2;
    size_t zlen = size;
    uint8_t *zipped = NULL;
    if (!(mode & 1)) {
        zipped = make_zip(data, size, &zlen);
        if (!zipped)
            return 0;
    }
    char path[64], config[512];
    int fd = fuzz_memfd(zipped ? zipped : data, zlen, path, sizeof(path));
    free(zipped);
    snprintf(config, sizeof(config),
             "{\"skip_rows\":%d,\"skip_footer\":%d,\"use_column_names\":%s%s%s%s}", a & 3,
             (a >> 2) & 1, (a & 8) ? "false" : "true", (a & 16) ? ",\"columns\":\"A:B\"" : "",
             (a & 32) ? ",\"date_format\":\"%d/%m/%Y %H\"" : "",
             (a & 64) ? ",\"sheet_name\":[0,\"S\"]" : "");
    struct sink sink = {.ops = formats_writer("xlsx")};
    char out[256] = "";
    if ((mode & 6) == 6) {   /* the writer is slow to set up: a quarter of the inputs */
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(out, sizeof(out), "%s/fuzz_xlsx_%d.xlsx", dir, (int)getpid());
        sink.env = rec_env_new(NULL);
        struct writer_args wargs = {.path = out, .env = sink.env};
        if (sink.ops->open(&sink.state, &wargs) != ENGINE_OK)
            sink.state = NULL;
    }
    fuzz_read(formats_reader("xlsx"), path, config, (mode & 6) == 6 ? write_record : NULL, &sink);
    if (sink.state)
        sink.ops->close(sink.state);
    if (sink.env)
        rec_env_free(sink.env);
    if (out[0])
        unlink(out);
    formats_reader("xlsx")->sniff(data, size, NULL);
    close(fd);
    return 0;
}
