/* input.h — a job's input: which format it is in, and the byte stream the
 * text readers (CSV, JSON, JSON Lines) read it through. */
#ifndef QUARRY_PROCESS_INPUT_H
#define QUARRY_PROCESS_INPUT_H

#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "process/record.h"

/* The format of a job's input: processing_config "format" when given,
 * else the one whose reader is most sure of the file's first bytes (the
 * name is a hint). Returns ENGINE_OK and *out (a format with a reader),
 * or a status given to rec_fail. */
int input_format(const char *path, json_object *config, const char *name_hint,
                 struct rec_env *env, const struct format **out);

/* A file read once, from start to end. */
struct input_stream {
    struct rec_env *env;
    int fd;                              /* -1 when not open */
    long long bytes_read, bytes_total;   /* the progress reported with rec_set_bytes */
};

/* The prologue of every byte-stream reader: opens path for one
 * sequential pass (its size for progress, POSIX_FADV_SEQUENTIAL) and
 * allocates the reader's buffer: cap bytes, or cap / 4 when the file is
 * smaller than cap / 2, plus pad bytes past them that reads never fill
 * (room for a sentinel or a vector over-read). Sets *buf and *buf_cap
 * (without pad). Returns ENGINE_OK, or a status given to rec_fail.
 * Ownership: *buf is the caller's to free (also on failure, when set);
 * input_close() closes the file in either case. */
int input_open(struct input_stream *in, const char *path, struct rec_env *env, size_t cap,
               size_t pad, char **buf, size_t *buf_cap);

/* Reads up to len bytes (retrying on EINTR) and reports progress.
 * Returns the count (0 at the end of the file), or -1 after rec_fail. */
ssize_t input_read(struct input_stream *in, void *dst, size_t len);

void input_close(struct input_stream *in);

#endif
