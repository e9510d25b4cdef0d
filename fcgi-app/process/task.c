/* task.c — the table of task kinds and what the tasks share. */
#include "process/task.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/sealed.h"
#include "common/source_store.h"

static const struct {
    const char *kind;
    int (*run)(struct task *t);
} tasks[] = {
    {"source_test", task_source_test},
    {"source_read", task_source_read},
    {"schema_generate", task_schema_generate},
    {"dataset_load", task_dataset_load},
    {"export", task_export},
    {"file_schema", task_file_schema},
};

int task_run(struct task *t)
{
    for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
        if (strcmp(tasks[i].kind, t->kind) == 0)
            return tasks[i].run(t);
    snprintf(t->error, sizeof(t->error), "unknown task kind %.60s", t->kind);
    return TASK_FAILED;
}

const char *task_config_string(const struct task *t, const char *key)
{
    json_object *v;
    if (t->config == NULL || !json_object_object_get_ex(t->config, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

long long task_config_int(const struct task *t, const char *key, long long dflt)
{
    json_object *v;
    if (t->config == NULL || !json_object_object_get_ex(t->config, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return dflt;
    return json_object_get_int64(v);
}

int task_open_source(struct task *t, const char *source_id, int connect_timeout_seconds,
                     long long statement_timeout_ms, struct source_conn **out,
                     enum source_error *why, char *msg, size_t msg_len)
{
    struct arena a;
    struct source_row s;
    char password[SEALED_PLAIN_MAX + 1] = "", err[256];
    int rc = -1;
    *out = NULL;
    *why = SOURCE_OTHER;
    arena_init(&a, 0);
    enum db_status st = source_id ? source_get(t->db, &a, source_id, &s) : DB_NO_ROW;
    if (st != DB_OK || t->user_id == NULL || strcmp(s.user_id, t->user_id) != 0) {
        snprintf(msg, msg_len, st == DB_OK || st == DB_NO_ROW ? "the source no longer exists"
                                                              : "the source cannot be read");
        goto out;
    }
    if (s.password_box != NULL &&
        sealed_open(t->cfg->secrets_dir, s.password_key_id, s.password_box, password, err,
                    sizeof(err)) != 0) {
        snprintf(msg, msg_len, "the source's password cannot be opened: %s", err);
        goto out;
    }
    struct source_params p = {
        .host = s.host,
        .port = (int)s.port,
        .username = s.username,
        .password = s.password_box != NULL ? password : NULL,
        .database = s.database_name,
        .connect_timeout_seconds = connect_timeout_seconds,
        .statement_timeout_ms = statement_timeout_ms,
    };
    if (!source_engine_parse(s.engine, &p.engine)) {
        snprintf(msg, msg_len, "unknown engine %s", s.engine);
        goto out;
    }
    *why = source_connect(&p, out, msg, msg_len);
    rc = *why == SOURCE_OK ? 0 : -1;
out:
    sodium_memzero(password, sizeof(password));
    arena_free(&a);
    return rc;
}

static json_object *typed_value(enum source_type type, const char *v, size_t len)
{
    char *end;
    switch (type) {
    case SRC_T_INTEGER: {
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno == 0 && end == v + len && len > 0)
            return json_object_new_int64(n);
        break;
    }
    case SRC_T_NUMBER: {
        double d = strtod(v, &end);
        if (end == v + len && len > 0)
            return json_object_new_double(d);
        break;
    }
    case SRC_T_BOOLEAN:
        return json_object_new_boolean(strcmp(v, "0") != 0);
    default:
        break;
    }
    return json_object_new_string_len(v, (int)len);
}

json_object *task_row_json(const struct source_conn *c, const char *const *values,
                           const size_t *lengths)
{
    json_object *row = json_object_new_object();
    for (int i = 0; i < source_ncolumns(c); i++)
        json_object_object_add(row, source_column_name(c, i),
                               values[i] ? typed_value(source_column_type(c, i), values[i],
                                                       lengths[i])
                                         : NULL);
    return row;
}
