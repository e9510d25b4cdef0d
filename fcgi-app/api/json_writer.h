#ifndef QUARRY_JSON_WRITER_H
#define QUARRY_JSON_WRITER_H
/* A direct JSON writer into one growing buffer in the request's arena, for
 * answers built from many rows (a list of 100 jobs): no json-c object per
 * value, no hash table per object, no second pass to serialize and a third
 * to free. Its output is byte for byte what json-c writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (respond_json's
 * flags) for the same values (tests/unit/test_json_writer.c).
 *
 * Commas are the writer's business: every value and key takes one when a
 * value came before it at the same level. The caller nests open and close
 * correctly and writes a key before each value in an object. */
#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"

struct jsonw {
    struct arena *arena;
    char *buf; /* in arena; NUL-terminated */
    size_t len, cap;
    bool need_comma;
};

/* An empty writer whose buffer (grown by doubling) is owned by a. */
void jsonw_init(struct jsonw *w, struct arena *a, size_t initial);
void jsonw_open_object(struct jsonw *w);
void jsonw_close_object(struct jsonw *w);
void jsonw_open_array(struct jsonw *w);
void jsonw_close_array(struct jsonw *w);
/* "key": (key escaped like any string). */
void jsonw_key(struct jsonw *w, const char *key);
/* A string value, or null when s is NULL. */
void jsonw_string(struct jsonw *w, const char *s);
/* A string of n bytes that need not be UTF-8 (a database value): an
 * invalid byte becomes U+FFFD, \n \r \t take their short escapes and the
 * other control characters (NUL too) \u00xx. Not json-c's bytes: for
 * values json-c never wrote. */
void jsonw_string_bytes(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, long long v);
/* As json-c writes a double: %.17g, with ".0" added to a whole number. */
void jsonw_double(struct jsonw *w, double v);
void jsonw_null(struct jsonw *w);
/* A value that is JSON text already (len bytes of text, not checked). */
void jsonw_raw(struct jsonw *w, const char *text, size_t len);
/* A value that is JSON text to be written as json-c writes it back once
 * parsed (json_tokener_parse, then respond_json's flags), when that is a
 * copy: text without whitespace, in strict JSON, no \u escape, numbers
 * json-c keeps as written (not -0, integers of at most 18 digits), no
 * object of more than 16 members or with a repeated name, at most 16
 * levels deep, not null alone (json-c parses it as no object). The copy
 * drops the '\/' escape, as json-c does. Anything
 * else writes nothing and returns false: the caller parses it. */
bool jsonw_json_copy(struct jsonw *w, const char *text);
/* "key": and its value, the one call for each member of an object: a
 * string (null when s is NULL), an integer, a double (as jsonw_double), or
 * a database time ("2026-01-09 10:00:00.000") as the API's ISO time, null
 * when it is NULL or unreadable. */
void jsonw_field_string(struct jsonw *w, const char *key, const char *s);
void jsonw_field_int(struct jsonw *w, const char *key, long long v);
void jsonw_field_double(struct jsonw *w, const char *key, double v);
void jsonw_field_time(struct jsonw *w, const char *key, const char *db_time);
/* The text so far (owned by the arena) and its length. */
const char *jsonw_text(const struct jsonw *w, size_t *len);

#endif
