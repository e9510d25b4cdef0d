#ifndef QUARRY_API_VALIDATE_H
#define QUARRY_API_VALIDATE_H
/* Declared validation of JSON bodies: each endpoint lists its fields in a
 * table; one validator checks presence, type and limits and produces the 422
 * naming the field. Unknown fields are ignored (they never reach the database). */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type {
    FIELD_STRING,  /* min/max: length in bytes (UTF-8 checked) */
    FIELD_EMAIL,   /* a plausible address, at most 254 bytes */
    FIELD_INT,     /* min/max: value */
    FIELD_BOOL,
    FIELD_OBJECT,
    FIELD_ARRAY,   /* min/max: number of items */
};

struct field_spec {
    const char *name;
    enum field_type type;
    bool required;
    long long min, max;
};

/* Checks obj against the n specs; values[i] receives the field (borrowed from
 * obj, NULL when absent or JSON null). On failure writes the offending field
 * name and a message, returns -1. */
int validate_fields(json_object *obj, const struct field_spec *specs, size_t n,
                    json_object **values, const char **field, char *msg, size_t msg_len);
bool validate_email(const char *s);
bool validate_utf8(const char *s, size_t len);

#endif
