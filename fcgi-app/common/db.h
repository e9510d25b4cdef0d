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
    size_t len; /* DB_PARAM_STR: its length when > 0 (text with NULs), else strlen */
};

/* A NULL string is SQL NULL. */
static inline struct db_param db_param_str(const char *s)
{
    return (struct db_param){s != NULL ? DB_PARAM_STR : DB_PARAM_NULL, s, 0, 0, 0};
}
/* n bytes of s (which may hold NULs); NULL is SQL NULL. */
static inline struct db_param db_param_bytes(const char *s, size_t n)
{
    return (struct db_param){s != NULL ? DB_PARAM_STR : DB_PARAM_NULL, n > 0 ? s : "", 0, 0, n};
}
#define P_STR(s) db_param_str(s)
#define P_INT(n) ((struct db_param){DB_PARAM_INT, NULL, (long long)(n), 0, 0})
#define P_REAL(x) ((struct db_param){DB_PARAM_REAL, NULL, 0, (double)(x), 0})
#define P_NULL ((struct db_param){DB_PARAM_NULL, NULL, 0, 0, 0})
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

/* One server a connection may go to (db_socket or db_host:db_port first,
 * then db_failover's entries); how many were written to out. */
struct db_target {
    char socket[512];
    char host[256];
    unsigned int port;
};
int db_targets_parse(const struct config *cfg, struct db_target *out, int max);

/* Runs a statement that returns no rows; *affected (may be NULL) gets the
 * number of rows changed. */
enum db_status db_exec(struct db *db, const char *sql, const struct db_param *params, int nparams,
                       long long *affected);
/* The id the last db_exec or db_query set: an AUTO_INCREMENT insert's, or
 * LAST_INSERT_ID(expr)'s value, which lets an UPDATE hand back what it
 * wrote without a second statement; 0 when it set none. */
long long db_insert_id(const struct db *db);
/* Runs a SELECT and calls fn for each row. DB_OK even when no row came. */
enum db_status db_query(struct db *db, const char *sql, const struct db_param *params, int nparams,
                        db_row_fn fn, void *ctx);
/* Convenience: the first column of the first row as an integer; DB_NO_ROW if none. */
enum db_status db_query_int(struct db *db, const char *sql, const struct db_param *params,
                            int nparams, long long *out);

/* Statements made at run time (DDL over validated names, a dataset's own
 * columns) must stay out of the statement cache, which holds the program's
 * fixed set. db_exec_once prepares, runs and closes one; a db_stmt is one
 * kept by its caller (a load's batched insert), closed with db_stmt_close
 * before the connection is. Any number of parameters; never retried (a
 * lost connection is DB_UNAVAILABLE to the caller). */
enum db_status db_exec_once(struct db *db, const char *sql, const struct db_param *params,
                            int nparams, long long *affected);
struct db_stmt;
enum db_status db_stmt_prepare(struct db *db, const char *sql, struct db_stmt **out);
enum db_status db_stmt_exec(struct db_stmt *s, const struct db_param *params, int nparams,
                            long long *affected);
/* Runs a SELECT made at run time and calls fn for each row. */
enum db_status db_stmt_query(struct db_stmt *s, const struct db_param *params, int nparams,
                             db_row_fn fn, void *ctx);
void db_stmt_close(struct db_stmt *s);

/* Text statements that the server cannot prepare (LOAD DATA), over names
 * the caller validated: the text carries no value from a user. */
enum db_status db_exec_text(struct db *db, const char *sql, long long *affected);
/* LOAD DATA LOCAL INFILE fed by read (return the bytes written to buf, 0 at
 * the end, -1 to abort): the data never touches a file. Needs
 * db_allow_local_infile() before the connection opens. */
typedef long (*db_infile_read_fn)(void *ctx, char *buf, unsigned int len);
enum db_status db_load_data(struct db *db, const char *sql, db_infile_read_fn read, void *ctx,
                            long long *affected);
/* How long one read or write on the connection may block (30 s by
 * default): a load's statements (a merge of a large commit) need longer.
 * Call before first use. */
