/* SQL over the caller's datasets: POST /query and the seed's Trino paths
 * (/trino/query, health, catalogs, schemas, tables, describe).
 *
 * A query passes two gates: sql_guard (one read-only statement, no INTO,
 * LOAD_FILE, locks or system schemas; the seed's hive.default. prefix cut)
 * and then MariaDB itself, where it runs as the caller's own account
 * (sql_account.h), granted SELECT on the caller's database only, in a
 * read-only session with max_statement_time from `timeout` and
 * sql_select_limit from `max_rows`. The rows are read unbuffered
 * (mysql_use_result) and written as JSON text as they come: the result is
 * never held whole, and the server stops one row past the cap. */
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_writer.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/dataset_store.h"
#include "common/log.h"
#include "common/sql_account.h"
#include "common/sql_guard.h"

#define QUERY_ROWS_DEFAULT 1000
#define QUERY_ROWS_MAX 10000
#define QUERY_TIMEOUT_DEFAULT 30
#define QUERY_TIMEOUT_MAX 300
#define SEED_CATALOG "hive"
#define SEED_SCHEMA "default"
/* MariaDB error numbers this file tells apart. */
#define ER_STATEMENT_TIMEOUT_NO 1969

/* ------------------------------------------------------------ the account */

/* Connects as the caller's SQL account; NULL after answering. */
static MYSQL *connect_as_user(struct request *req, int timeout_seconds)
{
    MYSQL *conn = NULL;
    switch (sql_account_connect(&req->app->cfg, req->app->db, req->user.id, timeout_seconds + 10,
                                &conn)) {
    case SQL_CONNECTED:
        return conn;
    case SQL_NOT_CONFIGURED:
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "SQL is not configured", NULL);
        return NULL;
    case SQL_ACCOUNT_FAILED:
        respond_db_error(req, DB_ERROR);
        return NULL;
    default:
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "The SQL engine cannot be reached", NULL);
        return NULL;
    }
}

/* A MariaDB error as the API answers it. */
static void respond_sql_error(struct request *req, unsigned int no, const char *text,
                              int timeout_seconds)
{
    switch (no) {
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
        respond_error(req, 403, "FORBIDDEN",
                      arena_printf(req->arena, "Not allowed: you can read your own datasets only (%s)",
                                   text),
                      "sql");
        return;
    case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
        respond_error(req, 403, "FORBIDDEN", "Not allowed: SQL is read-only", "sql");
        return;
    case ER_STATEMENT_TIMEOUT_NO:
    case ER_QUERY_INTERRUPTED:
        respond_error(req, 400, "QUERY_TIMEOUT",
                      arena_printf(req->arena, "The query ran past its limit of %d s",
                                   timeout_seconds),
                      "timeout");
        return;
    case CR_SERVER_LOST:
    case CR_SERVER_GONE_ERROR:
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "The SQL engine went away", NULL);
        return;
    default:
        respond_error(req, 400, "QUERY_ERROR", arena_printf(req->arena, "%s", text), "sql");
    }
}

static bool is_numeric(enum enum_field_types type)
{
    switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_YEAR:
        return true;
    default:
        return false;
    }
}

struct query_spec {
    const char *sql; /* as sent */
    long long max_rows;
    int timeout_seconds;
    bool seed;       /* the Trino answer: status, query, error */
};

/* The statement as it runs once sql_guard passed it (in the arena), or
 * NULL after answering 403 (it writes or reads what it may not) or 400. */
static const char *guarded_sql(struct request *req, const char *sql)
{
    char msg[256];
    size_t len = strlen(sql);
    char *checked = arena_alloc(req->arena, len + 1);
    enum sql_guard_status gs = sql_guard_check(sql, len, checked, msg, sizeof(msg));
    if (gs != SQL_GUARD_OK) {
        bool forbidden = gs == SQL_GUARD_NOT_READ || gs == SQL_GUARD_FORBIDDEN ||
                         gs == SQL_GUARD_SYSTEM_SCHEMA;
        respond_error(req, forbidden ? 403 : 400, forbidden ? "FORBIDDEN" : "QUERY_ERROR",
                      arena_printf(req->arena, "%c%s", msg[0] & ~0x20, msg + 1), "sql");
        return NULL;
    }
    return checked;
}

