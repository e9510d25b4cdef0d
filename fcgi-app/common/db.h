#ifndef QUARRY_DB_H
#define QUARRY_DB_H
/* One MariaDB connection per process, prepared statements only.
 *
 * Statements are prepared on first use and cached per connection, keyed by
 * their SQL text. When the server goes away the connection is reopened and the
 * cache rebuilt; a statement is retried only when that cannot run it twice
 * (the request never reached the server, or the statement is a SELECT).
 * MYSQL_OPT_RECONNECT is never used: it silently drops transactions. */
#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/config.h"

enum db_status {
    DB_OK = 0,
    DB_NO_ROW,      /* a query that had to find a row found none */
    DB_DUPLICATE,   /* unique key violation */
    DB_UNAVAILABLE, /* the server cannot be reached: answer 503 */
    DB_ERROR,       /* anything else: answer 500 */
};

enum db_param_type { DB_PARAM_NULL, DB_PARAM_STR, DB_PARAM_INT, DB_PARAM_REAL };

struct db_param {
    enum db_param_type type;
    const char *str;
    long long num;
    double real;
};

/* A NULL string is SQL NULL. */
static inline struct db_param db_param_str(const char *s)
{
    return (struct db_param){s != NULL ? DB_PARAM_STR : DB_PARAM_NULL, s, 0, 0};
}
#define P_STR(s) db_param_str(s)
#define P_INT(n) ((struct db_param){DB_PARAM_INT, NULL, (long long)(n), 0})
#define P_REAL(x) ((struct db_param){DB_PARAM_REAL, NULL, 0, (double)(x)})
#define P_NULL ((struct db_param){DB_PARAM_NULL, NULL, 0, 0})
#define DB_PARAMS(...) ((const struct db_param[]){__VA_ARGS__}), \
    (int)(sizeof((const struct db_param[]){__VA_ARGS__}) / sizeof(struct db_param))
#define DB_NO_PARAMS NULL, 0

/* A fetched row: values[i] is NUL-terminated text, or NULL for SQL NULL.
 * Valid only during the callback. */
struct db_row {
    int ncols;
    const char *const *values;
    const unsigned long *lengths;
};
/* Column i as an integer (0 for SQL NULL). */
long long db_row_int(const struct db_row *row, int i);
/* Reads n columns from first on as integers: column first + i to *out[i]. */
void db_row_ints(const struct db_row *row, int first, long long *const out[], size_t n);
/* Copies column i into dst of len bytes ("" for SQL NULL), cut to fit. */
void db_row_copy(const struct db_row *row, int i, char *dst, size_t len);
/* Copies the first n columns into the arena: column i to *out[i] (NULL for SQL NULL). */
void db_row_texts(const struct db_row *row, struct arena *a, const char **const out[], size_t n);

/* Return 0 to go on, non-zero to stop fetching. */
typedef int (*db_row_fn)(void *ctx, const struct db_row *row);

struct db;

/* Allocates the handle; connects lazily on first use. Owned by the caller
 * (db_close). cfg must outlive the handle. */
struct db *db_open(const struct config *cfg);
void db_close(struct db *db);

/* Runs a statement that returns no rows; *affected (may be NULL) gets the
 * number of rows changed. */
enum db_status db_exec(struct db *db, const char *sql, const struct db_param *params, int nparams,
                       long long *affected);
/* Runs a SELECT and calls fn for each row. DB_OK even when no row came. */
enum db_status db_query(struct db *db, const char *sql, const struct db_param *params, int nparams,
                        db_row_fn fn, void *ctx);
/* Convenience: the first column of the first row as an integer; DB_NO_ROW if none. */
enum db_status db_query_int(struct db *db, const char *sql, const struct db_param *params,
                            int nparams, long long *out);

enum db_status db_begin(struct db *db);
/* A transaction whose plain SELECTs each see the latest committed rows
 * (READ COMMITTED), for a transaction that serialises on a row lock and
 * must then see what the lock's previous holder committed. */
enum db_status db_begin_read_committed(struct db *db);
/* True when the last failure was a deadlock the server resolved by rolling
 * this transaction back: the whole transaction may be tried again. */
bool db_last_was_deadlock(const struct db *db);
enum db_status db_commit(struct db *db);
void db_rollback(struct db *db);
/* Checks the connection (reconnecting if it was lost). */
enum db_status db_ping(struct db *db);
/* The server's open connections (Threads_connected), for operations views. */
enum db_status db_server_connections(struct db *db, long long *out);
/* The last server error text, for logs only (never sent to clients). */
const char *db_last_error(const struct db *db);
/* Counts for operations views. */
unsigned long db_reconnects(const struct db *db);

#endif
