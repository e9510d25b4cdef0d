/* step_drop.c — removes the listed columns. params: {columns: [..]}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

struct drop {
    struct rec_env *env;
    const char **names;
    size_t n;
    struct rec_field *out;
    size_t out_cap;
};

static int drop_validate(json_object *params, char *field, size_t field_len, char *msg,
                         size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    return param_columns(params, "columns", true, &e);
}

static void drop_free(void *state)
{
    struct drop *d = state;
    if (!d)
        return;
    free(d->names);
    free(d->out);
    free(d);
}

static int drop_init(void **state, json_object *params, struct rec_env *env)
{
    json_object *list = param_get(params, "columns");
    struct drop *d = calloc(1, sizeof(*d));
    if (!d)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    d->env = env;
    d->n = json_object_array_length(list);
    d->names = calloc(d->n, sizeof(*d->names));
    if (!d->names)
        goto oom;
    for (size_t i = 0; i < d->n; i++) {
        json_object *c = json_object_array_get_idx(list, i);
        d->names[i] = rec_intern(env, json_object_get_string(c),
                                 (size_t)json_object_get_string_len(c));
        if (!d->names[i])
            goto oom;
    }
    *state = d;
    return ENGINE_OK;
oom:
    drop_free(d);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static bool dropped(const struct drop *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->names[i] == name)
            return true;
    return false;
}

static int drop_columns(void *state, struct rec_columns *cols)
{
    struct drop *d = state;
    for (size_t i = 0; i < d->n; i++) {
        int rc = step_need_column(d->env, cols, d->names[i], "drop");
        if (rc != ENGINE_OK)
            return rc;
    }
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
        if (!out) {
            issue->code = "OUT_OF_MEMORY";
            snprintf(issue->message, sizeof(issue->message), "out of memory");
            return STEP_FAIL;
        }
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
    .validate = drop_validate,
    .init = drop_init,
    .columns = drop_columns,
    .process = drop_process,
    .free = drop_free,
};
