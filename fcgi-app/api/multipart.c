/* A streaming multipart/form-data parser and the upload built on it.
 *
 * The parser is a small state machine over the bytes it is fed. In a part's
 * body it looks for the delimiter "\n--boundary" (a '\r' just before the
 * '\n' belongs to the delimiter too). Because the delimiter's only '\n' is its
 * first byte, a failed match can only restart at a '\n' or a '\r': no
 * backtracking is needed, and a candidate cut by the end of a chunk is held
 * as (a '\r'?, how many delimiter bytes matched) rather than as bytes. */
#include "api/multipart.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum mp_state {
    S_PREAMBLE,   /* before the first delimiter: dropped */
    S_AFTER_DELIM, /* just after "--boundary": "--", padding, or a line end */
    S_AFTER_DASH, /* "--boundary-": the second '-' must follow */
    S_AFTER_CR,   /* "--boundary\r": '\n' must follow */
    S_HEADERS,    /* a part's header block, up to an empty line */
    S_BODY,       /* a part's data */
    S_EPILOGUE,   /* after the close delimiter: dropped */
    S_ERROR,
};

struct multipart {
    struct multipart_callbacks cb;
    char delim[3 + MULTIPART_BOUNDARY_MAX + 1]; /* "\n--" boundary */
    size_t dlen;
    enum mp_state state;
    enum multipart_status error;
    /* A delimiter candidate carried over from the previous chunk. */
    size_t match; /* delimiter bytes matched */
    bool cr;      /* a '\r' before them */
    char hdr[MULTIPART_HEADER_MAX];
    size_t hlen, line_start;
    struct multipart_part part;
    long long fed;         /* body bytes given to earlier multipart_feed calls */
    long long next_offset; /* offset of the byte after the one header_byte looks at */
};

const char *multipart_status_message(enum multipart_status st)
{
    switch (st) {
    case MP_OK: return "ok";
    case MP_NO_BOUNDARY: return "Content-Type must be multipart/form-data with a boundary";
    case MP_MALFORMED: return "The multipart body is malformed";
    case MP_HEADER_TOO_LARGE: return "A part's headers are too large";
    case MP_TRUNCATED: return "The multipart body ended before its final boundary";
    case MP_STOPPED: return "The upload was stopped";
    case MP_NO_FILE: return "The multipart body has no file part";
    case MP_TWO_FILES: return "The multipart body has more than one file part";
    case MP_TOO_LARGE: return "The file is larger than allowed";
    case MP_READ_ERROR: return "The request body could not be read";
    case MP_IO_ERROR: return "The file could not be stored";
    case MP_NO_SPACE: return "The storage is full";
    case MP_NO_MEMORY: return "Out of memory";
    }
    return "unknown error";
}

/* ------------------------------------------------------------ header values */

static bool is_bchar(unsigned char c)
{
    return isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL;
}

static bool boundary_valid(const char *b, size_t n)
{
    if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_bchar((unsigned char)b[i]))
            return false;
    return true;
}

static bool is_token_char(unsigned char c)
{
    return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Cuts a string that was truncated at a byte limit back to a whole UTF-8 character. */
static void cut_utf8(char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--;
    if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
        if (n - (i - 1) < need)
            n = i - 1;
    }
    s[n] = '\0';
}

/* Copies src into dst[size], cut at a whole character when it does not fit. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n < size) {
        memcpy(dst, src, n + 1);
        return;
    }
    memcpy(dst, src, size - 1);
    cut_utf8(dst, size - 1);
}

/* Appends c to out[*o] while there is room; sets *cut when there is not. */
static void put(char *out, size_t len, size_t *o, char c, bool *cut)
{
    if (*o + 1 < len)
        out[(*o)++] = c;
    else
        *cut = true;
}

/* Reads the next "; name=value" parameter of a header value at *s. The name
 * is lower-cased, the value unquoted; both are cut to their buffers. Returns
 * 1 for a parameter, 0 at the end, -1 when malformed. */
