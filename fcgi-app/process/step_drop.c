/* step_drop.c — removes the listed columns. params: {columns: [..]}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

struct drop {
    struct rec_env *env;
    struct rec_names drop;
    struct rec_field *out;
    size_t out_cap;
};

static void drop_free(void *state)
{
    struct drop *d = state;
    if (!d)
        return;
    rec_names_free(&d->drop);
    free(d->out);
    free(d);
}

static int drop_init(void **state, json_object *params, struct rec_env *env)
{
    struct drop *d = calloc(1, sizeof(*d));
    if (!d)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    d->env = env;
    int rc = rec_names_from_json(&d->drop, env, param_get(params, "columns"));
    if (rc != ENGINE_OK) {
        drop_free(d);
        return rc;
    }
    *state = d;
    return ENGINE_OK;
}

static bool dropped(const struct drop *d, const char *name)
{
    for (size_t i = 0; i < d->drop.count; i++)
        if (d->drop.names[i] == name)
            return true;
    return false;
}

static int drop_columns(void *state, struct rec_columns *cols)
{
    struct drop *d = state;
    int rc = step_need_columns(d->env, cols, &d->drop, "drop");
    if (rc != ENGINE_OK)
        return rc;
    size_t w = 0;
    for (size_t i = 0; i < cols->count; i++)
        if (!dropped(d, cols->names[i]))
            cols->names[w++] = cols->names[i];
    cols->count = w;
    return ENGINE_OK;
}

static int drop_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct drop *d = state;
    if (rec->nfields > d->out_cap) {
        struct rec_field *out = realloc(d->out, rec->nfields * sizeof(*out));
        if (!out)
            return step_out_of_memory(issue);
        d->out = out;
        d->out_cap = rec->nfields;
    }
    size_t w = 0;
    for (size_t i = 0; i < rec->nfields; i++)
        if (!dropped(d, rec->fields[i].name))
            d->out[w++] = rec->fields[i];
    rec->fields = d->out;
    rec->nfields = w;
    return STEP_KEEP;
}

const struct step_ops step_drop_ops = {
    .type = "drop",
    .keeps_values = true,
    .validate = step_validate_columns,
    .init = drop_init,
    .columns = drop_columns,
    .process = drop_process,
    .free = drop_free,
};
