#ifndef QUARRY_API_SESSION_H
#define QUARRY_API_SESSION_H
/* Who is calling: the Bearer token checked and its user loaded. */
#include "api/request.h"

/* On success fills req->user and returns 0; otherwise it has answered
 * (401 UNAUTHORIZED / INVALID_TOKEN / TOKEN_EXPIRED, or 503) and returns -1. */
int session_authenticate(struct request *req);
/* The same check without an answer, for nginx's subrequests: 0 (req->user
 * filled), 401 (*code UNAUTHORIZED, INVALID_TOKEN or TOKEN_EXPIRED) or 503
 * (*code SERVICE_UNAVAILABLE, the database away), *message saying why. */
int session_check(struct request *req, const char **code, const char **message);

#endif
