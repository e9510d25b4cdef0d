/* step_rename.c — renames columns. params: {mapping: {"old": "new", ...}}.
 * All renames happen at once, so {"a": "b", "b": "a"} swaps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/step_util.h"

struct rename {
    struct rec_env *env;
    const char **from, **to;
    size_t *hints;
    long *found;
    size_t n;
};

static int rename_validate(json_object *params, char *field, size_t field_len, char *msg,
                           size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    json_object *map = param_get(params, "mapping");
    if (!map)
        return step_err_set(&e, "mapping", "is required");
    if (!json_object_is_type(map, json_type_object) || json_object_object_length(map) == 0)
        return step_err_set(&e, "mapping", "must be an object of \"old\": \"new\" names");
    if (json_object_object_length(map) > 10000)
        return step_err_set(&e, "mapping", "must have at most 10000 entries");
    json_object_object_foreach(map, key, val) {
        char sub[300];
        snprintf(sub, sizeof(sub), "mapping.%.280s", key);
        if (key[0] == '\0')
            return step_err_set(&e, "mapping", "has an empty column name");
        if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) == 0 ||
            json_object_get_string_len(val) > 4096)
            return step_err_set(&e, sub, "must be a non-empty string");
        json_object_object_foreach(map, key2, val2) {
            if (key2 == key)
                break;
            if (strcmp(json_object_get_string(val2), json_object_get_string(val)) == 0)
                return step_err_set(&e, sub, "renames a second column to \"%s\"",
                                    json_object_get_string(val));
        }
    }
    return 0;
}

static void rename_free(void *state)
{
    struct rename *r = state;
    if (!r)
        return;
    free(r->from);
    free(r->to);
    free(r->hints);
    free(r->found);
    free(r);
}

static int rename_init(void **state, json_object *params, struct rec_env *env)
{
    json_object *map = param_get(params, "mapping");
    struct rename *r = calloc(1, sizeof(*r));
    if (!r)
        return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
    r->env = env;
    size_t n = (size_t)json_object_object_length(map);
    r->from = calloc(n, sizeof(*r->from));
    r->to = calloc(n, sizeof(*r->to));
    r->hints = calloc(n, sizeof(*r->hints));
    r->found = calloc(n, sizeof(*r->found));
    if (!r->from || !r->to || !r->hints || !r->found)
        goto oom;
    json_object_object_foreach(map, key, val) {
        r->from[r->n] = rec_intern(env, key, strlen(key));
        r->to[r->n] = rec_intern(env, json_object_get_string(val),
                                 (size_t)json_object_get_string_len(val));
        if (!r->from[r->n] || !r->to[r->n])
            goto oom;
        r->n++;
    }
    *state = r;
    return ENGINE_OK;
oom:
    rename_free(r);
    return rec_fail(env, ENGINE_NO_MEMORY, "out of memory");
}

static int rename_columns(void *state, struct rec_columns *cols)
{
    struct rename *r = state;
    for (size_t i = 0; i < r->n; i++) {
        int rc = step_need_column(r->env, cols, r->from[i], "rename");
        if (rc != ENGINE_OK)
            return rc;
    }
    for (size_t c = 0; c < cols->count; c++) {
        for (size_t i = 0; i < r->n; i++) {
            if (cols->names[c] == r->from[i]) {
                cols->names[c] = r->to[i];
                break;
            }
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        size_t seen = 0;
        for (size_t c = 0; c < cols->count; c++)
            seen += cols->names[c] == r->to[i];
        if (seen > 1)
            return rec_fail(r->env, ENGINE_BAD_CONFIG,
                            "rename: two columns would be called \"%s\"", r->to[i]);
    }
    return ENGINE_OK;
}

static int rename_process(void *state, struct record *rec, struct step_issue *issue)
{
    struct rename *r = state;
    (void)issue;
    for (size_t i = 0; i < r->n; i++)
        r->found[i] = rec_find(rec, r->from[i], &r->hints[i]);
    for (size_t i = 0; i < r->n; i++)
        if (r->found[i] >= 0)
            rec->fields[r->found[i]].name = r->to[i];
    return STEP_KEEP;
}

const struct step_ops step_rename_ops = {
    .type = "rename",
    .keeps_values = true,
    .validate = rename_validate,
    .init = rename_init,
    .columns = rename_columns,
    .process = rename_process,
    .free = rename_free,
};
