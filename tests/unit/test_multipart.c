/* The multipart/form-data parser (fcgi-app/api/multipart.c): boundaries,
 * delimiters split across chunks, line-end variants, preamble and epilogue,
 * truncation, header limits, and the upload that streams to a temp file. */
#include <check.h>
#include <fcntl.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/multipart.h"

#define MAX_PARTS 8

struct seen_part {
    struct multipart_part head;
    char *data;
    size_t len, cap;
    bool ended;
};

struct seen {
    struct seen_part parts[MAX_PARTS];
    int n;
};

static int seen_begin(void *ctx, const struct multipart_part *part)
{
    struct seen *s = ctx;
    ck_assert_int_lt(s->n, MAX_PARTS);
    memset(&s->parts[s->n], 0, sizeof(s->parts[s->n]));
    s->parts[s->n].head = *part;
    s->n++;
    return 0;
}

static int seen_data(void *ctx, const char *data, size_t len)
{
    struct seen *s = ctx;
    struct seen_part *p = &s->parts[s->n - 1];
    ck_assert(!p->ended);
    if (p->len + len + 1 > p->cap) {
        p->cap = (p->len + len + 1) * 2;
        p->data = realloc(p->data, p->cap);
        ck_assert_ptr_nonnull(p->data);
    }
    memcpy(p->data + p->len, data, len);
    p->len += len;
    p->data[p->len] = '\0';
    return 0;
}

static int seen_end(void *ctx)
{
    struct seen *s = ctx;
    s->parts[s->n - 1].ended = true;
    return 0;
}

static void seen_free(struct seen *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->parts[i].data);
    s->n = 0;
}

/* Parses body fed in pieces of at most chunk bytes (0: all at once). */
static enum multipart_status parse(const char *boundary, const char *body, size_t len,
                                   size_t chunk, struct seen *s)
{
    struct multipart_callbacks cb = {s, seen_begin, seen_data, seen_end};
    memset(s, 0, sizeof(*s));
    struct multipart *p = multipart_new(boundary, &cb);
    ck_assert_ptr_nonnull(p);
    enum multipart_status st = MP_OK;
    size_t step = chunk ? chunk : len;
    for (size_t off = 0; off < len && st == MP_OK; off += step)
        st = multipart_feed(p, body + off, len - off < step ? len - off : step);
    if (st == MP_OK)
        st = multipart_finish(p);
    multipart_free(p);
    return st;
}

/* Parses body split once at every position: each split gives the same parts. */
static void check_every_split(const char *boundary, const char *body, size_t len,
                              const struct seen *want)
{
    for (size_t cut = 0; cut <= len; cut++) {
        struct seen s = {0};
        struct multipart_callbacks cb = {&s, seen_begin, seen_data, seen_end};
        struct multipart *p = multipart_new(boundary, &cb);
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(multipart_feed(p, body, cut), MP_OK);
        ck_assert_int_eq(multipart_feed(p, body + cut, len - cut), MP_OK);
        ck_assert_int_eq(multipart_finish(p), MP_OK);
        multipart_free(p);
        ck_assert_int_eq(s.n, want->n);
        for (int i = 0; i < s.n; i++) {
            ck_assert_str_eq(s.parts[i].head.name, want->parts[i].head.name);
            ck_assert_uint_eq(s.parts[i].len, want->parts[i].len);
            if (s.parts[i].len > 0)
                ck_assert(memcmp(s.parts[i].data, want->parts[i].data, s.parts[i].len) == 0);
            ck_assert(s.parts[i].ended);
        }
        seen_free(&s);
    }
}

#define BODY_CRLF                                                                                  \
    "--XyZ\r\n"                                                                                    \
    "Content-Disposition: form-data; name=\"note\"\r\n"                                            \
    "\r\n"                                                                                         \
    "hello\r\n"                                                                                    \
    "--XyZ\r\n"                                                                                    \
    "Content-Disposition: form-data; name=\"file\"; filename=\"data.csv\"\r\n"                     \
    "Content-Type: text/csv\r\n"                                                                   \
    "\r\n"                                                                                         \
    "a,b\r\n1,2\r\n\r\n--XyZ--\r\n"