/* Runs the query and answers. */
static void run_query(struct request *req, const struct query_spec *q)
{
    char query_id[UUID_LEN + 1];
    const char *checked = guarded_sql(req, q->sql);
    if (checked == NULL)
        return;
    double started = time_mono();
    MYSQL *conn = connect_as_user(req, q->timeout_seconds);
    if (conn == NULL)
        return;
    if (sql_account_session(conn, q->timeout_seconds, q->max_rows) != 0) {
        log_error("query: session limits: %s", mysql_error(conn));
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "The SQL engine refused the session", NULL);
        mysql_close(conn);
        return;
    }
    if (mysql_real_query(conn, checked, (unsigned long)strlen(checked)) != 0) {
        respond_sql_error(req, mysql_errno(conn), mysql_error(conn), q->timeout_seconds);
        mysql_close(conn);
        return;
    }
    MYSQL_RES *res = mysql_use_result(conn);
    if (res == NULL) {
        if (mysql_errno(conn) != 0)
            respond_sql_error(req, mysql_errno(conn), mysql_error(conn), q->timeout_seconds);
        else
            respond_error(req, 400, "QUERY_ERROR", "The statement returns no rows", "sql");
        mysql_close(conn);
        return;
    }
    unsigned int ncols = mysql_num_fields(res);
    MYSQL_FIELD *fields = mysql_fetch_fields(res);
    struct jsonw w;
    jsonw_init(&w, req->arena, 4096);
    id_uuid4(query_id);
    jsonw_open_object(&w);
    if (q->seed) {
        jsonw_field_string(&w, "status", "ok");
        jsonw_key(&w, "query");
        jsonw_string_bytes(&w, q->sql, strlen(q->sql));
    }
    jsonw_key(&w, "columns");
    jsonw_open_array(&w);
    for (unsigned int i = 0; i < ncols; i++)
        jsonw_string_bytes(&w, fields[i].name, strlen(fields[i].name));
    jsonw_close_array(&w);
    jsonw_key(&w, "data");
    jsonw_open_array(&w);
    long long n = 0;
    bool truncated = false;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (n == q->max_rows) {
            truncated = true;
            break;
        }
        unsigned long *lengths = mysql_fetch_lengths(res);
        jsonw_open_array(&w);
        for (unsigned int i = 0; i < ncols; i++) {
            if (row[i] == NULL)
                jsonw_null(&w);
            else if (is_numeric(fields[i].type))
                jsonw_raw(&w, row[i], lengths[i]);
            else
                jsonw_string_bytes(&w, row[i], lengths[i]);
        }
        jsonw_close_array(&w);
        n++;
    }
    unsigned int no = truncated ? 0 : mysql_errno(conn);
    if (no != 0) {
        respond_sql_error(req, no, mysql_error(conn), q->timeout_seconds);
        mysql_free_result(res);
        mysql_close(conn);
        return;
    }
    /* Closing drops what the server still sends (at most one row: the limit). */
    mysql_free_result(res);
    mysql_close(conn);
    double ms = (time_mono() - started) * 1000.0;
    char ms_text[64];
    int ms_len = snprintf(ms_text, sizeof(ms_text), "%.1f", ms);
    jsonw_close_array(&w);
    jsonw_field_int(&w, "rows_returned", n);
    jsonw_key(&w, "truncated");
    jsonw_raw(&w, truncated ? "true" : "false", truncated ? 4 : 5);
    /* One decimal (jsonw_double would write 17 digits). */
    jsonw_key(&w, "execution_time_ms");
    jsonw_raw(&w, ms_text, (size_t)ms_len);
    jsonw_field_string(&w, "query_id", query_id);
    if (q->seed) {
        jsonw_key(&w, "error");
        jsonw_null(&w);
    }
    jsonw_close_object(&w);
    log_info("query %s: %lld rows in %.1f ms%s", query_id, n, ms, truncated ? " (capped)" : "");
    respond_written(req, 200, &w);
}

