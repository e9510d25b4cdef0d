"""Datasets: tables Quarry owns (one MariaDB database per user), created
natively and through the seed's /hudi/ paths, loaded from a real PostgreSQL
and a real MariaDB (source_servers.py) in append, upsert and overwrite
modes, with the commit timeline."""

import time

from quarry_client import assert_error_shape, wait_for, walk_pages
from source_servers import mariadb_source, pg_source  # noqa: F401 (fixtures)


def new_user(client):
    return client.register_and_login()["token"]


def add_source(client, tok, server, name="src"):
    st, _, src = client.api("POST", "/sources", json={"name": name, "uri": server.uri()},
                            token=tok)
    assert st == 201, src
    return src


def wait_job(client, tok, job_id, timeout=60):
    def done():
        st, _, job = client.api("GET", "/jobs/%s" % job_id, token=tok)
        assert st == 200, job
        return job if job["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None
    job = wait_for(done, timeout=timeout, interval=0.2)
    assert job, "job %s did not end" % job_id
    return job


def load(client, tok, ds_id, body, expect="COMPLETED"):
    st, _, job = client.api("POST", "/datasets/%s/load" % ds_id, json=body, token=tok)
    assert st == 202, job
    job = wait_job(client, tok, job["id"])
    assert job["status"] == expect, job
    return job


def rows(stack, ds, columns, order):
    return stack.sql("SELECT %s FROM `%s`.`%s` ORDER BY %s"
                     % (columns, ds["schema_name"], ds["name"], order))


def test_dataset_create_and_validate(stack, client):
    tok = new_user(client)
    st, _, body = client.api("POST", "/hudi/table/create", json={
        "table_name": "meetings", "database": "default", "base_path": "/tmp/hudi_test/meetings",
        "record_key_field": "_id", "precombine_field": "last_modified_date",
        "table_type": "COPY_ON_WRITE",
        "schema": {"meeting_id": {"type": "string"}, "meeting_title": {"type": "string"},
                   "estimated_total_cost": {"type": "number"}}}, token=tok)
    assert st == 200, body
    assert body == {"status": "ok", "message": "Table created successfully",
                    "table_name": "meetings", "database": "default",
                    "dataset_id": body["dataset_id"]}
    st, _, info = client.api("GET", "/hudi/table/meetings?database=default", token=tok)
    assert st == 200 and info["status"] == "ok", info
    assert info["total_records"] == 0 and info["table_type"] == "COPY_ON_WRITE"
    assert info["base_path"] == "/tmp/hudi_test/meetings"
    # The key fields the seed names beside the schema become columns.
    assert set(info["schema"]) == {"meeting_id", "meeting_title", "estimated_total_cost", "_id",
                                   "last_modified_date"}
    st, _, listed = client.api("GET", "/hudi/tables", token=tok)
    assert st == 200 and [t["table_name"] for t in listed["tables"]] == ["meetings"]
    assert listed["tables"][0]["database"] == "default"
    st, _, body = client.api("GET", "/hudi/table/nope", token=tok)
    assert st == 404
    st, _, body = client.api("GET", "/hudi/tables?database=other", token=tok)
    assert st == 404

    bad = [
        ({"name": "x", "schema": {"a": {"type": "string"}}}, "record_key_field"),
        ({"name": "x y", "record_key_field": "a", "schema": {"a": "string"}}, "name"),
        ({"name": "quarry_x", "record_key_field": "a", "schema": {"a": "string"}}, "name"),
        ({"name": "x", "record_key_field": "a", "schema": {"a": "blob"}}, "schema.a"),
        ({"name": "x", "record_key_field": "a", "schema": {"a`b": "string"}}, "schema.a`b"),
        ({"name": "x", "record_key_field": "a"}, "schema"),
        ({"name": "x", "record_key_field": "a", "schema": {}}, "schema"),
        ({"name": "x", "record_key_field": "a", "schema": {"a": "string"},
          "table_type": "MERGE_ON_READ"}, "table_type"),
        ({"name": "x", "record_key_field": "a", "schema": {"a": "string"},
          "database": "other"}, "database"),
    ]
    for payload, field in bad:
        st, _, body = client.api("POST", "/datasets", json=payload, token=tok)
        assert st == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)
    st, _, body = client.api("POST", "/datasets", json={
        "name": "meetings", "record_key_field": "a", "schema": [{"name": "a", "type": "string"}]},
        token=tok)
    assert st == 409

    # Another user sees none of it; the same name is theirs to use.
    other = new_user(client)
    st, _, listed = client.api("GET", "/datasets", token=other)
    assert st == 200 and listed == []
    st, _, body = client.api("GET", "/datasets/%s" % info["id"], token=other)
    assert st == 403
    st, _, body = client.api("POST", "/datasets", json={
        "name": "meetings", "record_key_field": "a", "schema": [{"name": "a", "type": "string"}]},
        token=other)
    assert st == 201, body
    assert body["schema_name"] != info["schema_name"]

    st, _, _ = client.api("DELETE", "/datasets/%s" % info["id"], token=tok)
    assert st == 204
    assert stack.sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '%s'"
                     % info["schema_name"]) == [["0"]]


