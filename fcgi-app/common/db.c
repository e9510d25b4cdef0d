#include "common/db.h"

#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/ids.h"
#include "common/log.h"

/* Above the number of statement texts of the largest program (quarry-api
 * holds about 240, dispatcher statements it links included): a worker that
 * serves every route fills its cache with the ones it uses. */
#define DB_MAX_STATEMENTS 320
#define DB_MAX_PARAMS 48
#define DB_MAX_COLUMNS 64
/* A connection idle longer than this is pinged before a statement that may not be retried. */
#define DB_IDLE_PING_SECONDS 2.0
/* Servers a connection may go to: db_socket or db_host, then db_failover's. */
#define DB_MAX_TARGETS 8
/* MariaDB Galera's answer while the node is not part of the primary
 * component ("WSREP has not yet prepared node for application use"). */
#define DB_ER_WSREP_NOT_READY 1047

/* One result column: its text buffer (grown to the longest value seen) and
 * what each fetch reports. */
struct db_column {
    char *buffer;
    unsigned long length, capacity;
    my_bool is_null, error;
};

struct db_statement {
    const char *sql; /* the caller's pointer: usually a string literal */
    MYSQL_STMT *stmt;
    int ncols;
    MYSQL_BIND *result;    /* bound to cols */
    struct db_column *cols;
};

struct db {
    const struct config *cfg;
    MYSQL *conn;
    bool local_infile;
    unsigned int io_timeout; /* 0: the default */
    char info[256];
    bool in_transaction;
    bool txn_lost; /* a statement of the open transaction answered a deadlock */
    double last_used;
    unsigned long reconnects;
    struct db_statement statements[DB_MAX_STATEMENTS];
    int nstatements;
    char last_error[512];
    unsigned int last_errno;
    long long insert_id; /* of the last statement db_run ran */
    int target;          /* the server connected to: 0 the primary, then db_failover's */
    int prefer;          /* where the next connect starts */
    unsigned long conflicts; /* transactions and statements tried again after a conflict */
    unsigned int seed;
};

static bool errno_is_gone(unsigned int err)
{
    switch (err) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_LOST_EXTENDED:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
    case DB_ER_WSREP_NOT_READY: /* a Galera node outside the primary component */
        return true;
    default:
        return false;
    }
}

static bool sql_is_read_only(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 && strcasestr(sql, "FOR UPDATE") == NULL;
}

static void statement_free(struct db_statement *s)
{
    if (s->stmt)
        mysql_stmt_close(s->stmt);
    for (int i = 0; s->cols != NULL && i < s->ncols; i++)
        free(s->cols[i].buffer);
    free(s->cols);
    free(s->result);
    memset(s, 0, sizeof(*s));
}

static void db_disconnect(struct db *db)
{
    for (int i = 0; i < db->nstatements; i++)
        statement_free(&db->statements[i]);
    db->nstatements = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_transaction = false;
}

int db_targets_parse(const struct config *cfg, struct db_target *out, int max)
{
    int n = 0;
    if (max <= 0)
        return 0;
    memset(&out[0], 0, sizeof(out[0]));
    snprintf(out[0].socket, sizeof(out[0].socket), "%s", cfg->db_socket);
    snprintf(out[0].host, sizeof(out[0].host), "%s", cfg->db_host);
    out[0].port = (unsigned int)cfg->db_port;
    n = 1;
    const char *p = cfg->db_failover;
    while (*p != '\0' && n < max) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        struct db_target *t = &out[n];
        memset(t, 0, sizeof(*t));
        if (p[0] == '/' || p[0] == '.') {
            snprintf(t->socket, sizeof(t->socket), "%.*s", (int)len, p);
        } else {
            const char *colon = memchr(p, ':', len);
            size_t hlen = colon ? (size_t)(colon - p) : len;
            snprintf(t->host, sizeof(t->host), "%.*s", (int)hlen, p);
            t->port = colon ? (unsigned int)strtoul(colon + 1, NULL, 10) : 3306;
        }
        n++;
        p += len;
    }
    return n;
}

