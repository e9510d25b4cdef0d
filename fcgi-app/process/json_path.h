/* json_path.h — the JSONPath subset the JSON reader selects its records with
 * (processing_config.json_path, e.g. "$.data.customers[*]"):
 *
 *   $            the document
 *   .name        a member ("['name']" or "[\"name\"]" for any other name)
 *   [n]          an element of an array (n >= 0)
 *   [*] or .*    every member or element
 *   ..name       every member of that name at any depth ("..['name']")
 *
 * Anything else (filters [?()], scripts, slices, unions, negative indexes,
 * ..* ) is refused when the job is created, never ignored.
 *
 * Evaluation is a state set over the steps, so the reader walks the document
 * once, as a stream: bit i of a state set means "steps [0, i) matched on the
 * way here"; bit n (all steps) means the value is selected. */
#ifndef QUARRY_PROCESS_JSON_PATH_H
#define QUARRY_PROCESS_JSON_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JPATH_MAX_STEPS 32
#define JPATH_MAX_LEN 1024

enum jpath_kind {
    JPATH_MEMBER,  /* .name */
    JPATH_INDEX,   /* [n] */
    JPATH_ANY,     /* [*], .* */
    JPATH_DESCEND, /* ..name */
};

struct jpath_step {
    enum jpath_kind kind;
    const char *name; /* MEMBER, DESCEND: the name, decoded, in jpath.names */
    size_t name_len;
    long long index;  /* INDEX */
};

struct jpath {
    struct jpath_step steps[JPATH_MAX_STEPS];
    int n;
    char names[JPATH_MAX_LEN + 1]; /* the decoded names, back to back */
};

/* Compiles a JSONPath expression. 0, or -1 with msg saying what is not
 * supported (and where). Nothing to free. */
int jpath_compile(const char *expr, struct jpath *out, char *msg, size_t msg_len);
/* Compiles dotted keys ("data.customers", array_path) as members. 0 or -1. */
int jpath_from_dotted(const char *dotted, struct jpath *out);

/* The state set of the document itself. */
static inline uint64_t jpath_root(void)
{
    return 1;
}
/* True when the states select the value (every step matched). */
static inline bool jpath_selected(const struct jpath *p, uint64_t states)
{
    return (states >> p->n) & 1;
}
/* True when some state compares member names (a key must be read). */
bool jpath_wants_key(const struct jpath *p, uint64_t states);
/* The states of a member named key[0..len) of an object in states. */
uint64_t jpath_member(const struct jpath *p, uint64_t states, const char *key, size_t len);
/* The states of element index of an array in states. */
uint64_t jpath_element(const struct jpath *p, uint64_t states, long long index);

#endif
