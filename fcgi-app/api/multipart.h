#ifndef QUARRY_API_MULTIPART_H
#define QUARRY_API_MULTIPART_H
/* multipart/form-data (RFC 7578 over RFC 2046), parsed as a stream.
 *
 * Two layers. The parser (multipart_new/feed/finish) takes the body in
 * chunks of any size and calls back with each part's headers and data; it
 * never holds more than one part's header block (MULTIPART_HEADER_MAX) and a
 * delimiter's worth of bytes, so it can be fed from buffers (unit tests, the
 * fuzzer) as well as from a socket. multipart_receive() puts it to work for an
 * upload: it reads the body through a callback and streams the one file part
 * to a temporary file, hashing it as it goes.
 *
 * Leniency: delimiter and header lines may end in CRLF or a bare LF;
 * transport padding after a delimiter, a preamble and an epilogue are
 * accepted. The body must end with the close delimiter. */
#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_HEADER_MAX 8192   /* one part's header block */
#define MULTIPART_CHUNK (64 * 1024) /* what multipart_receive reads at a time */

enum multipart_status {
    MP_OK = 0,
    MP_NO_BOUNDARY,      /* Content-Type is not multipart/form-data with a valid boundary */
    MP_MALFORMED,        /* a delimiter line or a part header that cannot be read */
    MP_HEADER_TOO_LARGE, /* a part's headers exceed MULTIPART_HEADER_MAX */
    MP_TRUNCATED,        /* the body ended before the close delimiter */
    MP_STOPPED,          /* a callback asked to stop */
    MP_NO_FILE,          /* multipart_receive: no part named as the file field */
    MP_TWO_FILES,        /* multipart_receive: the file field came twice */
    MP_TOO_LARGE,        /* multipart_receive: the file is over the cap */
    MP_READ_ERROR,       /* multipart_receive: the body could not be read */
    MP_IO_ERROR,         /* multipart_receive: the temporary file could not be written */
    MP_NO_SPACE,         /* multipart_receive: the same, the disk (or a quota) being full */
    MP_NO_MEMORY,
};

/* A readable sentence for a status, for the 400 answer and logs. */
const char *multipart_status_message(enum multipart_status st);

/* One part's headers, as the callbacks see them. Longer values are cut. */
struct multipart_part {
    char name[128];      /* Content-Disposition name */
    char filename[256];  /* filename (or filename*), without any directory part */
    bool has_filename;
    char content_type[128]; /* "" when absent */
    long long data_offset;  /* where the part's data starts in the whole body */
};

/* Each returns 0 to go on; anything else stops the parse with MP_STOPPED. */
struct multipart_callbacks {
    void *ctx;
    int (*part_begin)(void *ctx, const struct multipart_part *part);
    int (*part_data)(void *ctx, const char *data, size_t len);
    int (*part_end)(void *ctx);
};

/* Finds the boundary in a Content-Type value ("multipart/form-data;
 * boundary=..."; quoted or not). Writes it to out (at least
 * MULTIPART_BOUNDARY_MAX + 1 bytes); 0, or -1 when there is none or it is not
 * a valid RFC 2046 boundary. */
int multipart_boundary(const char *content_type, char *out, size_t len);

struct multipart;
/* A parser for one body. cb is copied. Owned by the caller (multipart_free);
 * NULL when out of memory or when boundary is not 1..70 characters. */
struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb);
void multipart_free(struct multipart *p);
/* Feeds the next len bytes. After an error every later call returns it again. */
enum multipart_status multipart_feed(struct multipart *p, const char *data, size_t len);
/* The body has ended: MP_OK only when the close delimiter was seen. */
enum multipart_status multipart_finish(struct multipart *p);

/* Reads up to len bytes of the body into buf: the count, 0 at its end, -1 on error. */
typedef long long (*multipart_read_fn)(void *ctx, char *buf, size_t len);

struct multipart_upload {
    /* Set by the caller. */
    const char *field;      /* the part that holds the file ("file") */
    const char *tmp_dir;    /* an existing directory on the storage disk */
    long long max_bytes;    /* the largest file accepted */
    bool body_is_file;      /* the body is the file body_fd, which read_fn reads from its
                               start: the file part is then copied by the kernel
                               (copy_file_range) instead of written from user space */
    int body_fd;
    /* Filled in. On MP_OK tmp_path names the file, which the caller now owns
     * (rename it into place or unlink it); on any error nothing is left. */
    char tmp_path[1024];
    struct multipart_part part;
    long long size;
    char sha256[65]; /* lower-case hex */
};

/* Reads the whole body through read (until it returns 0) and streams the
 * file part to a new file in up->tmp_dir. Other parts are read and dropped.
 * Never holds the file in memory. */
enum multipart_status multipart_receive(const char *content_type, multipart_read_fn read_fn,
                                        void *read_ctx, struct multipart_upload *up);

#endif
