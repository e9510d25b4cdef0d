#ifndef QUARRY_API_HANDLERS_H
#define QUARRY_API_HANDLERS_H
/* Every endpoint, by handler group. Each handler answers exactly once. */
#include "api/request.h"

/* auth.c */
void auth_register(struct request *req);
void auth_login(struct request *req);
void auth_me(struct request *req);
/* health.c */
void health_get(struct request *req);

#endif