/* ------------------------------------------------------------ endpoints */

enum { Q_SQL, Q_MAX_ROWS, Q_TIMEOUT, Q_CATALOG, Q_SCHEMA, Q_OUTPUT, Q__MAX };
static const struct field_spec query_fields[Q__MAX] = {
    [Q_SQL] = {"sql", FIELD_STRING, true, 1, SQL_GUARD_MAX},
    [Q_MAX_ROWS] = {"max_rows", FIELD_INT, false, 1, QUERY_ROWS_MAX},
    [Q_TIMEOUT] = {"timeout", FIELD_INT, false, 1, QUERY_TIMEOUT_MAX},
    [Q_CATALOG] = {"catalog", FIELD_STRING, false, 1, 64},
    [Q_SCHEMA] = {"schema", FIELD_STRING, false, 1, 64},
    [Q_OUTPUT] = {"output_format", FIELD_STRING, false, 1, 16},
};

/* A result too large for an answer: exported by quarry-process to a file
 * (output_format csv, jsonl, json, parquet when available), after the same
 * gate; answers 202 with the job (its download once COMPLETED). */
static void export_query(struct request *req, const char *sql, const char *format, int timeout)
{
    if (guarded_sql(req, sql) == NULL)
        return;
    json_object *config = json_object_new_object();
    json_object_object_add(config, "sql", json_object_new_string(sql));
    json_object_object_add(config, "format", json_object_new_string(format));
    json_object_object_add(config, "timeout", json_object_new_int(timeout));
    export_queue(req, NULL, config);
}

/* catalog and schema name the caller's datasets, or nothing at all. */
static int check_namespace(struct request *req, json_object *catalog, json_object *schema)
{
    if (catalog && strcmp(json_object_get_string(catalog), SEED_CATALOG) != 0) {
        respond_error(req, 404, "CATALOG_NOT_FOUND", "Catalog not found: use \"hive\"", "catalog");
        return -1;
    }
    if (schema && strcmp(json_object_get_string(schema), SEED_SCHEMA) != 0) {
        respond_error(req, 404, "SCHEMA_NOT_FOUND", "Schema not found: use \"default\"", "schema");
        return -1;
    }
    return 0;
}

static void query_endpoint(struct request *req, bool seed)
{
    json_object *body = NULL, *v[Q__MAX];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, query_fields, Q__MAX, v) == 0 &&
        check_namespace(req, v[Q_CATALOG], v[Q_SCHEMA]) == 0) {
        const char *format = NULL;
        if (v[Q_OUTPUT] != NULL && strcmp(json_object_get_string(v[Q_OUTPUT]), "json") != 0) {
            format = export_format(req, "output_format", json_object_get_string(v[Q_OUTPUT]));
            if (format != NULL)
                export_query(req, json_object_get_string(v[Q_SQL]), format,
                             v[Q_TIMEOUT] ? (int)json_object_get_int64(v[Q_TIMEOUT])
                                          : req->app->cfg.job_timeout_seconds > 0
                                                ? (int)req->app->cfg.job_timeout_seconds
                                                : 3600);
            json_object_put(body);
            return;
        }
        struct query_spec q = {
            .sql = json_object_get_string(v[Q_SQL]),
            .max_rows = v[Q_MAX_ROWS] ? json_object_get_int64(v[Q_MAX_ROWS]) : QUERY_ROWS_DEFAULT,
            .timeout_seconds = v[Q_TIMEOUT] ? (int)json_object_get_int64(v[Q_TIMEOUT])
                                            : QUERY_TIMEOUT_DEFAULT,
            .seed = seed,
        };
        run_query(req, &q);
    }
    json_object_put(body);
}

