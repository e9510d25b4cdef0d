/* formats.h — lookups over the reader and writer tables (formats.c). */
#ifndef QUARRY_PROCESS_FORMATS_H
#define QUARRY_PROCESS_FORMATS_H

#include <stddef.h>
#include <json-c/json.h>

#include "process/record.h"

/* The canonical name of a format ("jsonlines" -> "jsonl"), or NULL. */
const char *formats_canonical(const char *name);
/* The reader most sure it reads this content (never NULL: CSV is the fallback). */
const struct reader_ops *formats_sniff(const unsigned char *head, size_t len,
                                       const char *name_hint);
/* Runs every reader's validate_config. */
int formats_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                            size_t msg_len);
/* The output formats, for messages. */
const char *formats_writer_list(void);

#endif