def test_append_overwrite_and_commits(stack, client, pg_source, mariadb_source):
    tok = new_user(client)
    pg_source.sql("DROP TABLE IF EXISTS people; CREATE TABLE people (id int PRIMARY KEY,"
                  " name text, score numeric(6,2), born date, active boolean, seen timestamptz);"
                  "INSERT INTO people SELECT g, 'person ' || g || E'\\tx\\\\y', g / 4.0,"
                  " DATE '2000-01-01' + g, g % 3 = 0, TIMESTAMPTZ '2026-01-01 00:00:00+00' +"
                  " g * INTERVAL '1 second' FROM generate_series(1, 2500) g;"
                  "UPDATE people SET name = NULL WHERE id = 7;")
    src = add_source(client, tok, pg_source)
    st, _, ds = client.api("POST", "/datasets", json={
        "name": "people", "record_key_field": "id",
        "schema": {"id": "integer", "name": "string", "score": "number", "born": "date",
                   "active": "boolean", "seen": "datetime"}}, token=tok)
    assert st == 201, ds
    job = load(client, tok, ds["id"], {"source_id": src["id"], "table": "people",
                                       "mode": "append", "batch_size": 1000})
    assert job["processing_metadata"]["commits"] == 3
    assert job["processing_metadata"]["rows_inserted"] == 2500
    got = rows(stack, ds, "id, name, score, born, active, seen", "id")
    assert len(got) == 2500
    assert got[0] == ["1", "person 1\\tx\\\\y", "0.25", "2000-01-02", "0",
                      "2026-01-01 00:00:01.000000"]
    assert got[6][1] == "NULL" and got[2][4] == "1"
    # Appending the same keys again skips them (counted unchanged).
    job = load(client, tok, ds["id"], {"source_id": src["id"], "table": "people",
                                       "mode": "append"})
    meta = job["processing_metadata"]
    assert (meta["rows_inserted"], meta["rows_unchanged"]) == (0, 2500), meta
    assert rows(stack, ds, "COUNT(*)", "1") == [["2500"]]
    # A value that does not fit its column fails the commit (LOAD DATA would
    # only warn and truncate it); nothing of it stays.
    pg_source.sql("DROP TABLE IF EXISTS badtypes; CREATE TABLE badtypes (id text, name text,"
                  " score text, born text, active boolean, seen timestamptz);"
                  "INSERT INTO badtypes VALUES ('9001', 'x', 'not a number', '2000-01-01',"
                  " true, now());")
    job = load(client, tok, ds["id"], {"source_id": src["id"], "table": "badtypes",
                                       "mode": "upsert"}, expect="FAILED")
    assert "does not fit" in job["error_message"], job
    assert rows(stack, ds, "COUNT(*)", "1") == [["2500"]]

    # Overwrite from the second MariaDB: fewer rows, swapped in at once.
    mariadb_source.sql("DROP TABLE IF EXISTS people; CREATE TABLE people (id int PRIMARY KEY,"
                       " name text, score decimal(6,2), born date, active boolean,"
                       " seen datetime(3));"
                       "INSERT INTO people VALUES (1, 'one', 1.5, '1999-12-31', 1,"
                       " '2026-02-01 10:00:00.123'), (2, NULL, NULL, NULL, 0, NULL);")
    src2 = add_source(client, tok, mariadb_source, "maria")
    job = load(client, tok, ds["id"], {"source_id": src2["id"], "table": "people",
                                       "mode": "overwrite"})
    assert rows(stack, ds, "id, name, score, active, seen", "id") == [
        ["1", "one", "1.5", "1", "2026-02-01 10:00:00.123000"],
        ["2", "NULL", "NULL", "0", "NULL"]]
    st, _, info = client.api("GET", "/datasets/%s" % ds["id"], token=tok)
    assert st == 200 and info["total_records"] == 2
    modes = [(c["mode"], c["rows_inserted"], c["rows_deleted"]) for c in info["commits"]]
    assert modes == [("overwrite", 2, 2500), ("append", 0, 0), ("append", 500, 0),
                     ("append", 1000, 0), ("append", 1000, 0)], modes
    assert all(c["execution_id"] for c in info["commits"])
    assert stack.sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '%s'"
                     % ds["schema_name"]) == [["1"]]

    # A source table without the dataset's columns: a clear failure, nothing changed.
    pg_source.sql("DROP TABLE IF EXISTS thin; CREATE TABLE thin (id int);"
                  "INSERT INTO thin VALUES (1);")
    job = load(client, tok, ds["id"], {"source_id": src["id"], "table": "thin",
                                       "mode": "overwrite"}, expect="FAILED")
    assert "source refused" in job["error_message"], job
    assert rows(stack, ds, "COUNT(*)", "1") == [["2"]]


