#ifndef QUARRY_INTAKE_STORE_H
#define QUARRY_INTAKE_STORE_H
/* The statements quarry-intake needs beside the progress store: the clients
 * it makes queues for, who may report in one, and the message_ids already
 * applied (intake_messages, which only it writes). */
#include <stdbool.h>

#include "common/db.h"
#include "common/ids.h"

#define INTAKE_KRN_MAX 255

struct intake_client {
    char id[UUID_LEN + 1];
    char krn[INTAKE_KRN_MAX + 1];
};

/* Every client, by krn, into a malloc'd array (*out, freed by the caller). */
enum db_status intake_clients(struct db *db, struct intake_client **out, int *n);
/* The id of the member of client_id whose email is email (lower-case);
 * DB_NO_ROW when none. */
enum db_status intake_member(struct db *db, const char *client_id, const char *email,
                             char user_id[UUID_LEN + 1]);
/* Whether the client's message_id was applied already. */
enum db_status intake_seen(struct db *db, const char *client_id, const char *message_id,
                           bool *seen);
/* Records it as applied (in the caller's transaction); DB_DUPLICATE when
 * another consumer applied it meanwhile. */
enum db_status intake_mark(struct db *db, const char *client_id, const char *message_id);
/* Forgets message_ids applied more than hours ago, a bounded number at a time. */
enum db_status intake_forget(struct db *db, long long hours);

#endif
