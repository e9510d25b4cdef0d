/* source_conn.c — reading source databases: the MariaDB/MySQL half
 * (libmariadb) and the PostgreSQL half (libpq) behind one interface. */
#include "process/source_conn.h"

#include <errmsg.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source_conn {
    enum source_engine engine;
    /* MariaDB / MySQL */
    MYSQL *my;
    MYSQL_STMT *stmt;
    MYSQL_BIND *bind;
    char **buffers;
    unsigned long *lens, *caps;
    my_bool *nulls, *errors;
    /* PostgreSQL */
    PGconn *pg;
    PGresult *row; /* the current single-row result */
    bool pg_running;
    bool row_consumed; /* row was handed out by source_next */
    /* both */
    int ncols;
    char *names[SOURCE_MAX_COLUMNS];
    enum source_type types[SOURCE_MAX_COLUMNS];
    const char *values[SOURCE_MAX_COLUMNS];
    size_t lengths[SOURCE_MAX_COLUMNS];
    char *scratch[SOURCE_MAX_COLUMNS]; /* converted values (booleans, times) */
};

static const char *const error_names[] = {
    [SOURCE_OK] = "ok",
    [SOURCE_REFUSED] = "refused",
    [SOURCE_UNKNOWN_HOST] = "unknown_host",
    [SOURCE_TIMEOUT] = "timeout",
    [SOURCE_AUTH] = "auth",
    [SOURCE_UNKNOWN_DATABASE] = "unknown_database",
    [SOURCE_UNKNOWN_TABLE] = "unknown_table",
    [SOURCE_QUERY] = "query",
    [SOURCE_OTHER] = "error",
};

const char *source_error_name(enum source_error e)
{
    return e <= SOURCE_OTHER ? error_names[e] : "error";
}

static const char *const type_names[] = {
    [SRC_T_STRING] = "string", [SRC_T_INTEGER] = "integer", [SRC_T_NUMBER] = "number",
    [SRC_T_BOOLEAN] = "boolean", [SRC_T_DATE] = "date", [SRC_T_DATETIME] = "datetime",
};

const char *source_type_name(enum source_type t)
{
    return t <= SRC_T_DATETIME ? type_names[t] : "string";
}

enum source_engine source_conn_engine(const struct source_conn *c)
{
    return c->engine;
}

const char *source_quote(const struct source_conn *c, const char *name, char *buf, size_t len)
{
    char q = c->engine == SOURCE_POSTGRESQL ? '"' : '`';
    snprintf(buf, len, "%c%s%c", q, name, q);
    return buf;
}

const char *source_marker(const struct source_conn *c, int n, char *buf, size_t len)
{
    if (c->engine == SOURCE_POSTGRESQL)
        snprintf(buf, len, "$%d", n);
    else
        snprintf(buf, len, "?");
    return buf;
}

int source_ncolumns(const struct source_conn *c)
{
    return c->ncols;
}

const char *source_column_name(const struct source_conn *c, int i)
{
    return i >= 0 && i < c->ncols ? c->names[i] : "";
}

enum source_type source_column_type(const struct source_conn *c, int i)
{
    return i >= 0 && i < c->ncols ? c->types[i] : SRC_T_STRING;
}

static void clear_columns(struct source_conn *c)
{
    for (int i = 0; i < c->ncols; i++) {
        free(c->names[i]);
        free(c->scratch[i]);
        c->names[i] = c->scratch[i] = NULL;
    }
    c->ncols = 0;
}

/* ================================================================ MariaDB */

static enum source_error my_classify(unsigned int err)
{
    switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
        return SOURCE_REFUSED;
    case CR_UNKNOWN_HOST:
        return SOURCE_UNKNOWN_HOST;
    case CR_SERVER_LOST:
    case CR_SERVER_GONE_ERROR:
        return SOURCE_TIMEOUT;
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
        return SOURCE_AUTH;
    case ER_BAD_DB_ERROR:
        return SOURCE_UNKNOWN_DATABASE;
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
        return SOURCE_UNKNOWN_TABLE;
    default:
        return err >= 1000 && err < 2000 ? SOURCE_QUERY : SOURCE_OTHER;
    }
}

