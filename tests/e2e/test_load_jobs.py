"""Batch and stream load jobs (the seed's /jobs/batch/create,
/jobs/stream/create, /jobs/{id}/status|start|stop) from a real PostgreSQL:
incremental loads that end exact, a stream that picks a change up within
two polling intervals, a load killed mid-commit that resumes with nothing
lost or doubled, and the seed's whole walkthrough (its endpoints 1-22)
through the seed's own paths (no /api/v1 in front)."""

import os
import signal
import socket
import time
import uuid

from quarry_client import assert_error_shape, wait_for, walk_pages
from source_servers import pg_source  # noqa: F401 (fixture)

THROTTLE_MS = 400


def make_orders(pg, n, table="orders"):
    pg.sql("DROP TABLE IF EXISTS %s; CREATE TABLE %s (id int PRIMARY KEY, amount int NOT NULL,"
           " note text, updated_at timestamp NOT NULL);"
           # Ten rows share each timestamp: commits split inside a group.
           "INSERT INTO %s SELECT g, g * 10, 'n' || g,"
           " TIMESTAMP '2026-01-01 00:00:00' + (g / 10) * INTERVAL '1 second'"
           " FROM generate_series(1, %d) g;" % (table, table, table, n))


def source(client, tok, pg):
    st, _, body = client.api("POST", "/mongo/credentials", json={"mongo_uri": pg.uri()},
                             token=tok)
    assert st == 200, body
    return body["source_id"]


def run_status(client, tok, job_id):
    st, _, body = client.api("GET", "/jobs/%s/status" % job_id, token=tok)
    assert st == 200, body
    return body


def wait_run(client, tok, job_id, execution_id, states=("completed", "failed", "stopped"),
             timeout=60):
    def ended():
        for e in run_status(client, tok, job_id)["executions"]:
            if e["execution_id"] == execution_id and e["status"] in states:
                return e
        return None
    run = wait_for(ended, timeout=timeout, interval=0.2)
    assert run, "run %s did not reach %s" % (execution_id, states)
    return run


def start(client, tok, job_id):
    st, _, body = client.api("POST", "/jobs/%s/start" % job_id, token=tok)
    assert st == 200 and body["status"] == "ok", body
    return body["execution_id"]


def query(client, tok, sql):
    st, _, body = client.api("POST", "/query", json={"sql": sql, "max_rows": 10000}, token=tok)
    assert st == 200, body
    return body["data"]


def try_query(client, tok, sql):
    """The rows, or None while the query fails (the table is not made yet)."""
    st, _, body = client.api("POST", "/query", json={"sql": sql, "max_rows": 10000}, token=tok)
    return body["data"] if st == 200 else None


def source_rows(pg, table="orders"):
    return [[int(r[0]), int(r[1]), r[2]] for r in
            pg.sql("SELECT id, amount, note FROM %s ORDER BY id" % table)]


