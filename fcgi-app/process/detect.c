/* detect.c — type detection for uploads and for the engine.
 *
 * libmagic answers first for what is plainly not data (images, PDFs,
 * executables, archives). A binary format is known by its signature and,
 * where that is not proof enough, confirmed by its reader opening the file
 * (a zip is a workbook only when it holds xl/workbook.xml, an OLE2 file an
 * .xls only when libfreexl can read its workbook stream). Text goes to each text reader's sniff(), because
 * libmagic says text/plain for semicolon CSV, TSV and JSON Lines alike.
 * The formats, their media types and their readers are formats.c's table. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <magic.h>

#include "process/detect.h"
#include "process/formats.h"
#include "process/text.h"

#define DETECT_HEAD 65536

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

static const char *media_type(const struct format *f, const unsigned char *head, size_t len)
{
    return f->reader->media_type ? f->reader->media_type(head, len) : f->mime;
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

    /* A binary format's signature; where that is not proof enough, its
     * reader opens the file (a zip that is not a workbook). */
    const struct format *f = formats_sniff(head, len, name_hint, FORMATS_BINARY);
    if (f)
        return !f->reader->confirm || f->reader->confirm(path)
                   ? answer(f->name, media_type(f, head, len), format, format_len, mime, mime_len)
                   : answer(NULL, type, format, format_len, mime, mime_len);
    if (plainly_not_data(type))
        return answer(NULL, type, format, format_len, mime, mime_len);

    /* UTF-16 only for a reader that reads it (XML declares its encoding). */
    bool utf16 = starts_with(head, len, "\xFF\xFE", 2) || starts_with(head, len, "\xFE\xFF", 2);
    if (!utf16 && !looks_like_text(head, len))
        return answer(NULL, type, format, format_len, mime, mime_len);
    f = formats_sniff(head, len, name_hint, FORMATS_TEXT);
    if (!f || (utf16 && !f->reader->utf16))
        return answer(NULL, type, format, format_len, mime, mime_len);
    return answer(f->name, media_type(f, head, len), format, format_len, mime, mime_len);
}
