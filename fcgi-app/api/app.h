#ifndef QUARRY_API_APP_H
#define QUARRY_API_APP_H
/* What every handler of one quarry-api worker shares: settings, the database
 * connection, and the worker's start time. One per process, made after fork. */
#include "common/config.h"
#include "common/db.h"
#include "common/issuers.h"
#include "common/token.h"

struct app {
    struct config cfg;
    struct db *db;
    long long started_ms;
    struct token_cache *tokens; /* tokens this worker has verified */
    struct issuers issuers;     /* external issuers and the keys this worker has read */
    struct token_verifier verifier;
};

#endif
