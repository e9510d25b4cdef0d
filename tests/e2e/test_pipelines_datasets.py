"""Pipelines over sources and datasets: a PostgreSQL table (the fixture of
source_servers.py) read by a DATABASE source and loaded into a dataset with
upsert, twice; a dataset read by a DATASET source into a CSV output; the
ETL seed's "Example 2" body (source_type DATABASE, no configuration) on the
caller's stored default source; and the checks of the new fields."""

import pytest

from quarry_client import wait_for
from pipeline_helpers import create, execute, seed, wait_execution, wait_executions
from quarry_client import assert_error_shape, download_output
from source_servers import pg_source  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


def add_source(client, token, uri, name="shop"):
    status, _, src = client.api("POST", "/sources", json={"name": name, "uri": uri}, token=token)
    assert status == 201, src
    return src


def add_dataset(client, token, **body):
    status, _, ds = client.api("POST", "/datasets", json=body, token=token)
    assert status == 201, ds
    return ds


def query(client, token, sql):
    status, _, body = client.api("POST", "/query", json={"sql": sql}, token=token)
    assert status == 200, body
    return body["data"]


def run(client, token, pipeline_id, expect="SUCCESS"):
    started = execute(client, token, pipeline_id)
    e = wait_execution(client, token, pipeline_id, started["execution_id"], timeout=90)
    assert e["status"] == expect, e
    return e


def test_database_table_into_dataset_upsert_twice(client, user, pg_source):
    token = user["token"]
    pg_source.sql(
        "DROP TABLE IF EXISTS pl_customers; CREATE TABLE pl_customers (id int PRIMARY KEY,"
        " name text, score numeric(6,2), active boolean, updated timestamptz);"
        "INSERT INTO pl_customers VALUES (1, 'ann', 1.5, true, '2026-01-01 10:00:00+00'),"
        " (2, 'bob', NULL, false, '2026-01-01 10:00:00+00'),"
        " (3, 'cy', 3.25, true, '2026-01-01 10:00:00+00');")
    src = add_source(client, token, pg_source.uri())
    ds = add_dataset(client, token, name="pl_customers", record_key_field="id",
                     precombine_field="updated",
                     schema={"id": "integer", "name": "string", "score": "number",
                             "active": "boolean", "updated": "datetime"})
    p = create(client, token, job_name="customers into a dataset", job_type="LOAD",
               source_type="DATABASE",
               source_config={"source_id": src["id"], "table": "pl_customers"},
               transformation_rules=[{"rule_type": "FIELD_MAPPING", "source_field": "name",
                                      "transformation": "UPPERCASE"}],
               destination={"type": "dataset", "dataset_id": ds["id"], "write_mode": "upsert",
                            "record_key_field": "id", "precombine_field": "updated"})
    assert p["source_config"] == {"source_id": src["id"], "table": "pl_customers"}
    assert p["destination"] == {"type": "dataset", "format": "jsonl", "write_mode": "upsert",
                                "dataset_id": ds["id"], "dataset_name": "pl_customers",
                                "record_key_field": "id", "precombine_field": "updated"}
    assert p["output_format"] == "jsonl"
    first = run(client, token, p["job_id"])
    assert first["records_processed"] == 3 and first["records_successful"] == 3, first
    sql = "SELECT id, name, score, active, updated FROM pl_customers ORDER BY id"
    assert query(client, token, sql) == [
        [1, "ANN", 1.5, 1, "2026-01-01 10:00:00.000000"],
        [2, "BOB", None, 0, "2026-01-01 10:00:00.000000"],
        [3, "CY", 3.25, 1, "2026-01-01 10:00:00.000000"]]

    # The second run: a newer row 2 wins, an older row 3 loses to the
    # stored one (precombine), row 4 is new.
    pg_source.sql(
        "UPDATE pl_customers SET name = 'bobby', score = 2, updated = '2026-01-02 08:00:00+00'"
        " WHERE id = 2;"
        "UPDATE pl_customers SET name = 'stale', updated = '2025-12-31 00:00:00+00' WHERE id = 3;"
        "INSERT INTO pl_customers VALUES (4, 'dee', 4, false, '2026-01-02 09:30:00.5+00');")
    second = run(client, token, p["job_id"])
    assert second["records_successful"] == 4, second
    assert query(client, token, sql) == [
        [1, "ANN", 1.5, 1, "2026-01-01 10:00:00.000000"],
        [2, "BOBBY", 2, 0, "2026-01-02 08:00:00.000000"],
        [3, "CY", 3.25, 1, "2026-01-01 10:00:00.000000"],
        [4, "DEE", 4, 0, "2026-01-02 09:30:00.500000"]]

    # Each run is a commit of the dataset, made by the execution's job.
    status, _, info = client.api("GET", "/datasets/%s" % ds["id"], token=token)
    assert status == 200 and info["total_commits"] == 2, info
    newest = info["commits"][0]
    assert newest["execution_id"] == second["task_id"] and newest["mode"] == "upsert", newest
    assert (newest["rows_inserted"], newest["rows_updated"]) == (1, 1), newest
    status, _, job = client.api("GET", "/jobs/%s" % second["task_id"], token=token)
    assert status == 200
    summary = job["processing_metadata"]["dataset"]
    assert summary["dataset_id"] == ds["id"] and summary["rows_inserted"] == 1
    assert summary["rows_updated"] == 1 and summary["commits"] == 1, summary
    # The output the engine wrote stays downloadable (JSON Lines).
    _, data = download_output(client, token, second["task_id"])
    assert len(data.decode().splitlines()) == 4

    # Overwrite replaces the rows with the filtered read (the source's
    # active ones, row 3 as the source has it now).
    status, _, p2 = client.api("PATCH", "/pipelines/%s" % p["job_id"], token=token, json={
        "source_config": {"source_id": src["id"], "table": "pl_customers",
                          "where": {"active": True}},
        "destination": {"type": "dataset", "dataset_name": "pl_customers",
                        "write_mode": "overwrite"}})
    assert status == 200, p2
    third = run(client, token, p["job_id"])
    assert third["records_successful"] == 2, third
    assert query(client, token, sql) == [
        [1, "ANN", 1.5, 1, "2026-01-01 10:00:00.000000"],
        [3, "STALE", 3.25, 1, "2025-12-31 00:00:00.000000"]]
    status, _, info = client.api("GET", "/datasets/%s" % ds["id"], token=token)
    assert info["commits"][0]["mode"] == "overwrite" and info["commits"][0]["rows_deleted"] == 4


