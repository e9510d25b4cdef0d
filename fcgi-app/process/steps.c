/* steps.c — the table of processing steps and the validation of a
 * processing_steps array. Adding a step is one file plus one line here. */
#include <stdio.h>
#include <string.h>

#include "process/engine.h"
#include "process/steps.h"
#include "process/text.h"

extern const struct step_ops step_filter_ops;
extern const struct step_ops step_select_ops;
extern const struct step_ops step_drop_ops;
extern const struct step_ops step_rename_ops;
extern const struct step_ops step_transform_ops;
extern const struct step_ops step_cast_ops;
extern const struct step_ops step_validate_ops;
extern const struct step_ops step_dedupe_ops;
extern const struct step_ops step_convert_ops;
extern const struct step_ops step_sort_ops;

static const struct step_ops *const steps[] = {
    &step_filter_ops,    &step_select_ops, &step_drop_ops,
    &step_rename_ops,    &step_transform_ops, &step_cast_ops,
    &step_validate_ops,  &step_dedupe_ops, &step_convert_ops,
    &step_sort_ops,
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
/* A job is a handful of steps; this only stops absurd requests. */
#define MAX_STEPS 100

const struct step_ops *steps_find(const char *type)
{
    for (size_t i = 0; type && i < NSTEPS; i++)
        if (strcmp(steps[i]->type, type) == 0)
            return steps[i];
    return NULL;
}

const char *steps_output_format(json_object *list)
{
    const char *format = NULL;
    size_t n = list && json_object_is_type(list, json_type_array)
                   ? json_object_array_length(list)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *step = json_object_array_get_idx(list, i), *type, *params, *to;
        if (json_object_object_get_ex(step, "type", &type) &&
            strcmp(json_object_get_string(type), "convert_format") == 0 &&
            json_object_object_get_ex(step, "params", &params) &&
            json_object_object_get_ex(params, "to_format", &to))
            format = json_object_get_string(to);
    }
    return format;
}

json_object *steps_output_options(json_object *list)
{
    json_object *options = NULL;
    size_t n = list && json_object_is_type(list, json_type_array)
                   ? json_object_array_length(list)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *step = json_object_array_get_idx(list, i), *type, *params;
        if (json_object_object_get_ex(step, "type", &type) &&
            strcmp(json_object_get_string(type), "convert_format") == 0 &&
            json_object_object_get_ex(step, "params", &params))
            options = params;
    }
    return options;
}

static int fail(char *field, size_t field_len, char *msg, size_t msg_len, const char *f,
                const char *m)
{
    snprintf(field, field_len, "%s", f);
    snprintf(msg, msg_len, "%s", m);
    return -1;
}

int engine_validate_steps(json_object *list, char *field, size_t field_len, char *msg,
                          size_t msg_len)
{
    if (!list || json_object_is_type(list, json_type_null))
        return 0;
    if (!json_object_is_type(list, json_type_array))
        return fail(field, field_len, msg, msg_len, "processing_steps", "must be an array");
    size_t n = json_object_array_length(list);
    if (n > MAX_STEPS)
        return fail(field, field_len, msg, msg_len, "processing_steps",
                    "must have at most 100 steps");
    for (size_t i = 0; i < n; i++) {
        json_object *step = json_object_array_get_idx(list, i), *type, *params = NULL;
        char path[64];
        snprintf(path, sizeof(path), "processing_steps[%zu]", i);
        if (!json_object_is_type(step, json_type_object))
            return fail(field, field_len, msg, msg_len, path, "must be an object");
        if (!json_object_object_get_ex(step, "type", &type) ||
            json_object_is_type(type, json_type_null)) {
            snprintf(field, field_len, "%s.type", path);
            snprintf(msg, msg_len, "is required");
            return -1;
        }
        const struct step_ops *ops = json_object_is_type(type, json_type_string)
                                         ? steps_find(json_object_get_string(type))
                                         : NULL;
        if (!ops) {
            const char *types[NSTEPS];
            char names[256];
            for (size_t k = 0; k < NSTEPS; k++)
                types[k] = steps[k]->type;
            snprintf(field, field_len, "%s.type", path);
            snprintf(msg, msg_len, "unknown step type; one of: %s",
                     text_join(names, sizeof(names), types, NSTEPS));
            return -1;
        }
        if (json_object_object_get_ex(step, "params", &params) &&
            !json_object_is_type(params, json_type_null) &&
            !json_object_is_type(params, json_type_object)) {
            snprintf(field, field_len, "%s.params", path);
            snprintf(msg, msg_len, "must be an object");
            return -1;
        }
        if (params && json_object_is_type(params, json_type_null))
            params = NULL;
        char sub[128] = "";
        if (ops->validate(params, sub, sizeof(sub), msg, msg_len)) {
            snprintf(field, field_len, "%s.params%s%s", path, sub[0] ? "." : "", sub);
            return -1;
        }
    }
    return 0;
}
