/* detect.c — type detection for uploads and for the engine.
 *
 * libmagic answers first for what is plainly not data (images, PDFs,
 * executables, archives). Containers are then confirmed by opening them:
 * a zip is a workbook only when it holds xl/workbook.xml, an OLE2 file is
 * an .xls only when libfreexl can read its workbook stream. Text goes to
 * each reader's sniff() (formats_sniff), because libmagic says text/plain
 * for semicolon CSV, TSV and JSON Lines alike. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <freexl.h>
#include <magic.h>
#include <zip.h>

#include "process/detect.h"
#include "process/formats.h"
#include "process/text.h"

#define DETECT_HEAD 65536
#define DETECT_LINES 20

static magic_t magic_cookie;
static bool magic_tried;

/* The process's libmagic handle, or NULL when libmagic cannot load its
 * database (detection then relies on sniffing alone). */
static magic_t magic_handle(void)
{
    if (magic_tried)
        return magic_cookie;
    magic_tried = true;
    magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    if (magic_cookie && magic_load(magic_cookie, NULL) != 0) {
        magic_close(magic_cookie);
        magic_cookie = NULL;
    }
    return magic_cookie;
}

static bool starts_with(const unsigned char *p, size_t len, const char *prefix, size_t n)
{
    return len >= n && memcmp(p, prefix, n) == 0;
}

static bool zip_is_workbook(const char *path)
{
    int err;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    if (!za)
        return false;
    bool yes = zip_name_locate(za, "xl/workbook.xml", ZIP_FL_NOCASE) >= 0;
    zip_discard(za);
    return yes;
}

static bool ole_is_workbook(const char *path)
{
    const void *handle = NULL;
    if (freexl_open_info(path, &handle) != FREEXL_OK) {
        if (handle)
            freexl_close(handle);
        return false;
    }
    freexl_close(handle);
    return true;
}

/* Types libmagic is sure are not text data. */
static bool plainly_not_data(const char *type)
{
    static const char *const prefixes[] = {"image/", "audio/", "video/", "font/", "model/"};
    static const char *const types[] = {
        "application/pdf",          "application/x-executable", "application/x-sharedlib",
        "application/x-pie-executable", "application/gzip",     "application/x-bzip2",
        "application/x-xz",         "application/x-7z-compressed", "application/x-rar",
        "application/x-tar",        "application/zstd",         "application/x-dosexec",
        "application/x-mach-binary", "application/wasm",        "application/postscript",
        "application/x-sqlite3",    "application/vnd.rar",      "application/java-archive",
    };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(type, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    return false;
}

/* Text the readers can take: no NUL bytes and no control characters
 * besides tab, line ends and form feed. UTF-8 or a single-byte code page
 * (the CSV reader decodes latin-1 and windows-1252). */
static bool looks_like_text(const unsigned char *p, size_t len)
{
    size_t controls = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c == 0)
            return false;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A)
            controls++;
    }
    return controls * 100 <= len;   /* a stray control byte is not binary */
}

/* For CSV: which delimiter splits the first lines the same way. */
static const char *csv_mime(const unsigned char *p, size_t len)
{
    static const char delims[] = {',', ';', '\t', '|'};
    long first[4] = {0}, ok[4] = {1, 1, 1, 1};
    size_t lines = 0, i = 0;
    while (i < len && lines < DETECT_LINES) {
        long count[4] = {0};
        bool quoted = false;
        size_t start = i;
        for (; i < len && (quoted || (p[i] != '\n' && p[i] != '\r')); i++) {
            if (p[i] == '"')
                quoted = !quoted;
            for (int d = 0; d < 4 && !quoted; d++)
                count[d] += p[i] == (unsigned char)delims[d];
        }
        bool complete = i < len;
        while (i < len && (p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i - start == 0 || (!complete && lines > 0))
            continue;   /* a blank line, or a last line cut by the head */
        for (int d = 0; d < 4; d++) {
            if (lines == 0)
                first[d] = count[d];
            else if (count[d] != first[d])
                ok[d] = 0;
        }
        lines++;
    }
    int best = -1;
    for (int d = 0; d < 4; d++)
        if (ok[d] && first[d] > 0 && (best < 0 || first[d] > first[best]))
            best = d;
    if (best < 0)
        return "text/plain";
    return delims[best] == '\t' ? "text/tab-separated-values" : "text/csv";
}

static const char *format_mime(const char *format, const unsigned char *head, size_t len)
{
    if (strcmp(format, "json") == 0)
        return "application/json";
    if (strcmp(format, "jsonl") == 0)
        return "application/x-ndjson";
    if (strcmp(format, "xml") == 0)
        return "application/xml";
    if (strcmp(format, "xlsx") == 0)
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (strcmp(format, "xls") == 0)
        return "application/vnd.ms-excel";
    if (strcmp(format, "parquet") == 0)
        return "application/vnd.apache.parquet";
    return csv_mime(head, len);
}

static int answer(const char *fmt, const char *type, char *format, size_t format_len, char *mime,
                  size_t mime_len)
{
    snprintf(format, format_len, "%s", fmt ? fmt : "");
    snprintf(mime, mime_len, "%s", type ? type : "");
    return fmt ? 0 : -1;
}

int detect_format(const char *path, const char *name_hint, char *format, size_t format_len,
                  char *mime, size_t mime_len)
{
    unsigned char head[DETECT_HEAD];
    answer(NULL, NULL, format, format_len, mime, mime_len);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len < sizeof(head)) {
        ssize_t n = read(fd, head + len, sizeof(head) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len == 0)
        return answer(NULL, "inode/x-empty", format, format_len, mime, mime_len);

    magic_t m = magic_handle();
    const char *type = m ? magic_buffer(m, head, len) : NULL;
    if (!type)
        type = "application/octet-stream";

    if (starts_with(head, len, "PK\x03\x04", 4))
        return zip_is_workbook(path) ? answer("xlsx", format_mime("xlsx", NULL, 0), format,
                                              format_len, mime, mime_len)
                                     : answer(NULL, type, format, format_len, mime, mime_len);
    if (starts_with(head, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return ole_is_workbook(path) ? answer("xls", format_mime("xls", NULL, 0), format,
                                              format_len, mime, mime_len)
                                     : answer(NULL, type, format, format_len, mime, mime_len);
    /* Parquet: the magic at both ends (the reader checks the footer). */
    if (starts_with(head, len, "PAR1", 4))
        return answer("parquet", format_mime("parquet", NULL, 0), format, format_len, mime,
                      mime_len);
    if (plainly_not_data(type))
        return answer(NULL, type, format, format_len, mime, mime_len);

    /* UTF-16 text: only XML declares its encoding, so only XML is read. */
    bool utf16 = starts_with(head, len, "\xFF\xFE", 2) || starts_with(head, len, "\xFE\xFF", 2);
    if (!utf16 && !looks_like_text(head, len))
        return answer(NULL, type, format, format_len, mime, mime_len);
    const struct reader_ops *reader = formats_sniff(head, len, name_hint);
    if (!reader || (utf16 && strcmp(reader->format, "xml") != 0))
        return answer(NULL, type, format, format_len, mime, mime_len);
    return answer(reader->format, format_mime(reader->format, head, len), format, format_len, mime,
                  mime_len);
}
