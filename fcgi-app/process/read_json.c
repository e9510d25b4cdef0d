/* read_json.c — the JSON reader: the records are the elements of the
 * top-level array, or what processing_config selects: `array_path` (dotted
 * keys, e.g. "data.customers", which must lead to an array) or `json_path`
 * (the JSONPath subset of json_path.h, e.g. "$.data.customers[*]",
 * "$..customer", "$.pages[0].items"). A selected array gives its elements,
 * any other selected value is one record. A top-level object without either
 * is one record; a record that is not an object becomes one field named
 * "value".
 *
 * The file is streamed: a small scanner walks the structure (skipping the
 * values no path step can reach without building them, entering the
 * containers one might), and each record is handed to json-c's incremental
 * tokener, chunk by chunk, and released when the next one is read. Memory
 * stays flat for a large array of small records, whatever the file size.
 * Skipped values are checked only for their brackets and strings, not
 * parsed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/grow.h"
#include "process/input.h"
#include "process/json_flat.h"
#include "process/json_path.h"
#include "process/record.h"

#define JSON_CHUNK (256u << 10)
#define JSON_MAX_KEY (64u << 10)
#define JSON_MAX_PATH 1024
/* Containers open at once on the way to the records. */
#define JSON_MAX_WALK_DEPTH 1024

enum json_state { ST_WALK, ST_SINGLE, ST_AFTER, ST_DONE };

/* What selects the records: array_path (strict: each key must be there, on
 * objects, and lead to an array) or json_path; neither is the document. */
struct json_selection {
    const char *array_path, *json_path; /* borrowed from the config */
    struct jpath path;                  /* no steps: the document */
    bool strict;
};

/* A container open on the way to the records. */
struct json_frame {
    uint64_t states; /* the path's states at this container (json_path.h) */
    long long count; /* members or elements read */
    bool object;
    bool records;    /* a selected array: its elements are the records */
    bool found;      /* a member or element was on the path */
};

/* Where records came from, for json_structure. */
enum { FROM_TOP_ARRAY = 1, FROM_NESTED_ARRAY = 2, FROM_MEMBER = 4 };

