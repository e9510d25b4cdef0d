/* step_select.c — keeps only the listed columns, in the listed order.
 * params: {columns: [..]}. A column missing from a record becomes null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

struct select {
    struct rec_env *env;
    const char **names;
    size_t *hints;
    struct rec_field *out;
    size_t n;
};

static int select_validate(json_object *params, char *field, size_t field_len, char *msg,
                           size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    return param_columns(params, "columns", true, &e);
}

static void select_free(void *state)
{
    struct select *s = state;
    if (!s)
        return;
    free(s->names);
    free(s->hints);
    free(s->out);
    free(s);
}

static int select_init(void **state, json_object *params, struct rec_env *env)
{
    json_object *list = param_get(params, "columns");
    size_t n = json_object_array_length(list);
    struct select *s = calloc(1, sizeof(*s));
    if (!s)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    s->env = env;
    s->n = n;
    s->names = calloc(n, sizeof(*s->names));
    s->hints = calloc(n, sizeof(*s->hints));
    s->out = calloc(n, sizeof(*s->out));
    if (!s->names || !s->hints || !s->out)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(list, i);
        s->names[i] = rec_intern(env, json_object_get_string(c),
                                 (size_t)json_object_get_string_len(c));
        if (!s->names[i])
            goto oom;
        s->hints[i] = i;
    }
    *state = s;
    return ENGINE_OK;
oom:
    select_free(s);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int select_columns(void *state, struct rec_columns *cols)
{
    struct select *s = state;
    for (size_t i = 0; i < s->n; i++) {
        int rc = step_need_column(s->env, cols, s->names[i], "select");
        if (rc != ENGINE_OK)
            return rc;
    }
    cols->count = 0;
    for (size_t i = 0; i < s->n; i++)
        if (rec_columns_push(cols, s->names[i]))
            return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    return ENGINE_OK;
}

static int select_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct select *s = state;
    (void)issue;
    for (size_t i = 0; i < s->n; i++) {
        long k = rec_find(rec, s->names[i], &s->hints[i]);
        if (k >= 0) {
            s->out[i] = rec->fields[k];
        } else {
            s->out[i] = (struct rec_field){.name = s->names[i], .val = "", .type = REC_NULL};
        }
    }
    rec->fields = s->out;
    rec->nfields = s->n;
    return STEP_KEEP;
}

const struct step_ops step_select_ops = {
    .type = "select",
    .validate = select_validate,
    .init = select_init,
    .columns = select_columns,
    .process = select_process,
    .free = select_free,
};