static MYSQL *connect_target(struct db *db, const struct db_target *t)
{
    const struct config *cfg = db->cfg;
    unsigned int connect_timeout = 2, io_timeout = db->io_timeout ? db->io_timeout : 30;
    MYSQL *conn = mysql_init(NULL);
    if (conn == NULL)
        return NULL;
    mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (db->local_infile) {
        unsigned int on = 1;
        mysql_options(conn, MYSQL_OPT_LOCAL_INFILE, &on);
    }
    const char *socket = t->socket[0] ? t->socket : NULL;
    if (mysql_real_connect(conn, socket ? NULL : t->host, cfg->db_user, cfg->db_password,
                           cfg->db_name, socket ? 0 : t->port, socket, 0) == NULL) {
        snprintf(db->last_error, sizeof(db->last_error), "connect: %s", mysql_error(conn));
        mysql_close(conn);
        return NULL;
    }
    return conn;
}

/* The servers in order from db->prefer on: with no db_failover, the one
 * server; a cluster's client moves to the next node when its own is down. */
static enum db_status db_connect(struct db *db)
{
    struct db_target targets[DB_MAX_TARGETS];
    int n = db_targets_parse(db->cfg, targets, DB_MAX_TARGETS);
    for (int k = 0; k < n; k++) {
        int i = (db->prefer + k) % n;
        MYSQL *conn = connect_target(db, &targets[i]);
        if (conn == NULL)
            continue;
        if (i != db->target || k > 0)
            log_info("database: connected to server %d of %d (%s)", i + 1, n,
                     targets[i].socket[0] ? targets[i].socket : targets[i].host);
        db->target = i;
        db->conn = conn;
        db->last_used = time_mono();
        return DB_OK;
    }
    return DB_UNAVAILABLE;
}

static enum db_status db_ensure(struct db *db)
{
    if (db->conn != NULL)
        return DB_OK;
    return db_connect(db);
}

static enum db_status db_reconnect(struct db *db)
{
    db_disconnect(db);
    db->reconnects++;
    enum db_status st = db_connect(db);
    if (st == DB_OK)
        log_info("database connection reopened");
    return st;
}

struct db *db_open(const struct config *cfg)
{
    struct db *db = calloc(1, sizeof(*db));
    if (db != NULL)
        db->cfg = cfg;
    return db;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    db_disconnect(db);
    free(db);
}

const char *db_last_error(const struct db *db)
{
    return db->last_error;
}

unsigned long db_reconnects(const struct db *db)
{
    return db->reconnects;
}

/* The first row's second column of a SHOW on the connection ("" when none). */
static bool show_value(MYSQL *conn, const char *sql, char *out, size_t len)
{
    out[0] = '\0';
    if (mysql_real_query(conn, sql, (unsigned long)strlen(sql)) != 0)
        return false;
    MYSQL_RES *res = mysql_store_result(conn);
    MYSQL_ROW row = res != NULL ? mysql_fetch_row(res) : NULL;
    if (row != NULL && mysql_num_fields(res) > 1 && row[1] != NULL)
        snprintf(out, len, "%s", row[1]);
    mysql_free_result(res);
    return true;
}

/* Whether the server is a Galera node that does not serve now: not ready,
 * or outside the primary component. Asked after an error that such a node
 * gives besides 1047: a causal read (wsrep_sync_wait) whose wait failed
 * answers 1205 "Lock wait timeout", a commit the provider refused 1180.
 * SHOW is not subject to wsrep_sync_wait's read bit, and a node outside the
 * primary component still answers it. */
