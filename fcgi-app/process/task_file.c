/* task_file.c — the file tasks: infer an uploaded file's schema
 * (GET /files/{id}/schema). Parsing a user's file is the engine's work and
 * runs here, in a short-lived process with its limits, never in an API
 * worker. The API checked that the file is the caller's; the task's config
 * carries its object key, the name that hints at its format, the reader's
 * processing_config and the sample size. */
#include <stdio.h>

#include "common/signing.h"
#include "process/engine.h"
#include "process/task.h"

#define SCHEMA_SAMPLE_MAX 100000

/* t->result: the engine's schema with "ok": true, or {"ok": false,
 * "message"} when the file cannot be read as configured (the caller's 422). */
int task_file_schema(struct task *t)
{
    char path[1400], err[512] = "";
    const char *key = task_config_string(t, "object_key");
    long long sample = task_config_int(t, "sample_size", 1000);
    json_object *reader = NULL;
    if (key == NULL || !signing_key_is_safe(key)) {
        snprintf(t->error, sizeof(t->error), "the task names no stored file");
        return TASK_FAILED;
    }
    if (sample < 1 || sample > SCHEMA_SAMPLE_MAX)
        sample = 1000;
    if (t->config != NULL)
        json_object_object_get_ex(t->config, "processing_config", &reader);
    snprintf(path, sizeof(path), "%s/%s", t->cfg->storage_dir, key);
    struct engine_job job = {.input_path = path,
                             .input_name_hint = task_config_string(t, "file_name"),
                             .processing_config = reader};
    json_object *schema = engine_infer_schema(&job, (long)sample, err, sizeof(err));
    if (schema == NULL) {
        t->result = json_object_new_object();
        json_object_object_add(t->result, "ok", json_object_new_boolean(0));
        json_object_object_add(t->result, "message", json_object_new_string(err));
        return TASK_OK;
    }
    if (!json_object_is_type(schema, json_type_object)) {
        json_object_put(schema);
        snprintf(t->error, sizeof(t->error), "the engine's schema is not an object");
        return TASK_FAILED;
    }
    json_object_object_add(schema, "ok", json_object_new_boolean(1));
    t->result = schema;
    return TASK_OK;
}
