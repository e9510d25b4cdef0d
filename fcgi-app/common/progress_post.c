#include "common/progress_post.h"

#include <stdio.h>
#include <string.h>

#include "common/validate.h"

#define COUNT_MAX 1000000000000000LL /* 10^15: sums stay far from overflow */
#define MESSAGES_PER_POST 10000
#define MESSAGE_MAX 4096
#define KRN_FIELD_MAX 255

const struct field_spec progress_post_fields[POST__MAX] = {
    [POST_FILENAME] = {"filename", FIELD_STRING, true, 1, 512},
    [POST_COUNTS] = {"counts", FIELD_OBJECT, true, 0, 0},
    [POST_TOTAL] = {"total", FIELD_INT, false, 0, COUNT_MAX},
    [POST_IS_LAST] = {"isLast", FIELD_BOOL, false, 0, 0},
    [POST_ERRORS] = {"errors", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
    [POST_WARNINGS] = {"warnings", FIELD_ARRAY, false, 0, MESSAGES_PER_POST},
    [POST_EMAIL] = {"email", FIELD_EMAIL, false, 3, 254},
    [POST_CLIENT_KRN] = {"clientKrn", FIELD_STRING, false, 1, KRN_FIELD_MAX},
};

const struct field_spec progress_count_fields[COUNT__MAX] = {
    [COUNT_DONE] = {"done", FIELD_INT, false, 0, COUNT_MAX},
    [COUNT_WARN] = {"warn", FIELD_INT, false, 0, COUNT_MAX},
    [COUNT_FAILED] = {"failed", FIELD_INT, false, 0, COUNT_MAX},
};

const struct field_spec progress_message_fields[MESSAGE__MAX] = {
    [MESSAGE_LINE] = {"line", FIELD_INT, false, 0, COUNT_MAX},
    [MESSAGE_TEXT] = {"message", FIELD_STRING, true, 1, MESSAGE_MAX},
};

static long long int_or_zero(json_object *v)
{
    return v != NULL ? json_object_get_int64(v) : 0;
}

/* The fields of obj nested at path; the error names "path.field". */
static int fields_at(json_object *obj, const char *path, const struct field_spec *specs,
                     size_t n, json_object **values, struct arena *a,
                     struct progress_post_error *err)
{
    const char *field;
    char msg[160];
    if (validate_fields(obj, specs, n, values, &field, msg, sizeof(msg)) == 0)
        return 0;
    err->field = path ? arena_printf(a, "%s.%s", path, field) : field;
    snprintf(err->message, sizeof(err->message), "%.64s%s%s", path ? path : "",
             path ? "." : "", msg);
    return -1;
}

/* The items of errors or warnings (array may be NULL) into an array in a. */
static int read_messages(json_object *array, const char *name, struct arena *a,
                         const struct progress_message **out, int *n,
                         struct progress_post_error *err)
{
    *out = NULL;
    *n = 0;
    if (array == NULL)
        return 0;
    size_t len = json_object_array_length(array);
    struct progress_message *m = arena_alloc(a, (len ? len : 1) * sizeof(*m));
    for (size_t i = 0; i < len; i++) {
        json_object *item = json_object_array_get_idx(array, i), *v[MESSAGE__MAX] = {NULL};
        const char *path = arena_printf(a, "%s[%zu]", name, i);
        if (json_object_is_type(item, json_type_string)) {
            if (validate_value(item, &progress_message_fields[MESSAGE_TEXT], path, err->message,
                               sizeof(err->message)) != 0) {
                err->field = path;
                return -1;
            }
            v[MESSAGE_TEXT] = item;
        } else if (!json_object_is_type(item, json_type_object)) {
            err->field = path;
            snprintf(err->message, sizeof(err->message),
                     "%s items must be objects {line, message}", name);
            return -1;
        } else if (fields_at(item, path, progress_message_fields, MESSAGE__MAX, v, a, err) != 0) {
            return -1;
        }
        m[i].has_line = v[MESSAGE_LINE] != NULL;
        m[i].line = int_or_zero(v[MESSAGE_LINE]);
        m[i].message = json_object_get_string(v[MESSAGE_TEXT]);
    }
    *out = m;
    *n = (int)len;
    return 0;
}

int progress_post_read(json_object *body, struct arena *a, struct progress_post *post,
                       struct progress_post_extra *extra, struct progress_post_error *err)
{
    json_object *v[POST__MAX], *c[COUNT__MAX];
    if (fields_at(body, NULL, progress_post_fields, POST__MAX, v, a, err) != 0 ||
        fields_at(v[POST_COUNTS], "counts", progress_count_fields, COUNT__MAX, c, a, err) != 0)
        return -1;
    post->filename = json_object_get_string(v[POST_FILENAME]);
    post->done = int_or_zero(c[COUNT_DONE]);
    post->warn = int_or_zero(c[COUNT_WARN]);
    post->failed = int_or_zero(c[COUNT_FAILED]);
    post->has_total = v[POST_TOTAL] != NULL;
    post->total = int_or_zero(v[POST_TOTAL]);
    post->is_last = v[POST_IS_LAST] ? json_object_get_boolean(v[POST_IS_LAST]) : false;
    extra->email = v[POST_EMAIL] ? json_object_get_string(v[POST_EMAIL]) : NULL;
    extra->client_krn = v[POST_CLIENT_KRN] ? json_object_get_string(v[POST_CLIENT_KRN]) : NULL;
    if (read_messages(v[POST_ERRORS], "errors", a, &post->errors, &post->nerrors, err) != 0 ||
        read_messages(v[POST_WARNINGS], "warnings", a, &post->warnings, &post->nwarnings, err) !=
            0)
        return -1;
    return 0;
}
