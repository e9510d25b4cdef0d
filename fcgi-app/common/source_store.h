#ifndef QUARRY_SOURCE_STORE_H
#define QUARRY_SOURCE_STORE_H
/* Every statement on the sources table: the API stores and lists sources,
 * quarry-process reads the one a task names. Rows are text as the database
 * returns them; strings live in the arena (or the caller's memory for
 * writes). The sealed password never leaves this row and quarry-process. */
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct source_row {
    const char *id, *user_id, *name, *engine, *host, *username, *database_name, *default_table,
        *password_key_id, *password_box, *created_at, *updated_at;
    long long port;
};

/* DB_DUPLICATE when the user has a source of that name. */
enum db_status source_insert(struct db *db, const struct source_row *s);
/* Inserts, or replaces every field of the user's source of that name
 * (keeping its id): the seed's one-set-of-credentials-per-user call. *id
 * receives the id in the arena. */
enum db_status source_put_by_name(struct db *db, struct arena *a, const struct source_row *s,
                                  const char **id);
/* DB_NO_ROW when there is no such source (whoever owns it). */
enum db_status source_get(struct db *db, struct arena *a, const char *id, struct source_row *out);
/* The user's source of that name; DB_NO_ROW when none. */
enum db_status source_get_by_name(struct db *db, struct arena *a, const char *user_id,
                                  const char *name, struct source_row *out);
/* The user's sources, newest first (ties by id), after the cursor after
 * (created_at, id) when it is not NULL; *total gets the count, *next the
 * cursor of the page's last source when more follow (else NULL). */
enum db_status source_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                           long long limit, const char *const *after,
                           void (*fn)(void *ctx, const struct source_row *s), void *ctx,
                           long long *total, const char **next);
/* Deletes the source unless a load job uses it (*in_use, nothing deleted). */
enum db_status source_delete(struct db *db, const char *id, bool *in_use);

#endif
