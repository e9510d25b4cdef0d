/* libFuzzer target for what the API parses from a request before any handler
 * runs: the router (path segments, percent-decoding), form and query strings
 * (and their declared keys as JSON),
 * declared JSON validation, list cursors (any text as a cursor, and the
 * cursor made of any parts read back as those parts), and object keys /
 * file names of signed URLs.
 * fuzz-link: fcgi-app/api/router.c fcgi-app/api/request.c fcgi-app/api/response.c fcgi-app/api/json_writer.c fcgi-app/common/validate.c fcgi-app/common/store.c fcgi-app/common/arena.c fcgi-app/common/signing.c fcgi-app/common/ids.c fcgi-app/common/db.c fcgi-app/common/log.c
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "api/router.h"
#include "common/validate.h"
#include "common/signing.h"

static void handler(struct request *req)
{
    (void)req;
}

static const struct route routes[] = {
    {"GET", "/api/v1/jobs", handler, ROUTE_USER},
    {"GET", "/api/v1/jobs/{id}", handler, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/cancel", handler, ROUTE_USER},
    {"POST", "/api/v1/clients/{krn}/members", handler, ROUTE_ADMIN},
    {"GET", "/api/v1/clients/{krn}/progress", handler, ROUTE_USER},
};

static const struct field_spec fields[] = {
    {"email", FIELD_EMAIL, true, 3, 254},
    {"password", FIELD_STRING, true, 8, 1024},
    {"size", FIELD_INT, false, 0, 1LL << 40},
    {"steps", FIELD_ARRAY, false, 0, 100},
    {"config", FIELD_OBJECT, false, 0, 0},
    {"flag", FIELD_BOOL, false, 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    arena_init(&a, 4096);

    const struct route *found = NULL;
    const char *params[REQUEST_MAX_PARAMS];
    int nparams = 0;
    router_match(routes, sizeof(routes) / sizeof(routes[0]), &a, size % 2 ? "GET" : "POST", text,
                 &found, params, REQUEST_MAX_PARAMS, &nparams);
    const char *unknown = NULL;
    json_object *form = form_fields(&a, text, fields, 6, size % 3 ? &unknown : NULL);
    json_object_put(form);
    form_value(&a, text, "username");
    form_value(&a, text, "");
    url_decode(&a, text, strlen(text), true);

    json_object *obj = json_tokener_parse(text), *values[6];
    const char *field;
    char msg[256];
    if (obj != NULL && json_object_is_type(obj, json_type_object))
        validate_fields(obj, fields, 6, values, &field, msg, sizeof(msg));
    json_object_put(obj);

    static const enum cursor_part kinds[] = {CURSOR_TIME, CURSOR_ID, CURSOR_KEY};
    static const enum cursor_part ints[] = {CURSOR_INT, CURSOR_INT};
    struct page jobs = PAGE_WITH_CURSOR(kinds), errors = PAGE_WITH_CURSOR(ints);
    page_cursor_parse(&a, text, &jobs);
    page_cursor_parse(&a, text, &errors);
    /* Parts that pass their checks come back as they went in. */
    const char *const parts[] = {"2026-01-02 03:04:05.678", "0b7c1c1e-2f7a-4d7e-9a51-2a5c0f0e9e11",
                                 text};
    const char *const *back = page_cursor_parse(&a, page_cursor(&a, parts, 3), &jobs);
    if (back != NULL && strcmp(back[2], text) != 0)
        abort();

    validate_email(text);
    validate_utf8((const char *)data, size);
    signing_key_is_safe(text);
    char safe[160];
    signing_sanitize_name(text, safe, sizeof(safe));

    arena_free(&a);
    free(text);
    return 0;
}