def test_incremental_batch_ends_exact(client, pg_source):
    tok = client.register_and_login()["token"]
    make_orders(pg_source, 95)
    source(client, tok, pg_source)
    st, _, job = client.api("POST", "/jobs/batch/create", json={
        "job_name": "orders_sync", "collection": "orders", "date_field": "updated_at",
        "hudi_table_name": "orders", "hudi_base_path": "/tmp/hudi/orders", "batch_size": 7,
        "schedule": {"type": "cron", "cron_expression": "0 2 * * *"}}, token=tok)
    assert st == 200 and job["message"] == "Batch job created successfully", job
    run = wait_run(client, tok, job["job_id"], start(client, tok, job["job_id"]))
    assert run["status"] == "completed" and run["records_written"] == 95, run
    assert query(client, tok, "SELECT id, amount, note FROM orders ORDER BY id") == \
        source_rows(pg_source)
    status = run_status(client, tok, job["job_id"])
    assert status["job"]["watermark"]["value"].startswith("2026-01-01 00:00:09")
    assert status["job"]["watermark"]["record_key"] == "95"

    # Inserts and updates between runs, some inside the last watermark's second.
    pg_source.sql("INSERT INTO orders SELECT g, g * 10, 'new', TIMESTAMP '2026-01-01 00:00:09'"
                  " FROM generate_series(96, 99) g;"
                  "INSERT INTO orders SELECT g, g, 'later', TIMESTAMP '2026-01-02 00:00:00'"
                  " FROM generate_series(100, 120) g;"
                  "UPDATE orders SET amount = -id, note = 'changed', updated_at ="
                  " TIMESTAMP '2026-01-03 00:00:00' WHERE id % 9 = 0;")
    run = wait_run(client, tok, job["job_id"], start(client, tok, job["job_id"]))
    assert run["status"] == "completed", run
    # 96-98 at the watermark's second, 100-120 later, and the 13 rows moved to
    # January 3 (99, 108 and 117 among them): 25 new rows and 10 updated.
    assert run["records_written"] == 35, run
    assert query(client, tok, "SELECT id, amount, note FROM orders ORDER BY id") == \
        source_rows(pg_source)
    # Nothing new: a run that commits nothing.
    run = wait_run(client, tok, job["job_id"], start(client, tok, job["job_id"]))
    assert run["status"] == "completed" and run["records_written"] == 0, run
    status = run_status(client, tok, job["job_id"])
    assert status["metrics"]["total_executions"] == 3
    assert status["metrics"]["successful_executions"] == 3
    # The dataset was made from the source's columns on the first run.
    st, _, info = client.api("GET", "/hudi/table/orders", token=tok)
    assert st == 200 and info["record_key_field"] == "id"
    assert info["precombine_field"] == "updated_at"
    assert info["total_records"] == 120


def test_stream_picks_up_a_change_within_two_intervals(client, pg_source):
    tok = client.register_and_login()["token"]
    make_orders(pg_source, 20, table="events")
    source(client, tok, pg_source)
    interval = 2
    st, _, job = client.api("POST", "/jobs/stream/create", json={
        "job_name": "events_cdc", "collection": "events", "date_field": "updated_at",
        "hudi_table_name": "events", "polling_interval_seconds": interval,
        "batch_size": 1000}, token=tok)
    assert st == 200 and job["message"] == "Stream job created successfully", job
    jid = job["job_id"]
    execution = start(client, tok, jid)
    st, _, body = client.api("POST", "/jobs/%s/start" % jid, token=tok)
    assert st == 409
    assert_error_shape(body, "CONFLICT")
    assert wait_for(lambda: try_query(client, tok, "SELECT COUNT(*) FROM events") == [[20]],
                    timeout=30)
    assert wait_run(client, tok, jid, execution, states=("running",))

    for round_ in range(2):
        pg_source.sql("INSERT INTO events VALUES (%d, 1, 'fresh', now()::timestamp);"
                      "UPDATE events SET amount = 777, updated_at = now()::timestamp"
                      " WHERE id = %d;" % (100 + round_, 3 + round_))
        changed = time.monotonic()
        seen = wait_for(lambda: query(client, tok, "SELECT (SELECT COUNT(*) FROM events),"
                                      " (SELECT amount FROM events WHERE id = %d)" % (3 + round_))
                        == [[21 + round_, 777]], timeout=4 * interval, interval=0.1)
        took = time.monotonic() - changed
        assert seen and took <= 2 * interval, "seen after %.2f s" % took

    st, _, body = client.api("POST", "/jobs/%s/stop" % jid, token=tok)
    assert st == 200 and body["execution_id"] == execution, body
    assert wait_run(client, tok, jid, execution, states=("stopped",))["status"] == "stopped"
    st, _, body = client.api("POST", "/jobs/%s/stop" % jid, token=tok)
    assert st == 400
    # Stopped: a change waits; started again, it resumes from its watermark.
    pg_source.sql("INSERT INTO events VALUES (200, 2, 'while stopped', now()::timestamp)")
    time.sleep(interval + 1)
    assert query(client, tok, "SELECT COUNT(*) FROM events WHERE id = 200") == [[0]]
    execution = start(client, tok, jid)
    assert wait_for(lambda: query(client, tok, "SELECT COUNT(*) FROM events") == [[23]],
                    timeout=4 * interval)
    client.api("POST", "/jobs/%s/stop" % jid, token=tok)
    wait_run(client, tok, jid, execution, states=("stopped",))
    assert query(client, tok, "SELECT id, amount, note FROM events ORDER BY id") == \
        source_rows(pg_source, "events")