static int next_param(const char **s, char *name, size_t nlen, char *value, size_t vlen)
{
    const char *p = skip_space(*s);
    size_t o = 0;
    bool cut = false;
    while (*p == ';')
        p = skip_space(p + 1);
    if (*p == '\0')
        return 0;
    while (is_token_char((unsigned char)*p) && *p != '=') {
        put(name, nlen, &o, (char)tolower((unsigned char)*p), &cut);
        p++;
    }
    name[o] = '\0';
    p = skip_space(p);
    if (o == 0 || *p != '=')
        return -1;
    p = skip_space(p + 1);
    o = 0;
    cut = false;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\0')
                return -1;
            /* A backslash escapes only '"' and '\': browsers send Windows paths unescaped. */
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            put(value, vlen, &o, *p, &cut);
        }
        p++;
    } else {
        for (; is_token_char((unsigned char)*p) || *p == '/'; p++)
            put(value, vlen, &o, *p, &cut);
        if (o == 0)
            return -1;
    }
    if (cut)
        cut_utf8(value, o);
    else
        value[o] = '\0';
    p = skip_space(p);
    if (*p != '\0' && *p != ';')
        return -1;
    *s = p;
    return 1;
}

int multipart_boundary(const char *content_type, char *out, size_t len)
{
    static const char media[] = "multipart/form-data";
    char name[32], value[MULTIPART_BOUNDARY_MAX + 2];
    bool found = false;
    if (content_type == NULL || len < MULTIPART_BOUNDARY_MAX + 1)
        return -1;
    const char *s = skip_space(content_type);
    if (strncasecmp(s, media, sizeof(media) - 1) != 0)
        return -1;
    s = skip_space(s + sizeof(media) - 1);
    if (*s != ';')
        return -1;
    int rc;
    while ((rc = next_param(&s, name, sizeof(name), value, sizeof(value))) == 1) {
        if (strcmp(name, "boundary") != 0)
            continue;
        /* value holds one byte more than a boundary may have: a longer one shows up as 71. */
        if (found || !boundary_valid(value, strlen(value)))
            return -1;
        snprintf(out, len, "%s", value);
        found = true;
    }
    return rc == 0 && found ? 0 : -1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 5987 filename*: charset'language'percent-encoded. UTF-8 and
 * ISO-8859-1 are understood; -1 for anything else. */
static int decode_ext_value(const char *v, char *out, size_t len)
{
    const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    if (q2 == NULL)
        return -1;
    bool latin1;
    if ((size_t)(q1 - v) == 5 && strncasecmp(v, "utf-8", 5) == 0)
        latin1 = false;
    else if ((size_t)(q1 - v) == 10 && strncasecmp(v, "iso-8859-1", 10) == 0)
        latin1 = true;
    else
        return -1;
    size_t o = 0;
    bool cut = false;
    for (const char *p = q2 + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int hi = hex_digit(p[1]), lo = hi >= 0 ? hex_digit(p[2]) : -1;
            if (lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            p += 2;
        }
        if (latin1 && c >= 0x80) {
            put(out, len, &o, (char)(0xc0 | (c >> 6)), &cut);
            put(out, len, &o, (char)(0x80 | (c & 0x3f)), &cut);
        } else {
            put(out, len, &o, (char)c, &cut);
        }
    }
    if (cut)
        cut_utf8(out, o);
    else
        out[o] = '\0';
    return 0;
}

/* Keeps only the last path element: some clients send the whole path. */
static void strip_directories(char *name)
{
    char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');
    char *last = slash > back ? slash : back;
    if (last != NULL)
        memmove(name, last + 1, strlen(last + 1) + 1);
}

static int parse_disposition(const char *v, struct multipart_part *part)
{
    static const char kind[] = "form-data";
    char name[32], value[sizeof(part->filename)], ext[sizeof(part->filename)];
    bool has_name = false, has_ext = false;
    const char *s = skip_space(v);
    if (strncasecmp(s, kind, sizeof(kind) - 1) != 0)
        return -1;
    s += sizeof(kind) - 1;
    if (*skip_space(s) != ';' && *skip_space(s) != '\0')
        return -1;
    int rc;
    while ((rc = next_param(&s, name, sizeof(name), value, sizeof(value))) == 1) {
        if (strcmp(name, "name") == 0) {
            copy_text(part->name, sizeof(part->name), value);
            has_name = true;
        } else if (strcmp(name, "filename") == 0) {
            copy_text(part->filename, sizeof(part->filename), value);
            part->has_filename = true;
        } else if (strcmp(name, "filename*") == 0 && decode_ext_value(value, ext, sizeof(ext)) == 0) {
            has_ext = true;
        }
    }
    if (rc != 0 || !has_name)
        return -1;
    if (has_ext) {
        copy_text(part->filename, sizeof(part->filename), ext);
        part->has_filename = true;
    }
    strip_directories(part->filename);
    return 0;
}

/* Parses the header block in p->hdr (without its final empty line). */
static int parse_headers(struct multipart *p)
{
    char *h = p->hdr, *end = p->hdr + p->hlen;
    bool has_disposition = false;
    memset(&p->part, 0, sizeof(p->part));
    /* Unfold obsolete continuation lines: a line end before a blank joins the lines. */
    for (char *c = h; c < end; c++) {
        if (*c == '\n' && c + 1 < end && (c[1] == ' ' || c[1] == '\t')) {
            *c = ' ';
            if (c > h && c[-1] == '\r')
                c[-1] = ' ';
        }
    }
    while (h < end) {
        char *nl = memchr(h, '\n', (size_t)(end - h));
        char *line_end = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        if (line_end > h && line_end[-1] == '\r')
            line_end--;
        *line_end = '\0';
        if (memchr(h, '\0', (size_t)(line_end - h)) != NULL)
            return -1;
        char *colon = strchr(h, ':');
        if (colon == NULL || colon == h)
            return -1;
        *colon = '\0';
        char *value = (char *)skip_space(colon + 1);
        size_t vlen = strlen(value);
        while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
            value[--vlen] = '\0';
        if (strcasecmp(h, "Content-Disposition") == 0) {
            if (has_disposition || parse_disposition(value, &p->part) != 0)
                return -1;
            has_disposition = true;
        } else if (strcasecmp(h, "Content-Type") == 0) {
            copy_text(p->part.content_type, sizeof(p->part.content_type), value);
        }
        h = next;
    }
    return has_disposition ? 0 : -1;
}

/* ------------------------------------------------------------ the parser */

struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb)
{
    size_t blen = boundary ? strlen(boundary) : 0;
    if (blen < 1 || blen > MULTIPART_BOUNDARY_MAX)
        return NULL;
    struct multipart *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    if (cb != NULL)
        p->cb = *cb;
    memcpy(p->delim, "\n--", 3);
    memcpy(p->delim + 3, boundary, blen);
    p->dlen = 3 + blen;
    /* The body may start with the delimiter itself: act as if a '\n' came first. */
    p->state = S_PREAMBLE;
    p->match = 1;
    return p;
}