struct json_reader {
    struct jflat_source src;
    size_t pos, end;          /* of src.buf */
    long long base;           /* file offset of buf[0] */
    bool eof;
    enum json_state state;
    char *key;                /* a key being read while walking to the array */
    size_t key_len, key_cap;
    struct json_selection sel;
    struct json_frame *frames;
    size_t nframes, frames_cap;
    bool selected;            /* the path selected a value */
    bool last_array;          /* an array was reached where only the last step was left */
    unsigned from;            /* FROM_* of the records read */
    bool single;              /* the document is one object, one record */
    bool root_object;
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

/* json_path: a JSONPath; "$" (the document) counts as absent. */
static int parse_json_path(json_object *config, struct json_selection *sel, char *field,
                           size_t field_len, char *msg, size_t msg_len)
{
    json_object *v;
    char why[200];
    if (!config || !json_object_is_type(config, json_type_object) ||
        !json_object_object_get_ex(config, "json_path", &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    snprintf(field, field_len, "json_path");
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(msg, msg_len, "must be a JSONPath such as \"$.data.customers[*]\"");
        return -1;
    }
    if (jpath_compile(json_object_get_string(v), &sel->path, why, sizeof(why)) != 0) {
        snprintf(msg, msg_len, "%s", why);
        return -1;
    }
    if (sel->path.n > 0)
        sel->json_path = json_object_get_string(v);
    return 0;
}

/* array_path or json_path; sel's strings stay borrowed from config. */
static int parse_selection(json_object *config, struct json_selection *sel, char *field,
                           size_t field_len, char *msg, size_t msg_len)
{
    memset(sel, 0, sizeof(*sel));
    if (parse_array_path(config, &sel->array_path, field, field_len, msg, msg_len) ||
        parse_json_path(config, sel, field, field_len, msg, msg_len))
        return -1;
    if (sel->array_path && sel->json_path) {
        snprintf(field, field_len, "json_path");
        snprintf(msg, msg_len, "give array_path or json_path, not both");
        return -1;
    }
    if (sel->array_path && jpath_from_dotted(sel->array_path, &sel->path) != 0) {
        snprintf(field, field_len, "array_path");
        snprintf(msg, msg_len, "has more than %d keys", JPATH_MAX_STEPS);
        return -1;
    }
    sel->strict = sel->array_path != NULL;
    return 0;
}

static int json_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                                size_t msg_len)
{
    struct jflat_options opt;
    struct json_selection sel;
    if (jflat_options_parse(config, &opt, field, field_len, msg, msg_len))
        return -1;
    return parse_selection(config, &sel, field, field_len, msg, msg_len);
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
                if (!grow(&r->key, &r->key_cap, r->key_len + 1, 1, 64))
                    return rec_fail(r->src.env, ENGINE_NO_MEMORY, "out of memory");
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

/* ---- selecting the records ---- */

/* array_path's key that states is looking for (strict: one state). */
static const char *wanted_key(const struct json_reader *r, uint64_t states)
{
    int i = 0;
    while (i < r->sel.path.n - 1 && !((states >> i) & 1))
        i++;
    return r->sel.path.steps[i].name;
}

static int not_an_object(struct json_reader *r, uint64_t states)
{
    return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                    "array_path \"%s\": the value before \"%s\" is not an object",
                    r->sel.array_path, wanted_key(r, states));
}

/* Opens the container at pos (its bracket is taken). */
static int push(struct json_reader *r, bool object, uint64_t states, bool records)
{
    if (!object && r->sel.path.n > 0 && ((states >> (r->sel.path.n - 1)) & 1))
        r->last_array = true;
    if (r->nframes == JSON_MAX_WALK_DEPTH)
        return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                        "the JSON is nested deeper than %d levels on the way to the records",
                        JSON_MAX_WALK_DEPTH);
    if (!grow(&r->frames, &r->frames_cap, r->nframes + 1, sizeof(*r->frames), 16))
        return rec_fail(r->src.env, ENGINE_NO_MEMORY, "out of memory");
    r->frames[r->nframes++] = (struct json_frame){states, 0, object, records, false};
    r->pos++;
    return ENGINE_OK;
}

/* Where a record read in the innermost container comes from. */
static unsigned record_origin(const struct json_reader *r)
{
    const struct json_frame *f = &r->frames[r->nframes - 1];
    if (f->object)
        return FROM_MEMBER;
    return r->nframes == 1 ? FROM_TOP_ARRAY : FROM_NESTED_ARRAY;
}

/* At a value the path selects: an array gives its elements (a frame of
 * records), any other value is the next record (*record). */
static int select_value(struct json_reader *r, bool *record)
{
    int c = peek_past_blanks(r);
    r->selected = true;
    if (c == '[')
        return push(r, false, 0, true);
    if (r->sel.strict)
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "array_path \"%s\" is not an array",
                        r->sel.array_path);
    r->from |= record_origin(r);
    *record = true;
    return ENGINE_OK;
}

/* At a key: reads it and its ':', and gives the states of its value. */
static int member_states(struct json_reader *r, uint64_t parent, uint64_t *states)
{
    bool keep = jpath_wants_key(&r->sel.path, parent);
    int rc = take_string(r, keep);
    if (rc != ENGINE_OK)
        return rc;
    int c = peek_past_blanks(r);
    if (c != ':')
        return bad(r, c, "expected ':' after a key");
    r->pos++;
    if (!keep) {
        *states = jpath_member(&r->sel.path, parent, "", 0);
        return ENGINE_OK;
    }
    /* r->key holds the key with its quotes; json-c decodes escapes. */
    if (memchr(r->key, '\\', r->key_len) == NULL) {
        *states = jpath_member(&r->sel.path, parent, r->key + 1, r->key_len - 2);
        return ENGINE_OK;
    }
    json_tokener_reset(r->src.tok);
    json_object *key = json_tokener_parse_ex(r->src.tok, r->key, (int)r->key_len);
    if (!key || !json_object_is_type(key, json_type_string)) {
        json_object_put(key);
        return rec_fail(r->src.env, ENGINE_BAD_INPUT, "invalid JSON before byte %lld: a bad key",
                        offset(r) + 1);
    }
    *states = jpath_member(&r->sel.path, parent, json_object_get_string(key),
                           (size_t)json_object_get_string_len(key));
    json_object_put(key);
    return ENGINE_OK;
}

