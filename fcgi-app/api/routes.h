#ifndef QUARRY_API_ROUTES_H
#define QUARRY_API_ROUTES_H
#include <stddef.h>

#include "api/router.h"

extern const struct route api_routes[];
extern const size_t api_nroutes;

/* The handlers that read a query string (request_query declares its keys):
 * a query sent to any other route is refused with 422 naming its first key,
 * before the handler runs, never ignored. */
extern const handler_fn api_query_handlers[];
extern const size_t api_nquery_handlers;

#endif
