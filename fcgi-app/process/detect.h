/* detect.h — what kind of data file is this? libmagic plus each reader's
 * own content sniffing; the file name is only a hint. */
#ifndef QUARRY_PROCESS_DETECT_H
#define QUARRY_PROCESS_DETECT_H

#include <stddef.h>

/* Detects the input format of the file at path. Returns 0 and fills format
 * (the canonical name of a format with a reader: formats_by_name) and mime
 * (e.g. "text/csv", "application/x-ndjson"); returns -1 when the engine cannot read the file
 * (an image, a PDF, an unknown binary, an empty file, a zip that is not a
 * workbook), with mime set to what libmagic saw when it saw something.
 * name_hint (the user's file name) may be NULL. Opens one libmagic handle
 * per process, lazily (call it after fork). */
int detect_format(const char *path, const char *name_hint, char *format, size_t format_len,
                  char *mime, size_t mime_len);

#endif