def test_destination_dataset_made_by_the_first_run(client, user, pg_source):
    token = user["token"]
    pg_source.sql(
        "DROP TABLE IF EXISTS pl_orders; CREATE TABLE pl_orders (order_id int PRIMARY KEY,"
        " amount numeric(8,2), placed timestamptz, note text);"
        "INSERT INTO pl_orders VALUES (7, 10.5, '2026-03-01 12:00:00+00', 'first'),"
        " (8, 3, '2026-03-02 12:00:00+00', NULL);")
    src = add_source(client, token, pg_source.uri(), name="orders_src")
    p = create(client, token, job_name="orders", source_type="DATABASE",
               source_config={"source_id": src["id"], "table": "pl_orders"},
               destination={"type": "dataset", "dataset_name": "orders_made",
                            "record_key_field": "order_id", "precombine_field": "placed"})
    assert p["destination"] == {"type": "dataset", "format": "jsonl", "write_mode": "upsert",
                                "dataset_id": None, "dataset_name": "orders_made",
                                "record_key_field": "order_id", "precombine_field": "placed"}
    e = run(client, token, p["job_id"])
    assert e["records_successful"] == 2, e
    status, _, listed = client.api("GET", "/datasets", token=token)
    made = [d for d in listed if d["name"] == "orders_made"]
    assert status == 200 and len(made) == 1, listed
    ds = made[0]
    assert ds["record_key_field"] == "order_id" and ds["precombine_field"] == "placed", ds
    assert ds["columns"] == [{"name": "order_id", "type": "integer"},
                             {"name": "amount", "type": "number"},
                             {"name": "placed", "type": "datetime"},
                             {"name": "note", "type": "string"}], ds
    # The next run loads into it (by name, as the definition says).
    pg_source.sql("UPDATE pl_orders SET note = 'second', placed = '2026-03-03 12:00:00+00'"
                  " WHERE order_id = 8;")
    run(client, token, p["job_id"])
    assert query(client, token, "SELECT order_id, amount, placed, note FROM orders_made"
                                " ORDER BY order_id") == [
        [7, 10.5, "2026-03-01 12:00:00.000000", "first"],
        [8, 3, "2026-03-03 12:00:00.000000", "second"]]
    status, _, info = client.api("GET", "/datasets/%s" % ds["id"], token=token)
    assert info["total_commits"] == 2 and info["total_records"] == 2, info


