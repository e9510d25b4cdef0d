/* read_json.c — the JSON reader: the records are the elements of the
 * top-level array, or of the array at `array_path` (dotted keys, e.g.
 * "data.customers"). A top-level object without array_path is one record;
 * an element that is not an object becomes one field named "value".
 *
 * The file is streamed: a small scanner walks the structure down to the
 * array (skipping the values it passes without building them), then each
 * element is handed to json-c's incremental tokener, chunk by chunk, and
 * released when the next one is read. Memory stays flat for a large array of
 * small records, whatever the file size. Skipped values are checked only
 * for their brackets and strings, not parsed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/input.h"
#include "process/json_flat.h"
#include "process/record.h"

#define JSON_CHUNK (256u << 10)
#define JSON_MAX_KEY (64u << 10)
#define JSON_MAX_PATH 1024

enum json_state { ST_FIRST, ST_NEXT, ST_SINGLE, ST_AFTER_SINGLE, ST_DONE };

struct json_reader {
    struct jflat_source src;
    size_t pos, end;          /* of src.buf */
    long long base;           /* file offset of buf[0] */
    bool eof;
    enum json_state state;
    char *key;                /* a key being read while walking to the array */
    size_t key_len, key_cap;
    const char *array_path;   /* borrowed from the config */
    bool single;              /* the document is one object, one record */
    long long records;
};

/* ---- configuration ---- */

static int parse_array_path(json_object *config, const char **path, char *field,
                            size_t field_len, char *msg, size_t msg_len)
{
    json_object *v;
    *path = NULL;
    if (!config || !json_object_is_type(config, json_type_object) ||
        !json_object_object_get_ex(config, "array_path", &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    const char *s = json_object_get_string(v);
    size_t len = json_object_is_type(v, json_type_string) ? strlen(s) : 0;
    bool ok = len > 0 && len <= JSON_MAX_PATH && s[0] != '.' && s[len - 1] != '.' &&
              !strstr(s, "..");
    if (!ok) {
        snprintf(field, field_len, "array_path");
        snprintf(msg, msg_len, "must be dotted keys such as \"data.customers\"");
        return -1;
    }
    *path = s;
    return 0;
}

static int json_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                                size_t msg_len)
{
    struct jflat_options opt;
    const char *path;
    if (jflat_options_parse(config, &opt, field, field_len, msg, msg_len))
        return -1;
    return parse_array_path(config, &path, field, field_len, msg, msg_len);
}

/* ---- bytes ---- */

static int fill(struct json_reader *r)
{
    r->base += (long long)r->end;
    r->pos = r->end = 0;
    ssize_t n = input_read(&r->src.in, r->src.buf, r->src.cap);
    if (n < 0)
        return ENGINE_IO_ERROR;
    if (n == 0)
        r->eof = true;
    r->end = (size_t)n;
    return ENGINE_OK;
}

/* The next byte without taking it; -1 at the end, -2 on a read error. */
static int peek(struct json_reader *r)
{
    if (r->pos == r->end) {
        if (r->eof || fill(r) != ENGINE_OK)
            return r->eof ? -1 : -2;
        if (r->end == 0)
            return -1;
    }
    return (unsigned char)r->src.buf[r->pos];
}

static int peek_past_blanks(struct json_reader *r)
{
    for (;;) {
        int c = peek(r);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return c;
        r->pos++;
    }
}

static long long offset(const struct json_reader *r)
{
    return r->base + (long long)r->pos;
}

static int bad(struct json_reader *r, int c, const char *what)
{
    if (c == -2)
        return rec_env_status(r->src.env);
    if (c == -1)
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "the JSON ends too early (%s)", what);
    return rec_fail(r->src.env, ENGINE_BAD_INPUT, "invalid JSON at byte %lld: %s", offset(r) + 1,
                    what);
}

/* ---- walking to the array ---- */

/* Takes a string (at its opening quote), keeping its raw bytes in r->key
 * when keep is set. */
