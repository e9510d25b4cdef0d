/* metadata.h — per-column statistics of the input for processing_metadata:
 * data_types (inferred from every value), null_counts, columns_count. */
#ifndef QUARRY_PROCESS_METADATA_H
#define QUARRY_PROCESS_METADATA_H

#include <json-c/json.h>

#include "process/record.h"

struct meta_stats;

/* Ownership: the caller frees with meta_free(). NULL when out of memory. */
struct meta_stats *meta_new(void);
void meta_free(struct meta_stats *stats);
/* Registers the columns known up front, so that they are described even
 * when no record has them. Returns 0, or -1 when out of memory. */
int meta_columns(struct meta_stats *stats, const struct rec_columns *cols);
/* Looks at one input record. Returns 0, or -1 when out of memory. */
int meta_observe(struct meta_stats *stats, const struct record *rec);
/* Adds columns_count (unless present), data_types and null_counts to meta. */
int meta_emit(const struct meta_stats *stats, json_object *meta);

#endif
