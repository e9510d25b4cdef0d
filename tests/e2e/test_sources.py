"""Sources: stored connections to a real PostgreSQL and a real second
MariaDB (source_servers.py), tested and read through quarry-process; the
seed's /mongo/credentials, /mongo/read and /schema/generate shapes."""

import socket

from quarry_client import assert_error_shape, walk_pages
from source_servers import PASSWORD, mariadb_source, pg_source  # noqa: F401 (fixtures)


def seed_tables(server):
    if server.engine == "postgresql":
        server.sql("DROP TABLE IF EXISTS meetings;"
                   "CREATE TABLE meetings (id int PRIMARY KEY, title text NOT NULL,"
                   " cost numeric(10,2), active boolean, created timestamptz NOT NULL);"
                   "INSERT INTO meetings SELECT g, 'meeting ' || g, g * 1.5, g % 2 = 0,"
                   " TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '1 minute'"
                   " FROM generate_series(1, 30) g;")
    else:
        server.sql("DROP TABLE IF EXISTS meetings;"
                   "CREATE TABLE meetings (id int PRIMARY KEY, title text NOT NULL,"
                   " cost decimal(10,2), active boolean, created datetime(3) NOT NULL);"
                   "INSERT INTO meetings SELECT seq, CONCAT('meeting ', seq), seq * 1.5,"
                   " seq % 2 = 0, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq MINUTE"
                   " FROM seq_1_to_30;")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_sources_crud_test_and_read(stack, client, pg_source, mariadb_source):
    user = client.register_and_login()
    tok = user["token"]
    seed_tables(pg_source)
    seed_tables(mariadb_source)

    # A URI, and the same by fields.
    st, _, pg = client.api("POST", "/sources", json={"name": "pg", "uri": pg_source.uri()},
                           token=tok)
    assert st == 201, pg
    assert pg["engine"] == "postgresql" and pg["port"] == pg_source.port
    assert pg["has_password"] is True and "password" not in pg
    st, _, my = client.api("POST", "/sources", json={
        "name": "maria", "engine": "mariadb", "host": "127.0.0.1", "port": mariadb_source.port,
        "username": "quarry_src", "password": PASSWORD, "database": "shop",
        "table": "meetings"}, token=tok)
    assert st == 201, my
    st, _, body = client.api("POST", "/sources", json={"name": "pg", "uri": pg_source.uri()},
                             token=tok)
    assert st == 409
    assert_error_shape(body, "CONFLICT")

    # The password is sealed at rest, never the text itself.
    rows = stack.sql("SELECT password_key_id, password_box FROM sources WHERE id = '%s'" % pg["id"])
    assert len(rows[0][0]) == 16 and PASSWORD not in rows[0][1]

    st, headers, listed = client.api("GET", "/sources", token=tok)
    assert st == 200 and headers["X-Total-Count"] == "2"
    assert all("password" not in s for s in listed)
    st, _, got = client.api("GET", "/sources/%s" % my["id"], token=tok)
    assert st == 200 and got["table"] == "meetings"

    for src in (pg, my):
        st, _, res = client.api("POST", "/sources/%s/test" % src["id"], token=tok)
        assert st == 200 and res["ok"] is True, res

        st, _, res = client.api("POST", "/sources/%s/read" % src["id"],
                                json={"table": "meetings", "limit": 5}, token=tok)
        assert st == 200, res
        assert res["count"] == 5 and len(res["data"]) == 5
        row = res["data"][0]
        assert isinstance(row["id"], int) and isinstance(row["title"], str)
        assert isinstance(row["active"], bool)
        assert row["created"].startswith("2026-01-01 00:0")
        types = {c["name"]: c["type"] for c in res["columns"]}
        assert types["id"] == "integer" and types["cost"] == "number"
        assert types["created"] == "datetime"

        st, _, res = client.api("POST", "/sources/%s/read" % src["id"],
                                json={"table": "meetings", "where": {"id": 7}}, token=tok)
        assert st == 200 and [r["title"] for r in res["data"]] == ["meeting 7"], res
        st, _, res = client.api("POST", "/sources/%s/read" % src["id"],
                                json={"sql": "SELECT count(*) AS n FROM meetings"}, token=tok)
        assert st == 200 and res["data"] == [{"n": 30}], res

        st, _, res = client.api("POST", "/sources/%s/read" % src["id"],
                                json={"table": "no_such_table"}, token=tok)
        assert st == 422, res
        assert_error_shape(res, "SOURCE_QUERY_FAILED")
        st, _, res = client.api("POST", "/sources/%s/read" % src["id"],
                                json={"table": "meetings; DROP TABLE meetings"}, token=tok)
        assert st == 422
        assert_error_shape(res, "VALIDATION_ERROR")

    # The source is read-only: a write through a read is refused by the server.
    st, _, res = client.api("POST", "/sources/%s/read" % pg["id"],
                            json={"sql": "DELETE FROM meetings RETURNING id"}, token=tok)
    assert st == 422, res
    assert pg_source.sql("SELECT count(*) FROM meetings") == [["30"]]

    # Someone else's source: 403; an unknown one: 404.
    other = client.register_and_login()
    st, _, body = client.api("POST", "/sources/%s/test" % pg["id"], token=other["token"])
    assert st == 403
    assert_error_shape(body, "FORBIDDEN")
    st, _, body = client.api("GET", "/sources/00000000-0000-4000-8000-000000000000", token=tok)
    assert st == 404
    assert_error_shape(body, "SOURCE_NOT_FOUND")

    st, _, _ = client.api("DELETE", "/sources/%s" % my["id"], token=tok)
    assert st == 204
    st, _, _ = client.api("GET", "/sources/%s" % my["id"], token=tok)
    assert st == 404


