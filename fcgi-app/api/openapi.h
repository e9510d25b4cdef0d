#ifndef QUARRY_API_OPENAPI_H
#define QUARRY_API_OPENAPI_H
/* The OpenAPI 3.1 document of the API, generated from the route table and
 * each route's doc (api/route_doc.h): every route but the internal ones is
 * in it, with its declared body fields and query keys. */
#include <json-c/json.h>
#include <stddef.h>

#include "api/router.h"

/* The document for these routes, owned by the caller (json_object_put). */
json_object *openapi_build(const struct route *routes, size_t nroutes);

/* `quarry-api routes` (the route table, one "METHOD PATTERN ACCESS DOC"
 * line each) and `quarry-api openapi` (the document): for tests and tools. */
int openapi_main(int argc, char **argv);

#endif
