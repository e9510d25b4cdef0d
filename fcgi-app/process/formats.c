/* formats.c — the one table of data formats. A line names a format, the
 * other spellings users send for it, the media type of a file in it, and
 * its reader and writer (either may be NULL). Type detection, the choice
 * of reader and writer, output file names, the API's check of
 * output_format and every message that lists formats read this table:
 * adding a format is its reader and/or writer file plus one line here. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "process/formats.h"
#include "process/record.h"
#include "process/text.h"

extern const struct reader_ops reader_csv_ops;
extern const struct reader_ops reader_json_ops;
extern const struct reader_ops reader_jsonl_ops;
extern const struct reader_ops reader_xml_ops;
extern const struct reader_ops reader_xlsx_ops;
extern const struct reader_ops reader_xls_ops;
extern const struct reader_ops reader_parquet_ops;

extern const struct writer_ops writer_csv_ops;
extern const struct writer_ops writer_json_ops;
extern const struct writer_ops writer_jsonl_ops;
extern const struct writer_ops writer_xlsx_ops;
extern const struct writer_ops writer_parquet_ops;

/* {name, aliases, mime, reader, writer}. The order breaks ties between
 * readers equally sure of a file. */
static const struct format formats[] = {
    {"csv", "tsv txt", "text/csv", &reader_csv_ops, &writer_csv_ops},
    {"json", "", "application/json", &reader_json_ops, &writer_json_ops},
    {"jsonl", "jsonlines ndjson json_lines", "application/x-ndjson", &reader_jsonl_ops,
     &writer_jsonl_ops},
    {"xml", "", "application/xml", &reader_xml_ops, NULL},
    {"xlsx", "excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     &reader_xlsx_ops, &writer_xlsx_ops},
    {"xls", "", "application/vnd.ms-excel", &reader_xls_ops, NULL},
    {"parquet", "pq", "application/vnd.apache.parquet", &reader_parquet_ops, &writer_parquet_ops},
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct format *formats_by_name(const char *name)
{
    for (size_t i = 0; name && i < NFORMATS; i++)
        if (strcmp(name, formats[i].name) == 0)
            return &formats[i];
    return NULL;
}

/* Whether name is one of the space-separated words of list, in any case. */
static bool among(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list + strspn(list, " "); *p; p += strspn(p, " ")) {
        size_t len = strcspn(p, " ");
        if (len == n && strncasecmp(p, name, n) == 0)
            return true;
        p += len;
    }
    return false;
}

const struct format *formats_lookup(const char *name)
{
    for (size_t i = 0; name && i < NFORMATS; i++)
        if (strcasecmp(name, formats[i].name) == 0)
            return &formats[i];
    for (size_t i = 0; name && i < NFORMATS; i++)
        if (among(formats[i].aliases, name))
            return &formats[i];
    return NULL;
}

const struct reader_ops *formats_reader(const char *format)
{
    const struct format *f = formats_lookup(format);
    return f ? f->reader : NULL;
}

const struct writer_ops *formats_writer(const char *format)
{
    const struct format *f = formats_lookup(format);
    return f ? f->writer : NULL;
}

const struct format *formats_sniff(const unsigned char *head, size_t len, const char *name_hint,
                                   enum formats_kind kind)
{
    const struct format *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct reader_ops *r = formats[i].reader;
        if (!r || !r->sniff || (kind == FORMATS_BINARY && !r->binary) ||
            (kind == FORMATS_TEXT && r->binary))
            continue;
        int score = r->sniff(head, len, name_hint);
        if (score > best_score) {
            best = &formats[i];
            best_score = score;
        }
    }
    return best;
}

int formats_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                            size_t msg_len)
{
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct reader_ops *r = formats[i].reader;
        if (r && r->validate_config &&
            r->validate_config(config, field, field_len, msg, msg_len))
            return -1;
    }
    return 0;
}

/* The names of the formats with a reader (or a writer), joined. */
static const char *names(char *buf, size_t len, bool writers)
{
    const char *list[NFORMATS];
    size_t n = 0;
    for (size_t i = 0; i < NFORMATS; i++)
        if (writers ? formats[i].writer != NULL : formats[i].reader != NULL)
            list[n++] = formats[i].name;
    return text_join(buf, len, list, n);
}

const char *formats_reader_names(char *buf, size_t len)
{
    return names(buf, len, false);
}

const char *formats_writer_names(char *buf, size_t len)
{
    return names(buf, len, true);
}
