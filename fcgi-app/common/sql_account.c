#include "common/sql_account.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/ids.h"
#include "common/log.h"

/* The user id's 32 hex digits; ids reaching here are validated UUIDs. */
static void hex_of(const char *user_id, char out[33])
{
    size_t o = 0;
    for (const char *p = user_id; *p && o < 32; p++)
        if (*p != '-')
            out[o++] = (char)(*p | 0x20);
    out[o] = '\0';
}

void sql_schema_name(const char *user_id, char out[SQL_SCHEMA_LEN + 1])
{
    char hex[33];
    hex_of(user_id, hex);
    snprintf(out, SQL_SCHEMA_LEN + 1, "qd_%s", hex);
}

void sql_account_name(const char *user_id, char out[SQL_ACCOUNT_LEN + 1])
{
    char hex[33];
    hex_of(user_id, hex);
    snprintf(out, SQL_ACCOUNT_LEN + 1, "qu_%s", hex);
}

int sql_account_password(const char *secrets_dir, const char *user_id,
                         char out[SQL_PASSWORD_LEN + 1], char *err, size_t err_len)
{
    unsigned char key[SECRET_KEY_BYTES], hash[32];
    char path[700];
    snprintf(path, sizeof(path), "%s/sql.key", secrets_dir);
    if (config_read_key(path, key, err, err_len) != 0)
        return -1;
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)user_id, strlen(user_id), key,
                       sizeof(key));
    sodium_memzero(key, sizeof(key));
    sodium_bin2hex(out, SQL_PASSWORD_LEN + 1, hash, sizeof(hash));
    return 0;
}

/* DDL takes no parameters: the statements are built from the user id's hex
 * digits and the derived hex password only. They are run once each, so they
 * go through db_exec_once (not the statement cache). */
enum db_status sql_schema_ensure(struct db *db, const char *user_id)
{
    char schema[SQL_SCHEMA_LEN + 1], sql[160];
    if (!id_is_uuid(user_id))
        return DB_ERROR;
    sql_schema_name(user_id, schema);
    snprintf(sql, sizeof(sql),
             "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
             schema);
    return db_exec_once(db, sql, DB_NO_PARAMS, NULL);
}

enum db_status sql_account_ensure(struct db *db, const char *secrets_dir, const char *user_id)
{
    char schema[SQL_SCHEMA_LEN + 1], account[SQL_ACCOUNT_LEN + 1], pw[SQL_PASSWORD_LEN + 1];
    char sql[3][400], err[256];
    enum db_status st = sql_schema_ensure(db, user_id);
    if (st != DB_OK)
        return st;
    if (sql_account_password(secrets_dir, user_id, pw, err, sizeof(err)) != 0)
        return DB_ERROR;
    sql_schema_name(user_id, schema);
    sql_account_name(user_id, account);
    snprintf(sql[0], sizeof(sql[0]), "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s'",
             account, pw);
    snprintf(sql[1], sizeof(sql[1]),
             "ALTER USER '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS %d "
             "MAX_STATEMENT_TIME %d",
             account, pw, SQL_ACCOUNT_MAX_CONNECTIONS, SQL_ACCOUNT_MAX_STATEMENT_SECONDS);
    /* '_' is a wildcard in a grant's database name: escaped, the grant
     * names this database only. */
    snprintf(sql[2], sizeof(sql[2]), "GRANT SELECT, SHOW VIEW ON `qd\\_%s`.* TO '%s'@'%%'",
             schema + 3, account);
    for (int i = 0; i < 3 && st == DB_OK; i++)
        st = db_exec_once(db, sql[i], DB_NO_PARAMS, NULL);
    sodium_memzero(pw, sizeof(pw));
    for (int i = 0; i < 3; i++)
        sodium_memzero(sql[i], sizeof(sql[i]));
    return st;
}

enum sql_connect_status sql_account_connect(const struct config *cfg, struct db *db,
                                            const char *user_id, int io_timeout_seconds,
                                            struct st_mysql **out)
{
    char account[SQL_ACCOUNT_LEN + 1], schema[SQL_SCHEMA_LEN + 1], pw[SQL_PASSWORD_LEN + 1];
    char err[256];
    unsigned int connect_timeout = 3, io = (unsigned int)io_timeout_seconds;
    enum sql_connect_status result = SQL_UNREACHABLE;
    *out = NULL;
    sql_account_name(user_id, account);
    sql_schema_name(user_id, schema);
    if (sql_account_password(cfg->secrets_dir, user_id, pw, err, sizeof(err)) != 0) {
        log_error("sql account: %s", err);
        return SQL_NOT_CONFIGURED;
    }
    const char *socket = cfg->db_socket[0] ? cfg->db_socket : NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        MYSQL *conn = mysql_init(NULL);
        if (conn == NULL)
            break;
        mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
        mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &io);
        mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &io);
        mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        mysql_options(conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
        if (mysql_real_connect(conn, socket ? NULL : cfg->db_host, account, pw, schema,
                               socket ? 0 : (unsigned int)cfg->db_port, socket, 0) != NULL) {
            *out = conn;
            result = SQL_CONNECTED;
            break;
        }
        unsigned int no = mysql_errno(conn);
        mysql_close(conn);
        /* Unknown account or database (1698: the account does not exist). */
        bool unknown = no == ER_ACCESS_DENIED_ERROR || no == ER_DBACCESS_DENIED_ERROR ||
                       no == ER_BAD_DB_ERROR || no == 1698;
        if (attempt > 0 || !unknown)
            break;
        if (sql_account_ensure(db, cfg->secrets_dir, user_id) != DB_OK) {
            log_error("sql account: cannot create it: %s", db_last_error(db));
            result = SQL_ACCOUNT_FAILED;
            break;
        }
    }
    sodium_memzero(pw, sizeof(pw));
    return result;
}

int sql_account_session(struct st_mysql *conn, int timeout_seconds, long long max_rows)
{
    char sql[300], limit[32] = "DEFAULT";
    if (max_rows > 0)
        snprintf(limit, sizeof(limit), "%lld", max_rows + 1);
    snprintf(sql, sizeof(sql),
             "SET SESSION max_statement_time = %d, sql_select_limit = %s, "
             "sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')",
             timeout_seconds, limit);
    return mysql_real_query(conn, sql, (unsigned long)strlen(sql)) != 0 ||
                   mysql_query(conn, "SET SESSION TRANSACTION READ ONLY") != 0
               ? -1
               : 0;
}