START_TEST(boundary_from_content_type)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=abc123", b, sizeof(b)), 0);
    ck_assert_str_eq(b, "abc123");
    ck_assert_int_eq(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\"", b, sizeof(b)), 0);
    ck_assert_str_eq(b, "a b:c");
    ck_assert_int_eq(
        multipart_boundary("multipart/form-data; charset=utf-8; BOUNDARY=----WebKitFormBoundaryx",
                           b, sizeof(b)),
        0);
    ck_assert_str_eq(b, "----WebKitFormBoundaryx");
    char seventy[80], ct[128];
    memset(seventy, 'a', 70);
    seventy[70] = '\0';
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", seventy);
    ck_assert_int_eq(multipart_boundary(ct, b, sizeof(b)), 0);
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%sa", seventy);
    ck_assert_int_eq(multipart_boundary(ct, b, sizeof(b)), -1); /* 71 characters */
    ck_assert_int_eq(multipart_boundary("multipart/form-data", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; name=x", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=\"\"", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=\"ab ", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=\"ab \"", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=a;boundary=b", b, sizeof(b)),
                     -1);
    ck_assert_int_eq(multipart_boundary("multipart/mixed; boundary=abc", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary("application/json", b, sizeof(b)), -1);
    ck_assert_int_eq(multipart_boundary(NULL, b, sizeof(b)), -1);
}
END_TEST

START_TEST(parses_fields_and_file)
{
    struct seen s;
    ck_assert_int_eq(parse("XyZ", BODY_CRLF, strlen(BODY_CRLF), 0, &s), MP_OK);
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.parts[0].head.name, "note");
    ck_assert(!s.parts[0].head.has_filename);
    ck_assert_str_eq(s.parts[0].data, "hello");
    ck_assert_str_eq(s.parts[1].head.name, "file");
    ck_assert(s.parts[1].head.has_filename);
    ck_assert_str_eq(s.parts[1].head.filename, "data.csv");
    ck_assert_str_eq(s.parts[1].head.content_type, "text/csv");
    /* The line end before the delimiter belongs to it; the one before is data. */
    ck_assert_str_eq(s.parts[1].data, "a,b\r\n1,2\r\n");
    ck_assert(s.parts[1].ended);
    seen_free(&s);
}
END_TEST

START_TEST(delimiter_split_at_every_position)
{
    struct seen want;
    ck_assert_int_eq(parse("XyZ", BODY_CRLF, strlen(BODY_CRLF), 0, &want), MP_OK);
    check_every_split("XyZ", BODY_CRLF, strlen(BODY_CRLF), &want);
    for (size_t chunk = 1; chunk < 12; chunk++) {
        struct seen s;
        ck_assert_int_eq(parse("XyZ", BODY_CRLF, strlen(BODY_CRLF), chunk, &s), MP_OK);
        ck_assert_int_eq(s.n, 2);
        ck_assert_str_eq(s.parts[1].data, "a,b\r\n1,2\r\n");
        seen_free(&s);
    }
    seen_free(&want);
}
END_TEST

START_TEST(near_misses_are_data)
{
    /* Carriage returns, line feeds and partial delimiters that are not the delimiter. */
    static const char content[] = "\r\r\n\r\n-\r\n--\r\n--X\r\n--Xy\n--Xy\r--XyY!\r\r";
    char body[512];
    int n = snprintf(body, sizeof(body),
                     "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n"
                     "%s\r\n--XyZ--",
                     content);
    struct seen s;
    ck_assert_int_eq(parse("XyZ", body, (size_t)n, 0, &s), MP_OK);
    ck_assert_int_eq(s.n, 1);
    ck_assert_uint_eq(s.parts[0].len, strlen(content));
    ck_assert(memcmp(s.parts[0].data, content, s.parts[0].len) == 0);
    check_every_split("XyZ", body, (size_t)n, &s);
    for (size_t chunk = 1; chunk < 9; chunk++) {
        struct seen t;
        ck_assert_int_eq(parse("XyZ", body, (size_t)n, chunk, &t), MP_OK);
        ck_assert_uint_eq(t.parts[0].len, s.parts[0].len);
        ck_assert(memcmp(t.parts[0].data, content, s.parts[0].len) == 0);
        seen_free(&t);
    }
    seen_free(&s);
}
END_TEST

START_TEST(bare_lf_line_ends)
{
    static const char body[] = "--b\n"
                               "Content-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\n"
                               "\n"
                               "line1\nline2\n"
                               "--b--\n";
    struct seen s;
    ck_assert_int_eq(parse("b", body, sizeof(body) - 1, 0, &s), MP_OK);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.parts[0].head.filename, "x.txt");
    ck_assert_str_eq(s.parts[0].data, "line1\nline2");
    check_every_split("b", body, sizeof(body) - 1, &s);
    seen_free(&s);
}
END_TEST

