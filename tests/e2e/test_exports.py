"""Exports: a dataset, or a query's result, written by quarry-process with
the engine's writers to a signed download, read as the user's own SQL
account (an export reads no more than a query may)."""

import json

from quarry_client import assert_error_shape, wait_for


def make_dataset(stack, client, tok):
    st, _, ds = client.api("POST", "/datasets", json={
        "name": "sales", "record_key_field": "id",
        "schema": {"id": "integer", "region": "string", "amount": "number",
                   "day": "date"}}, token=tok)
    assert st == 201, ds
    stack.sql("INSERT INTO `%s`.sales VALUES (1, 'north', 10.5, '2026-01-01'),"
              " (2, 'south, \"far\"', NULL, '2026-01-02'), (3, 'north', 7, NULL)"
              % ds["schema_name"])
    return ds


def download_bytes(client, tok, job):
    def done():
        st, _, j = client.api("GET", "/jobs/%s" % job["id"], token=tok)
        return j if j["status"] in ("COMPLETED", "FAILED") else None
    job = wait_for(done, timeout=60, interval=0.2)
    assert job and job["status"] == "COMPLETED", job
    st, _, link = client.api("POST", "/jobs/%s/download-url" % job["id"], json={}, token=tok)
    assert st == 200, link
    st, _, data = client.request("GET", link["download_url"])
    assert st == 200 and data[:4] == b"PAR1" and data[-4:] == b"PAR1", data[:16]
    return job, data


def download(client, tok, job):
    def done():
        st, _, j = client.api("GET", "/jobs/%s" % job["id"], token=tok)
        return j if j["status"] in ("COMPLETED", "FAILED") else None
    job = wait_for(done, timeout=60, interval=0.2)
    assert job and job["status"] == "COMPLETED", job
    st, _, link = client.api("POST", "/jobs/%s/download-url" % job["id"], json={}, token=tok)
    assert st == 200, link
    st, _, data = client.request("GET", link["download_url"])
    assert st == 200
    return job, data.decode()


def test_dataset_and_query_exports(stack, client):
    tok = client.register_and_login()["token"]
    ds = make_dataset(stack, client, tok)
    st, _, job = client.api("POST", "/datasets/%s/export" % ds["id"], json={"format": "csv"},
                            token=tok)
    assert st == 202 and job["status"] == "QUEUED", job
    job, text = download(client, tok, job)
    assert text.splitlines() == ["id,region,amount,day", "1,north,10.5,2026-01-01",
                                 '2,"south, ""far""",,2026-01-02', "3,north,7,"]
    assert job["output_object_key"].endswith("/sales.csv")
    assert job["processing_metadata"]["rows"] == 3

    # Parquet, for Spark, Trino and DuckDB: the engine's writer.
    st, _, job = client.api("POST", "/datasets/%s/export" % ds["id"], json={"format": "parquet"},
                            token=tok)
    assert st == 202, job
    job, _ = download_bytes(client, tok, job)
    assert job["output_object_key"].endswith("/sales.parquet")

    st, _, job = client.api("POST", "/query", json={
        "sql": "SELECT region, SUM(amount) AS total FROM hive.default.sales GROUP BY region"
               " ORDER BY region", "output_format": "jsonl"}, token=tok)
    assert st == 202, job
    job, text = download(client, tok, job)
    assert [json.loads(line) for line in text.splitlines()] == [
        {"region": "north", "total": 17.5}, {"region": "south, \"far\"", "total": None}]

    # The same gate as a query: refused at once, or by the grant in the run.
    st, _, body = client.api("POST", "/query", json={"sql": "DELETE FROM sales",
                                                     "output_format": "csv"}, token=tok)
    assert st == 403
    assert_error_shape(body, "FORBIDDEN")
    other = client.register_and_login()["token"]
    st, _, job = client.api("POST", "/query", json={
        "sql": "SELECT * FROM `%s`.sales" % ds["schema_name"], "output_format": "csv"},
        token=other)
    assert st == 202, job
    job = wait_for(lambda: (lambda j: j if j["status"] in ("COMPLETED", "FAILED") else None)(
        client.api("GET", "/jobs/%s" % job["id"], token=other)[2]), timeout=60)
    assert job["status"] == "FAILED" and "denied" in job["error_message"], job
    st, _, body = client.api("POST", "/jobs/%s/download-url" % job["id"], json={}, token=other)
    assert st == 400
    # Someone else's dataset, a format no writer has.
    st, _, body = client.api("POST", "/datasets/%s/export" % ds["id"], json={"format": "csv"},
                             token=other)
    assert st == 403
    for fmt in ("pdf", "xlsx"):
        st, _, body = client.api("POST", "/datasets/%s/export" % ds["id"],
                                 json={"format": fmt}, token=tok)
        assert st == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == "format"