void query_run(struct request *req)
{
    query_endpoint(req, false);
}

void trino_query(struct request *req)
{
    query_endpoint(req, true);
}

void trino_health(struct request *req)
{
    MYSQL *conn = connect_as_user(req, 5);
    if (conn == NULL)
        return;
    bool up = mysql_query(conn, "SELECT 1") == 0;
    MYSQL_RES *res = up ? mysql_store_result(conn) : NULL;
    if (res)
        mysql_free_result(res);
    mysql_close(conn);
    if (!up) {
        respond_error(req, 503, "SERVICE_UNAVAILABLE", "The SQL engine does not answer", NULL);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "message", json_object_new_string("SQL engine is reachable"));
    json_object_object_add(o, "catalogs_count", json_object_new_int(1));
    respond_json_put(req, 200, o);
}

void trino_catalogs(struct request *req)
{
    json_object *o = json_object_new_object(), *list = json_object_new_array(),
                *c = json_object_new_object();
    json_object_object_add(c, "catalog_name", json_object_new_string(SEED_CATALOG));
    json_object_object_add(c, "connector_name", json_object_new_string("mariadb"));
    json_object_array_add(list, c);
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "catalogs", list);
    respond_json_put(req, 200, o);
}

enum { NS_CATALOG, NS_SCHEMA, NS__MAX };
static const struct field_spec ns_query[NS__MAX] = {
    [NS_CATALOG] = {"catalog", FIELD_STRING, false, 1, 64},
    [NS_SCHEMA] = {"schema", FIELD_STRING, false, 1, 64},
};

void trino_schemas(struct request *req)
{
    json_object *v[NS__MAX];
    if (request_query(req, ns_query, NS__MAX, v, NULL) != 0 ||
        check_namespace(req, v[NS_CATALOG], v[NS_SCHEMA]) != 0)
        return;
    json_object *o = json_object_new_object(), *list = json_object_new_array(),
                *s = json_object_new_object();
    json_object_object_add(s, "catalog", json_object_new_string(SEED_CATALOG));
    json_object_object_add(s, "schema", json_object_new_string(SEED_SCHEMA));
    json_object_array_add(list, s);
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "catalog", json_object_new_string(SEED_CATALOG));
    json_object_object_add(o, "schemas", list);
    respond_json_put(req, 200, o);
}

static void add_table(void *ctx, const struct dataset_row *d)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "catalog", json_object_new_string(SEED_CATALOG));
    json_object_object_add(t, "schema", json_object_new_string(SEED_SCHEMA));
    json_object_object_add(t, "table", json_object_new_string(d->name));
    json_object_object_add(t, "table_type", json_object_new_string("BASE TABLE"));
    json_object_array_add(ctx, t);
}

void trino_tables(struct request *req)
{
    json_object *v[NS__MAX];
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (request_query(req, ns_query, NS__MAX, v, &page) != 0 ||
        check_namespace(req, v[NS_CATALOG], v[NS_SCHEMA]) != 0)
        return;
    json_object *list = json_object_new_array();
    enum db_status st = dataset_list(req->app->db, req->arena, req->user.id, page.skip,
                                     page.limit, page.after, add_table, list, &total, &next);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "catalog", json_object_new_string(SEED_CATALOG));
    json_object_object_add(o, "schema", json_object_new_string(SEED_SCHEMA));
    json_object_object_add(o, "tables", list);
    respond_next(req, next);
    respond_list(req, st, o, total);
}