enum source_type source_mysql_type(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        return f->type == MYSQL_TYPE_TINY && f->length == 1 ? SRC_T_BOOLEAN : SRC_T_INTEGER;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return SRC_T_NUMBER;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return SRC_T_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        return SRC_T_DATETIME;
    default:
        return SRC_T_STRING;
    }
}

static enum source_error my_connect(struct source_conn *c, const struct source_params *p,
                                    char *msg, size_t msg_len)
{
    unsigned int timeout = (unsigned int)p->connect_timeout_seconds, io = 600;
    c->my = mysql_init(NULL);
    if (c->my == NULL) {
        snprintf(msg, msg_len, "out of memory");
        return SOURCE_OTHER;
    }
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &io);
    mysql_options(c->my, MYSQL_OPT_WRITE_TIMEOUT, &io);
    mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(c->my, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (mysql_real_connect(c->my, p->host, p->username, p->password ? p->password : "",
                           p->database, (unsigned int)p->port, NULL, 0) == NULL) {
        unsigned int err = mysql_errno(c->my);
        snprintf(msg, msg_len, "%s", mysql_error(c->my));
        return my_classify(err);
    }
    /* Read-only; the time limit is a MariaDB variable (MySQL has its own,
     * max_execution_time, for SELECTs): failures of these are not fatal. */
    mysql_query(c->my, "SET SESSION TRANSACTION READ ONLY");
    if (p->statement_timeout_ms > 0) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %.3f",
                 (double)p->statement_timeout_ms / 1000.0);
        if (mysql_query(c->my, sql) != 0) {
            snprintf(sql, sizeof(sql), "SET SESSION max_execution_time = %lld",
                     p->statement_timeout_ms);
            mysql_query(c->my, sql);
        }
    }
    return SOURCE_OK;
}

static void my_end_query(struct source_conn *c)
{
    if (c->stmt != NULL) {
        mysql_stmt_close(c->stmt);
        c->stmt = NULL;
    }
    for (int i = 0; i < c->ncols && c->buffers; i++)
        free(c->buffers[i]);
    free(c->bind);
    free(c->buffers);
    free(c->lens);
    free(c->caps);
    free(c->nulls);
    free(c->errors);
    c->bind = NULL;
    c->buffers = NULL;
    c->lens = c->caps = NULL;
    c->nulls = c->errors = NULL;
    clear_columns(c);
}

static enum source_error my_stmt_error(struct source_conn *c, char *msg, size_t msg_len)
{
    unsigned int err = mysql_stmt_errno(c->stmt);
    snprintf(msg, msg_len, "%s", mysql_stmt_error(c->stmt));
    return my_classify(err);
}