static bool galera_node_not_serving(struct db *db)
{
    char on[16], ready[16], status[32];
    if (db->conn == NULL ||
        !show_value(db->conn, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'", on, sizeof(on)) ||
        strcasecmp(on, "ON") != 0)
        return false;
    if (!show_value(db->conn, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'", ready, sizeof(ready)) ||
        !show_value(db->conn, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'", status,
                    sizeof(status)))
        return true;
    return strcasecmp(ready, "ON") != 0 || strcmp(status, "Primary") != 0;
}

/* The one place a server error becomes a status. "This node is not
 * serving" (a Galera node outside the primary component or not ready; a
 * connection lost, 2006, 2013 ..., as during a failover) is DB_UNAVAILABLE,
 * a 503 that nginx routes around for the requests it may send again. After
 * a node that does not serve, the next connect tries the other nodes first. */
static enum db_status status_from(struct db *db, unsigned int err, const char *text)
{
    snprintf(db->last_error, sizeof(db->last_error), "%u: %s", err, text);
    db->last_errno = err;
    bool not_serving = err == DB_ER_WSREP_NOT_READY ||
                       ((err == ER_LOCK_WAIT_TIMEOUT || err == ER_ERROR_DURING_COMMIT) &&
                        galera_node_not_serving(db));
    if (not_serving)
        db->prefer = db->target + 1;
    /* The server rolled the whole transaction back (a deadlock, a Galera
     * conflict): whatever the caller makes of this error, its COMMIT must
     * not count (db_transaction). */
    if (err == ER_LOCK_DEADLOCK && db->in_transaction)
        db->txn_lost = true;
    if (err == ER_DUP_ENTRY || err == ER_DUP_KEY)
        return DB_DUPLICATE;
    if (not_serving || errno_is_gone(err))
        return DB_UNAVAILABLE;
    return DB_ERROR;
}

static int statement_bind_results(struct db_statement *s)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(s->stmt);
    if (meta == NULL)
        return 0; /* no result set */
    int n = (int)mysql_num_fields(meta);
    mysql_free_result(meta);
    if (n > DB_MAX_COLUMNS)
        return -1;
    s->ncols = n;
    s->result = calloc((size_t)n, sizeof(MYSQL_BIND));
    s->cols = calloc((size_t)n, sizeof(struct db_column));
    if (s->result == NULL || s->cols == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        struct db_column *c = &s->cols[i];
        c->capacity = 128;
        c->buffer = malloc(c->capacity);
        if (c->buffer == NULL)
            return -1;
        s->result[i].buffer_type = MYSQL_TYPE_STRING;
        s->result[i].buffer = c->buffer;
        s->result[i].buffer_length = c->capacity - 1;
        s->result[i].length = &c->length;
        s->result[i].is_null = &c->is_null;
        s->result[i].error = &c->error;
    }
    return mysql_stmt_bind_result(s->stmt, s->result) ? -1 : 0;
}

static enum db_status statement_get(struct db *db, const char *sql, struct db_statement **out)
{
    for (int i = 0; i < db->nstatements; i++) {
        struct db_statement *s = &db->statements[i];
        if (s->sql == sql || strcmp(s->sql, sql) == 0) {
            *out = s;
            return DB_OK;
        }
    }
    if (db->nstatements == DB_MAX_STATEMENTS) {
        /* The cache is a fixed set of the program's statements; a full cache means a bug. */
        snprintf(db->last_error, sizeof(db->last_error), "statement cache full");
        return DB_ERROR;
    }
    struct db_statement *s = &db->statements[db->nstatements];
    memset(s, 0, sizeof(*s));
    s->stmt = mysql_stmt_init(db->conn);
    if (s->stmt == NULL)
        return DB_ERROR;
    if (mysql_stmt_prepare(s->stmt, sql, (unsigned long)strlen(sql)) != 0) {
        enum db_status st = status_from(db, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt));
        statement_free(s);
        return st;
    }
    my_bool update_max = 1;
    mysql_stmt_attr_set(s->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
    if (statement_bind_results(s) != 0) {
        statement_free(s);
        snprintf(db->last_error, sizeof(db->last_error), "cannot bind results of: %.200s", sql);
        return DB_ERROR;
    }
    s->sql = sql;
    db->nstatements++;
    *out = s;
    return DB_OK;
}

static enum db_status statement_execute(struct db *db, struct db_statement *s,
                                        const struct db_param *params, int nparams)
{
    MYSQL_BIND small_bind[DB_MAX_PARAMS], *bind = small_bind;
    unsigned long small_lengths[DB_MAX_PARAMS], *lengths = small_lengths;
    enum db_status st = DB_OK;
    if (nparams < 0 || (unsigned long)nparams != mysql_stmt_param_count(s->stmt)) {
        snprintf(db->last_error, sizeof(db->last_error), "parameter count mismatch for: %.200s",
                 s->sql);
        return DB_ERROR;
    }
    if (nparams > DB_MAX_PARAMS) {
        bind = calloc((size_t)nparams, sizeof(*bind));
        lengths = calloc((size_t)nparams, sizeof(*lengths));
        if (bind == NULL || lengths == NULL) {
            st = DB_ERROR;
            goto out;
        }
    } else {
        memset(small_bind, 0, sizeof(small_bind));
    }
    for (int i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case DB_PARAM_NULL:
            bind[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DB_PARAM_STR:
            lengths[i] = (unsigned long)(params[i].len > 0 ? params[i].len : strlen(params[i].str));
            bind[i].buffer_type = MYSQL_TYPE_STRING;
            bind[i].buffer = (void *)params[i].str;
            bind[i].buffer_length = lengths[i];
            bind[i].length = &lengths[i];
            break;
        case DB_PARAM_INT:
            bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[i].buffer = (void *)&params[i].num;
            break;
        case DB_PARAM_REAL:
            bind[i].buffer_type = MYSQL_TYPE_DOUBLE;
            bind[i].buffer = (void *)&params[i].real;
            break;
        }
    }
    if ((nparams > 0 && mysql_stmt_bind_param(s->stmt, bind) != 0) ||
        mysql_stmt_execute(s->stmt) != 0 ||
        (s->ncols > 0 && mysql_stmt_store_result(s->stmt) != 0))
        st = status_from(db, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt));
out:
    if (bind != small_bind)
        free(bind);
    if (lengths != small_lengths)
        free(lengths);
    return st;
}

