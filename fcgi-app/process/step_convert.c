/* step_convert.c — convert_format {to_format, ...}: a format with a writer
 * (formats.c), by its name or an alias; the writer checks its own options
 * (e.g. Parquet's compression). The conversion is the choice of writer
 * (the pipeline reads to_format before it opens the output); as a step it
 * passes every row through. */
#include <stdlib.h>
#include <string.h>

#include "process/formats.h"
#include "process/step_util.h"

static int convert_validate(json_object *params, char *field, size_t field_len, char *msg,
                            size_t msg_len)
{
    struct step_err e = {field, field_len, msg, msg_len};
    const char *to;
    if (param_string(params, "to_format", true, &to, &e))
        return -1;
    char names[128];
    const struct writer_ops *writer = formats_writer(to);
    if (!writer)
        return step_err_set(&e, "to_format", "must be one of: %s",
                            formats_writer_names(names, sizeof(names)));
    if (writer->validate_options)
        return writer->validate_options(params, field, field_len, msg, msg_len);
    return 0;
}

static int convert_init(void **state, json_object *params, struct rec_env *env)
{
    (void)params;
    (void)env;
    *state = NULL;
    return ENGINE_OK;
}

static int convert_process(void *state, struct record *rec, struct step_issue *issue)
{
    (void)state;
    (void)rec;
    (void)issue;
    return STEP_KEEP;
}

static void convert_free(void *state)
{
    (void)state;
}

const struct step_ops step_convert_ops = {
    .type = "convert_format",
    .keeps_values = true,
    .validate = convert_validate,
    .init = convert_init,
    .process = convert_process,
    .free = convert_free,
};
