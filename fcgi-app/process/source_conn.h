#ifndef QUARRY_PROCESS_SOURCE_CONN_H
#define QUARRY_PROCESS_SOURCE_CONN_H
/* A connection to a source database, read row by row (never a whole result
 * in memory): MariaDB/MySQL through libmariadb (a prepared statement fetched
 * unbuffered), PostgreSQL through libpq (single-row mode). Sessions are
 * read-only and carry a statement time limit; PostgreSQL sessions run in UTC
 * with ISO dates. Only quarry-process links this: API workers never talk to
 * a source. */
#include <stdbool.h>
#include <stddef.h>

#include "common/source_uri.h"

struct source_params {
    enum source_engine engine;
    const char *host;
    int port;
    const char *username;
    const char *password; /* may be NULL */
    const char *database;
    int connect_timeout_seconds;
    long long statement_timeout_ms; /* 0: none */
};

/* Why something failed, as POST /sources/{id}/test reports it. */
enum source_error {
    SOURCE_OK = 0,
    SOURCE_REFUSED,          /* nothing listens, or the host cannot be reached */
    SOURCE_UNKNOWN_HOST,     /* the name does not resolve */
    SOURCE_TIMEOUT,          /* no answer in time */
    SOURCE_AUTH,             /* user or password refused */
    SOURCE_UNKNOWN_DATABASE, /* the database does not exist */
    SOURCE_UNKNOWN_TABLE,    /* a table or column named does not exist */
    SOURCE_QUERY,            /* the server refused the query */
    SOURCE_OTHER,
};
/* "refused", "unknown_host", "timeout", "auth", "unknown_database", … */
const char *source_error_name(enum source_error e);

/* Column types as the engine's schema knows them. */
enum source_type { SRC_T_STRING, SRC_T_INTEGER, SRC_T_NUMBER, SRC_T_BOOLEAN, SRC_T_DATE,
                   SRC_T_DATETIME };
/* "string", "integer", "number", "boolean", "date", "datetime". */
const char *source_type_name(enum source_type t);

#define SOURCE_MAX_COLUMNS 256

struct source_conn;

/* Connects; *out is owned by the caller (source_close). On failure returns
 * the reason and a readable message (without the password). */
enum source_error source_connect(const struct source_params *p, struct source_conn **out,
                                 char *msg, size_t msg_len);
void source_close(struct source_conn *c);
enum source_engine source_conn_engine(const struct source_conn *c);

/* Quotes an identifier (already checked with source_identifier_valid) for
 * this engine: `name` or "name". */
const char *source_quote(const struct source_conn *c, const char *name, char *buf, size_t len);
/* The n-th parameter marker (1-based) for this engine: ? or $n. */
const char *source_marker(const struct source_conn *c, int n, char *buf, size_t len);

/* Starts a SELECT with n text parameters (NULL is SQL NULL). Rows are then
 * read with source_next until it returns 0; a new query may start only
 * after that (or after source_close). */
enum source_error source_query(struct source_conn *c, const char *sql, const char *const *params,
                               int nparams, char *msg, size_t msg_len);
/* Columns of the running query: names and types, valid until the next query. */
int source_ncolumns(const struct source_conn *c);
const char *source_column_name(const struct source_conn *c, int i);
enum source_type source_column_type(const struct source_conn *c, int i);
/* The type of a MariaDB/MySQL result column (a TINYINT(1) is a boolean). */
struct st_mysql_field;
enum source_type source_mysql_type(const struct st_mysql_field *f);
/* The next row: values[i] is NUL-terminated text (NULL for SQL NULL) with
 * lengths[i]; valid until the next call. Booleans read as "1"/"0", and
 * PostgreSQL times lose their "+00" (the session runs in UTC), so values
 * load into MariaDB as they are. 1 = a row, 0 = the end, -1 = an error
 * (message in msg). */
int source_next(struct source_conn *c, const char *const **values, const size_t **lengths,
                char *msg, size_t msg_len);

#endif
