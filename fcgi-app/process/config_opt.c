/* config_opt.c — the keys of a reader's processing_config (see config_opt.h). */
#include "process/config_opt.h"

#include <stdio.h>

void opt_error(char *field, size_t field_len, const char *name, char *msg, size_t msg_len,
               const char *text)
{
    snprintf(field, field_len, "%s", name);
    snprintf(msg, msg_len, "%s", text);
}

json_object *opt_value(json_object *config, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(config, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return v;
}

int opt_bool(json_object *config, const char *key, bool *out, char *field, size_t field_len,
             char *msg, size_t msg_len)
{
    json_object *v = opt_value(config, key);
    if (v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_boolean)) {
        opt_error(field, field_len, key, msg, msg_len, "must be true or false");
        return -1;
    }
    *out = json_object_get_boolean(v);
    return 0;
}

int opt_int(json_object *config, const char *key, long long min, long long max, long long *out,
            char *field, size_t field_len, char *msg, size_t msg_len)
{
    json_object *v = opt_value(config, key);
    if (v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
        json_object_get_int64(v) > max) {
        snprintf(field, field_len, "%s", key);
        snprintf(msg, msg_len, "must be an integer between %lld and %lld", min, max);
        return -1;
    }
    *out = json_object_get_int64(v);
    return 0;
}

int opt_object(json_object *config, char *field, size_t field_len, char *msg, size_t msg_len)
{
    if (!config)
        return 1;
    if (!json_object_is_type(config, json_type_object)) {
        opt_error(field, field_len, "", msg, msg_len, "must be an object");
        return -1;
    }
    return 0;
}

int opt_nesting(json_object *config, int max_depth, size_t max_record, int *depth,
                size_t *record, char *field, size_t field_len, char *msg, size_t msg_len)
{
    long long d = *depth, r = (long long)*record;
    if (opt_int(config, "max_depth", 0, max_depth, &d, field, field_len, msg, msg_len) ||
        opt_int(config, "max_record_bytes", 1, (long long)max_record, &r, field, field_len, msg,
                msg_len))
        return -1;
    *depth = (int)d;
    *record = (size_t)r;
    return 0;
}

int opt_strings(json_object *config, const char *key, size_t max, size_t min_len, size_t max_len,
                const char *array_msg, const char *item_msg, json_object **out, char *field,
                size_t field_len, char *msg, size_t msg_len)
{
    json_object *v = opt_value(config, key);
    if (v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > max) {
        opt_error(field, field_len, key, msg, msg_len, array_msg);
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *s = json_object_array_get_idx(v, i);
        size_t len = json_object_is_type(s, json_type_string)
                         ? (size_t)json_object_get_string_len(s)
                         : 0;
        if (!json_object_is_type(s, json_type_string) || len < min_len || len > max_len) {
            snprintf(field, field_len, "%s[%zu]", key, i);
            snprintf(msg, msg_len, "%s", item_msg);
            return -1;
        }
    }
    *out = v;
    return 0;
}
