"""SQL over a user's datasets (POST /query, the seed's /trino/ paths): it
runs as the user's own MariaDB account, which can read the user's database
only; every refused case answers a clear 4xx."""

import time

from quarry_client import assert_error_shape


def make_dataset(stack, client, tok, name="meetings", rows=50):
    st, _, ds = client.api("POST", "/datasets", json={
        "name": name, "record_key_field": "meeting_id",
        "schema": {"meeting_id": "string", "meeting_title": "string",
                   "estimated_total_cost": "number", "team": "string"}}, token=tok)
    assert st == 201, ds
    values = ",".join("('m-%03d', 'Meeting \"%d\"\\n', %d.5, 'team-%d')" % (i, i, i, i % 3)
                      for i in range(rows))
    stack.sql("INSERT INTO `%s`.`%s` VALUES %s" % (ds["schema_name"], name, values))
    return ds


def test_query_and_seed_shapes(stack, client):
    tok = client.register_and_login()["token"]
    make_dataset(stack, client, tok)
    st, _, res = client.api("POST", "/query", json={
        "sql": "SELECT team, COUNT(*) AS n, SUM(estimated_total_cost) AS cost FROM meetings"
               " GROUP BY team ORDER BY team"}, token=tok)
    assert st == 200, res
    assert res["columns"] == ["team", "n", "cost"]
    assert res["data"] == [["team-0", 17, 416.5], ["team-1", 17, 433.5], ["team-2", 16, 400]]
    assert res["rows_returned"] == 3 and res["truncated"] is False and res["query_id"]

    # The seed's Trino paths and names.
    st, _, res = client.api("POST", "/trino/query", json={
        "sql": "SELECT meeting_id, meeting_title, estimated_total_cost FROM hive.default.meetings"
               " ORDER BY meeting_id LIMIT 10", "catalog": "hive", "schema": "default"},
        token=tok)
    assert st == 200, res
    assert res["status"] == "ok" and res["error"] is None and res["rows_returned"] == 10
    assert res["data"][1] == ["m-001", 'Meeting "1"\n', 1.5]
    assert res["query"].startswith("SELECT meeting_id")
    st, _, res = client.api("POST", "/trino/query", json={
        "sql": "SELECT COUNT(*) as total FROM hive.default.meetings", "max_rows": 10}, token=tok)
    assert st == 200 and res["data"] == [[50]], res
    st, _, res = client.api("GET", "/trino/health", token=tok)
    assert st == 200 and res["status"] == "ok" and res["catalogs_count"] == 1
    st, _, res = client.api("GET", "/trino/catalogs", token=tok)
    assert res["catalogs"][0]["catalog_name"] == "hive"
    st, _, res = client.api("GET", "/trino/schemas?catalog=hive", token=tok)
    assert res["schemas"] == [{"catalog": "hive", "schema": "default"}]
    st, _, res = client.api("GET", "/trino/tables?catalog=hive&schema=default", token=tok)
    assert st == 200 and res["tables"] == [{"catalog": "hive", "schema": "default",
                                            "table": "meetings", "table_type": "BASE TABLE"}]
    st, _, res = client.api("GET", "/trino/table/meetings/describe?catalog=hive&schema=default",
                            token=tok)
    assert st == 200 and res["columns"][:3] == [
        {"name": "meeting_id", "type": "varchar"}, {"name": "meeting_title", "type": "varchar"},
        {"name": "estimated_total_cost", "type": "double"}], res
    st, _, res = client.api("GET", "/trino/tables?catalog=other&schema=default", token=tok)
    assert st == 404
    st, _, res = client.api("GET", "/trino/table/nope/describe", token=tok)
    assert st == 404
    assert_error_shape(res, "TABLE_NOT_FOUND")
    st, _, res = client.api("GET", "/hudi/table/nope", token=tok)
    assert st == 404
    assert_error_shape(res, "DATASET_NOT_FOUND")

    # The row cap: at most max_rows come back, and the answer says so.
    st, _, res = client.api("POST", "/query", json={"sql": "SELECT * FROM meetings",
                                                    "max_rows": 7}, token=tok)
    assert st == 200 and res["rows_returned"] == 7 and res["truncated"] is True
    # A user with no datasets yet has an (empty) database of their own.
    fresh = client.register_and_login()["token"]
    st, _, res = client.api("POST", "/query", json={"sql": "SELECT 1 AS one"}, token=fresh)
    assert st == 200 and res["data"] == [[1]], res


