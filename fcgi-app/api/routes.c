/* The API's route table: every endpoint in one place. */
#include "api/routes.h"

#include "api/handlers.h"

const struct route api_routes[] = {
    {"GET", "/api/v1/health", health_get, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/register", auth_register, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/login", auth_login, ROUTE_PUBLIC},
    {"GET", "/api/v1/auth/me", auth_me, ROUTE_USER},
    {"GET", "/api/v1/users/me", auth_me, ROUTE_USER},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
