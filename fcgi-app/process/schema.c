/* schema.c — engine_infer_schema: the inferred schema of a file from its
 * first records (GET /files/{id}/schema). Same readers and type rules as
 * processing_metadata, plus lengths, ranges and presence per column. */
#include <stdio.h>
#include <string.h>

#include "process/engine.h"
#include "process/formats.h"
#include "process/input.h"
#include "process/metadata.h"
#include "process/record.h"

json_object *engine_infer_schema(const struct engine_job *job, long sample_size, char *err,
                                 size_t err_len)
{
    json_object *result = NULL;
    const struct format *format = NULL;
    const struct reader_ops *reader = NULL;
    void *state = NULL;
    struct rec_env *env = rec_env_new(NULL);
    struct rec_arena *arena = rec_arena_new();
    struct meta_stats *stats = meta_new(true);
    struct rec_columns cols = {0};
    long long rows = 0;
    char field[160], msg[300];
    if (!env || !arena || !stats) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    if (engine_validate_config(job->processing_config, field, sizeof(field), msg, sizeof(msg))) {
        snprintf(err, err_len, "%s: %s", field, msg);
        goto out;
    }
    if (input_format(job->input_path, job->processing_config, job->input_name_hint, env,
                     &format) != ENGINE_OK)
        goto fail;
    reader = format->reader;
    struct reader_args args = {
        .path = job->input_path,
        .name_hint = job->input_name_hint,
        .config = job->processing_config,
        .env = env,
    };
    if (reader->open(&state, &args) != ENGINE_OK) {
        state = NULL;
        goto fail;
    }
    if (reader->columns && reader->columns(state, &cols) != ENGINE_OK)
        goto fail;
    if (meta_columns(stats, &cols))
        goto fail;
    struct record rec = {.arena = arena};
    while (sample_size <= 0 || rows < sample_size) {
        rec_arena_reset(arena);
        int rs = reader->next(state, &rec);
        if (rs == READ_EOF)
            break;
        if (rs == READ_ERROR)
            goto fail;
        if (rs == READ_REJECTED)
            continue;
        rows++;
        if (meta_observe(stats, &rec))
            goto fail;
    }
    result = meta_schema(stats, rows);
    if (!result) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    json_object_object_add(result, "input_format", json_object_new_string(format->name));
    goto out;
fail:
    snprintf(err, err_len, "%s", rec_env_error(env)[0] ? rec_env_error(env) : "the file could not be read");
out:
    if (state)
        reader->close(state);
    rec_columns_free(&cols);
    meta_free(stats);
    rec_arena_free(arena);
    rec_env_free(env);
    return result;
}
