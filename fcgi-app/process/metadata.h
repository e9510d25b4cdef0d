/* metadata.h — per-column statistics of the input for processing_metadata:
 * data_types (inferred from every value), null_counts, columns_count. */
#ifndef QUARRY_PROCESS_METADATA_H
#define QUARRY_PROCESS_METADATA_H

#include <stdbool.h>
#include <json-c/json.h>

#include "process/record.h"
#include "process/text.h"

struct meta_stats;

/* Ownership: the caller frees with meta_free(). NULL when out of memory.
 * detailed also keeps what a schema needs (lengths, min/max, presence),
 * which costs more per value: engine_infer_schema uses it on a sample. */
struct meta_stats *meta_new(bool detailed);
void meta_free(struct meta_stats *stats);
/* Registers the columns known up front, so that they are described even
 * when no record has them. Returns 0, or -1 when out of memory. */
int meta_columns(struct meta_stats *stats, const struct rec_columns *cols);
/* With on, meta_observe() notes in each field's num whether its value is a
 * JSON number where its kind told, and sets rec->num_known when every
 * field's is current (for the JSON writers). Off by default. */
void meta_note_numbers(struct meta_stats *stats, bool on);
/* Looks at one input record. Returns 0, or -1 when out of memory. */
int meta_observe(struct meta_stats *stats, struct record *rec);
/* Adds columns_count (unless present), columns_found (the same number),
 * data_types and null_counts to meta. */
int meta_emit(const struct meta_stats *stats, json_object *meta);

/* The kind of one non-null value, as data_types sees it (a REC_TEXT
 * value is classified, typed values keep their type). */
enum text_kind meta_value_kind(const struct rec_field *f);
/* The data_types name ("integer", "number", "boolean", "date", "datetime",
 * "string") of a column whose values had these kinds (bits 1 << kind). */
const char *meta_kinds_type(unsigned kinds);

/* The schema of GET /files/{id}/schema from a detailed run over `rows`
 * records: {schema:{col:{type, nullable, min_length, max_length, min?,
 * max?}}, summary:{...}, sample_info:{rows_analyzed, columns}}.
 * Ownership: the result belongs to the caller; NULL when out of memory. */
json_object *meta_schema(const struct meta_stats *stats, long long rows);

#endif