def test_load_killed_mid_commit_resumes_exact(stack, client, pg_source):
    tok = client.register_and_login()["token"]
    make_orders(pg_source, 1000, table="ledger")
    source(client, tok, pg_source)
    # append: a row read again after its commit would count as unchanged.
    st, _, job = client.api("POST", "/jobs/batch/create", json={
        "job_name": "ledger", "collection": "ledger", "date_field": "updated_at",
        "hudi_table_name": "ledger", "batch_size": 50, "write_mode": "append"}, token=tok)
    assert st == 200, job
    jid = job["job_id"]
    original = stack.config.read_text()
    stack.config.write_text(original + "\nprocess_throttle_ms = %d\n" % THROTTLE_MS)
    try:
        execution = start(client, tok, jid)
        # Two commits in, the third's transaction is open (the throttle sleeps in it).
        assert wait_for(lambda: (try_query(client, tok, "SELECT COUNT(*) FROM ledger")
                                 or [[0]])[0][0] >= 100, timeout=30, interval=0.05)
        pid = int(wait_for(lambda: (stack.sql("SELECT worker_pid FROM jobs WHERE id = '%s'"
                                              % execution) or [["NULL"]])[0][0]
                           .replace("NULL", "") or None, timeout=10))
        os.kill(pid, signal.SIGKILL)
    finally:
        stack.config.write_text(original)
    # A killed run is tried again (one rule for every kill: docs/operations.md):
    # the second attempt starts at the watermark of the last commit, so the
    # rows the first one committed are neither lost nor written twice.
    run = wait_run(client, tok, jid, execution)
    assert run["status"] == "completed", run
    assert stack.sql("SELECT attempts FROM jobs WHERE id = '%s'" % execution) == [["2"]]
    status = run_status(client, tok, jid)
    assert status["job"]["watermark"]["record_key"] == "1000", status["job"]["watermark"]
    assert run["records_written"] == 1000, run  # summed over both attempts' commits
    assert query(client, tok, "SELECT COUNT(*), COUNT(DISTINCT id), SUM(amount) FROM ledger") \
        == [[1000, 1000, 5005000]]
    st, _, info = client.api("GET", "/hudi/table/ledger", token=tok)
    assert sum(c["rows_inserted"] for c in info["commits"]) == 1000
    assert sum(c["rows_unchanged"] for c in info["commits"]) == 0


def seed(client, method, path, **kwargs):
    """A call on the seed's own path: <site>/mongo/read, not /api/v1/mongo/read."""
    return client.api(method, client.base_url + path, **kwargs)


def seed_start(client, tok, job_id):
    st, _, body = seed(client, "POST", "/jobs/%s/start" % job_id, token=tok)
    assert st == 200 and body["message"] == "Job started successfully", body
    return body["execution_id"]