void multipart_free(struct multipart *p)
{
    free(p);
}

static enum multipart_status fail(struct multipart *p, enum multipart_status st)
{
    p->state = S_ERROR;
    p->error = st;
    return st;
}

/* Part data goes to the callback; preamble bytes are dropped. */
static int emit(struct multipart *p, const char *data, size_t len)
{
    if (p->state != S_BODY || len == 0 || p->cb.part_data == NULL)
        return 0;
    return p->cb.part_data(p->cb.ctx, data, len);
}

/* Scans buf for the delimiter in S_PREAMBLE or S_BODY, emitting what is
 * data. *used gets the bytes consumed, *found whether a delimiter ended
 * there. Returns non-zero when a callback stopped. */
static int scan_body(struct multipart *p, const char *buf, size_t n, size_t *used, bool *found)
{
    size_t i = 0;
    *found = false;
    /* 1. A candidate held from the previous chunk: its bytes are not in buf. */
    while ((p->cr || p->match > 0) && i < n) {
        if (p->match == 0) { /* only a '\r' is held */
            if (buf[i] == '\n') {
                p->match = 1;
                i++;
                continue;
            }
            p->cr = false;
            if (emit(p, "\r", 1) != 0)
                return -1;
            break;
        }
        if (buf[i] == p->delim[p->match]) {
            i++;
            if (++p->match == p->dlen) {
                p->match = 0;
                p->cr = false;
                *found = true;
                *used = i;
                return 0;
            }
            continue;
        }
        /* No delimiter after all: the held bytes were data; buf[i] is looked at again below. */
        if (p->cr && emit(p, "\r", 1) != 0)
            return -1;
        if (emit(p, p->delim, p->match) != 0)
            return -1;
        p->cr = false;
        p->match = 0;
        break;
    }
    if (p->cr || p->match > 0) {
        *used = n;
        return 0;
    }
    /* 2. The rest of the chunk: data runs between line feeds. */
    size_t span = i;
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        if (nl == NULL)
            break;
        size_t j = (size_t)(nl - buf), k = 1;
        while (k < p->dlen && j + k < n && buf[j + k] == p->delim[k])
            k++;
        size_t cand = j > span && buf[j - 1] == '\r' ? j - 1 : j;
        if (k == p->dlen || j + k == n) {
            if (emit(p, buf + span, cand - span) != 0)
                return -1;
            if (k == p->dlen) {
                *found = true;
                *used = j + k;
            } else { /* cut by the end of the chunk: hold it */
                p->cr = cand < j;
                p->match = k;
                *used = n;
            }
            return 0;
        }
        i = j + 1;
    }
    size_t end = n;
    if (end > span && buf[end - 1] == '\r') {
        end--;
        p->cr = true;
    }
    *used = n;
    return emit(p, buf + span, end - span);
}