START_TEST(preamble_padding_and_epilogue)
{
    static const char body[] = "This is a preamble.\r\nIt has --b in it but not at a line start.\r\n"
                               "--b \t\r\n"
                               "content-disposition: form-data; name=file; filename=plain.csv\r\n"
                               "\r\n"
                               "x\r\n"
                               "--b--  and an epilogue\r\n--b\r\nthat is ignored";
    struct seen s;
    ck_assert_int_eq(parse("b", body, sizeof(body) - 1, 0, &s), MP_OK);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.parts[0].head.name, "file");
    ck_assert_str_eq(s.parts[0].head.filename, "plain.csv");
    ck_assert_str_eq(s.parts[0].data, "x");
    check_every_split("b", body, sizeof(body) - 1, &s);
    seen_free(&s);
}
END_TEST

START_TEST(empty_part_and_binary_data)
{
    char body[1024], data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (char)i;
    size_t n = 0;
    n += (size_t)snprintf(body + n, sizeof(body) - n,
                          "--bb\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
                          "--bb\r\nContent-Disposition: form-data; name=\"bin\"; filename=\"b\"\r\n\r\n");
    memcpy(body + n, data, sizeof(data));
    n += sizeof(data);
    memcpy(body + n, "\r\n--bb--", 8);
    n += 8;
    struct seen s;
    ck_assert_int_eq(parse("bb", body, n, 0, &s), MP_OK);
    ck_assert_int_eq(s.n, 2);
    ck_assert_uint_eq(s.parts[0].len, 0);
    ck_assert(s.parts[0].ended);
    ck_assert_uint_eq(s.parts[1].len, sizeof(data));
    ck_assert(memcmp(s.parts[1].data, data, sizeof(data)) == 0);
    check_every_split("bb", body, n, &s);
    seen_free(&s);
}
END_TEST

START_TEST(missing_final_boundary_is_truncated)
{
    static const char *const bodies[] = {
        "",
        "just a preamble",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r\n--b",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r\n--b-",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r\n--b\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r\n-",
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct seen s;
        ck_assert_int_eq(parse("b", bodies[i], strlen(bodies[i]), 0, &s), MP_TRUNCATED);
        seen_free(&s);
    }
}
END_TEST

START_TEST(malformed_parts)
{
    static const char *const bodies[] = {
        /* garbage right after a delimiter */
        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--bX\r\n",
        "--bX",
        "--b-x",
        "--b\rx",
        /* no Content-Disposition */
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
        /* no headers at all */
        "--b\r\n\r\nx\r\n--b--",
        /* not form-data, or no name */
        "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--b--",
        /* a header line without a colon, an unterminated quote, a NUL */
        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nbogus\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\"; x\r\n\r\nx\r\n--b--",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct seen s;
        ck_assert_msg(parse("b", bodies[i], strlen(bodies[i]), 0, &s) == MP_MALFORMED, "body %zu",
                      i);
        seen_free(&s);
    }
    static const char nul[] = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-A: \0\r\n\r\nx\r\n--b--";
    struct seen s;
    ck_assert_int_eq(parse("b", nul, sizeof(nul) - 1, 0, &s), MP_MALFORMED);
    seen_free(&s);
}
END_TEST

START_TEST(huge_header_is_refused)
{
    size_t n = MULTIPART_HEADER_MAX + 200;
    char *body = malloc(n + 64);
    ck_assert_ptr_nonnull(body);
    size_t o = (size_t)sprintf(body, "--b\r\nX-Long: ");
    memset(body + o, 'h', n - o);
    memcpy(body + n, "\r\n\r\n--b--", 9);
    struct seen s;
    for (size_t chunk = 0; chunk <= 4096; chunk += 1024) {
        ck_assert_int_eq(parse("b", body, n + 9, chunk, &s), MP_HEADER_TOO_LARGE);
        seen_free(&s);
    }
    free(body);
}
END_TEST