static int take_string(struct json_reader *r, bool keep)
{
    bool escaped = false;
    r->key_len = 0;
    for (bool first = true;; first = false) {
        int c = peek(r);
        if (c < 0)
            return bad(r, c, "a string is not closed");
        r->pos++;
        if (keep) {
            if (r->key_len == r->key_cap) {
                if (r->key_cap >= JSON_MAX_KEY)
                    return rec_fail(r->src.env, ENGINE_BAD_INPUT, "a key is longer than %u bytes",
                                    JSON_MAX_KEY);
                size_t cap = r->key_cap ? r->key_cap * 2 : 64;
                char *k = realloc(r->key, cap);
                if (!k)
                    return rec_fail(r->src.env, ENGINE_NO_MEMORY, "out of memory");
                r->key = k;
                r->key_cap = cap;
            }
            r->key[r->key_len++] = (char)c;
        }
        if (first)
            continue;   /* the opening quote */
        if (escaped)
            escaped = false;
        else if (c == '\\')
            escaped = true;
        else if (c == '"')
            return ENGINE_OK;
    }
}

/* Passes over one value without building it. */
static int skip_value(struct json_reader *r)
{
    int c = peek_past_blanks(r);
    if (c == '"')
        return take_string(r, false);
    if (c == '{' || c == '[') {
        long long depth = 0;
        for (;;) {
            c = peek(r);
            if (c < 0)
                return bad(r, c, "an object or array is not closed");
            if (c == '"') {
                int rc = take_string(r, false);
                if (rc != ENGINE_OK)
                    return rc;
                continue;
            }
            r->pos++;
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return ENGINE_OK;
        }
    }
    for (;;) {   /* a number, true, false or null */
        c = peek(r);
        if (c == -2)
            return rec_env_status(r->src.env);
        if (c < 0 || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' ||
            c == '\n')
            return ENGINE_OK;
        r->pos++;
    }
}

/* At an object: finds the member named name[0..len) and stops at its value. */
static int find_member(struct json_reader *r, const char *name, size_t len)
{
    int c = peek_past_blanks(r);
    if (c != '{')
        return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                        "array_path \"%s\": the value before \"%.*s\" is not an object",
                        r->array_path, (int)len, name);
    r->pos++;
    for (;;) {
        c = peek_past_blanks(r);
        if (c == '}')
            return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                            "array_path \"%s\": there is no key \"%.*s\"", r->array_path,
                            (int)len, name);
        if (c != '"')
            return bad(r, c, "expected a key");
        int rc = take_string(r, true);
        if (rc != ENGINE_OK)
            return rc;
        /* json-c decodes the key's escapes. */
        json_tokener_reset(r->src.tok);
        json_object *key = json_tokener_parse_ex(r->src.tok, r->key, (int)r->key_len);
        bool match = false;
        if (key && json_object_is_type(key, json_type_string) &&
            (size_t)json_object_get_string_len(key) == len)
            match = memcmp(json_object_get_string(key), name, len) == 0;
        json_object_put(key);
        c = peek_past_blanks(r);
        if (c != ':')
            return bad(r, c, "expected ':' after a key");
        r->pos++;
        if (match)
            return ENGINE_OK;
        rc = skip_value(r);
        if (rc != ENGINE_OK)
            return rc;
        c = peek_past_blanks(r);
        if (c == ',')
            r->pos++;
        else if (c != '}')
            return bad(r, c, "expected ',' or '}'");
    }
}

static int find_array(struct json_reader *r)
{
    int c = peek(r);
    if (c == 0xEF) {   /* a UTF-8 byte order mark */
        static const char bom[] = "\xEF\xBB\xBF";
        for (int i = 0; i < 3; i++, r->pos++)
            if (peek(r) != (unsigned char)bom[i])
                return bad(r, peek(r), "unexpected bytes at the start");
    }
    c = peek_past_blanks(r);
    if (c == -1)
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "the file is empty");
    if (!r->array_path) {
        if (c == '[') {
            r->pos++;
            r->state = ST_FIRST;
            return ENGINE_OK;
        }
        if (c == '{') {
            r->single = true;
            r->state = ST_SINGLE;
            return ENGINE_OK;
        }
        return bad(r, c, "the document must be an array of records or an object");
    }
    const char *p = r->array_path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int rc = find_member(r, p, len);
        if (rc != ENGINE_OK)
            return rc;
        if (!dot)
            break;
        p = dot + 1;
    }
    c = peek_past_blanks(r);
    if (c != '[')
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "array_path \"%s\" is not an array",
                        r->array_path);
    r->pos++;
    r->state = ST_FIRST;
    return ENGINE_OK;
}

/* ---- reader_ops ---- */

static void json_close(void *state)
{
    struct json_reader *r = state;
    if (!r)
        return;
    jflat_source_close(&r->src);
    free(r->key);
    free(r);
}