def test_dataset_into_a_csv_file(client, user, pg_source):
    token = user["token"]
    pg_source.sql(
        "DROP TABLE IF EXISTS pl_sales; CREATE TABLE pl_sales (id int PRIMARY KEY, region text,"
        " amount numeric(8,2));"
        "INSERT INTO pl_sales VALUES (1, 'north', 10.5), (2, 'south', 3), (3, 'north', NULL),"
        " (4, 'east, \"far\"', 7);")
    src = add_source(client, token, pg_source.uri(), name="sales_src")
    ds = add_dataset(client, token, name="pl_sales", record_key_field="id",
                     schema={"id": "integer", "region": "string", "amount": "number"})
    status, _, job = client.api("POST", "/datasets/%s/load" % ds["id"], token=token,
                                json={"source_id": src["id"], "table": "pl_sales",
                                      "mode": "append"})
    assert status == 202, job
    p = create(client, token, job_name="sales report", source_type="DATASET",
               source_config={"dataset_name": "pl_sales"},
               transformation_rules=[{"rule_type": "FILTER", "field": "amount",
                                      "operator": "not_null"},
                                     {"rule_type": "SELECT_FIELDS",
                                      "fields": ["id", "region", "amount"]}],
               destination={"type": "file", "format": "csv"})
    assert p["source_config"] == {"dataset_id": ds["id"], "dataset_name": "pl_sales"}
    loaded = wait_for(lambda: (lambda j: j if j["status"] in ("COMPLETED", "FAILED") else None)(
        client.api("GET", "/jobs/%s" % job["id"], token=token)[2]), timeout=60)
    assert loaded and loaded["status"] == "COMPLETED", loaded
    e = run(client, token, p["job_id"])
    assert e["records_processed"] == 4 and e["records_successful"] == 3, e
    headers, data = download_output(client, token, e["task_id"])
    assert data.decode() == ("id,region,amount\n1,north,10.5\n2,south,3\n"
                             "4,\"east, \"\"far\"\"\",7\n")


def test_seed_example_2_on_a_stored_source(client, stack, pg_source):
    token = stack.client().register_and_login()["token"]
    pg_source.sql(
        "DROP TABLE IF EXISTS pl_people; CREATE TABLE pl_people (id int PRIMARY KEY,"
        " customer_name text);"
        "INSERT INTO pl_people VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');")
    seed_parent = {"job_name": "Extract Customer Data", "job_type": "EXTRACT",
                   "source_type": "DATABASE"}
    # Without a stored source the body names nothing to read.
    status, _, err = client.api("POST", seed(client, "/jobs"), json=seed_parent, token=token)
    assert status == 422, err
    assert assert_error_shape(err, "VALIDATION_ERROR")["field"] == "source_config.source_id"
    # The seed's stored credentials: the source named default, with its table.
    add_source(client, token, pg_source.uri() + "?table=pl_people", name="default")
    status, _, parent = client.api("POST", seed(client, "/jobs"), json=seed_parent, token=token)
    assert status == 201, parent
    assert parent["status"] == "created" and parent["source_type"] == "DATABASE"
    assert parent["source_config"]["table"] == "pl_people"
    status, _, child = client.api("POST", seed(client, "/jobs"), token=token, json={
        "job_name": "Transform Customer Data", "job_type": "TRANSFORM"})
    assert status == 201, child
    status, _, dep = client.api("POST", seed(client, "/jobs/%s/dependencies" % child["job_id"]),
                                token=token, json={"parent_job_id": parent["job_id"],
                                                   "dependency_type": "SUCCESS"})
    assert status == 201, dep
    status, _, started = client.api("POST", seed(client, "/jobs/%s/execute" % parent["job_id"]),
                                    token=token)
    assert status == 202, started
    runs = wait_executions(client, token, child["job_id"], 1, timeout=90)
    assert runs[0]["status"] == "SUCCESS" and runs[0]["records_processed"] == 3, runs
    full = wait_execution(client, token, child["job_id"], runs[0]["execution_id"])
    _, data = download_output(client, token, full["task_id"])
    assert data.decode() == "id,customer_name\n1,ann\n2,bob\n3,cy\n"