START_TEST(filename_forms)
{
    struct {
        const char *disposition, *filename;
    } cases[] = {
        {"form-data; name=\"file\"; filename=\"C:\\\\Users\\\\me\\\\report.csv\"", "report.csv"},
        {"form-data; name=\"file\"; filename=\"C:\\Users\\me\\report.csv\"", "report.csv"},
        {"form-data; name=\"file\"; filename=\"../../etc/passwd\"", "passwd"},
        {"form-data; name=\"file\"; filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"},
        {"form-data; name=\"file\"; filename=\"fallback.csv\"; filename*=UTF-8''%E2%82%AC%20rates.csv",
         "\xe2\x82\xac rates.csv"},
        {"form-data; name=\"file\"; filename*=iso-8859-1'en'caf%E9.csv", "caf\xc3\xa9.csv"},
        {"FORM-DATA ; NAME = \"file\" ; FileName = \"spaced.csv\"", "spaced.csv"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[512];
        int n = snprintf(body, sizeof(body), "--b\r\nContent-Disposition: %s\r\n\r\nx\r\n--b--",
                         cases[i].disposition);
        struct seen s;
        ck_assert_msg(parse("b", body, (size_t)n, 0, &s) == MP_OK, "case %zu", i);
        ck_assert_int_eq(s.n, 1);
        ck_assert_str_eq(s.parts[0].head.name, "file");
        ck_assert_str_eq(s.parts[0].head.filename, cases[i].filename);
        seen_free(&s);
    }
}
END_TEST

/* ------------------------------------------------------------ multipart_receive */

struct memory_body {
    const char *data;
    size_t len, off, step;
};

static long long memory_read(void *ctx, char *buf, size_t len)
{
    struct memory_body *m = ctx;
    size_t n = m->len - m->off;
    if (n > len)
        n = len;
    if (m->step && n > m->step)
        n = m->step;
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    return (long long)n;
}

static char tmp_dir[] = "/tmp/test_multipart.XXXXXX";

static int files_in_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static enum multipart_status receive(const char *body, size_t len, size_t step, long long max,
                                     struct multipart_upload *up)
{
    struct memory_body m = {body, len, 0, step};
    memset(up, 0, sizeof(*up));
    up->field = "file";
    up->tmp_dir = tmp_dir;
    up->max_bytes = max;
    return multipart_receive("multipart/form-data; boundary=\"Q\"", memory_read, &m, up);
}

/* A body with a field, then a file part holding size bytes of a pattern. */
static char *make_upload(size_t size, size_t *len)
{
    static const char head[] = "preamble\r\n--Q\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
                               "1\r\n--Q\r\nContent-Disposition: form-data; name=\"file\"; "
                               "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    static const char tail[] = "\r\n--Q--\r\n";
    char *body = malloc(sizeof(head) + size + sizeof(tail));
    ck_assert_ptr_nonnull(body);
    memcpy(body, head, sizeof(head) - 1);
    for (size_t i = 0; i < size; i++)
        body[sizeof(head) - 1 + i] = "\r\n-Q-x"[(i * 7 + i / 13) % 6];
    memcpy(body + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
    *len = sizeof(head) - 1 + size + sizeof(tail) - 1;
    return body;
}

START_TEST(receive_streams_file_and_hashes)
{
    size_t size = 3 * MULTIPART_CHUNK + 12345, len;
    char *body = make_upload(size, &len);
    const char *content = strstr(body, "\r\n\r\n") + 4;
    content = strstr(content, "\r\n\r\n") + 4;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(digest, (const unsigned char *)content, size);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    for (size_t step = 0; step <= 7; step += 7) {
        struct multipart_upload up;
        ck_assert_int_eq(receive(body, len, step ? step * 1000 + 3 : 0, 1LL << 30, &up), MP_OK);
        ck_assert_int_eq(up.size, (long long)size);
        ck_assert_str_eq(up.sha256, hex);
        ck_assert_str_eq(up.part.filename, "big.bin");
        ck_assert_str_eq(up.part.content_type, "application/octet-stream");
        struct stat st;
        ck_assert_int_eq(stat(up.tmp_path, &st), 0);
        ck_assert_int_eq(st.st_size, (long long)size);
        FILE *f = fopen(up.tmp_path, "rb");
        char *back = malloc(size);
        ck_assert_uint_eq(fread(back, 1, size, f), size);
        fclose(f);
        ck_assert(memcmp(back, content, size) == 0);
        free(back);
        unlink(up.tmp_path);
    }
    free(body);
    ck_assert_int_eq(files_in_tmp_dir(), 0);
}
END_TEST

struct fd_body {
    int fd;
    size_t step;
};

static long long fd_read(void *ctx, char *buf, size_t len)
{
    struct fd_body *b = ctx;
    if (b->step && len > b->step)
        len = b->step;
    return (long long)read(b->fd, buf, len);
}

/* The body as a file (nginx's spooled body): the part is copied by offset, so
 * the offset must be right however the reads cut the headers and delimiters. */
START_TEST(receive_from_a_body_file_copies_by_offset)
{
    size_t size = 2 * MULTIPART_CHUNK + 777, len;
    char *body = make_upload(size, &len);
    const char *content = strstr(body, "\r\n\r\n") + 4;
    content = strstr(content, "\r\n\r\n") + 4;
    char path[256];
    snprintf(path, sizeof(path), "%s/body", tmp_dir);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(body, 1, len, f), len);
    fclose(f);
    size_t steps[] = {0, 1, 37, MULTIPART_CHUNK - 1};
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        struct multipart_upload up;
        memset(&up, 0, sizeof(up));
        struct fd_body b = {open(path, O_RDONLY), steps[s]};
        ck_assert_int_ge(b.fd, 0);
        up.field = "file";
        up.tmp_dir = tmp_dir;
        up.max_bytes = 1LL << 30;
        up.body_is_file = true;
        up.body_fd = b.fd;
        ck_assert_int_eq(multipart_receive("multipart/form-data; boundary=Q", fd_read, &b, &up),
                         MP_OK);
        close(b.fd);
        ck_assert_int_eq(up.size, (long long)size);
        ck_assert_int_eq(up.part.data_offset, (long long)(content - body));
        FILE *g = fopen(up.tmp_path, "rb");
        char *back = malloc(size + 1);
        ck_assert_uint_eq(fread(back, 1, size + 1, g), size);
        fclose(g);
        ck_assert(memcmp(back, content, size) == 0);
        free(back);
        unlink(up.tmp_path);
    }
    unlink(path);
    free(body);
    ck_assert_int_eq(files_in_tmp_dir(), 0);
}
END_TEST