def test_upsert_larger_precombine_wins(stack, client, pg_source):
    tok = new_user(client)
    pg_source.sql("DROP TABLE IF EXISTS changes; CREATE TABLE changes (seq serial, k int,"
                  " v text, version int);"
                  "INSERT INTO changes (k, v, version) VALUES (1, 'a', 3), (1, 'b', 1),"
                  " (2, 'x', 5), (1, 'c', 2), (3, 'n', NULL), (2, 'y', 4), (3, 'm', 1);")
    src = add_source(client, tok, pg_source)
    st, _, ds = client.api("POST", "/datasets", json={
        "name": "latest", "record_key_field": "k", "precombine_field": "version",
        "schema": {"k": "integer", "v": "string", "version": "integer"}}, token=tok)
    assert st == 201, ds
    # One commit and several: the same answer whatever the order.
    for batch in (100, 2):
        stack.sql("DELETE FROM `%s`.`latest`" % ds["schema_name"])
        load(client, tok, ds["id"], {"source_id": src["id"], "table": "changes",
                                     "mode": "upsert", "batch_size": batch})
        assert rows(stack, ds, "k, v, version", "k") == [
            ["1", "a", "3"], ["2", "x", "5"], ["3", "m", "1"]], batch
    # An older change later on is counted unchanged; a newer one wins.
    pg_source.sql("DELETE FROM changes; INSERT INTO changes (k, v, version) VALUES"
                  " (1, 'old', 2), (2, 'new', 6), (4, 'fresh', 1);")
    job = load(client, tok, ds["id"], {"source_id": src["id"], "table": "changes",
                                       "mode": "upsert"})
    meta = job["processing_metadata"]
    assert (meta["rows_inserted"], meta["rows_updated"], meta["rows_unchanged"]) == (1, 1, 1)
    assert rows(stack, ds, "k, v, version", "k") == [
        ["1", "a", "3"], ["2", "new", "6"], ["3", "m", "1"], ["4", "fresh", "1"]]


def test_datasets_page_by_cursor(stack, client):
    """Following Link rel=next lists each dataset once, in skip's order,
    ties of created_at included; /hudi/tables and /trino/tables page the same
    way."""
    tok = new_user(client)
    made = []
    for i in range(5):
        st, _, body = client.api("POST", "/datasets", json={
            "name": "walk_%d" % i, "record_key_field": "a",
            "schema": [{"name": "a", "type": "string"}]}, token=tok)
        assert st == 201, body
        made.append(body)
    stack.sql("UPDATE datasets SET created_at = '2026-01-01 00:00:00.000' WHERE id IN (%s)"
              % ",".join("'%s'" % d["id"] for d in made[1:4]))
    names = {d["name"] for d in made}
    for path, items_of, key in (
            ("/datasets?limit=2", lambda b: b, "name"),
            ("/hudi/tables?limit=2", lambda b: b["tables"], "table_name"),
            ("/trino/tables?catalog=hive&schema=default&limit=2", lambda b: b["tables"], "table")):
        items, pages, _ = walk_pages(client, tok, path,
                                     lambda b: [d[key] for d in items_of(b)], total=5)
        assert pages == 3 and len(items) == 5 and set(items) == names, path
        by_skip = []
        for skip in (0, 2, 4):
            st, _, body = client.api("GET", path.replace("limit=", "skip=%d&limit=" % skip),
                                     token=tok)
            assert st == 200, body
            by_skip += [d[key] for d in items_of(body)]
        assert by_skip == items, path
    st, _, err = client.api("GET", "/datasets?after=bm9wZQ", token=tok)
    assert st == 422 and err["error"]["field"] == "after"
