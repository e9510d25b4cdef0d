#ifndef QUARRY_VALIDATE_H
#define QUARRY_VALIDATE_H
/* Declared validation (kcgi's struct kvalid): each endpoint lists its fields
 * in a table indexed by an enum; one validator checks presence, type and
 * limits and says which field is wrong and why. Unknown body fields are
 * ignored (they never reach the database). Pure functions: the handlers'
 * side, which answers the 422, is request_fields() in request.h. */
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
    FIELD_LINE,    /* a FIELD_STRING without CR or LF (names shown in headers and logs) */
    FIELD_NAME,    /* a FIELD_STRING of letters, digits, '.', '_' and '-' (validate_name) */
};

struct field_spec {
    const char *name;
    enum field_type type;
    bool required;
    long long min, max; /* max 0: no upper bound (strings, arrays) */
};

/* Checks obj against the n specs; values[i] receives the field (borrowed from
 * obj, NULL when absent or JSON null). On failure writes the offending field
 * name and a message, returns -1. */
int validate_fields(json_object *obj, const struct field_spec *specs, size_t n,
                    json_object **values, const char **field, char *msg, size_t msg_len);
/* Checks one present value against spec; the message calls it name. 0, or -1
 * with the message. */
int validate_value(json_object *v, const struct field_spec *spec, const char *name, char *msg,
                   size_t msg_len);
bool validate_email(const char *s);
bool validate_utf8(const char *s, size_t len);
/* Letters, digits, '.', '_' and '-' only, at least one: never an '@', so a
 * user name cannot pass for an email. */
bool validate_name(const char *s);

#endif