/* The SQL type names Trino clients expect. */
static const char *trino_type(const char *type)
{
    static const char *const map[][2] = {
        {"string", "varchar"}, {"integer", "bigint"}, {"number", "double"},
        {"boolean", "boolean"}, {"date", "date"},     {"datetime", "timestamp(6)"},
        {"object", "json"},    {"array", "json"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return "varchar";
}

void trino_describe(struct request *req)
{
    json_object *v[NS__MAX];
    struct dataset_row d;
    if (request_query(req, ns_query, NS__MAX, v, NULL) != 0 ||
        check_namespace(req, v[NS_CATALOG], v[NS_SCHEMA]) != 0)
        return;
    if (dataset_load_named(req, req->params[0], "TABLE_NOT_FOUND", &d) != 0)
        return;
    struct dataset_column *cols;
    int ncols = dataset_columns_read(req->arena, d.columns, &cols);
    json_object *out = json_object_new_array();
    for (int i = 0; i < ncols; i++) {
        json_object *col = json_object_new_object();
        json_object_object_add(col, "name", json_object_new_string(cols[i].name));
        json_object_object_add(col, "type", json_object_new_string(trino_type(cols[i].type)));
        json_object_array_add(out, col);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "catalog", json_object_new_string(SEED_CATALOG));
    json_object_object_add(o, "schema", json_object_new_string(SEED_SCHEMA));
    json_object_object_add(o, "table", json_object_new_string(d.name));
    json_object_object_add(o, "columns", out);
    respond_json_put(req, 200, o);
}

/* ------------------------------------------------------------ docs */

static const char query_description[] =
    "One read-only statement over the caller's datasets (a table is a dataset's name; the "
    "hive.default. prefix is taken), run as the caller's own database account in a read-only "
    "session. At most max_rows rows (default 1000; truncated says the cap cut it) within "
    "timeout seconds (default 30). A statement that writes or reads outside the caller's "
    "datasets is a 403, a wrong one or one past its time a 400. An output_format other than "
    "json (csv, jsonl or parquet) exports the whole result to a file instead: 202 with its "
    "job, downloadable once COMPLETED.";

const struct route_doc query_run_doc = {
    .handler = query_run,
    .summary = "Run SQL over the caller's datasets",
    .description = query_description,
    .status = 200,
    .answer = "QueryResult",
    .answers = "202:Job 400 403 404",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, query_fields, Q__MAX}},
    .example = "{\"sql\":\"SELECT 1 AS one\",\"max_rows\":100,\"timeout\":30}",
};

const struct route_doc trino_query_doc = {
    .handler = trino_query,
    .summary = "Run SQL over the caller's datasets (the Trino seed's answer)",
    .description = query_description,
    .status = 200,
    .answer = "TrinoQueryResult",
    .answers = "202:Job 400 403 404",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, query_fields, Q__MAX}},
    .example = "{\"sql\":\"SELECT 1 AS one\",\"catalog\":\"hive\",\"schema\":\"default\"}",
};

const struct route_doc trino_health_doc = {
    .handler = trino_health,
    .summary = "Whether the SQL engine answers the caller's account",
    .status = 200,
    .answer = "TrinoHealth",
};

const struct route_doc trino_catalogs_doc = {
    .handler = trino_catalogs,
    .summary = "The catalogs: hive, the caller's datasets",
    .status = 200,
    .answer = "TrinoCatalogs",
};

const struct route_doc trino_schemas_doc = {
    .handler = trino_schemas,
    .summary = "The schemas of the catalog: default",
    .status = 200,
    .answer = "TrinoSchemas",
    .answers = "404",
    .query = ns_query,
    .nquery = NS__MAX,
};

const struct route_doc trino_tables_doc = {
    .handler = trino_tables,
    .summary = "The caller's tables (datasets)",
    .status = 200,
    .answer = "TrinoTables",
    .answers = "404",
    .query = ns_query,
    .nquery = NS__MAX,
    .paged = true,
};

const struct route_doc trino_describe_doc = {
    .handler = trino_describe,
    .summary = "A table's columns and their SQL types",
    .status = 200,
    .answer = "TrinoTableDescription",
    .query = ns_query,
    .nquery = NS__MAX,
};
