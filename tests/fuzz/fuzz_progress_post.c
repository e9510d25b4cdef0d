/* libFuzzer target for the Pebbles progress message as the API's posts and
 * quarry-intake's queue messages read it: JSON, then the declared fields
 * (common/progress_post.c).
 * fuzz-link: fcgi-app/common/progress_post.c fcgi-app/common/validate.c fcgi-app/common/arena.c fcgi-app/common/log.c fcgi-app/common/ids.c
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/progress_post.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct progress_post post;
    struct progress_post_extra extra;
    struct progress_post_error err;
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *body = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (!json_object_is_type(body, json_type_object)) {
        json_object_put(body);
        return 0;
    }
    arena_init(&a, 4096);
    memset(&post, 0, sizeof(post));
    if (progress_post_read(body, &a, &post, &extra, &err) == 0) {
        if (post.filename == NULL || post.done < 0 || post.nerrors < 0)
            abort();
        for (int i = 0; i < post.nerrors; i++)
            if (post.errors[i].message == NULL)
                abort();
    } else if (err.field == NULL) {
        abort();
    }
    arena_free(&a);
    json_object_put(body);
    return 0;
}
