/* The SQL endpoint's lexical gate (fcgi-app/common/sql_guard.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/sql_guard.h"

static char out[SQL_GUARD_MAX + 1], msg[256];

static enum sql_guard_status check(const char *sql)
{
    return sql_guard_check(sql, strlen(sql), out, msg, sizeof(msg));
}

START_TEST(test_queries_pass)
{
    const char *ok[] = {
        "SELECT 1",
        "select * from meetings where title = 'it''s; INTO \\' x' -- INTO\n",
        "WITH t AS (SELECT 1 AS x) SELECT x FROM t;",
        "(SELECT 1) UNION (SELECT 2)",
        "VALUES (1), (2)",
        "SELECT \"into\" FROM t",       /* a quoted name may be anything */
        "SELECT `load_file` FROM t",
        "SELECT a /* INTO OUTFILE */ FROM t # INTO\n",
        "SELECT `share`, lock_count FROM t",
        "SELECT SLEEP(1)",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        ck_assert_msg(check(ok[i]) == SQL_GUARD_OK, "%s: %s", ok[i], msg);
}
END_TEST

START_TEST(test_refused)
{
    const struct {
        const char *sql;
        enum sql_guard_status st;
    } bad[] = {
        {"", SQL_GUARD_EMPTY},
        {"  -- nothing\n /* x */ ;", SQL_GUARD_EMPTY},
        {"DELETE FROM t", SQL_GUARD_NOT_READ},
        {"update t set a = 1", SQL_GUARD_NOT_READ},
        {"INSERT INTO t VALUES (1)", SQL_GUARD_NOT_READ},
        {"DROP TABLE t", SQL_GUARD_NOT_READ},
        {"CREATE TABLE x (a int)", SQL_GUARD_NOT_READ},
        {"SET @a = 1", SQL_GUARD_NOT_READ},
        {"CALL p()", SQL_GUARD_NOT_READ},
        {"SHOW GRANTS", SQL_GUARD_NOT_READ},
        {"/*!50000 DROP TABLE t */ SELECT 1", SQL_GUARD_FORBIDDEN},
        {"SELECT 1 /*M!100000 , (SELECT 2) */", SQL_GUARD_FORBIDDEN},
        {"SELECT 1; DROP TABLE t", SQL_GUARD_MULTIPLE},
        {"SELECT 1; SELECT 2", SQL_GUARD_MULTIPLE},
        {"SELECT * FROM t INTO OUTFILE '/tmp/x'", SQL_GUARD_FORBIDDEN},
        {"SELECT * INTO DUMPFILE '/tmp/x' FROM t", SQL_GUARD_FORBIDDEN},
        {"SELECT 1 INTO @x", SQL_GUARD_FORBIDDEN},
        {"SELECT LOAD_FILE('/etc/passwd')", SQL_GUARD_FORBIDDEN},
        {"SELECT load_file ('/etc/passwd')", SQL_GUARD_FORBIDDEN},
        {"SELECT * FROM t FOR UPDATE", SQL_GUARD_FORBIDDEN},
        {"SELECT * FROM t LOCK IN SHARE MODE", SQL_GUARD_FORBIDDEN},
        {"SELECT GET_LOCK('x', 10)", SQL_GUARD_FORBIDDEN},
        {"SELECT * FROM mysql.user", SQL_GUARD_SYSTEM_SCHEMA},
        {"SELECT * FROM `mysql` . `user`", SQL_GUARD_SYSTEM_SCHEMA},
        {"SELECT * FROM information_schema.tables", SQL_GUARD_SYSTEM_SCHEMA},
        {"SELECT * FROM \"performance_schema\".threads", SQL_GUARD_SYSTEM_SCHEMA},
        {"SELECT * FROM sys.x", SQL_GUARD_SYSTEM_SCHEMA},
        {"SELECT 'open", SQL_GUARD_UNTERMINATED},
        {"SELECT `open", SQL_GUARD_UNTERMINATED},
        {"SELECT 1 /* open", SQL_GUARD_UNTERMINATED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(check(bad[i].sql) == bad[i].st, "%s: got %d", bad[i].sql,
                      check(bad[i].sql));
    ck_assert(msg[0] != '\0');
}
END_TEST

START_TEST(test_seed_names)
{
    ck_assert_int_eq(check("SELECT COUNT(*) as total FROM hive.default.meetings"), SQL_GUARD_OK);
    ck_assert_str_eq(out, "SELECT COUNT(*) as total FROM meetings");
    ck_assert_int_eq(check("SELECT m.a FROM default.meetings m JOIN hive . default . x ON 1;"),
                     SQL_GUARD_OK);
    ck_assert_str_eq(out, "SELECT m.a FROM meetings m JOIN x ON 1");
    ck_assert_int_eq(check("SELECT 'hive.default.t' FROM HIVE.DEFAULT.\"t\""), SQL_GUARD_OK);
    ck_assert_str_eq(out, "SELECT 'hive.default.t' FROM \"t\"");
    ck_assert_int_eq(check("SELECT a.default.b FROM t"), SQL_GUARD_OK);
    ck_assert_str_eq(out, "SELECT a.default.b FROM t");
}
END_TEST

Suite *sql_guard_suite(void)
{
    Suite *s = suite_create("sql_guard");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_queries_pass);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_seed_names);
    suite_add_tcase(s, tc);
    return s;
}