def test_seed_walkthrough_endpoints_1_to_22(client, pg_source):
    """The Morphix guide's endpoints in its order, with a PostgreSQL source
    in place of MongoDB."""
    pg_source.sql("DROP TABLE IF EXISTS meetings; CREATE TABLE meetings (_id text PRIMARY KEY,"
                  " meeting_id text NOT NULL, meeting_title text NOT NULL,"
                  " estimated_total_cost numeric(10,2), status text,"
                  " last_modified_date timestamp NOT NULL);"
                  "INSERT INTO meetings SELECT 'id-' || g, 'meeting-' || lpad(g::text, 3, '0'),"
                  " 'Meeting ' || g, g * 100, CASE WHEN g % 2 = 0 THEN 'active' ELSE 'done' END,"
                  " TIMESTAMP '2026-01-01' + g * INTERVAL '1 minute' FROM generate_series(1, 40) g;")
    name = "alice" + uuid.uuid4().hex[:8]
    # 1. register, 2. login (JSON), 3. me
    st, _, user = seed(client, "POST", "/auth/register", json={
        "username": name, "email": name + "@example.com", "password": "StrongPass123!",
        "full_name": "Alice User"})
    assert st == 201, user
    st, _, login = seed(client, "POST", "/auth/login", json={"username": name,
                                                           "password": "StrongPass123!"})
    assert st == 200 and login["token_type"] == "bearer", login
    tok = login["access_token"]
    st, _, me = seed(client, "GET", "/auth/me", token=tok)
    assert st == 200 and me["username"] == name
    # 4. credentials, 5. read, 6. schema, 7. transform
    st, _, body = seed(client, "POST", "/mongo/credentials", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings"}, token=tok)
    assert st == 200 and body["status"] == "ok"
    st, _, body = seed(client, "POST", "/mongo/read", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings",
        "limit": 10}, token=tok)
    assert st == 200 and body["count"] == 10 and body["data"][0]["meeting_id"]
    st, _, schema = seed(client, "POST", "/schema/generate", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings",
        "sample_size": 1000}, token=tok)
    assert st == 200 and schema["summary"]["total_fields"] == 6, schema
    assert schema["schema"]["estimated_total_cost"]["type"] == "number"
    st, _, body = seed(client, "POST", "/mongo/transform", json={
        "mongo_uri": pg_source.uri(), "database": "shop", "collection": "meetings",
        "schema": {"meeting_id": {"type": "string"}, "meeting_title": {"type": "string"},
                   "status": {"type": "integer"}},
        "limit": 20, "flatten_data": True, "apply_schema": True, "strict_schema": False},
        token=tok)
    assert st == 200 and body["status"] == "ok", body
    assert body["statistics"]["total_records"] == 20
    assert body["statistics"]["invalid_records"] == 20  # status is text, not an integer
    assert set(body["data"][0]) == {"meeting_id", "meeting_title", "status"}
    # 8. stream job, 9. batch job, 10. list
    st, _, stream = seed(client, "POST", "/jobs/stream/create", json={
        "job_name": "meeting_cdc_realtime", "mongo_uri": pg_source.uri(), "database": "shop",
        "collection": "meetings", "query": {}, "hudi_table_name": "meetings",
        "hudi_base_path": "/tmp/hudi_test/meetings", "polling_interval_seconds": 1,
        "batch_size": 1000, "schedule": {"type": "interval", "interval_seconds": 60},
        "description": "Real-time CDC for meetings"}, token=tok)
    assert st == 200 and stream["job_name"] == "meeting_cdc_realtime", stream
    st, _, batch = seed(client, "POST", "/jobs/batch/create", json={
        "job_name": "daily_meeting_sync", "mongo_uri": pg_source.uri(), "database": "shop",
        "collection": "meetings", "date_field": "last_modified_date",
        "hudi_table_name": "meetings_daily", "hudi_base_path": "/tmp/hudi_test/daily",
        "batch_size": 10000, "schedule": {"type": "cron", "cron_expression": "0 2 * * *"},
        "description": "Daily sync of meetings data"}, token=tok)
    assert st == 200, batch
    st, _, listed = seed(client, "GET", "/jobs?job_type=stream", token=tok)
    assert st == 200 and listed["status"] == "ok", listed
    assert [j["job_name"] for j in listed["jobs"]] == ["meeting_cdc_realtime"]
    assert listed["jobs"][0]["job_type"] == "stream" and listed["jobs"][0]["enabled"] is True
    # 11. status, 12. start, 13. stop
    st, _, status = seed(client, "GET", "/jobs/%s/status" % stream["job_id"], token=tok)
    assert st == 200 and status["executions"] == [] and status["metrics"]["total_executions"] == 0
    execution = seed_start(client, tok, stream["job_id"])
    assert wait_for(lambda: try_query(client, tok, "SELECT COUNT(*) FROM meetings") == [[40]],
                    timeout=30)
    st, _, body = seed(client, "POST", "/jobs/%s/stop" % stream["job_id"], token=tok)
    assert st == 200 and body["message"] == "Job stopped successfully", body
    run = wait_run(client, tok, stream["job_id"], execution, states=("stopped",))
    assert run["records_written"] == 40
    # 14. create a table, 15. list, 16. info
    st, _, body = seed(client, "POST", "/hudi/table/create", json={
        "table_name": "meeting_costs", "database": "default", "base_path": "/tmp/hudi/c",
        "record_key_field": "_id", "precombine_field": "last_modified_date",
        "table_type": "COPY_ON_WRITE",
        "schema": {"meeting_id": {"type": "string"}, "estimated_total_cost": {"type": "number"}}},
        token=tok)
    assert st == 200 and body["message"] == "Table created successfully", body
    st, _, tables = seed(client, "GET", "/hudi/tables", token=tok)
    assert sorted(t["table_name"] for t in tables["tables"]) == ["meeting_costs", "meetings"]
    st, _, info = seed(client, "GET", "/hudi/table/meetings?database=default", token=tok)
    assert st == 200 and info["total_records"] == 40 and info["total_size_bytes"] > 0
    assert info["commits"][0]["rows_inserted"] == 40
    # 17-21. health, catalogs, schemas, tables, describe
    st, _, body = seed(client, "GET", "/trino/health", token=tok)
    assert st == 200 and body["status"] == "ok"
    st, _, body = seed(client, "GET", "/trino/catalogs", token=tok)
    assert body["catalogs"][0]["catalog_name"] == "hive"
    st, _, body = seed(client, "GET", "/trino/schemas?catalog=hive", token=tok)
    assert body["schemas"] == [{"catalog": "hive", "schema": "default"}]
    st, _, body = seed(client, "GET", "/trino/tables?catalog=hive&schema=default", token=tok)
    assert sorted(t["table"] for t in body["tables"]) == ["meeting_costs", "meetings"]
    st, _, body = seed(client, "GET", "/trino/table/meetings/describe?catalog=hive&schema=default",
                             token=tok)
    assert st == 200 and {"name": "estimated_total_cost", "type": "double"} in body["columns"]
    # 22. query, the guide's own statements
    st, _, body = seed(client, "POST", "/trino/query", json={
        "sql": "SELECT meeting_id, meeting_title, estimated_total_cost FROM"
               " hive.default.meetings LIMIT 10", "catalog": "hive", "schema": "default"},
        token=tok)
    assert st == 200 and body["rows_returned"] == 10 and body["error"] is None, body
    st, _, body = seed(client, "POST", "/trino/query", json={
        "sql": "SELECT COUNT(*) as total FROM hive.default.meetings", "max_rows": 10}, token=tok)
    assert st == 200 and body["data"] == [[40]] and body["columns"] == ["total"]


