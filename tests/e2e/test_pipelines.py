"""Pipelines (the ETL seed's "ETL jobs"): create, list, show, update,
activate, deactivate and delete; every refused definition names its field."""

import re

import pytest

from pipeline_helpers import create, seed, upload
from quarry_client import assert_error_shape, walk_pages

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CSV = b"customer_name,email\nann,ann@example.com\nbob,bob@example.com\n"


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


@pytest.fixture(scope="module")
def other(stack):
    return stack.client().register_and_login()


# The seed's "Step 1: Create ETL Job" body, as written.
SEED_CREATE = {
    "job_name": "Customer Data ETL",
    "job_type": "FULL_ETL",
    "description": "Extract, transform, and load customer data",
    "source_type": "FILE",
    "source_config": {"file_pattern": "customers_*.csv", "directory": "/data/customers"},
    "transformation_rules": [{
        "rule_type": "FIELD_MAPPING",
        "source_field": "customer_name",
        "target_field": "name",
        "transformation": "UPPERCASE",
    }],
    "schedule": "0 2 * * *",
    "is_active": True,
}


def test_seed_create_through_jobs(client, user):
    """POST /jobs with job_name defines a pipeline: the seed's answer."""
    body = create(client, user["token"], path=seed(client, "/jobs"), **SEED_CREATE)
    assert body["status"] == "created"
    assert body["job_name"] == "Customer Data ETL" and body["job_type"] == "FULL_ETL"
    assert re.match(r"^[0-9a-f-]{36}$", body["job_id"]) and ISO_MS.match(body["created_at"])
    # The rule compiled to the engine's steps, the schedule armed.
    assert body["compiled_steps"] == [
        {"type": "rename", "params": {"mapping": {"customer_name": "name"}}},
        {"type": "transform", "params": {"column": "name", "function": "uppercase"}},
    ]
    assert body["schedule"] == "0 2 * * *" and body["schedule_timezone"] == "UTC"
    assert ISO_MS.match(body["next_run_at"]) and body["next_run_at"][11:] == "02:00:00.000Z"
    assert body["destination"] == {"type": "file", "format": "csv", "write_mode": "overwrite"}
    status, _, _ = client.api("POST", "/pipelines/%s/deactivate" % body["job_id"], json={},
                              token=user["token"])
    assert status == 200
    # A Karyaksham body on the same path is still a job.
    status, _, job = client.api("POST", "/jobs", json={"file_name": "a.csv"}, token=user["token"])
    assert status == 201 and job["status"] == "PENDING", job


def test_list_get_and_seed_list(client, user, other):
    token = user["token"]
    a = create(client, token, job_name="list-a", job_type="EXTRACT", source_type="FILE",
               source_config={"file_pattern": "x*.csv"})
    b = create(client, token, job_name="list-b", job_type="TRANSFORM", is_active=False)
    status, headers, body = client.api("GET", "/pipelines?status=inactive&limit=50",
                                       token=token)
    assert status == 200, body
    names = [p["job_name"] for p in body["jobs"]]
    assert "list-b" in names and "list-a" not in names
    assert body["limit"] == 50 and body["offset"] == 0 and body["total"] == int(
        headers["X-Total-Count"])
    # The seed's path and query: GET /jobs?status=active&limit=10&offset=0.
    status, _, body = client.api("GET", seed(client, "/jobs?status=active&limit=10&offset=0"),
                                 token=token)
    assert status == 200, body
    assert set(body) == {"jobs", "total", "limit", "offset"}
    first = body["jobs"][0]
    for key in ("job_id", "job_name", "job_type", "is_active", "last_execution", "success_rate"):
        assert key in first, key
    assert first["last_execution"] is None and first["success_rate"] is None
    assert all(p["is_active"] for p in body["jobs"])
    status, _, got = client.api("GET", "/pipelines/%s" % a["job_id"], token=token)
    assert status == 200 and got["job_name"] == "list-a" and got["source_type"] == "FILE"
    # Someone else's: 403; unknown: 404.
    status, _, err = client.api("GET", "/pipelines/%s" % a["job_id"], token=other["token"])
    assert status == 403, err
    assert_error_shape(err, "FORBIDDEN")
    status, _, err = client.api("GET", "/pipelines/%s" % b["job_id"].replace(b["job_id"][:8],
                                                                              "00000000"),
                                token=token)
    assert status == 404
    assert_error_shape(err, "PIPELINE_NOT_FOUND")
    status, _, err = client.api("GET", "/pipelines?status=paused", token=token)
    assert status == 422 and err["error"]["field"] == "status"


