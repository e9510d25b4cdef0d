#ifndef QUARRY_API_ROUTE_DOC_H
#define QUARRY_API_ROUTE_DOC_H
/* What the OpenAPI document says of an endpoint. Each handler declares its
 * doc beside its own field tables (the tables request_fields() and
 * request_query() check, so the document cannot drift from the checks);
 * routes.c lists every doc, and the route table finds a route's doc by its
 * handler. A route without a doc is still in the document (its path,
 * method, access and error answers come from the route table) but the unit
 * test that walks the route table fails on it.
 *
 *     const struct route_doc jobs_create_doc = {
 *         .handler = jobs_create, .summary = "Create a job", .status = 201,
 *         .answer = "Job", .body = DOC_BODY_JSON,
 *         .fields = {{NULL, create_fields, CREATE__MAX}},
 *         .example = "{\"file_name\":\"customers.csv\"}",
 *     };
 */
#include <stdbool.h>
#include <stddef.h>

#include "api/router.h"
#include "common/validate.h"

enum doc_body {
    DOC_BODY_NONE,      /* no body is read */
    DOC_BODY_JSON,      /* application/json: the declared fields (may be none: "{}") */
    DOC_BODY_FORM_JSON, /* the same fields as a form (OAuth2 password flow) or JSON */
    DOC_BODY_MULTIPART, /* multipart/form-data with a "file" part */
    DOC_BODY_BYTES,     /* application/offset+octet-stream: raw bytes (tus) */
};

/* One declared table: the body's own fields (at NULL), the fields of the
 * object at a field ("counts"), or of the items of an array field
 * ("errors[]"), or a level deeper ("check_config.rules[]"). */
struct doc_fields {
    const char *at;
    const struct field_spec *specs;
    size_t n;
};

#define DOC_TABLES_MAX 4

struct route_doc {
    handler_fn handler;
    const char *summary;
    const char *description; /* CommonMark; may be NULL */
    int status;              /* the answer of a success */
    /* The success answer's schema: a name in components.schemas ("Job"),
     * "Job[]" for a list (sent with X-Total-Count), "text" for text/plain;
     * NULL for an answer without a body. */
    const char *answer;
    enum doc_body body;
    bool partial; /* a PATCH: every declared field may be left out (the stored
                     value stays), so none is required in the body */
    struct doc_fields fields[DOC_TABLES_MAX];
    const struct field_spec *query; /* declared query keys (request_query) */
    size_t nquery;
    bool paged;          /* also skip/offset/limit (struct page) */
    const char *headers; /* request headers it reads, "Name! Other" ('!': required) */
    const char *answers; /* the other answers it gives, "200 400 409" (the
                            usual ones are added from the route: 401, 404, …);
                            a success whose body is not .answer names its
                            own schema: "202:Job" */
    /* A request body that gets .status, JSON text (or a form for
     * DOC_BODY_FORM_JSON), from the source documents where they have one.
     * The e2e test sends it; an id in it is EXAMPLE_ID, which the test
     * replaces with the id of the thing it made for the path. */
    const char *example;
};

#define DOC_EXAMPLE_ID "3fa85f64-5717-4562-b3fc-2c963f66afa6"

/* Every doc (routes.c). */
extern const struct route_doc *const api_route_docs[];
extern const size_t api_nroute_docs;

/* The doc of a handler, or NULL. */
const struct route_doc *route_doc_of(handler_fn handler);

#endif
