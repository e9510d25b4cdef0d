/* read_jsonl.c — the JSON Lines reader: one JSON object per line.
 *
 * Lines are found with memchr in one large buffer. A line holding a flat
 * object (strings, numbers, booleans, null) is read by json_fast.c: its
 * values are slices of the buffer (escaped strings decoded into the
 * scanner's scratch). Any other line (nested values, repeated keys,
 * anything unusual or wrong) is parsed in place by a single json-c
 * tokener that is reset, never re-created, for every line, and flattened
 * by json_flat.c; its errors are the line's errors. The parsed object
 * lives until the next call, so string values point into it without
 * copies. A line that is not a JSON object is a line error
 * (READ_REJECTED, reported with its line number) and the run goes on; blank
 * lines are skipped. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/input.h"
#include "process/json_fast.h"
#include "process/json_flat.h"
#include "process/record.h"

#define JSONL_BUF_INITIAL (1u << 20)
/* The longest line accepted is max_record_bytes (json_flat.h); a longer one
 * is skipped as a line error. */

struct jsonl_reader {
    struct jflat_source src;
    struct jfast fast;        /* the scanner of flat lines; json-c parses the others */
    size_t start, end;        /* of src.buf */
    bool eof;
    bool skipping;            /* inside an overlong line: drop bytes up to its end */
    long long line;           /* number of the last line taken from the buffer */
    long long records, rejected, blank;
};

static void jsonl_close(void *state)
{
    struct jsonl_reader *r = state;
    if (!r)
        return;
    jflat_source_close(&r->src);
    jfast_free(&r->fast);
    free(r);
}