void db_set_io_timeout(struct db *db, unsigned int seconds);
/* Lets this handle's connection answer LOAD DATA LOCAL (only through
 * db_load_data's reader, never from a file). Call before first use. */
void db_allow_local_infile(struct db *db);
/* The first warning of the last statement whose code is not skip_code (0:
 * any): its code (0 when none) and text. */
unsigned int db_first_warning(struct db *db, unsigned int skip_code, char *msg, size_t len);
/* mysql_info() of the last statement ("Records: 3  Duplicates: 1 ..."), or "". */
const char *db_last_info(const struct db *db);

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
/* Ends the transaction by st, the outcome of its statements: COMMIT when
 * DB_OK, else ROLLBACK (also after a COMMIT that failed). Returns DB_OK
 * when it committed, else st or the COMMIT's failure. */
enum db_status db_end(struct db *db, enum db_status st);

/* ---- transactions that may lose a conflict ----
 * On a MariaDB Galera cluster two nodes may change the same row at once:
 * both succeed locally and the one that certifies second fails, with
 * ER_LOCK_DEADLOCK at COMMIT (or on a statement). On one server the same
 * error is a deadlock InnoDB resolved. Either way the whole transaction was
 * rolled back and may run again. db_transaction runs fn(db, arg) between
 * BEGIN and COMMIT and, when the transaction lost such a conflict, runs it
 * again (at most DB_CONFLICT_TRIES times, after a jittered backoff that
 * doubles from DB_BACKOFF_FIRST_MS up to DB_BACKOFF_MAX_MS). fn must
 * neither begin nor end the transaction, and must be correct when run
 * again: its changes are guarded (`WHERE status = 'QUEUED'`) or
 * accumulated in the rolled-back try only, and what it hands back is set
 * anew on each run. A status other than DB_OK from fn rolls back and is
 * returned as is (DB_NO_ROW: "nothing to do"). A statement outside a
 * transaction that loses a conflict is run again the same way by db_exec
 * and db_query. */
#define DB_CONFLICT_TRIES 12
#define DB_BACKOFF_FIRST_MS 2u
#define DB_BACKOFF_MAX_MS 500u
enum db_isolation { DB_REPEATABLE_READ, DB_READ_COMMITTED };
typedef enum db_status (*db_txn_fn)(struct db *db, void *arg);
enum db_status db_transaction(struct db *db, enum db_isolation isolation, db_txn_fn fn,
                              void *arg);
/* The pause before try attempt + 2 (attempt 0: the first retry), from a
 * random number: in [base / 2, base], base = FIRST << attempt, at most MAX. */
unsigned int db_backoff_ms(int attempt, unsigned int rnd);
/* Whether a server error is a trigger the server failed to parse when it
 * opened the table (1064, "Trigger ... has an error in its body"): nothing
 * ran, and the statement or transaction is run again like a lost conflict. */
bool db_error_is_broken_trigger(unsigned int err, const char *text);
/* A pseudo-random number for spreading work (jitter, a claim's pick); no secret. */
unsigned int db_random(struct db *db);
/* How many tries this handle ran again after a conflict (for logs and tests). */
unsigned long db_conflicts(const struct db *db);

/* The Galera state of the server connected to: is_node false on a server
 * that is not a cluster node (wsrep_on OFF). A node serves only when it is
 * ready and its cluster_status is "Primary". */
struct db_cluster {
    bool is_node, ready;
    long size;
    char status[32]; /* wsrep_cluster_status: Primary, non-Primary, Disconnected */
    char state[32];  /* wsrep_local_state_comment: Synced, Donor/Desynced, Joining ... */
};
enum db_status db_cluster_state(struct db *db, struct db_cluster *out);
/* Checks the connection (reconnecting if it was lost). */
enum db_status db_ping(struct db *db);
/* The server's open connections (Threads_connected), for operations views. */
enum db_status db_server_connections(struct db *db, long long *out);
/* The last server error text, for logs only (never sent to clients). */
const char *db_last_error(const struct db *db);
/* Counts for operations views. */
unsigned long db_reconnects(const struct db *db);

#endif
