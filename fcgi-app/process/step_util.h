/* step_util.h — what the step files share: parameter checks for
 * validate(), column checks, typed comparison, and regex matching on
 * slices. */
#ifndef QUARRY_PROCESS_STEP_UTIL_H
#define QUARRY_PROCESS_STEP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "process/pattern.h"
#include "process/record.h"

/* Where a validate() reports: field is relative to params. */
struct step_err {
    char *field;
    size_t field_len;
    char *msg;
    size_t msg_len;
};

/* Fills e and returns -1. */
int step_err_set(struct step_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* params[key], or NULL when missing or JSON null. */
json_object *param_get(json_object *params, const char *key);
/* A non-empty string of at most 4096 bytes. *out may be NULL-ed when optional and missing. */
int param_string(json_object *params, const char *key, bool required, const char **out,
                 struct step_err *e);
/* An array of 1..10000 distinct non-empty strings. */
int param_columns(json_object *params, const char *key, bool required, struct step_err *e);
/* One of names[] (NULL-terminated); *idx is its index (left as is when optional and missing). */
int param_enum(json_object *params, const char *key, const char *const *names, bool required,
               int *idx, struct step_err *e);
/* The operands of in / not_in (v an array, checked by the caller): at
 * most 10000 strings, numbers or booleans, reported under key. */
int param_scalar_list(json_object *v, const char *key, struct step_err *e);
/* A boolean (left as is when missing). */
int param_bool(json_object *params, const char *key, bool *out, struct step_err *e);
/* A string that compiles as a pattern (pattern.h) within its budget. */
int param_regex(json_object *params, const char *key, bool icase, struct step_err *e);

/* Fails the run (BAD_CONFIG) when cols is known and lacks name (each of
 * names). */
int step_need_column(struct rec_env *env, const struct rec_columns *cols, const char *name,
                     const char *step);
int step_need_columns(struct rec_env *env, const struct rec_columns *cols,
                      const struct rec_names *names, const char *step);

/* validate() of a step whose params are {columns: [..]}. */
int step_validate_columns(json_object *params, char *field, size_t field_len, char *msg,
                          size_t msg_len);

/* Fills issue for a row that failed for want of memory; returns STEP_FAIL. */
int step_out_of_memory(struct step_issue *issue);

/* A comparison operand from the step's params, parsed once. */
struct typed {
    char *s;            /* its text, owned */
    size_t len;
    bool is_num, is_date, is_bool;
    double num, epoch;
    bool b;
};
/* Ownership: t->s is allocated; free it with typed_free(). Returns 0 or -1 (OOM / bad type). */
int typed_from_json(json_object *v, struct typed *t);
void typed_free(struct typed *t);
/* The operands of in / not_in: one typed per element of array. Ownership:
 * *list is allocated (also when this fails part way: *n says how many to
 * free); free it with typed_list_free(). Returns 0 or -1. */
int typed_list_from_json(json_object *array, struct typed **list, size_t *n);
void typed_list_free(struct typed *list, size_t n);

enum typed_how { TYPED_NUM, TYPED_DATE, TYPED_BOOL, TYPED_TEXT };
/* Compares a value with an operand: as numbers when both are numbers, as
 * instants when both are ISO dates, as booleans, else as bytes (ASCII
 * case-insensitively with icase). *how says which. Returns <0, 0, >0. */
int typed_compare(const struct typed *t, const char *p, size_t len, bool icase,
                  enum typed_how *how);

/* Fills issue for a value on which a pattern went over its match budget
 * (REGEX_BUDGET, a row error); returns STEP_FAIL. */
int step_regex_issue(struct step_issue *issue, const char *column, const char *step);

/* Adds n to the counter key of processing_metadata (two steps of one kind
 * add up). For a step's finish(). */
int step_count_metadata(json_object *meta, const char *key, long long n);

/* A value quoted for a message: at most 60 bytes, control bytes as '?'. */
void step_quote_value(char *out, size_t out_len, const char *p, size_t len);

#endif