def test_source_test_says_why(client, pg_source, mariadb_source):
    tok = client.register_and_login()["token"]
    cases = [
        (pg_source.uri(password="wrong"), "auth"),
        (pg_source.uri(database="nope"), "unknown_database"),
        (mariadb_source.uri(password="wrong"), "auth"),
        (mariadb_source.uri(database="nope"), "auth"),
        ("postgresql://u:p@127.0.0.1:%d/shop" % closed_port(), "refused"),
        ("mariadb://u:p@127.0.0.1:%d/shop" % closed_port(), "refused"),
    ]
    for i, (uri, reason) in enumerate(cases):
        st, _, src = client.api("POST", "/sources", json={"name": "s%d" % i, "uri": uri},
                                token=tok)
        assert st == 201, src
        st, _, res = client.api("POST", "/sources/%s/test" % src["id"], token=tok)
        assert st == 200 and res["ok"] is False, (uri, res)
        assert res["reason"] == reason, (uri, res)
        assert "wrong" not in res["message"]
    # A MariaDB account with rights on the server but a missing database.
    mariadb_source.root_sql("GRANT ALL ON *.* TO 'quarry_src'@'%'")
    st, _, src = client.api("POST", "/sources", json={
        "name": "nodb", "uri": mariadb_source.uri(database="nope")}, token=tok)
    st, _, res = client.api("POST", "/sources/%s/test" % src["id"], token=tok)
    mariadb_source.root_sql("REVOKE ALL ON *.* FROM 'quarry_src'@'%'")
    assert res["ok"] is False and res["reason"] == "unknown_database", res


def test_source_validation(client):
    tok = client.register_and_login()["token"]
    bad = [
        ({"uri": "mongodb://localhost:27017/test_db"}, "uri"),
        ({"mongo_uri": "mongodb+srv://x.example.com/db"}, "mongo_uri"),
        ({"uri": "ftp://host/db"}, "uri"),
        ({"uri": "postgresql://u:p@host:99999/db"}, "uri"),
        ({"uri": "postgresql://u:p@/db"}, "uri"),
        ({"engine": "oracle", "host": "h", "username": "u", "database": "d"}, "engine"),
        ({"engine": "mariadb", "host": "h; rm", "username": "u", "database": "d"}, "host"),
        ({"engine": "mariadb", "host": "h", "database": "d"}, "username"),
        ({"engine": "mariadb", "host": "h", "username": "u"}, "database"),
        ({"engine": "mariadb", "host": "h", "username": "u", "database": "d", "port": 0}, "port"),
        ({"uri": "mariadb://u:p@h/d", "table": "a b"}, "table"),
        ({"uri": "mariadb://u:p@h/d", "name": "bad name"}, "name"),
    ]
    for payload, field in bad:
        st, _, body = client.api("POST", "/sources", json=payload, token=tok)
        assert st == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)
    st, _, body = client.api("GET", "/sources")
    assert st == 401