/* One step in the innermost open container: its end, or its next member or
 * element, which is skipped, entered, or the next record (*record). */
static int walk(struct json_reader *r, bool *record)
{
    struct json_frame *f = &r->frames[r->nframes - 1];
    int c = peek_past_blanks(r);
    if (c == (f->object ? '}' : ']')) {
        r->pos++;
        if (r->sel.strict && !f->records && !f->found)
            return rec_fail(r->src.env, ENGINE_BAD_INPUT, "array_path \"%s\": there is no key \"%s\"",
                            r->sel.array_path, wanted_key(r, f->states));
        r->nframes--;
        return ENGINE_OK;
    }
    if (f->count > 0) {
        if (c != ',')
            return bad(r, c, f->records  ? "expected ',' or ']' after a record"
                             : f->object ? "expected ',' or '}'"
                                         : "expected ',' or ']'");
        r->pos++;
        c = peek_past_blanks(r);
    }
    if (c < 0)
        return bad(r, c, f->records ? "the array is not closed" : "an object or array is not closed");
    uint64_t states = 0;
    if (f->object) {
        if (c != '"')
            return bad(r, c, "expected a key");
        int rc = member_states(r, f->states, &states);
        if (rc != ENGINE_OK)
            return rc;
    } else if (!f->records) {
        states = jpath_element(&r->sel.path, f->states, f->count);
    }
    f->count++;
    if (f->records) {
        r->from |= record_origin(r);
        *record = true;
        return ENGINE_OK;
    }
    if (states == 0)
        return skip_value(r);
    f->found = true;
    if (jpath_selected(&r->sel.path, states))
        return select_value(r, record);
    c = peek_past_blanks(r);
    if (c == '{' || (c == '[' && !r->sel.strict))
        return push(r, c == '{', states, false);
    if (r->sel.strict)
        return not_an_object(r, states);
    return skip_value(r);
}

/* At the start of the document: the root is selected, or walked. */
static int start_document(struct json_reader *r)
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
    r->root_object = c == '{';
    r->state = ST_WALK;
    if (r->sel.path.n == 0) {
        if (c == '[')
            return push(r, false, 0, true);
        if (c == '{') {
            r->single = true;
            r->state = ST_SINGLE;
            return ENGINE_OK;
        }
        return bad(r, c, "the document must be an array of records or an object");
    }
    if (c == '{' || (c == '[' && !r->sel.strict))
        return push(r, c == '{', jpath_root(), false);
    if (r->sel.strict)
        return not_an_object(r, jpath_root());
    return bad(r, c, "the document must be an array or an object");
}

/* After the document: only blanks may follow, and a json_path must have
 * selected something: one that selects nothing is a mistake, not an empty
 * file, unless only its last [*] or [n] found nothing (an empty array). */
static int finish(struct json_reader *r)
{
    const struct jpath *p = &r->sel.path;
    int c = peek_past_blanks(r);
    if (c != -1) {
        bad(r, c, "more data after the JSON document (JSON Lines? set \"format\": "
                  "\"jsonlines\")");
        return READ_ERROR;
    }
    bool last_in_array = p->n > 0 && (p->steps[p->n - 1].kind == JPATH_ANY ||
                                      p->steps[p->n - 1].kind == JPATH_INDEX);
    if (r->sel.json_path && !r->selected && !(last_in_array && r->last_array)) {
        rec_fail(r->src.env, ENGINE_BAD_INPUT, "json_path \"%s\" selects nothing in this document",
                 r->sel.json_path);
        return READ_ERROR;
    }
    r->state = ST_DONE;
    return READ_EOF;
}

