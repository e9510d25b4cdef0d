#ifndef QUARRY_SQL_ACCOUNT_H
#define QUARRY_SQL_ACCOUNT_H
/* Where a user's datasets live and who may read them.
 *
 * Each user's datasets are tables of one MariaDB database, qd_<user id
 * without dashes>. SQL from the user runs as a MariaDB account of their own,
 * qu_<user id without dashes>, granted SELECT on that database only, with a
 * statement time limit and a connection cap. Its password is derived from
 * <secrets_dir>/sql.key and the user id (BLAKE2b keyed), so it is never
 * stored: a rotated key is followed by sql_account_ensure() on the next
 * refused login. */
#include <stddef.h>

#include "common/config.h"
#include "common/db.h"

#define SQL_SCHEMA_LEN 35   /* qd_ + 32 hex */
#define SQL_ACCOUNT_LEN 35  /* qu_ + 32 hex */
#define SQL_PASSWORD_LEN 64 /* hex */
/* Server-side backstops of every user account. */
#define SQL_ACCOUNT_MAX_CONNECTIONS 8
#define SQL_ACCOUNT_MAX_STATEMENT_SECONDS 600

/* The database of the user's datasets. */
void sql_schema_name(const char *user_id, char out[SQL_SCHEMA_LEN + 1]);
/* The user's SQL account. */
void sql_account_name(const char *user_id, char out[SQL_ACCOUNT_LEN + 1]);
/* The account's password; 0, or -1 with err when sql.key cannot be read. */
int sql_account_password(const char *secrets_dir, const char *user_id,
                         char out[SQL_PASSWORD_LEN + 1], char *err, size_t err_len);

/* Creates the user's database and account when missing and (re)sets the
 * account's password, grants and limits, through the quarry connection
 * (which needs CREATE USER and ALL ... WITH GRANT OPTION on `qd\_%`). Every
 * name is made here from the user id: nothing a user sends reaches the text.
 * Idempotent. */
enum db_status sql_account_ensure(struct db *db, const char *secrets_dir, const char *user_id);
/* Only the database (dataset creation needs no account). */
enum db_status sql_schema_ensure(struct db *db, const char *user_id);

struct st_mysql;
enum sql_connect_status { SQL_CONNECTED, SQL_NOT_CONFIGURED, SQL_ACCOUNT_FAILED, SQL_UNREACHABLE };
/* Connects as the user's account to the user's database (the socket or
 * host of cfg), making the account through db when the server does not
 * know it (first use, a rotated sql.key). The connection (mysql_close) is
 * the caller's; io_timeout_seconds bounds each read and write. */
enum sql_connect_status sql_account_connect(const struct config *cfg, struct db *db,
                                            const char *user_id, int io_timeout_seconds,
                                            struct st_mysql **out);
/* The session of a user's query: read-only, max_statement_time, and
 * sql_select_limit max_rows + 1 (none when max_rows <= 0), ANSI_QUOTES.
 * Integers only reach the text. 0, or -1 with the server's error. */
int sql_account_session(struct st_mysql *conn, int timeout_seconds, long long max_rows);

#endif
