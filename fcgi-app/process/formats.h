/* formats.h — lookups over the table of formats (formats.c). The public
 * part (struct format, formats_by_name, formats_writer_names) is in
 * engine.h; formats_reader and formats_writer are in record.h. */
#ifndef QUARRY_PROCESS_FORMATS_H
#define QUARRY_PROCESS_FORMATS_H

#include <stddef.h>
#include <json-c/json.h>

#include "process/engine.h"
#include "process/record.h"

/* The format named by its canonical name or an alias, in any case
 * ("JSONLines" -> jsonl), or NULL. */
const struct format *formats_lookup(const char *name);

/* Which readers formats_sniff asks. */
enum formats_kind {
    FORMATS_ANY,         /* every reader */
    FORMATS_BINARY,      /* readers of binary formats: they answer on a signature */
    FORMATS_TEXT,        /* the others */
};
/* The format whose reader is most sure it reads this content (the start
 * of a file; the name is a hint), or NULL when no reader of that kind
 * claims it. */
const struct format *formats_sniff(const unsigned char *head, size_t len, const char *name_hint,
                                   enum formats_kind kind);

/* Runs every reader's validate_config. */
int formats_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                            size_t msg_len);

/* The canonical names of the formats with a reader, like formats_writer_names. */
const char *formats_reader_names(char *buf, size_t len);

#endif
