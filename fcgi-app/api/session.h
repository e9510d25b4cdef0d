#ifndef QUARRY_API_SESSION_H
#define QUARRY_API_SESSION_H
/* Who is calling: the Bearer token checked and its user loaded. */
#include "api/request.h"

/* On success fills req->user and returns 0; otherwise it has answered
 * (401 UNAUTHORIZED / INVALID_TOKEN / TOKEN_EXPIRED, or 503) and returns -1. */
int session_authenticate(struct request *req);

#endif