static enum db_status statement_fetch_rows(struct db *db, struct db_statement *s, db_row_fn fn,
                                           void *ctx)
{
    const char *values[DB_MAX_COLUMNS];
    unsigned long lengths[DB_MAX_COLUMNS];
    enum db_status st = DB_OK;
    bool stop = false;
    for (;;) {
        int rc = mysql_stmt_fetch(s->stmt);
        if (rc == MYSQL_NO_DATA)
            break;
        if (rc == 1) {
            st = status_from(db, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt));
            break;
        }
        bool grown = false;
        for (int i = 0; i < s->ncols; i++) {
            struct db_column *c = &s->cols[i];
            lengths[i] = c->is_null ? 0 : c->length;
            if (c->is_null) {
                values[i] = NULL;
                continue;
            }
            if (c->length >= c->capacity) {
                /* Truncated: grow this column's buffer and fetch it again. */
                unsigned long cap = c->length + 1;
                char *p = realloc(c->buffer, cap);
                if (p == NULL) {
                    st = DB_ERROR;
                    goto out;
                }
                c->buffer = p;
                c->capacity = cap;
                s->result[i].buffer = p;
                s->result[i].buffer_length = cap - 1;
                if (mysql_stmt_fetch_column(s->stmt, &s->result[i], (unsigned int)i, 0) != 0) {
                    st = status_from(db, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt));
                    goto out;
                }
                grown = true;
            }
            c->buffer[c->length] = '\0';
            values[i] = c->buffer;
        }
        /* Rebind once every truncated column of the row is read again (binding
         * resets the row pointers fetch_column reads from: a rebind between two
         * of them lost the second), and before the next row's fetch, which
         * must write into the new buffers. */
        if (grown)
            mysql_stmt_bind_result(s->stmt, s->result);
        if (!stop && fn != NULL) {
            struct db_row row = {s->ncols, values, lengths};
            stop = fn(ctx, &row) != 0;
        }
        /* The rest is drained so that the statement can run again. */
    }
out:
    mysql_stmt_free_result(s->stmt);
    return st;
}

unsigned int db_backoff_ms(int attempt, unsigned int rnd)
{
    unsigned int cap = DB_BACKOFF_MAX_MS;
    unsigned int base = attempt >= 8 ? cap : (DB_BACKOFF_FIRST_MS << attempt);
    if (base > cap)
        base = cap;
    /* Full range [base/2, base]: two losers of the same conflict part ways. */
    return base / 2 + rnd % (base - base / 2 + 1);
}

static unsigned int next_random(struct db *db)
{
    if (db->seed == 0)
        db->seed = (((unsigned int)getpid() * 2654435761u) ^ (unsigned int)(time_mono() * 1e6)) | 1u;
    db->seed ^= db->seed << 13; /* xorshift32: jitter only, no secret */
    db->seed ^= db->seed >> 17;
    db->seed ^= db->seed << 5;
    return db->seed;
}

unsigned int db_random(struct db *db)
{
    return next_random(db);
}

/* A trigger the server failed to parse when it opened the table: MariaDB
 * parses a table's triggers for each copy of the table it opens, keeps a
 * failed parse with that copy and answers every statement on it with 1064
 * "Trigger ... has an error in its body" (seen on Galera nodes, the stored
 * trigger text the same on all of them: docs/operations.md, "A Galera
 * cluster"). Nothing ran; another try may get another copy. */
bool db_error_is_broken_trigger(unsigned int err, const char *text)
{
    return err == ER_PARSE_ERROR && text != NULL && strstr(text, "has an error in its body") != NULL;
}

