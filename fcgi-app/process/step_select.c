/* step_select.c — keeps only the listed columns, in the listed order.
 * params: {columns: [..]}. A column missing from a record becomes null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

struct select {
    struct rec_env *env;
    struct rec_names keep;
    struct rec_field *out;
};

static void select_free(void *state)
{
    struct select *s = state;
    if (!s)
        return;
    rec_names_free(&s->keep);
    free(s->out);
    free(s);
}

static int select_init(void **state, json_object *params, struct rec_env *env)
{
    struct select *s = calloc(1, sizeof(*s));
    if (!s)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    s->env = env;
    int rc = rec_names_from_json(&s->keep, env, param_get(params, "columns"));
    if (rc == ENGINE_OK && !(s->out = calloc(s->keep.count, sizeof(*s->out))))
        rc = rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    if (rc != ENGINE_OK) {
        select_free(s);
        return rc;
    }
    *state = s;
    return ENGINE_OK;
}

static int select_columns(void *state, struct rec_columns *cols)
{
    struct select *s = state;
    int rc = step_need_columns(s->env, cols, &s->keep, "select");
    if (rc != ENGINE_OK)
        return rc;
    cols->count = 0;
    for (size_t i = 0; i < s->keep.count; i++)
        if (rec_columns_push(cols, s->keep.names[i]))
            return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    return ENGINE_OK;
}

static int select_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct select *s = state;
    (void)issue;
    for (size_t i = 0; i < s->keep.count; i++) {
        long k = rec_find(rec, s->keep.names[i], &s->keep.hints[i]);
        if (k >= 0) {
            s->out[i] = rec->fields[k];
        } else {
            s->out[i] = (struct rec_field){.name = s->keep.names[i], .val = "", .type = REC_NULL};
        }
    }
    rec->fields = s->out;
    rec->nfields = s->keep.count;
    return STEP_KEEP;
}

const struct step_ops step_select_ops = {
    .type = "select",
    .keeps_values = true,
    .validate = step_validate_columns,
    .init = select_init,
    .columns = select_columns,
    .process = select_process,
    .free = select_free,
};
