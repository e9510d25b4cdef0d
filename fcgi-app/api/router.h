#ifndef QUARRY_API_ROUTER_H
#define QUARRY_API_ROUTER_H
/* Routes are a table of (method, pattern, handler, access). A pattern's
 * "{name}" segment matches one non-empty path segment, handed to the handler
 * percent-decoded, in order. */
#include <stddef.h>

#include "common/arena.h"

struct request;
typedef void (*handler_fn)(struct request *req);

enum route_access {
    ROUTE_PUBLIC,   /* no token */
    ROUTE_USER,     /* a valid token of an active user */
    ROUTE_ADMIN,    /* a superuser */
    ROUTE_WORKER,   /* a user, or a service account (in its own client only) */
    ROUTE_INTERNAL, /* only nginx's internal subrequests reach these */
};

struct route {
    const char *method;
    const char *pattern;
    handler_fn handler;
    enum route_access access;
};

enum route_match { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/* Finds the route for method and path (no query). params receives at most
 * max decoded segments allocated in a. */
enum route_match router_match(const struct route *routes, size_t nroutes, struct arena *a,
                              const char *method, const char *path, const struct route **found,
                              const char **params, int max, int *nparams);

#endif
