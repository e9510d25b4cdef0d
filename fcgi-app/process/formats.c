/* formats.c — the table of readers and writers. Adding a format is one
 * file plus one line here. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "process/formats.h"
#include "process/record.h"

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

static const struct reader_ops *const readers[] = {
    &reader_csv_ops,
    &reader_json_ops,
    &reader_jsonl_ops,
    &reader_xml_ops,
    &reader_xlsx_ops,
    &reader_xls_ops,
    &reader_parquet_ops,
};

static const struct writer_ops *const writers[] = {
    &writer_csv_ops,
    &writer_json_ops,
    &writer_jsonl_ops,
    &writer_xlsx_ops,
    &writer_parquet_ops,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Spellings users send for the same format. */
static const struct {
    const char *alias, *format;
} aliases[] = {
    {"jsonlines", "jsonl"}, {"ndjson", "jsonl"}, {"json_lines", "jsonl"},
    {"tsv", "csv"},         {"txt", "csv"},      {"excel", "xlsx"},
    {"pq", "parquet"},
};

const char *formats_canonical(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < COUNT(aliases); i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return aliases[i].format;
    static const char *const known[] = {"csv", "json", "jsonl", "xml", "xlsx", "xls", "parquet"};
    for (size_t i = 0; i < COUNT(known); i++)
        if (strcasecmp(name, known[i]) == 0)
            return known[i];
    return NULL;
}

const struct reader_ops *formats_reader(const char *format)
{
    const char *f = formats_canonical(format);
    for (size_t i = 0; f && i < COUNT(readers); i++)
        if (strcmp(readers[i]->format, f) == 0)
            return readers[i];
    return NULL;
}

const struct writer_ops *formats_writer(const char *format)
{
    const char *f = formats_canonical(format);
    for (size_t i = 0; f && i < COUNT(writers); i++)
        if (strcmp(writers[i]->format, f) == 0)
            return writers[i];
    return NULL;
}

const struct reader_ops *formats_sniff(const unsigned char *head, size_t len,
                                       const char *name_hint)
{
    const struct reader_ops *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < COUNT(readers); i++) {
        int score = readers[i]->sniff ? readers[i]->sniff(head, len, name_hint) : 0;
        if (score > best_score) {
            best = readers[i];
            best_score = score;
        }
    }
    return best;
}

int formats_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                            size_t msg_len)
{
    for (size_t i = 0; i < COUNT(readers); i++)
        if (readers[i]->validate_config &&
            readers[i]->validate_config(config, field, field_len, msg, msg_len))
            return -1;
    return 0;
}

const char *formats_writer_list(void)
{
    return "csv, json, jsonl, xlsx, parquet";
}