def test_every_refused_sql(stack, client):
    alice = client.register_and_login()["token"]
    bob = client.register_and_login()["token"]
    mine = make_dataset(stack, client, alice)
    theirs = make_dataset(stack, client, bob, name="secrets")
    other = "`%s`.`secrets`" % theirs["schema_name"]
    cases = [
        # Another user's dataset: the grant refuses it.
        ("SELECT * FROM %s" % other, 403, "FORBIDDEN"),
        ("SELECT (SELECT COUNT(*) FROM %s)" % other, 403, "FORBIDDEN"),
        # Writes and DDL.
        ("DELETE FROM meetings", 403, "FORBIDDEN"),
        ("UPDATE meetings SET team = 'x'", 403, "FORBIDDEN"),
        ("INSERT INTO meetings (meeting_id) VALUES ('x')", 403, "FORBIDDEN"),
        ("DROP TABLE meetings", 403, "FORBIDDEN"),
        ("CREATE TABLE x (a int)", 403, "FORBIDDEN"),
        ("TRUNCATE meetings", 403, "FORBIDDEN"),
        ("GRANT SELECT ON *.* TO 'x'", 403, "FORBIDDEN"),
        ("SET GLOBAL max_connections = 1", 403, "FORBIDDEN"),
        ("/*!99999 DROP TABLE meetings */ SELECT 1", 403, "FORBIDDEN"),
        # System tables.
        ("SELECT * FROM mysql.user", 403, "FORBIDDEN"),
        ("SELECT * FROM information_schema.TABLES", 403, "FORBIDDEN"),
        ("SELECT * FROM performance_schema.threads", 403, "FORBIDDEN"),
        # Files and locks.
        ("SELECT LOAD_FILE('/etc/passwd')", 403, "FORBIDDEN"),
        ("SELECT * FROM meetings INTO OUTFILE '/tmp/quarry-leak'", 403, "FORBIDDEN"),
        ("SELECT * FROM meetings INTO DUMPFILE '/tmp/quarry-leak'", 403, "FORBIDDEN"),
        ("SELECT * FROM meetings FOR UPDATE", 403, "FORBIDDEN"),
        ("SELECT GET_LOCK('quarry', 5)", 403, "FORBIDDEN"),
        # More than one statement, nothing, malformed.
        ("SELECT 1; DROP TABLE meetings", 400, "QUERY_ERROR"),
        ("  ", 400, "QUERY_ERROR"),
        ("SELECT 'unclosed", 400, "QUERY_ERROR"),
        ("SELECT FROM WHERE", 400, "QUERY_ERROR"),
        ("SELECT * FROM no_such_table", 400, "QUERY_ERROR"),
    ]
    for sql, status, code in cases:
        st, _, body = client.api("POST", "/query", json={"sql": sql}, token=alice)
        assert st == status, (sql, body)
        assert assert_error_shape(body, code)["field"] == "sql", (sql, body)
    # A sleep past the limit is stopped by the server at the limit.
    started = time.monotonic()
    st, _, body = client.api("POST", "/query", json={"sql": "SELECT SLEEP(30)", "timeout": 1},
                             token=alice)
    assert st == 400, body
    assert_error_shape(body, "QUERY_TIMEOUT")
    assert time.monotonic() - started < 10
    for payload, field in (({"sql": "SELECT 1", "timeout": 0}, "timeout"),
                           ({"sql": "SELECT 1", "timeout": 301}, "timeout"),
                           ({"sql": "SELECT 1", "max_rows": 0}, "max_rows"),
                           ({"sql": "SELECT 1", "max_rows": 10001}, "max_rows"),
                           ({}, "sql")):
        st, _, body = client.api("POST", "/query", json=payload, token=alice)
        assert st == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == field
    st, _, body = client.api("POST", "/trino/query", json={"sql": "SELECT 1", "catalog": "x"},
                             token=alice)
    assert st == 404
    st, _, body = client.api("POST", "/query", json={"sql": "SELECT 1"})
    assert st == 401
    # Nothing changed, nothing leaked.
    assert stack.sql("SELECT COUNT(*) FROM `%s`.meetings" % mine["schema_name"]) == [["50"]]
    assert stack.sql("SELECT COUNT(*) FROM `%s`.secrets" % theirs["schema_name"]) == [["50"]]