def test_read_refusals(client):
    """What a read may not ask (each a 422 naming its field, before any
    connection): no table, a bad table or collection name, a filter with
    operators or lists."""
    tok = client.register_and_login()["token"]
    st, _, src = client.api("POST", "/sources", json={
        "uri": "postgresql://u:p@127.0.0.1:5432/shop"}, token=tok)
    assert st == 201 and src["table"] is None, src
    bad = [
        ({}, "table"),
        ({"collection": "a b"}, "collection"),
        ({"table": "a b", "collection": "ok"}, "table"),
        ({"table": "t", "where": {"n": [1]}}, "where"),
        ({"table": "t", "query": {"n": {"$gt": 1}}}, "query"),
        ({"table": "t", "where": {"bad name": 1}}, "where"),
    ]
    for payload, field in bad:
        st, _, body = client.api("POST", "/sources/%s/read" % src["id"], json=payload, token=tok)
        assert st == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)
        st, _, body = client.api("POST", "/mongo/read", json=dict(payload, source_id=src["id"]),
                                 token=tok)
        assert st == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)
    st, _, body = client.api("POST", "/schema/generate", json={
        "source_id": src["id"], "collection": "a b"}, token=tok)
    assert st == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == "collection"


def test_seed_mongo_shapes(client, pg_source):
    tok = client.register_and_login()["token"]
    seed_tables(pg_source)
    st, _, body = client.api("POST", "/mongo/read", json={"collection": "meetings"}, token=tok)
    assert st == 404
    assert_error_shape(body, "SOURCE_NOT_FOUND")
    st, _, body = client.api("POST", "/mongo/credentials", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings"}, token=tok)
    assert st == 200 and body["status"] == "ok" and body["user_id"], body
    # Stored again: the same source, replaced.
    st, _, again = client.api("POST", "/mongo/credentials", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings"}, token=tok)
    assert again["source_id"] == body["source_id"]
    st, _, body = client.api("POST", "/mongo/read", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings",
        "query": {"active": True}, "limit": 10}, token=tok)
    assert st == 200 and body["status"] == "ok" and body["count"] == 10, body
    assert all(r["active"] is True for r in body["data"])
    st, _, body = client.api("POST", "/schema/generate", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings",
        "sample_size": 100, "include_constraints": True}, token=tok)
    assert st == 200 and body["status"] == "ok", body
    assert body["schema"]["id"]["type"] == "integer"
    assert body["schema"]["title"]["nullable"] is False
    assert body["summary"]["total_fields"] == 5
    assert body["sample_info"]["rows_analyzed"] == 30
    assert body["sample_info"]["collection"] == "meetings"
    assert body["sample_info"]["database"] == "shop"
    st, _, body = client.api("POST", "/mongo/read", json={
        "mongo_uri": "mongodb://localhost:27017/test_db", "collection": "meetings"}, token=tok)
    assert st == 422
    assert_error_shape(body, "VALIDATION_ERROR")
    st, _, body = client.api("POST", "/mongo/read", json={
        "collection": "meetings", "query": {"cost": {"$gt": 5}}}, token=tok)
    assert st == 422


def test_source_key_id_matches_rows(stack, client, pg_source):
    tok = client.register_and_login()["token"]
    st, _, src = client.api("POST", "/sources", json={"name": "k", "uri": pg_source.uri()},
                            token=tok)
    assert st == 201
    key_id = stack.quarry("source-key-id").stdout.strip()
    assert src["password_key_id"] == key_id


def test_sources_page_by_cursor(stack, client):
    """Following Link rel=next lists each source once, in skip's order,
    ties of created_at included."""
    tok = client.register_and_login()["token"]
    uri = "mariadb://walker:walker-password@127.0.0.1:%d/shop" % closed_port()
    made = []
    for i in range(5):
        st, _, src = client.api("POST", "/sources", json={"name": "walk-%d" % i, "uri": uri},
                                token=tok)
        assert st == 201, src
        made.append(src["id"])
    stack.sql("UPDATE sources SET created_at = '2026-01-01 00:00:00.000' WHERE id IN (%s)"
              % ",".join("'%s'" % i for i in made[1:4]))
    items, pages, _ = walk_pages(client, tok, "/sources?limit=2", lambda b: [s["id"] for s in b],
                                 total=5)
    assert pages == 3 and len(items) == 5 and set(items) == set(made)
    by_skip = []
    for skip in (0, 2, 4):
        st, _, body = client.api("GET", "/sources?skip=%d&limit=2" % skip, token=tok)
        assert st == 200, body
        by_skip += [s["id"] for s in body]
    assert by_skip == items
    st, _, err = client.api("GET", "/sources?after=bm9wZQ", token=tok)
    assert st == 422 and err["error"]["field"] == "after"