def walk(client, token, path):
    """Every pipeline of a list, page after page through Link rel=next."""
    def link_ok(link):
        assert "after=" in link and "limit=2" in link

    return walk_pages(client, token, path, lambda b: [p["job_id"] for p in b["jobs"]],
                      on_next=link_ok)


def test_list_pages_by_cursor(stack, client):
    """Following Link rel=next lists each pipeline once, in skip's order,
    ties of created_at included; the seed's list pages the same way."""
    user = client.register_and_login()
    token = user["token"]
    made = [create(client, token, job_name="walk-%d" % i, is_active=i % 3 != 0)["job_id"]
            for i in range(7)]
    # Four of them made in the same millisecond: the id orders them.
    stack.sql("UPDATE pipelines SET created_at = '2026-01-01 00:00:00.000' WHERE id IN (%s)"
              % ",".join("'%s'" % i for i in made[2:6]))
    for path, n in (("/pipelines?limit=2", 7), ("/pipelines?status=active&limit=2", 4),
                    ("/pipelines?status=inactive&limit=2", 3),
                    (seed(client, "/jobs?status=active&limit=2"), 4)):
        items, pages, total = walk(client, token, path)
        assert total == n and len(items) == n and len(set(items)) == n, path
        assert pages == -(-n // 2)
        by_skip = []
        for skip in range(0, n, 2):
            status, _, body = client.api("GET", path.replace("limit=", "skip=%d&limit=" % skip),
                                         token=token)
            assert status == 200, body
            by_skip += [p["job_id"] for p in body["jobs"]]
        assert by_skip == items, path
    assert set(walk(client, token, "/pipelines?limit=2")[0]) == set(made)
    # A cursor of another list, or with skip: 422 naming after.
    _, headers, _ = client.api("GET", "/pipelines?limit=2", token=token)
    cursor = re.search(r"after=([^&>]+)", headers["Link"]).group(1)
    status, _, err = client.api("GET", "/pipelines?after=%s&skip=2" % cursor, token=token)
    assert status == 422 and err["error"]["field"] == "after"
    status, _, err = client.api("GET", "/pipelines?after=bm9wZQ", token=token)
    assert status == 422 and err["error"]["field"] == "after"


def test_file_source_by_id(client, user, other):
    token = user["token"]
    f = upload(client, token, "by-id.csv", CSV)
    p = create(client, token, job_name="by-id", source_type="FILE",
               source_config={"file_id": f["file_id"]})
    assert p["source_config"] == {"file_id": f["file_id"]}
    # Another user's file is not a source of yours.
    status, _, err = client.api("POST", "/pipelines", token=other["token"], json={
        "job_name": "theirs", "source_type": "FILE", "source_config": {"file_id": f["file_id"]}})
    assert status == 422 and err["error"]["field"] == "source_config.file_id", err


@pytest.mark.parametrize("body, field", [
    ({}, "job_name"),
    ({"job_name": "x", "job_type": "COPY"}, "job_type"),
    ({"job_name": "x", "source_type": "FTP"}, "source_type"),
    # No stored source named default, no dataset: nothing to read.
    ({"job_name": "x", "source_type": "DATABASE"}, "source_config.source_id"),
    ({"job_name": "x", "source_type": "DATASET"}, "source_config.dataset_id"),
    ({"job_name": "x", "source_type": "FILE"}, "source_config"),
    ({"job_name": "x", "source_type": "FILE",
      "source_config": {"file_id": "b5b3f7a4-0a0e-4a43-9c57-2a8a9b1b2c3d"}}, "source_config.file_id"),
    ({"job_name": "x", "transformation_rules": [{"rule_type": "MAGIC"}]},
     "transformation_rules[0].rule_type"),
    ({"job_name": "x", "transformation_rules": [{"rule_type": "FIELD_MAPPING"}]},
     "transformation_rules[0].field"),
    ({"job_name": "x", "transformation_rules": [
        {"rule_type": "FIELD_MAPPING", "source_field": "a", "transformation": "SHOUT"}]},
     "transformation_rules[0].transformation"),
    ({"job_name": "x", "transformation_rules": [
        {"rule_type": "VALIDATION", "field": "a", "rule": "email"},
        {"rule_type": "DATA_TYPE_CONVERSION", "field": "a", "target_type": "money"}]},
     "transformation_rules[1].target_type"),
    ({"job_name": "x", "processing_steps": [{"type": "explode", "params": {}}]},
     "processing_steps[0].type"),
    ({"job_name": "x", "destination": {"type": "dataset"}}, "destination.dataset_id"),
    ({"job_name": "x", "destination": {"type": "table"}}, "destination.type"),
    ({"job_name": "x", "destination": {"type": "file", "format": "pdf"}}, "destination.format"),
    ({"job_name": "x", "destination": {"type": "file", "write_mode": "append"}},
     "destination.write_mode"),
    ({"job_name": "x", "schedule": "0 2 * *"}, "schedule"),
    ({"job_name": "x", "schedule": "0 0 30 2 *"}, "schedule"),
    ({"job_name": "x", "schedule": {"type": "cron", "expression": "0 2 * * *",
                                    "timezone": "Mars/Base"}}, "schedule.timezone"),
    ({"job_name": "x", "schedule": {"type": "interval", "interval_seconds": 0}},
     "schedule.interval_seconds"),
    ({"job_name": "x", "schedule": {"type": "weekly"}}, "schedule.type"),
    ({"job_name": "x", "schedule": 5}, "schedule"),
])
def test_refused_definitions(client, user, body, field):
    status, _, err = client.api("POST", "/pipelines", json=body, token=user["token"])
    assert status == 422, err
    assert_error_shape(err, "VALIDATION_ERROR")
    assert err["error"]["field"] == field, err


def test_update_activate_delete(client, user):
    token = user["token"]
    p = create(client, token, job_name="upd", schedule={"type": "interval", "interval_seconds": 3600},
               transformation_rules=[{"rule_type": "VALIDATION", "field": "email",
                                      "rule": "email", "severity": "warning"}])
    pid = p["job_id"]
    assert p["schedule"] == {"type": "interval", "interval_seconds": 3600} and p["next_run_at"]
    status, _, body = client.api("PATCH", "/pipelines/%s" % pid, token=token,
                                 json={"description": "now with a zone",
                                       "schedule": {"type": "cron", "expression": "30 6 * * mon-fri",
                                                    "timezone": "Europe/Berlin"}})
    assert status == 200, body
    assert body["description"] == "now with a zone" and body["job_name"] == "upd"
    assert body["schedule"]["timezone"] == "Europe/Berlin"
    assert body["compiled_steps"][0]["type"] == "validate"
    # A bad patch changes nothing.
    status, _, err = client.api("PATCH", "/pipelines/%s" % pid, token=token,
                                json={"job_type": "NOPE", "description": "lost"})
    assert status == 422 and err["error"]["field"] == "job_type"
    status, _, body = client.api("POST", "/pipelines/%s/deactivate" % pid, token=token, json={})
    assert status == 200 and body["is_active"] is False and body["next_run_at"] is None
    assert body["description"] == "now with a zone"
    status, _, body = client.api("POST", "/pipelines/%s/activate" % pid, token=token, json={})
    assert status == 200 and body["is_active"] is True and body["next_run_at"]
    status, _, body = client.api("PATCH", "/pipelines/%s" % pid, token=token,
                                 json={"schedule": None})
    assert status == 200 and body["schedule"] is None and body["next_run_at"] is None
    status, _, _ = client.api("DELETE", "/pipelines/%s?force=maybe" % pid, token=token)
    assert status == 422
    status, _, _ = client.api("DELETE", "/pipelines/%s" % pid, token=token)
    assert status == 204
    status, _, err = client.api("GET", "/pipelines/%s" % pid, token=token)
    assert status == 404