static enum source_error my_query(struct source_conn *c, const char *sql,
                                  const char *const *params, int nparams, char *msg,
                                  size_t msg_len)
{
    MYSQL_BIND pbind[16];
    unsigned long plen[16];
    enum source_error e;
    my_end_query(c);
    if (nparams > 16) {
        snprintf(msg, msg_len, "too many parameters");
        return SOURCE_OTHER;
    }
    c->stmt = mysql_stmt_init(c->my);
    if (c->stmt == NULL || mysql_stmt_prepare(c->stmt, sql, (unsigned long)strlen(sql)) != 0)
        return c->stmt ? my_stmt_error(c, msg, msg_len) : SOURCE_OTHER;
    memset(pbind, 0, sizeof(pbind));
    for (int i = 0; i < nparams; i++) {
        if (params[i] == NULL) {
            pbind[i].buffer_type = MYSQL_TYPE_NULL;
            continue;
        }
        plen[i] = (unsigned long)strlen(params[i]);
        pbind[i].buffer_type = MYSQL_TYPE_STRING;
        pbind[i].buffer = (void *)params[i];
        pbind[i].buffer_length = plen[i];
        pbind[i].length = &plen[i];
    }
    if (nparams > 0 && mysql_stmt_bind_param(c->stmt, pbind) != 0)
        return my_stmt_error(c, msg, msg_len);
    MYSQL_RES *meta = mysql_stmt_result_metadata(c->stmt);
    if (meta == NULL) {
        snprintf(msg, msg_len, "the statement returns no rows");
        return SOURCE_QUERY;
    }
    int n = (int)mysql_num_fields(meta);
    if (n > SOURCE_MAX_COLUMNS) {
        mysql_free_result(meta);
        snprintf(msg, msg_len, "more than %d columns", SOURCE_MAX_COLUMNS);
        return SOURCE_QUERY;
    }
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    c->bind = calloc((size_t)n + 1, sizeof(MYSQL_BIND));
    c->buffers = calloc((size_t)n + 1, sizeof(char *));
    c->lens = calloc((size_t)n + 1, sizeof(unsigned long));
    c->caps = calloc((size_t)n + 1, sizeof(unsigned long));
    c->nulls = calloc((size_t)n + 1, sizeof(my_bool));
    c->errors = calloc((size_t)n + 1, sizeof(my_bool));
    e = c->bind && c->buffers && c->lens && c->caps && c->nulls && c->errors ? SOURCE_OK
                                                                            : SOURCE_OTHER;
    for (int i = 0; i < n && e == SOURCE_OK; i++) {
        c->names[i] = strdup(fields[i].name);
        c->types[i] = source_mysql_type(&fields[i]);
        c->caps[i] = 256;
        c->buffers[i] = malloc(c->caps[i]);
        c->ncols = i + 1;
        if (c->names[i] == NULL || c->buffers[i] == NULL) {
            e = SOURCE_OTHER;
            break;
        }
        c->bind[i].buffer_type = MYSQL_TYPE_STRING;
        c->bind[i].buffer = c->buffers[i];
        c->bind[i].buffer_length = c->caps[i] - 1;
        c->bind[i].length = &c->lens[i];
        c->bind[i].is_null = &c->nulls[i];
        c->bind[i].error = &c->errors[i];
    }
    mysql_free_result(meta);
    if (e != SOURCE_OK) {
        snprintf(msg, msg_len, "out of memory");
        return e;
    }
    if (mysql_stmt_execute(c->stmt) != 0 || mysql_stmt_bind_result(c->stmt, c->bind) != 0)
        return my_stmt_error(c, msg, msg_len);
    return SOURCE_OK;
}

static int my_next(struct source_conn *c, char *msg, size_t msg_len)
{
    if (c->stmt == NULL)
        return 0;
    int rc = mysql_stmt_fetch(c->stmt);
    if (rc == MYSQL_NO_DATA)
        return 0;
    if (rc == 1) {
        my_stmt_error(c, msg, msg_len);
        return -1;
    }
    bool grown = false;
    for (int i = 0; i < c->ncols; i++) {
        if (c->nulls[i]) {
            c->values[i] = NULL;
            c->lengths[i] = 0;
            continue;
        }
        if (c->lens[i] >= c->caps[i]) {
            unsigned long cap = c->lens[i] + 1;
            char *p = realloc(c->buffers[i], cap);
            if (p == NULL) {
                snprintf(msg, msg_len, "out of memory");
                return -1;
            }
            c->buffers[i] = p;
            c->caps[i] = cap;
            c->bind[i].buffer = p;
            c->bind[i].buffer_length = cap - 1;
            if (mysql_stmt_fetch_column(c->stmt, &c->bind[i], (unsigned int)i, 0) != 0) {
                my_stmt_error(c, msg, msg_len);
                return -1;
            }
            grown = true;
        }
        c->buffers[i][c->lens[i]] = '\0';
        c->values[i] = c->buffers[i];
        c->lengths[i] = c->lens[i];
    }
    if (grown)
        mysql_stmt_bind_result(c->stmt, c->bind);
    return 1;
}

/* ============================================================= PostgreSQL */

static enum source_error pg_classify_text(const char *m)
{
    if (strstr(m, "Connection refused") || strstr(m, "No route to host") ||
        strstr(m, "Network is unreachable") || strstr(m, "No such file or directory"))
        return SOURCE_REFUSED;
    if (strstr(m, "could not translate host name") || strstr(m, "Name or service not known"))
        return SOURCE_UNKNOWN_HOST;
    if (strstr(m, "timeout expired") || strstr(m, "timed out"))
        return SOURCE_TIMEOUT;
    if (strstr(m, "password authentication failed") || strstr(m, "no password supplied") ||
        strstr(m, "authentication failed") || strstr(m, "role \"") ||
        strstr(m, "no pg_hba.conf entry"))
        return SOURCE_AUTH;
    if (strstr(m, "database \"") && strstr(m, "does not exist"))
        return SOURCE_UNKNOWN_DATABASE;
    return SOURCE_OTHER;
}

