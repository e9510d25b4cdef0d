#ifndef QUARRY_API_ROUTES_H
#define QUARRY_API_ROUTES_H
#include <stddef.h>

#include "api/router.h"

extern const struct route api_routes[];
extern const size_t api_nroutes;

#endif