/* One byte of a part's header block. */
static enum multipart_status header_byte(struct multipart *p, char c)
{
    if (p->hlen == sizeof(p->hdr))
        return fail(p, MP_HEADER_TOO_LARGE);
    p->hdr[p->hlen++] = c;
    if (c != '\n')
        return MP_OK;
    size_t line_len = p->hlen - 1 - p->line_start;
    if (line_len > 0 && p->hdr[p->hlen - 2] == '\r')
        line_len--;
    if (line_len > 0) {
        p->line_start = p->hlen;
        return MP_OK;
    }
    /* An empty line: the headers are complete. */
    p->hlen = p->line_start;
    if (parse_headers(p) != 0)
        return fail(p, MP_MALFORMED);
    p->part.data_offset = p->next_offset;
    if (p->cb.part_begin != NULL && p->cb.part_begin(p->cb.ctx, &p->part) != 0)
        return fail(p, MP_STOPPED);
    p->state = S_BODY;
    p->match = 0;
    p->cr = false;
    return MP_OK;
}

/* One byte after a delimiter. */
static enum multipart_status delimiter_byte(struct multipart *p, char c)
{
    switch (p->state) {
    case S_AFTER_DELIM:
        if (c == '-')
            p->state = S_AFTER_DASH;
        else if (c == '\r')
            p->state = S_AFTER_CR;
        else if (c == '\n')
            p->state = S_HEADERS;
        else if (c != ' ' && c != '\t') /* transport padding */
            return fail(p, MP_MALFORMED);
        break;
    case S_AFTER_DASH:
        if (c != '-')
            return fail(p, MP_MALFORMED);
        p->state = S_EPILOGUE;
        break;
    case S_AFTER_CR:
        if (c != '\n')
            return fail(p, MP_MALFORMED);
        p->state = S_HEADERS;
        break;
    default:
        break;
    }
    if (p->state == S_HEADERS)
        p->hlen = p->line_start = 0;
    return MP_OK;
}

static enum multipart_status feed_chunk(struct multipart *p, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        enum multipart_status st = MP_OK;
        switch (p->state) {
        case S_ERROR:
            return p->error;
        case S_EPILOGUE:
            return MP_OK;
        case S_PREAMBLE:
        case S_BODY: {
            size_t used;
            bool found;
            if (scan_body(p, data + i, len - i, &used, &found) != 0)
                return fail(p, MP_STOPPED);
            i += used;
            if (!found)
                break;
            if (p->state == S_BODY && p->cb.part_end != NULL && p->cb.part_end(p->cb.ctx) != 0)
                return fail(p, MP_STOPPED);
            p->state = S_AFTER_DELIM;
            break;
        }
        case S_HEADERS:
            p->next_offset = p->fed + (long long)i + 1;
            st = header_byte(p, data[i++]);
            break;
        default:
            st = delimiter_byte(p, data[i++]);
            break;
        }
        if (st != MP_OK)
            return st;
    }
    return p->state == S_ERROR ? p->error : MP_OK;
}

enum multipart_status multipart_feed(struct multipart *p, const char *data, size_t len)
{
    enum multipart_status st = feed_chunk(p, data, len);
    p->fed += (long long)len;
    return st;
}

enum multipart_status multipart_finish(struct multipart *p)
{
    if (p->state == S_ERROR)
        return p->error;
    if (p->state != S_EPILOGUE)
        return fail(p, MP_TRUNCATED);
    return MP_OK;
}

/* ------------------------------------------------------------ the upload */

struct receive {
    struct multipart_upload *up;
    EVP_MD_CTX *sha;    /* OpenSSL's SHA-256: several times libsodium's speed on large files */
    int fd;             /* the temporary file while the file part is read */
    long long data_offset; /* of the file part in the body (body_is_file) */
    bool in_file, seen_file;
    enum multipart_status why; /* the reason behind MP_STOPPED */
};

/* The reason behind a failed write of the temporary file, from errno. */
static enum multipart_status write_failure(void)
{
    return errno == ENOSPC || errno == EDQUOT ? MP_NO_SPACE : MP_IO_ERROR;
}

