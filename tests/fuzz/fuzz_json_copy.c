/* fuzz_json_copy.c — differential libFuzzer target for jsonw_json_copy
 * (api/json_writer.c), the copy of stored JSON texts into job answers.
 *
 * The input is one text. When the copy takes it, json-c must parse it
 * (as job_store.c's write_parsed does, json_tokener_parse) to an object
 * whose text with respond_json's flags is the copy, byte for byte; when
 * it refuses, nothing may have been written.
 * fuzz-link: fcgi-app/api/json_writer.c fcgi-app/common/arena.c fcgi-app/common/ids.c fcgi-app/common/log.c
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct arena a;
    arena_init(&a, 0);
    struct jsonw w;
    jsonw_init(&w, &a, 16);
    jsonw_open_array(&w);
    jsonw_int(&w, 7);
    size_t before = w.len;
    bool copied = jsonw_json_copy(&w, text);
    if (!copied) {
        if (w.len != before || w.buf[w.len] != '\0')
            abort();
    } else {
        json_object *o = json_tokener_parse(text);
        if (o == NULL)
            abort(); /* copied what json-c does not take */
        const char *want =
            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t n = strlen(want);
        if (w.len - before != n + 1 || w.buf[before] != ',' || memcmp(w.buf + before + 1, want, n) != 0)
            abort();
        json_object_put(o);
    }
    arena_free(&a);
    free(text);
    return 0;
}