def test_source_and_destination_checks(client, user, stack, pg_source):
    token = user["token"]
    src = add_source(client, token, pg_source.uri(), name="checks")
    mine = add_dataset(client, token, name="pl_checks", record_key_field="id",
                       schema={"id": "integer", "v": "string"})
    other = stack.client().register_and_login()["token"]
    theirs = add_source(client, other, pg_source.uri(), name="theirs")
    bad = [
        ({"source_type": "DATABASE", "source_config": {"source_id": theirs["id"], "table": "t"}},
         "source_config.source_id"),
        ({"source_type": "DATABASE", "source_config": {"source_id": "nope", "table": "t"}},
         "source_config.source_id"),
        ({"source_type": "DATABASE", "source_config": {"source_id": src["id"]}},
         "source_config.table"),
        ({"source_type": "DATABASE", "source_config": {"source_id": src["id"], "table": "a b"}},
         "source_config.table"),
        ({"source_type": "DATABASE", "source_config": {"source_id": src["id"], "table": "t",
                                                       "query": "SELECT 1"}},
         "source_config.query"),
        ({"source_type": "DATABASE", "source_config": {"source_id": src["id"], "table": "t",
                                                       "where": {"a": {"$gt": 1}}}},
         "source_config.where.a"),
        ({"source_type": "DATASET", "source_config": {}}, "source_config.dataset_id"),
        ({"source_type": "DATASET", "source_config": {"dataset_name": "nope"}},
         "source_config.dataset_name"),
        ({"destination": {"type": "dataset"}}, "destination.dataset_id"),
        ({"destination": {"type": "dataset", "dataset_id": "b5b3f7a4-0a0e-4a43-9c57-2a8a9b1b2c3d"}},
         "destination.dataset_id"),
        ({"destination": {"type": "dataset", "dataset_name": "quarry_x"}},
         "destination.dataset_name"),
        ({"destination": {"type": "dataset", "dataset_name": "new_one",
                          "record_key_field": "a-b"}}, "destination.record_key_field"),
        ({"destination": {"type": "dataset", "dataset_name": "pl_checks",
                          "write_mode": "merge"}}, "destination.write_mode"),
        ({"destination": {"type": "dataset", "dataset_name": "pl_checks",
                          "record_key_field": "v"}}, "destination.record_key_field"),
        ({"destination": {"type": "dataset", "dataset_name": "pl_checks",
                          "precombine_field": "v"}}, "destination.precombine_field"),
    ]
    for body, field in bad:
        status, _, err = client.api("POST", "/pipelines", json=dict(body, job_name="x"),
                                    token=token)
        assert status == 422, (body, err)
        assert assert_error_shape(err, "VALIDATION_ERROR")["field"] == field, (body, err)
    # Someone else's dataset is not a source or destination of yours.
    status, _, err = client.api("POST", "/pipelines", token=other, json={
        "job_name": "x", "destination": {"type": "dataset", "dataset_id": mine["id"]}})
    assert status == 422 and err["error"]["field"] == "destination.dataset_id", err
    status, _, err = client.api("POST", "/pipelines", token=other, json={
        "job_name": "x", "source_type": "DATASET", "source_config": {"dataset_id": mine["id"]}})
    assert status == 422 and err["error"]["field"] == "source_config.dataset_id", err

    # A query instead of a table: it runs on the source as it is.
    pg_source.sql("DROP TABLE IF EXISTS pl_q; CREATE TABLE pl_q (id int, v text);"
                  "INSERT INTO pl_q VALUES (1, 'a'), (2, NULL), (3, 'c');")
    p = create(client, token, job_name="by query", source_type="DATABASE",
               source_config={"source_id": src["id"],
                              "query": "SELECT id, v, id * 2 AS twice FROM pl_q WHERE id > 1"
                                       " ORDER BY id"})
    assert p["source_config"]["query"].startswith("SELECT id, v")
    e = run(client, token, p["job_id"])
    _, data = download_output(client, token, e["task_id"])
    assert data.decode() == "id,v,twice\n2,,4\n3,c,6\n"

    # A source table that is not there fails the run as a source error.
    p = create(client, token, job_name="missing table", source_type="DATABASE",
               source_config={"source_id": src["id"], "table": "no_such_table"})
    e = run(client, token, p["job_id"], expect="FAILED")
    assert e["error_message"].startswith("source: "), e
    status, _, errors = client.api("GET", "/errors/executions/%s/errors" % e["execution_id"],
                                   token=token)
    assert status == 200
    assert [x["error_type"] for x in errors["data"]["errors"]] == ["SOURCE_ERROR"], errors
