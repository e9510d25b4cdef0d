#include "api/router.h"

#include <stdbool.h>
#include <string.h>

#include "api/request.h"

/* Compares one pattern with the path segment by segment. */
static bool pattern_matches(const char *pattern, const char *path, struct arena *a,
                            const char **params, int max, int *nparams)
{
    const char *p = pattern, *s = path;
    int n = 0;
    for (;;) {
        /* One canonical path per route: a trailing '/' is not forgiven (it
         * would be a second path past anything that keys on the first). */
        if (*p == '\0' || *s == '\0') {
            if (*p == '\0' && *s == '\0')
                break;
            return false;
        }
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (slen == 0 || n == max)
                return false;
            if (a != NULL && params != NULL) {
                params[n] = url_decode(a, s, slen, false);
                if (params[n] == NULL)
                    return false;
            }
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    *nparams = n;
    return true;
}

enum route_match router_match(const struct route *routes, size_t nroutes, struct arena *a,
                              const char *method, const char *path, const struct route **found,
                              const char **params, int max, int *nparams)
{
    bool path_seen = false;
    for (size_t i = 0; i < nroutes; i++) {
        int n = 0;
        if (!pattern_matches(routes[i].pattern, path, NULL, NULL, max, &n))
            continue;
        path_seen = true;
        if (strcmp(routes[i].method, method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            continue;
        pattern_matches(routes[i].pattern, path, a, params, max, nparams);
        *found = &routes[i];
        return ROUTE_FOUND;
    }
    return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