START_TEST(receive_refuses_and_cleans_up)
{
    size_t len;
    char *body = make_upload(100000, &len);
    struct multipart_upload up;
    /* Over the cap: counted while streaming, nothing left behind. */
    ck_assert_int_eq(receive(body, len, 0, 99999, &up), MP_TOO_LARGE);
    ck_assert_int_eq(files_in_tmp_dir(), 0);
    ck_assert_int_eq(receive(body, len, 0, 100000, &up), MP_OK);
    unlink(up.tmp_path);
    /* Cut short: truncated, nothing left behind. */
    ck_assert_int_eq(receive(body, len - 12, 0, 1LL << 30, &up), MP_TRUNCATED);
    ck_assert_int_eq(files_in_tmp_dir(), 0);
    free(body);

    static const char none[] = "--Q\r\nContent-Disposition: form-data; name=\"other\"; "
                               "filename=\"a.csv\"\r\n\r\na\r\n--Q--\r\n";
    ck_assert_int_eq(receive(none, sizeof(none) - 1, 0, 1000, &up), MP_NO_FILE);
    static const char two[] = "--Q\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                              "\r\na\r\n--Q\r\nContent-Disposition: form-data; name=\"file\"; "
                              "filename=\"b\"\r\n\r\nb\r\n--Q--\r\n";
    ck_assert_int_eq(receive(two, sizeof(two) - 1, 0, 1000, &up), MP_TWO_FILES);
    ck_assert_int_eq(files_in_tmp_dir(), 0);
    static const char bad[] = "--Q\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\na\r\n--Qz";
    ck_assert_int_eq(receive(bad, sizeof(bad) - 1, 0, 1000, &up), MP_MALFORMED);
    ck_assert_int_eq(files_in_tmp_dir(), 0);

    struct memory_body m = {none, sizeof(none) - 1, 0, 0};
    ck_assert_int_eq(multipart_receive("text/csv", memory_read, &m, &up), MP_NO_BOUNDARY);
    ck_assert_int_eq(multipart_receive("multipart/form-data", memory_read, &m, &up),
                     MP_NO_BOUNDARY);
}
END_TEST

static void tmp_dir_make(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void tmp_dir_remove(void)
{
    rmdir(tmp_dir);
}

Suite *multipart_suite(void)
{
    Suite *s = suite_create("multipart");
    TCase *t = tcase_create("parser");
    tcase_add_test(t, boundary_from_content_type);
    tcase_add_test(t, parses_fields_and_file);
    tcase_add_test(t, delimiter_split_at_every_position);
    tcase_add_test(t, near_misses_are_data);
    tcase_add_test(t, bare_lf_line_ends);
    tcase_add_test(t, preamble_padding_and_epilogue);
    tcase_add_test(t, empty_part_and_binary_data);
    tcase_add_test(t, missing_final_boundary_is_truncated);
    tcase_add_test(t, malformed_parts);
    tcase_add_test(t, huge_header_is_refused);
    tcase_add_test(t, filename_forms);
    suite_add_tcase(s, t);
    TCase *u = tcase_create("receive");
    tcase_add_unchecked_fixture(u, tmp_dir_make, tmp_dir_remove);
    tcase_add_test(u, receive_streams_file_and_hashes);
    tcase_add_test(u, receive_refuses_and_cleans_up);
    tcase_add_test(u, receive_from_a_body_file_copies_by_offset);
    suite_add_tcase(s, u);
    return s;
}