static int jsonl_open(void **state, const struct reader_args *args)
{
    struct jsonl_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    /* Strict: a line holds exactly one value and nothing after it. */
    int rc = jflat_source_open(&r->src, args, JSONL_BUF_INITIAL,
                               JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    if (rc != ENGINE_OK) {
        jsonl_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

/* Moves the unread tail to the front and reads more. */
static int fill(struct jsonl_reader *r)
{
    if (r->start > 0) {
        memmove(r->src.buf, r->src.buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->src.cap && r->src.cap <= r->src.max_record) {
        size_t cap = r->src.cap * 2;
        char *b = realloc(r->src.buf, cap);
        if (!b)
            return rec_fail(r->src.env, ENGINE_NO_MEMORY, "out of memory reading the input");
        r->src.buf = b;
        r->src.cap = cap;
    }
    ssize_t n = input_read(&r->src.in, r->src.buf + r->end, r->src.cap - r->end);
    if (n < 0)
        return ENGINE_IO_ERROR;
    if (n == 0)
        r->eof = true;
    r->end += (size_t)n;
    return ENGINE_OK;
}

enum take { TAKE_LINE, TAKE_EOF, TAKE_ERROR, TAKE_OVERLONG };

/* Finds the next line: [*p, *p + *len), without its line end. */
static enum take take_line(struct jsonl_reader *r, char **p, size_t *len)
{
    for (;;) {
        char *s = r->src.buf + r->start;
        char *nl = memchr(s, '\n', r->end - r->start);
        if (nl) {
            r->line++;
            r->start = (size_t)(nl + 1 - r->src.buf);
            if (r->skipping) {
                r->skipping = false;
                continue;
            }
            *p = s;
            *len = (size_t)(nl - s);
            if (*len > r->src.max_record) {
                r->line--;   /* jsonl_next reports line + 1 */
                return TAKE_OVERLONG;
            }
            return TAKE_LINE;
        }
        if (r->eof) {
            if (r->start == r->end) {
                if (r->skipping) {   /* an overlong last line without a line end */
                    r->skipping = false;
                    r->line++;
                }
                return TAKE_EOF;
            }
            r->line++;
            *p = s;
            *len = r->end - r->start;
            r->start = r->end;
            if (r->skipping) {
                r->skipping = false;
                return TAKE_EOF;
            }
            if (*len > r->src.max_record) {
                r->line--;
                return TAKE_OVERLONG;
            }
            return TAKE_LINE;
        }
        if (r->skipping || r->end - r->start > r->src.max_record) {
            bool first = !r->skipping;
            r->start = r->end = 0;   /* drop what we have of the overlong line */
            r->skipping = true;
            if (first)
                return TAKE_OVERLONG;
        }
        if (fill(r) != ENGINE_OK)
            return TAKE_ERROR;
    }
}

static int reject(struct jsonl_reader *r, const char *code, const char *msg)
{
    r->rejected++;
    rec_report(r->src.env, r->line, NULL, "error", code, "%s", msg);
    return READ_REJECTED;
}

static int jsonl_next(void *state, struct record *rec)
{
    struct jsonl_reader *r = state;
    json_object_put(r->src.current);
    r->src.current = NULL;
    for (;;) {
        char *p;
        size_t len;
        switch (take_line(r, &p, &len)) {
        case TAKE_EOF:
            return READ_EOF;
        case TAKE_ERROR:
            return READ_ERROR;
        case TAKE_OVERLONG:
            /* take_line counts the skipped line when it reaches its end */
            r->rejected++;
            rec_report(r->src.env, r->line + 1, NULL, "error", "LINE_TOO_LONG",
                       "the line is longer than %zu bytes (processing_config.max_record_bytes)",
                       r->src.max_record);
            if (!r->skipping)
                r->line++;   /* the whole line was taken */
            return READ_REJECTED;
        case TAKE_LINE:
            break;
        }
        if (r->line == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            len -= 3;
        }
        while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        while (len > 0 && (*p == ' ' || *p == '\t'))
            p++, len--;
        if (len == 0) {
            r->blank++;
            continue;
        }
        if (len > INT32_MAX)
            return reject(r, "LINE_TOO_LONG", "the line is too long");
        rec->line = r->line;
        switch (jfast_parse(&r->fast, p, len)) {
        case JFAST_NO_MEMORY:
            rec_fail(r->src.env, ENGINE_NO_MEMORY, "out of memory");
            return READ_ERROR;
        case JFAST_OBJECT: {
            int rc = jflat_record_members(r->src.flat, r->fast.m, r->fast.n, rec);
            if (rc == ENGINE_OK) {
                r->records++;
                return READ_RECORD;
            }
            if (rc != JFLAT_USE_JSONC)
                return READ_ERROR;
            break;
        }
        case JFAST_OTHER:
            break;
        }
        json_tokener_reset(r->src.tok);
        json_object *o = json_tokener_parse_ex(r->src.tok, p, (int)len);
        enum json_tokener_error e = json_tokener_get_error(r->src.tok);
        if (e == json_tokener_continue) {
            /* A NUL tells the tokener the input ends here: it completes a
             * bare number or null, and anything else is cut off. */
            o = json_tokener_parse_ex(r->src.tok, "", 1);
            e = json_tokener_get_error(r->src.tok);
            if (e != json_tokener_success)
                return reject(r, "INVALID_JSON",
                              "invalid JSON: the value is cut off at the end of the line");
        }
        if (!o) {
            char msg[160];
            if (e == json_tokener_success)
                return reject(r, "NOT_AN_OBJECT", "the line is null, not a JSON object");
            snprintf(msg, sizeof(msg), "invalid JSON: %s (at byte %zu of the line)",
                     json_tokener_error_desc(e), json_tokener_get_parse_end(r->src.tok) + 1);
            return reject(r, e == json_tokener_error_depth ? "TOO_DEEP" : "INVALID_JSON", msg);
        }
        if (!json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            return reject(r, "NOT_AN_OBJECT", "the line is a JSON value but not an object");
        }
        r->src.current = o;
        rec->line = r->line;
        if (jflat_record(r->src.flat, o, rec) != ENGINE_OK)
            return READ_ERROR;
        r->records++;
        return READ_RECORD;
    }
}

static int jsonl_metadata(void *state, json_object *meta)
{
    struct jsonl_reader *r = state;
    json_object_object_add(meta, "records_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "objects_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "lines_read", json_object_new_int64(r->line));
    json_object_object_add(meta, "lines_rejected", json_object_new_int64(r->rejected));
    json_object_object_add(meta, "blank_lines", json_object_new_int64(r->blank));
    jflat_metadata(r->src.flat, meta);
    return ENGINE_OK;
}

static bool has_ext(const char *name, const char *ext)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    return dot && strcasecmp(dot, ext) == 0;
}

static int jsonl_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    bool hinted = has_ext(name_hint, ".jsonl") || has_ext(name_hint, ".ndjson");
    switch (jflat_shape(head, len)) {
    case JFLAT_LINES:
        return 90;
    case JFLAT_OBJECT:
        return hinted ? 85 : 20;
    default:
        return 0;
    }
}

const struct reader_ops reader_jsonl_ops = {
    .sniff = jsonl_sniff,
    .validate_config = jflat_validate_config,
    .open = jsonl_open,
    .next = jsonl_next,
    .columns = NULL,
    .metadata = jsonl_metadata,
    .close = jsonl_close,
};