static int json_open(void **state, const struct reader_args *args)
{
    char field[64], msg[256];
    struct json_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    int rc = jflat_source_open(&r->src, args, JSON_CHUNK, JSON_TOKENER_VALIDATE_UTF8);
    if (rc == ENGINE_OK &&
        parse_array_path(args->config, &r->array_path, field, sizeof(field), msg, sizeof(msg)))
        rc = rec_fail(r->src.env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
    if (rc == ENGINE_OK)
        rc = find_array(r);
    if (rc != ENGINE_OK) {
        json_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

/* Parses the value at pos, feeding the tokener as many chunks as it needs.
 * *value is NULL for a JSON null. */
static int parse_value(struct json_reader *r, json_object **value)
{
    long long start = offset(r);
    json_tokener_reset(r->src.tok);
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof || fill(r) != ENGINE_OK)
                return r->eof ? rec_fail(r->src.env, ENGINE_BAD_INPUT,
                                         "the JSON ends inside record %lld", r->records + 1)
                              : rec_env_status(r->src.env);
            continue;   /* fill() sets eof on an empty read */
        }
        json_object *o = json_tokener_parse_ex(r->src.tok, r->src.buf + r->pos, (int)(r->end - r->pos));
        r->pos += json_tokener_get_parse_end(r->src.tok);
        enum json_tokener_error e = json_tokener_get_error(r->src.tok);
        if (e == json_tokener_success) {
            *value = o;
            return ENGINE_OK;
        }
        if (e == json_tokener_continue)
            continue;
        if (e == json_tokener_error_depth)
            return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                            "record %lld (byte %lld) is nested deeper than %d levels",
                            r->records + 1, start + 1, JFLAT_PARSE_DEPTH);
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "invalid JSON in record %lld at byte %lld: %s",
                        r->records + 1, offset(r), json_tokener_error_desc(e));
    }
}

static int json_next(void *state, struct record *rec)
{
    struct json_reader *r = state;
    json_object_put(r->src.current);
    r->src.current = NULL;
    int c;
    switch (r->state) {
    case ST_DONE:
        return READ_EOF;
    case ST_AFTER_SINGLE:
        c = peek_past_blanks(r);
        if (c == -1) {
            r->state = ST_DONE;
            return READ_EOF;
        }
        bad(r, c, "more data after the JSON document (JSON Lines? set \"format\": "
                  "\"jsonlines\")");
        return READ_ERROR;
    case ST_FIRST:
    case ST_NEXT:
        c = peek_past_blanks(r);
        if (c == ']') {
            r->pos++;
            r->state = ST_DONE;
            return READ_EOF;
        }
        if (r->state == ST_NEXT) {
            if (c != ',') {
                bad(r, c, "expected ',' or ']' after a record");
                return READ_ERROR;
            }
            r->pos++;
            c = peek_past_blanks(r);
        }
        if (c < 0) {
            bad(r, c, "the array is not closed");
            return READ_ERROR;
        }
        r->state = ST_NEXT;
        break;
    case ST_SINGLE:
        r->state = ST_AFTER_SINGLE;
        break;
    }
    json_object *o = NULL;
    if (parse_value(r, &o) != ENGINE_OK)
        return READ_ERROR;
    r->src.current = o;
    rec->line = ++r->records;
    if (jflat_record(r->src.flat, o, rec) != ENGINE_OK)
        return READ_ERROR;
    return READ_RECORD;
}

static int json_metadata(void *state, json_object *meta)
{
    struct json_reader *r = state;
    json_object_object_add(meta, "records_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "objects_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "top_level",
                           json_object_new_string(r->single ? "object" : "array"));
    if (r->array_path)
        json_object_object_add(meta, "array_path", json_object_new_string(r->array_path));
    json_object_object_add(meta, "array_path_used",
                           r->array_path ? json_object_new_string(r->array_path) : NULL);
    jflat_metadata(r->src.flat, meta);
    return ENGINE_OK;
}

static int json_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    const char *dot = name_hint ? strrchr(name_hint, '.') : NULL;
    int bonus = dot && strcasecmp(dot, ".json") == 0 ? 10 : 0;
    switch (jflat_shape(head, len)) {
    case JFLAT_ARRAY:
        return 80 + bonus;
    case JFLAT_OBJECT:
        return 75 + bonus;
    case JFLAT_LINES:
        return 30;
    default:
        return 0;
    }
}

const struct reader_ops reader_json_ops = {
    .sniff = json_sniff,
    .validate_config = json_validate_config,
    .open = json_open,
    .next = json_next,
    .columns = NULL,
    .metadata = json_metadata,
    .close = json_close,
};