static bool last_was_broken_trigger(const struct db *db)
{
    return db_error_is_broken_trigger(db->last_errno, db->last_error);
}

/* The statement or transaction was rolled back whole and may be run again. */
static bool last_was_conflict(const struct db *db)
{
    return db->last_errno == ER_LOCK_DEADLOCK || last_was_broken_trigger(db);
}

static void conflict_pause(struct db *db, int attempt, const char *what)
{
    unsigned int ms = db_backoff_ms(attempt, next_random(db));
    db->conflicts++;
    log_warn("database: %s %s (%s): tried again in %u ms (try %d)", what,
             last_was_broken_trigger(db) ? "met a trigger the server failed to parse" : "lost a conflict",
             db->last_error, ms, attempt + 2);
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The last try of a statement or transaction that kept losing. A trigger
 * that still fails to parse says the node is not serving this table right
 * (seen on a Galera node for a second or two after a member left): nothing
 * ran, the answer is "unavailable" (a 503 the client may try again), and the
 * connection starts afresh for the next request. A lost conflict stays an
 * error. */
static enum db_status give_up(struct db *db, enum db_status st, const char *what, int tries)
{
    log_error("database error: %s (%s, %d tries)", db->last_error, what, tries);
    if (!last_was_broken_trigger(db))
        return st;
    db_reconnect(db);
    return DB_UNAVAILABLE;
}

static enum db_status db_run_once(struct db *db, const char *sql, const struct db_param *params,
                                  int nparams, db_row_fn fn, void *ctx, long long *affected)
{
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    bool read_only = sql_is_read_only(sql);
    if (!read_only && !db->in_transaction && time_mono() - db->last_used > DB_IDLE_PING_SECONDS) {
        if (mysql_ping(db->conn) != 0 && (st = db_reconnect(db)) != DB_OK)
            return st;
    }
    for (int attempt = 0;; attempt++) {
        struct db_statement *s = NULL;
        st = statement_get(db, sql, &s);
        if (st == DB_OK) {
            st = statement_execute(db, s, params, nparams);
            if (st == DB_OK && affected)
                *affected = (long long)mysql_stmt_affected_rows(s->stmt);
            if (st == DB_OK)
                db->insert_id = (long long)mysql_stmt_insert_id(s->stmt);
            if (st == DB_OK && s->ncols > 0)
                st = statement_fetch_rows(db, s, fn, ctx);
        }
        if (st != DB_UNAVAILABLE || attempt > 0)
            break;
        unsigned int err = mysql_errno(db->conn);
        unsigned int stmt_err = s && s->stmt ? mysql_stmt_errno(s->stmt) : err;
        bool never_sent = stmt_err == CR_SERVER_GONE_ERROR || s == NULL;
        bool was_in_transaction = db->in_transaction;
        log_warn("database connection lost (%s)", db->last_error);
        if (db_reconnect(db) != DB_OK || was_in_transaction || !(never_sent || read_only))
            return DB_UNAVAILABLE;
    }
    db->last_used = time_mono();
    /* A conflict is the caller's to retry (db_run, db_transaction): logged there. */
    if (st == DB_ERROR && !last_was_conflict(db))
        log_error("database error: %s", db->last_error);
    return st;
}

/* A statement outside a transaction that lost a conflict (a deadlock, a
 * Galera certification failure) was rolled back whole: it is run again. */
static enum db_status db_run(struct db *db, const char *sql, const struct db_param *params,
                             int nparams, db_row_fn fn, void *ctx, long long *affected)
{
    for (int attempt = 0;; attempt++) {
        db->last_errno = 0;
        enum db_status st = db_run_once(db, sql, params, nparams, fn, ctx, affected);
        if (st != DB_ERROR || !last_was_conflict(db) || db->in_transaction)
            return st;
        if (attempt + 1 >= DB_CONFLICT_TRIES)
            return give_up(db, st, "a statement", attempt + 1);
        conflict_pause(db, attempt, "a statement");
    }
}

enum db_status db_exec(struct db *db, const char *sql, const struct db_param *params, int nparams,
                       long long *affected)
{
    return db_run(db, sql, params, nparams, NULL, NULL, affected);
}

enum db_status db_query(struct db *db, const char *sql, const struct db_param *params, int nparams,
                        db_row_fn fn, void *ctx)
{
    return db_run(db, sql, params, nparams, fn, ctx, NULL);
}

long long db_insert_id(const struct db *db)
{
    return db->insert_id;
}

long long db_row_int(const struct db_row *row, int i)
{
    return i < row->ncols && row->values[i] ? strtoll(row->values[i], NULL, 10) : 0;
}

void db_row_ints(const struct db_row *row, int first, long long *const out[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        *out[i] = db_row_int(row, first + (int)i);
}

void db_row_copy(const struct db_row *row, int i, char *dst, size_t len)
{
    const char *v = i < row->ncols ? row->values[i] : NULL;
    snprintf(dst, len, "%s", v != NULL ? v : "");
}

void db_row_texts(const struct db_row *row, struct arena *a, const char **const out[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        *out[i] = (int)i < row->ncols ? arena_strdup(a, row->values[i]) : NULL;
}

struct int_ctx {
    long long value;
    bool found;
};

static int take_int(void *ctx, const struct db_row *row)
{
    struct int_ctx *c = ctx;
    c->found = true;
    c->value = db_row_int(row, 0);
    return 1;
}

enum db_status db_query_int(struct db *db, const char *sql, const struct db_param *params,
                            int nparams, long long *out)
{
    struct int_ctx c = {0, false};
    enum db_status st = db_query(db, sql, params, nparams, take_int, &c);
    if (st != DB_OK)
        return st;
    if (!c.found)
        return DB_NO_ROW;
    *out = c.value;
    return DB_OK;
}

static enum db_status db_simple(struct db *db, const char *sql)
{
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
        return status_from(db, mysql_errno(db->conn), mysql_error(db->conn));
    db->last_used = time_mono();
    return DB_OK;
}

/* START TRANSACTION, after set_sql (NULL: none) on the same connection. */
static enum db_status begin_with(struct db *db, const char *set_sql)
{
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    if (time_mono() - db->last_used > DB_IDLE_PING_SECONDS && mysql_ping(db->conn) != 0 &&
        (st = db_reconnect(db)) != DB_OK)
        return st;
    db->last_errno = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        st = set_sql != NULL ? db_simple(db, set_sql) : DB_OK;
        if (st == DB_OK)
            st = db_simple(db, "START TRANSACTION");
        if (st != DB_UNAVAILABLE || attempt > 0 || db_reconnect(db) != DB_OK)
            break;
    }
    db->in_transaction = st == DB_OK;
    db->txn_lost = false;
    return st;
}

enum db_status db_begin(struct db *db)
{
    return begin_with(db, NULL);
}

enum db_status db_begin_read_committed(struct db *db)
{
    /* Applies to the next transaction only. */
    return begin_with(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

bool db_last_was_deadlock(const struct db *db)
{
    return last_was_conflict(db);
}

static bool still_in_transaction(const struct db *db)
{
    return db->conn != NULL && (db->conn->server_status & SERVER_STATUS_IN_TRANS) != 0;
}

enum db_status db_transaction(struct db *db, enum db_isolation isolation, db_txn_fn fn, void *arg)
{
    for (int attempt = 0;; attempt++) {
        enum db_status st = isolation == DB_READ_COMMITTED ? db_begin_read_committed(db)
                                                           : db_begin(db);
        if (st != DB_OK)
            return st;
        st = fn(db, arg);
        if (st == DB_OK && (db->txn_lost || !still_in_transaction(db))) {
            /* A Galera node rolls back a local transaction that an applied
             * write set conflicts with (a BF abort) while its client is
             * between statements; the client's next prepared statement may
             * then run on its own and COMMIT answer OK for nothing. The
             * server's status flags of the last answer say whether the
             * transaction is still open: if not, it lost a conflict. A
             * deadlock answered to a statement of fn that fn let pass (a
             * progress write that may fail) lost it too: an error answer
             * carries no status flags, and the COMMIT would answer OK. */
            snprintf(db->last_error, sizeof(db->last_error),
                     "%u: the transaction was rolled back by the server", ER_LOCK_DEADLOCK);
            db->last_errno = ER_LOCK_DEADLOCK;
            st = DB_ERROR;
        }
        st = db_end(db, st);
        if (st != DB_ERROR || !last_was_conflict(db))
            return st;
        if (attempt + 1 >= DB_CONFLICT_TRIES)
            return give_up(db, st, "a transaction", attempt + 1);
        conflict_pause(db, attempt, "a transaction");
    }
}

unsigned long db_conflicts(const struct db *db)
{
    return db->conflicts;
}

enum db_status db_commit(struct db *db)
{
    db->last_errno = 0;
    enum db_status st = db_simple(db, "COMMIT");
    db->in_transaction = false;
    return st;
}

void db_rollback(struct db *db)
{
    /* The error that made the caller roll back stays the one reported (on a
     * connection that has just died, ROLLBACK's own "lost connection" would
     * hide it). */
    char error[sizeof(db->last_error)];
    unsigned int err = db->last_errno;
    memcpy(error, db->last_error, sizeof(error));
    if (db->conn != NULL && db->in_transaction)
        db_simple(db, "ROLLBACK");
    db->in_transaction = false;
    db->last_errno = err;
    memcpy(db->last_error, error, sizeof(error));
}

enum db_status db_end(struct db *db, enum db_status st)
{
    if (st == DB_OK)
        st = db_commit(db);
    if (st != DB_OK)
        db_rollback(db);
    return st;
}

static int take_status_value(void *ctx, const struct db_row *row)
{
    *(long long *)ctx = db_row_int(row, 1);
    return 1;
}

enum db_status db_server_connections(struct db *db, long long *out)
{
    return db_query(db, "SHOW GLOBAL STATUS LIKE 'Threads_connected'", DB_NO_PARAMS,
                    take_status_value, out);
}

static int take_wsrep_on(void *ctx, const struct db_row *row)
{
    struct db_cluster *c = ctx;
    c->is_node = row->ncols > 1 && row->values[1] != NULL && strcasecmp(row->values[1], "ON") == 0;
    return 1;
}

static int take_wsrep_status(void *ctx, const struct db_row *row)
{
    struct db_cluster *c = ctx;
    const char *name = row->values[0], *value = row->ncols > 1 ? row->values[1] : NULL;
    if (name == NULL || value == NULL)
        return 0;
    if (strcasecmp(name, "wsrep_ready") == 0)
        c->ready = strcasecmp(value, "ON") == 0;
    else if (strcasecmp(name, "wsrep_cluster_status") == 0)
        snprintf(c->status, sizeof(c->status), "%s", value);
    else if (strcasecmp(name, "wsrep_cluster_size") == 0)
        c->size = strtol(value, NULL, 10);
    else if (strcasecmp(name, "wsrep_local_state_comment") == 0)
        snprintf(c->state, sizeof(c->state), "%s", value);
    return 0;
}

enum db_status db_cluster_state(struct db *db, struct db_cluster *out)
{
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query(db, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'", DB_NO_PARAMS,
                                 take_wsrep_on, out);
    if (st != DB_OK || !out->is_node)
        return st;
    return db_query(db, "SHOW GLOBAL STATUS LIKE 'wsrep_%'", DB_NO_PARAMS, take_wsrep_status, out);
}

enum db_status db_ping(struct db *db)
{
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    if (mysql_ping(db->conn) == 0) {
        db->last_used = time_mono();
        return DB_OK;
    }
    return db_reconnect(db);
}

/* ---- statements made at run time ---- */

struct db_stmt {
    struct db *db;
    struct db_statement s;
};

enum db_status db_stmt_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    struct db_stmt *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return DB_ERROR;
    d->db = db;
    d->s.stmt = mysql_stmt_init(db->conn);
    if (d->s.stmt == NULL) {
        free(d);
        return DB_ERROR;
    }
    if (mysql_stmt_prepare(d->s.stmt, sql, (unsigned long)strlen(sql)) != 0) {
        st = status_from(db, mysql_stmt_errno(d->s.stmt), mysql_stmt_error(d->s.stmt));
        statement_free(&d->s);
        free(d);
        return st;
    }
    if (statement_bind_results(&d->s) != 0) {
        statement_free(&d->s);
        free(d);
        snprintf(db->last_error, sizeof(db->last_error), "cannot bind results of: %.200s", sql);
        return DB_ERROR;
    }
    d->s.sql = sql; /* for messages while the caller's text lives */
    *out = d;
    return DB_OK;
}

enum db_status db_stmt_exec(struct db_stmt *d, const struct db_param *params, int nparams,
                            long long *affected)
{
    enum db_status st = statement_execute(d->db, &d->s, params, nparams);
    if (st == DB_OK && affected)
        *affected = (long long)mysql_stmt_affected_rows(d->s.stmt);
    if (st == DB_OK && d->s.ncols > 0)
        st = statement_fetch_rows(d->db, &d->s, NULL, NULL);
    d->db->last_used = time_mono();
    return st;
}

enum db_status db_stmt_query(struct db_stmt *d, const struct db_param *params, int nparams,
                             db_row_fn fn, void *ctx)
{
    enum db_status st = statement_execute(d->db, &d->s, params, nparams);
    if (st == DB_OK && d->s.ncols > 0)
        st = statement_fetch_rows(d->db, &d->s, fn, ctx);
    d->db->last_used = time_mono();
    return st;
}

void db_stmt_close(struct db_stmt *d)
{
    if (d == NULL)
        return;
    d->s.sql = NULL;
    statement_free(&d->s);
    free(d);
}

enum db_status db_exec_once(struct db *db, const char *sql, const struct db_param *params,
                            int nparams, long long *affected)
{
    struct db_stmt *d = NULL;
    enum db_status st = db_stmt_prepare(db, sql, &d);
    if (st == DB_OK)
        st = db_stmt_exec(d, params, nparams, affected);
    db_stmt_close(d);
    if (st == DB_ERROR)
        log_error("database error: %s", db->last_error);
    return st;
}

static void keep_info(struct db *db)
{
    const char *info = mysql_info(db->conn);
    snprintf(db->info, sizeof(db->info), "%s", info ? info : "");
}

enum db_status db_exec_text(struct db *db, const char *sql, long long *affected)
{
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
        return status_from(db, mysql_errno(db->conn), mysql_error(db->conn));
    MYSQL_RES *res = mysql_store_result(db->conn);
    if (res != NULL)
        mysql_free_result(res);
    if (affected)
        *affected = (long long)mysql_affected_rows(db->conn);
    keep_info(db);
    db->last_used = time_mono();
    return DB_OK;
}

unsigned int db_first_warning(struct db *db, unsigned int skip_code, char *msg, size_t len)
{
    unsigned int found = 0;
    msg[0] = '\0';
    if (db->conn == NULL || mysql_warning_count(db->conn) == 0 ||
        mysql_query(db->conn, "SHOW WARNINGS LIMIT 64") != 0)
        return 0;
    MYSQL_RES *res = mysql_store_result(db->conn);
    MYSQL_ROW row;
    while (res != NULL && found == 0 && (row = mysql_fetch_row(res)) != NULL) {
        unsigned int code = row[1] ? (unsigned int)strtoul(row[1], NULL, 10) : 0;
        if (code == skip_code)
            continue;
        found = code ? code : 1;
        snprintf(msg, len, "%s", row[2] ? row[2] : "");
    }
    if (res != NULL)
        mysql_free_result(res);
    return found;
}

const char *db_last_info(const struct db *db)
{
    return db->info;
}

void db_set_io_timeout(struct db *db, unsigned int seconds)
{
    db->io_timeout = seconds;
}

void db_allow_local_infile(struct db *db)
{
    db->local_infile = true;
}

struct infile_ctx {
    db_infile_read_fn read;
    void *ctx;
    bool failed;
};

static int infile_init(void **ptr, const char *filename, void *userdata)
{
    (void)filename; /* never a file: the reader gives the bytes */
    *ptr = userdata;
    return 0;
}

static int infile_read(void *ptr, char *buf, unsigned int len)
{
    struct infile_ctx *c = ptr;
    long n = c->read(c->ctx, buf, len);
    if (n < 0) {
        c->failed = true;
        return -1;
    }
    return (int)n;
}

static void infile_end(void *ptr)
{
    (void)ptr;
}

static int infile_error(void *ptr, char *msg, unsigned int len)
{
    (void)ptr;
    snprintf(msg, len, "the load's reader stopped");
    return CR_UNKNOWN_ERROR;
}

enum db_status db_load_data(struct db *db, const char *sql, db_infile_read_fn read, void *ctx,
                            long long *affected)
{
    struct infile_ctx c = {read, ctx, false};
    enum db_status st = db_ensure(db);
    if (st != DB_OK)
        return st;
    mysql_set_local_infile_handler(db->conn, infile_init, infile_read, infile_end, infile_error,
                                   &c);
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0) {
        st = status_from(db, mysql_errno(db->conn), mysql_error(db->conn));
    } else {
        if (affected)
            *affected = (long long)mysql_affected_rows(db->conn);
        keep_info(db);
    }
    mysql_set_local_infile_default(db->conn);
    db->last_used = time_mono();
    return c.failed && st == DB_OK ? DB_ERROR : st;
}