static int on_begin(void *ctx, const struct multipart_part *part)
{
    struct receive *r = ctx;
    if (strcmp(part->name, r->up->field) != 0)
        return 0;
    if (r->seen_file) {
        r->why = MP_TWO_FILES;
        return -1;
    }
    r->seen_file = r->in_file = true;
    r->up->part = *part;
    r->data_offset = part->data_offset;
    snprintf(r->up->tmp_path, sizeof(r->up->tmp_path), "%s/upload-XXXXXX", r->up->tmp_dir);
    r->fd = mkostemp(r->up->tmp_path, O_CLOEXEC);
    if (r->fd < 0) {
        r->up->tmp_path[0] = '\0';
        r->why = write_failure();
        return -1;
    }
    if (r->sha == NULL)
        r->sha = EVP_MD_CTX_new();
    if (r->sha == NULL || EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) != 1) {
        r->why = MP_NO_MEMORY;
        return -1;
    }
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct receive *r = ctx;
    if (!r->in_file)
        return 0;
    if ((long long)len > r->up->max_bytes - r->up->size) {
        r->why = MP_TOO_LARGE;
        return -1;
    }
    if (EVP_DigestUpdate(r->sha, data, len) != 1) {
        r->why = MP_NO_MEMORY;
        return -1;
    }
    r->up->size += (long long)len;
    if (r->up->body_is_file)
        return 0; /* copied from the body file in one go at the end */
    while (len > 0) {
        ssize_t n = write(r->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r->why = write_failure();
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies len bytes at offset of the body file into the temporary file, in the
 * kernel where it can (copy_file_range), else through a buffer. */
static int copy_part(int from, long long offset, int to, long long len)
{
    off_t in = (off_t)offset;
    while (len > 0) {
        ssize_t n = copy_file_range(from, &in, to, NULL, (size_t)len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len -= n;
    }
    char buf[65536];
    while (len > 0) {
        ssize_t n = pread(from, buf, len < (long long)sizeof(buf) ? (size_t)len : sizeof(buf), in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(to, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return -1;
            done += w;
        }
        in += n;
        len -= n;
    }
    return 0;
}

static int on_end(void *ctx)
{
    struct receive *r = ctx;
    if (!r->in_file)
        return 0;
    r->in_file = false;
    if (r->up->body_is_file && copy_part(r->up->body_fd, r->data_offset, r->fd, r->up->size) != 0) {
        r->why = write_failure();
        return -1;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_DigestFinal_ex(r->sha, digest, &digest_len) != 1) {
        r->why = MP_NO_MEMORY;
        return -1;
    }
    sodium_bin2hex(r->up->sha256, sizeof(r->up->sha256), digest, digest_len);
    int rc = close(r->fd);
    r->fd = -1;
    if (rc != 0) {
        r->why = write_failure();
        return -1;
    }
    return 0;
}

enum multipart_status multipart_receive(const char *content_type, multipart_read_fn read_fn,
                                        void *read_ctx, struct multipart_upload *up)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    struct receive r = {.up = up, .fd = -1, .why = MP_OK};
    struct multipart_callbacks cb = {&r, on_begin, on_data, on_end};
    struct multipart *p = NULL;
    char *buf = NULL;
    enum multipart_status st = MP_OK;
    up->tmp_path[0] = '\0';
    up->size = 0;
    up->sha256[0] = '\0';
    if (multipart_boundary(content_type, boundary, sizeof(boundary)) != 0)
        return MP_NO_BOUNDARY;
    p = multipart_new(boundary, &cb);
    buf = malloc(MULTIPART_CHUNK);
    if (p == NULL || buf == NULL) {
        st = MP_NO_MEMORY;
        goto out;
    }
    for (;;) {
        long long n = read_fn(read_ctx, buf, MULTIPART_CHUNK);
        if (n < 0) {
            st = MP_READ_ERROR;
            goto out;
        }
        if (n == 0)
            break;
        st = multipart_feed(p, buf, (size_t)n);
        if (st != MP_OK)
            goto out;
    }
    st = multipart_finish(p);
    if (st == MP_OK && !r.seen_file)
        st = MP_NO_FILE;
out:
    if (st == MP_STOPPED && r.why != MP_OK)
        st = r.why;
    if (r.fd >= 0)
        close(r.fd);
    if (st != MP_OK && up->tmp_path[0] != '\0') {
        unlink(up->tmp_path);
        up->tmp_path[0] = '\0';
    }
    EVP_MD_CTX_free(r.sha);
    multipart_free(p);
    free(buf);
    return st;
}