/* ---- reader_ops ---- */

static void json_close(void *state)
{
    struct json_reader *r = state;
    if (!r)
        return;
    jflat_source_close(&r->src);
    free(r->frames);
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
        parse_selection(args->config, &r->sel, field, sizeof(field), msg, sizeof(msg)))
        rc = rec_fail(r->src.env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
    if (rc == ENGINE_OK)
        rc = start_document(r);
    if (rc != ENGINE_OK) {
        json_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

/* A record whose text, from start to pos, is past max_record_bytes: the
 * file fails (an array's later records cannot be trusted to start cleanly). */
static int too_large(struct json_reader *r, long long start)
{
    return rec_fail(r->src.env, ENGINE_BAD_INPUT,
                    "record %lld (byte %lld) is larger than %zu bytes "
                    "(processing_config.max_record_bytes)",
                    r->records + 1, start + 1, r->src.max_record);
}

/* Parses the value at pos, feeding the tokener as many chunks as it needs,
 * but no more than max_record_bytes. *value is NULL for a JSON null. */
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
        /* Never more than the cap's worth past the record's start. */
        size_t room = r->src.max_record + 1 - (size_t)(offset(r) - start);
        size_t len = r->end - r->pos < room ? r->end - r->pos : room;
        json_object *o = json_tokener_parse_ex(r->src.tok, r->src.buf + r->pos, (int)len);
        r->pos += json_tokener_get_parse_end(r->src.tok);
        enum json_tokener_error e = json_tokener_get_error(r->src.tok);
        if ((size_t)(offset(r) - start) > r->src.max_record) {
            json_object_put(o);
            return too_large(r, start);
        }
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

/* The next record: parsed, flattened into rec. */
static int take_record(struct json_reader *r, struct record *rec)
{
    json_object *o = NULL;
    if (parse_value(r, &o) != ENGINE_OK)
        return READ_ERROR;
    r->src.current = o;
    rec->line = ++r->records;
    if (jflat_record(r->src.flat, o, rec) != ENGINE_OK)
        return READ_ERROR;
    return READ_RECORD;
}

static int json_next(void *state, struct record *rec)
{
    struct json_reader *r = state;
    json_object_put(r->src.current);
    r->src.current = NULL;
    switch (r->state) {
    case ST_DONE:
        return READ_EOF;
    case ST_SINGLE:
        r->state = ST_AFTER;
        return take_record(r, rec);
    case ST_AFTER:
        return finish(r);
    case ST_WALK:
        break;
    }
    while (r->nframes > 0) {
        bool record = false;
        if (walk(r, &record) != ENGINE_OK)
            return READ_ERROR;
        if (record)
            return take_record(r, rec);
    }
    r->state = ST_AFTER;
    return finish(r);
}

/* How the records sat in the document (json_structure). */
static const char *json_structure(const struct json_reader *r)
{
    if (r->single)
        return "object";
    switch (r->from) {
    case 0:
        return r->sel.path.n == 0 ? "array" : "nested_array";
    case FROM_TOP_ARRAY:
        return "array";
    case FROM_NESTED_ARRAY:
        return "nested_array";
    case FROM_MEMBER:
        return "nested_values";
    default:
        return "mixed";
    }
}

static int json_metadata(void *state, json_object *meta)
{
    struct json_reader *r = state;
    json_object_object_add(meta, "records_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "objects_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "top_level",
                           json_object_new_string(r->root_object ? "object" : "array"));
    json_object_object_add(meta, "json_structure", json_object_new_string(json_structure(r)));
    if (r->sel.array_path)
        json_object_object_add(meta, "array_path", json_object_new_string(r->sel.array_path));
    json_object_object_add(meta, "array_path_used", r->sel.array_path
                                                        ? json_object_new_string(r->sel.array_path)
                                                        : NULL);
    json_object_object_add(meta, "json_path_used",
                           r->sel.json_path ? json_object_new_string(r->sel.json_path) : NULL);
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