static enum source_error pg_classify_state(const char *state)
{
    if (state == NULL)
        return SOURCE_OTHER;
    if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0)
        return SOURCE_UNKNOWN_TABLE;
    if (strcmp(state, "42501") == 0)
        return SOURCE_AUTH;
    if (strcmp(state, "57014") == 0)
        return SOURCE_TIMEOUT;
    return SOURCE_QUERY;
}

static enum source_type pg_type(Oid oid)
{
    switch (oid) {
    case 16:
        return SRC_T_BOOLEAN;
    case 20:
    case 21:
    case 23:
        return SRC_T_INTEGER;
    case 700:
    case 701:
    case 1700:
        return SRC_T_NUMBER;
    case 1082:
        return SRC_T_DATE;
    case 1114:
    case 1184:
        return SRC_T_DATETIME;
    default:
        return SRC_T_STRING;
    }
}

/* The text without the trailing newline libpq adds. */
static void pg_message(const char *text, char *msg, size_t msg_len)
{
    snprintf(msg, msg_len, "%s", text ? text : "");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
}

static enum source_error pg_connect(struct source_conn *c, const struct source_params *p,
                                    char *msg, size_t msg_len)
{
    char port[16], timeout[16], options[160];
    snprintf(port, sizeof(port), "%d", p->port);
    snprintf(timeout, sizeof(timeout), "%d",
             p->connect_timeout_seconds < 2 ? 2 : p->connect_timeout_seconds);
    snprintf(options, sizeof(options),
             "-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO,YMD "
             "-c statement_timeout=%lld",
             p->statement_timeout_ms);
    const char *keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout",
                          "options", "application_name", "client_encoding", NULL};
    const char *vals[] = {p->host, port, p->username, p->password ? p->password : "",
                          p->database, timeout, options, "quarry", "UTF8", NULL};
    c->pg = PQconnectdbParams(keys, vals, 0);
    if (c->pg == NULL) {
        snprintf(msg, msg_len, "out of memory");
        return SOURCE_OTHER;
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        pg_message(PQerrorMessage(c->pg), msg, msg_len);
        return pg_classify_text(msg);
    }
    return SOURCE_OK;
}

static void pg_end_query(struct source_conn *c)
{
    if (c->row != NULL) {
        PQclear(c->row);
        c->row = NULL;
    }
    if (c->pg_running) {
        /* Drain what is left (a stopped read): cancel, then read to the end. */
        PGcancel *cancel = PQgetCancel(c->pg);
        char err[64];
        if (cancel != NULL) {
            PQcancel(cancel, err, sizeof(err));
            PQfreeCancel(cancel);
        }
        PGresult *r;
        while ((r = PQgetResult(c->pg)) != NULL)
            PQclear(r);
        c->pg_running = false;
    }
    clear_columns(c);
}

static enum source_error pg_result_error(const PGresult *r, char *msg, size_t msg_len)
{
    pg_message(PQresultErrorMessage(r), msg, msg_len);
    return pg_classify_state(PQresultErrorField(r, PG_DIAG_SQLSTATE));
}

static enum source_error pg_query(struct source_conn *c, const char *sql,
                                  const char *const *params, int nparams, char *msg,
                                  size_t msg_len)
{
    pg_end_query(c);
    if (!PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0)) {
        pg_message(PQerrorMessage(c->pg), msg, msg_len);
        return SOURCE_OTHER;
    }
    c->pg_running = true;
    c->row_consumed = false;
    PQsetSingleRowMode(c->pg);
    /* The first result says what the columns are (or that it failed). */
    c->row = PQgetResult(c->pg);
    if (c->row == NULL) {
        c->pg_running = false;
        snprintf(msg, msg_len, "no result");
        return SOURCE_QUERY;
    }
    ExecStatusType s = PQresultStatus(c->row);
    if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK) {
        enum source_error e = pg_result_error(c->row, msg, msg_len);
        pg_end_query(c);
        return e;
    }
    int n = PQnfields(c->row);
    if (n > SOURCE_MAX_COLUMNS) {
        pg_end_query(c);
        snprintf(msg, msg_len, "more than %d columns", SOURCE_MAX_COLUMNS);
        return SOURCE_QUERY;
    }
    for (int i = 0; i < n; i++) {
        c->names[i] = strdup(PQfname(c->row, i));
        c->types[i] = pg_type(PQftype(c->row, i));
        c->ncols = i + 1;
        if (c->names[i] == NULL) {
            snprintf(msg, msg_len, "out of memory");
            return SOURCE_OTHER;
        }
    }
    return SOURCE_OK;
}