def test_load_job_refusals_and_seed_lists(client, pg_source):
    """What a load job may not be (each a 422 naming its field, nothing
    created), and the seed's list shapes: job_type checked, enabled=false
    listing none, the total in X-Total-Count."""
    tok = client.register_and_login()["token"]
    source(client, tok, pg_source)
    good = {"job_name": "refused", "collection": "orders", "hudi_table_name": "orders_lake"}
    for kind, change, field in [
            ("stream", {"write_mode": "overwrite"}, "write_mode"),
            ("batch", {"write_mode": "merge"}, "write_mode"),
            ("batch", {"hudi_table_name": "quarry_orders"}, "hudi_table_name"),
            ("batch", {"dataset": "9orders"}, "dataset"),
            ("batch", {"query": {"amount": {"$gt": 1}}}, "query"),
            ("batch", {"date_field": "updated at"}, "date_field")]:
        st, _, body = seed(client, "POST", "/jobs/%s/create" % kind, json=dict(good, **change),
                           token=tok)
        assert st == 422, (change, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (change, body)
    st, _, body = seed(client, "POST", "/jobs/batch/create",
                       json=dict(good, write_mode="overwrite"), token=tok)
    assert st == 200, body
    st, headers, listed = seed(client, "GET", "/jobs?job_type=batch", token=tok)
    assert st == 200 and listed["status"] == "ok", listed
    assert [j["job_name"] for j in listed["jobs"]] == ["refused"]
    assert int(headers["X-Total-Count"]) == 1
    st, headers, listed = seed(client, "GET", "/jobs?job_type=batch&enabled=false", token=tok)
    assert st == 200 and listed["jobs"] == [] and int(headers["X-Total-Count"]) == 0, listed
    for path in ["/jobs?job_type=other", "/api/v1/load-jobs?job_type=other"]:
        st, _, body = seed(client, "GET", path, token=tok)
        assert st == 422, (path, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "job_type", (path, body)
    st, headers, listed = client.api("GET", "/load-jobs?job_type=batch", token=tok)
    assert st == 200 and int(headers["X-Total-Count"]) == 1, listed


def test_load_jobs_page_by_cursor(stack, client):
    """Following Link rel=next lists each load job once, in skip's order,
    ties of created_at included; the seed's GET /jobs?job_type= pages the
    same way."""
    tok = client.register_and_login()["token"]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    st, _, src = client.api("POST", "/sources", token=tok, json={
        "name": "walk", "uri": "mariadb://walker:walker-pw@127.0.0.1:%d/shop" % port})
    assert st == 201, src
    made = {"batch": [], "stream": []}
    for i in range(7):
        kind = "batch" if i % 3 else "stream"
        st, _, body = client.api("POST", "/jobs/%s/create" % kind, token=tok, json={
            "job_name": "walk-%d" % i, "collection": "orders", "hudi_table_name": "walk_orders",
            "source_id": src["id"]})
        assert st == 200, body
        made[kind].append(body["job_id"])
    stack.sql("UPDATE load_jobs SET created_at = '2026-01-01 00:00:00.000' WHERE id IN (%s)"
              % ",".join("'%s'" % i for i in made["batch"][:3] + made["stream"][:1]))

    def ids(body):
        return [j["job_id"] if "job_id" in j else j["id"]
                for j in (body["jobs"] if isinstance(body, dict) else body)]

    every = made["batch"] + made["stream"]
    for path, want in (("/load-jobs?limit=2", every),
                       ("/load-jobs?job_type=stream&limit=2", made["stream"]),
                       ("/jobs?job_type=batch&limit=2", made["batch"])):
        items, pages, _ = walk_pages(client, tok, path, ids, total=len(want))
        assert len(items) == len(want) and set(items) == set(want), path
        assert pages == -(-len(want) // 2)
        by_skip = []
        for skip in range(0, len(want), 2):
            st, _, body = client.api("GET", path.replace("limit=", "skip=%d&limit=" % skip),
                                     token=tok)
            assert st == 200, body
            by_skip += ids(body)
        assert by_skip == items, path
    st, _, err = client.api("GET", "/load-jobs?after=bm9wZQ", token=tok)
    assert st == 422 and err["error"]["field"] == "after"