/* Booleans as 1/0 and UTC times without their "+00": MariaDB takes both. */
static const char *pg_convert(struct source_conn *c, int i, const char *v, size_t *len)
{
    if (c->types[i] == SRC_T_BOOLEAN) {
        *len = 1;
        return v[0] == 't' ? "1" : "0";
    }
    if (c->types[i] == SRC_T_DATETIME && *len > 3 && strcmp(v + *len - 3, "+00") == 0) {
        free(c->scratch[i]);
        c->scratch[i] = strndup(v, *len - 3);
        if (c->scratch[i] == NULL)
            return v;
        *len -= 3;
        return c->scratch[i];
    }
    return v;
}

static int pg_next(struct source_conn *c, char *msg, size_t msg_len)
{
    for (;;) {
        if (c->row == NULL) {
            if (!c->pg_running)
                return 0;
            c->row = PQgetResult(c->pg);
            if (c->row == NULL) {
                c->pg_running = false;
                return 0;
            }
        }
        ExecStatusType s = PQresultStatus(c->row);
        if (s == PGRES_SINGLE_TUPLE && PQntuples(c->row) == 1) {
            for (int i = 0; i < c->ncols; i++) {
                if (PQgetisnull(c->row, 0, i)) {
                    c->values[i] = NULL;
                    c->lengths[i] = 0;
                    continue;
                }
                size_t len = (size_t)PQgetlength(c->row, 0, i);
                c->values[i] = pg_convert(c, i, PQgetvalue(c->row, 0, i), &len);
                c->lengths[i] = len;
            }
            /* Kept until the next call: the values point into it. */
            return 1;
        }
        if (s == PGRES_TUPLES_OK || s == PGRES_SINGLE_TUPLE) {
            /* The end of the rows (an empty result closes single-row mode). */
            PQclear(c->row);
            c->row = NULL;
            continue;
        }
        pg_result_error(c->row, msg, msg_len);
        PQclear(c->row);
        c->row = NULL;
        return -1;
    }
}

/* ================================================================ the API */

enum source_error source_connect(const struct source_params *p, struct source_conn **out,
                                 char *msg, size_t msg_len)
{
    struct source_conn *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL) {
        snprintf(msg, msg_len, "out of memory");
        return SOURCE_OTHER;
    }
    c->engine = p->engine;
    enum source_error e = p->engine == SOURCE_POSTGRESQL ? pg_connect(c, p, msg, msg_len)
                                                         : my_connect(c, p, msg, msg_len);
    if (e != SOURCE_OK) {
        source_close(c);
        return e;
    }
    *out = c;
    return SOURCE_OK;
}

void source_close(struct source_conn *c)
{
    if (c == NULL)
        return;
    if (c->engine == SOURCE_POSTGRESQL) {
        pg_end_query(c);
        if (c->pg)
            PQfinish(c->pg);
    } else {
        my_end_query(c);
        if (c->my)
            mysql_close(c->my);
    }
    free(c);
}

enum source_error source_query(struct source_conn *c, const char *sql, const char *const *params,
                               int nparams, char *msg, size_t msg_len)
{
    return c->engine == SOURCE_POSTGRESQL ? pg_query(c, sql, params, nparams, msg, msg_len)
                                          : my_query(c, sql, params, nparams, msg, msg_len);
}

int source_next(struct source_conn *c, const char *const **values, const size_t **lengths,
                char *msg, size_t msg_len)
{
    int rc;
    if (c->engine == SOURCE_POSTGRESQL) {
        /* The row returned last time is done with now. */
        if (c->row != NULL && c->row_consumed) {
            PQclear(c->row);
            c->row = NULL;
        }
        rc = pg_next(c, msg, msg_len);
        c->row_consumed = rc == 1;
    } else {
        rc = my_next(c, msg, msg_len);
    }
    *values = c->values;
    *lengths = c->lengths;
    return rc;
}
