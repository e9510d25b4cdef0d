"""Executions of pipelines: run by hand, history, cancel, the seed's
"Example 3: Monitor Job with Error Handling", errors (summary, resolve) and
data-quality checks, on the real stack."""

import time

import pytest

from pipeline_helpers import create, execute, executions, seed, upload, wait_execution
from quarry_client import assert_error_shape

CUSTOMERS = (b"customer_name,email,age\n"
             b"ann,ann@example.com,31\n"
             b"bob,not-an-email,42\n"
             b"cy,cy@example.com,27\n"
             b"dee,also bad,55\n")


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


@pytest.fixture(scope="module")
def other(stack):
    return stack.client().register_and_login()


def test_execute_by_hand_and_history(client, user):
    token = user["token"]
    f = upload(client, token, "customers_2026.csv", CUSTOMERS)
    p = create(client, token, job_name="customers", source_type="FILE",
               source_config={"file_pattern": "customers_*.csv"},
               transformation_rules=[{"rule_type": "FIELD_MAPPING", "source_field": "customer_name",
                                      "target_field": "name", "transformation": "UPPERCASE"}],
               destination={"type": "file", "format": "jsonl"})
    started = execute(client, token, p["job_id"], parameters={"batch_size": 1000})
    # The seed's answer.
    assert started["job_id"] == p["job_id"] and started["status"] == "started"
    assert started["dependencies_checked"] is True and started["dependencies_met"] == 0
    assert started["task_id"] and started["batch_id"]
    e = wait_execution(client, token, p["job_id"], started["execution_id"])
    assert e["status"] == "SUCCESS", e
    assert e["records_processed"] == 4 and e["records_successful"] == 4 and e["records_failed"] == 0
    assert e["duration_seconds"] >= 0 and e["start_time"] and e["end_time"]
    perf = e["performance_metrics"]
    for key in ("records_per_second", "memory_usage_mb", "cpu_usage_percent"):
        assert isinstance(perf[key], (int, float)), perf
    assert perf["memory_usage_mb"] > 0
    assert e["parameters"] == {"batch_size": 1000} and e["trigger"] == "manual"
    # The output is the job's: downloadable through the job it ran as.
    status, headers, _ = client.api("GET", e["download_path"], token=token)
    assert status == 302, headers
    status, _, data = client.request("GET", headers["Location"])
    assert status == 200
    lines = data.decode().splitlines()
    assert len(lines) == 4 and '"name":"ANN"' in lines[0].replace(" ", ""), lines
    # History, the seed's envelope; the pipeline's counters.
    body = executions(client, token, p["job_id"], limit=10, offset=0)
    assert body["total"] == 1 and body["limit"] == 10 and body["offset"] == 0
    assert body["executions"][0]["execution_id"] == started["execution_id"]
    status, _, got = client.api("GET", "/pipelines/%s" % p["job_id"], token=token)
    assert got["success_rate"] == 100.0 and got["last_execution"] == e["end_time"]
    assert got["last_execution_status"] == "SUCCESS" and got["total_executions"] == 1
    # The file upload it read stays the user's file: untouched.
    status, _, again = client.api("GET", "/files/%s" % f["file_id"], token=token)
    assert status == 200 and again["processing_status"] == "PENDING"


def test_missing_source_fails_with_an_error_row(client, user):
    token = user["token"]
    p = create(client, token, job_name="nothing-matches", source_type="FILE",
               source_config={"file_pattern": "never_*.csv"})
    e = wait_execution(client, token, p["job_id"], execute(client, token, p["job_id"])["execution_id"])
    assert e["status"] == "FAILED" and "no uploaded file matches never_*.csv" in e["error_message"]
    status, _, body = client.api("GET", "/errors/executions/%s/errors" % e["execution_id"],
                                 token=token)
    assert status == 200 and body["success"] is True, body
    errors = body["data"]["errors"]
    assert len(errors) == 1 and errors[0]["error_type"] == "SOURCE_ERROR"
    assert errors[0]["error_severity"] == "HIGH" and errors[0]["is_resolved"] is False


def test_seed_example_3_monitor_with_error_handling(client, user):
    """Execute, poll the status until SUCCESS or FAILED, read the errors, read
    the performance metrics: the seed's paths (under /jobs) and answers."""
    token = user["token"]
    upload(client, token, "monitor.csv", CUSTOMERS)
    p = create(client, token, path=seed(client, "/jobs"), job_name="Monitor", job_type="TRANSFORM",
               source_type="FILE", source_config={"file_pattern": "monitor.csv"},
               transformation_rules=[
                   {"rule_type": "VALIDATION", "field": "age", "rule": "max", "value": 50,
                    "severity": "warning"},
                   {"rule_type": "VALIDATION", "field": "email", "rule": "email"}])
    job_id = p["job_id"]
    # 1. Execute job
    status, _, started = client.api("POST", seed(client, "/jobs/%s/execute" % job_id), token=token)
    assert status == 202, started
    execution_id = started["execution_id"]
    # 2. Poll for status
    deadline = time.monotonic() + 60
    while True:
        status, _, e = client.api("GET", seed(client, "/jobs/%s/executions/%s" % (job_id, execution_id)),
                                  token=token)
        assert status == 200, e
        if e["status"] in ("SUCCESS", "FAILED"):
            break
        assert time.monotonic() < deadline, e
        time.sleep(0.2)
    assert e["status"] == "SUCCESS"
    assert e["records_processed"] == 4 and e["records_failed"] == 2 and e["records_successful"] == 2
    # 3. Get errors (row-level: two bad emails (MEDIUM), one age warning (LOW))
    status, _, body = client.api("GET", seed(client, "/errors/executions/%s/errors" % execution_id), token=token)
    assert status == 200 and body["success"] is True and body["message"] == \
        "Retrieved 3 errors for execution", body
    errors = body["data"]["errors"]
    assert body["data"]["total_count"] == 3 and body["data"]["offset"] == 0
    kinds = sorted((x["error_type"], x["error_severity"], x["line"]) for x in errors)
    assert kinds == [("VALIDATION_ERROR", "LOW", 5), ("VALIDATION_ERROR", "MEDIUM", 3),
                     ("VALIDATION_ERROR", "MEDIUM", 5)], kinds
    for x in errors:
        assert x["job_execution_id"] == execution_id and x["occurred_at"] and not x["is_resolved"]
    # Filters and paging.
    status, _, body = client.api("GET", seed(client, "/errors/executions/%s/errors?severity=LOW&limit=10" % execution_id),
                                 token=token)
    assert body["data"]["total_count"] == 1 and body["data"]["errors"][0]["line"] == 5
    status, _, body = client.api("GET", seed(client, "/errors/executions/%s/errors?limit=1&offset=1" % execution_id),
                                 token=token)
    assert len(body["data"]["errors"]) == 1 and body["data"]["total_count"] == 3
    status, _, err = client.api("GET", seed(client, "/errors/executions/%s/errors?severity=SEVERE" % execution_id),
                                token=token)
    assert status == 422 and err["error"]["field"] == "severity"
    # 4. Get performance metrics
    assert set(e["performance_metrics"]) >= {"records_per_second", "memory_usage_mb",
                                             "cpu_usage_percent"}


def test_error_summary_resolve_unresolve(client, stack):
    user = stack.client().register_and_login()
    token = user["token"]
    upload(client, token, "summary.csv", CUSTOMERS)
    p = create(client, token, job_name="summary", source_type="FILE",
               source_config={"file_pattern": "summary.csv"},
               transformation_rules=[{"rule_type": "VALIDATION", "field": "email", "rule": "email"}])
    e = wait_execution(client, token, p["job_id"], execute(client, token, p["job_id"])["execution_id"])
    status, _, body = client.api("GET", "/errors/executions/%s/errors" % e["execution_id"],
                                 token=token)
    first, second = body["data"]["errors"]
    status, _, res = client.api("PATCH", "/errors/%s/resolve" % first["error_id"], token=token,
                                json={"resolved_by": "ops-team"})
    assert status == 200 and res["success"] is True and res["message"] == "Error marked as resolved"
    assert res["data"]["is_resolved"] is True and res["data"]["resolved_by"] == "ops-team"
    assert res["data"]["resolved_at"]
    status, _, res = client.api("PATCH", "/errors/%s/resolve" % second["error_id"], token=token)
    assert status == 200 and res["data"]["resolved_by"] == user["user"]["id"]
    status, _, summary = client.api("GET", "/errors/summary?days=7", token=token)
    assert status == 200 and summary["message"] == "Error summary for last 7 days"
    data = summary["data"]
    assert data["period_days"] == 7 and data["total_errors"] == 2
    assert data["resolved_errors"] == 2 and data["unresolved_errors"] == 0
    assert data["resolution_rate"] == 100.0
    assert data["by_severity"] == {"LOW": 0, "MEDIUM": 2, "HIGH": 0, "CRITICAL": 0}
    assert data["by_type"] == {"VALIDATION_ERROR": 2}
    status, _, res = client.api("PATCH", "/errors/%s/unresolve" % second["error_id"], token=token)
    assert status == 200 and res["data"]["is_resolved"] is False and res["data"]["resolved_by"] is None
    status, _, summary = client.api("GET", "/errors/summary", token=token)
    assert summary["data"]["resolution_rate"] == 50.0 and summary["data"]["unresolved_errors"] == 1
    status, _, body = client.api("GET", "/errors/executions/%s/errors?is_resolved=false"
                                 % e["execution_id"], token=token)
    assert [x["error_id"] for x in body["data"]["errors"]] == [second["error_id"]]
    # Someone else's error is not the caller's to resolve.
    stranger = stack.client().register_and_login()
    status, _, err = client.api("PATCH", "/errors/%s/resolve" % first["error_id"],
                                token=stranger["token"])
    assert status == 403
    assert_error_shape(err, "FORBIDDEN")
    status, _, err = client.api("GET", "/errors/executions/%s/errors" % e["execution_id"],
                                token=stranger["token"])
    assert status == 403


def test_cancel_a_running_execution(client, stack, user):
    """A running execution is stopped by the dispatcher and ends CANCELLED;
    a finished one cannot be cancelled. quarry-process is slowed down with
    the test knob process_throttle_ms (read by each process when it starts)."""
    token = user["token"]
    upload(client, token, "cancel.csv", CUSTOMERS)
    p = create(client, token, job_name="cancel-me", source_type="FILE",
               source_config={"file_pattern": "cancel.csv"})
    original = stack.config.read_text()
    stack.config.write_text(original + "\nprocess_throttle_ms = 3000\n")
    try:
        started = execute(client, token, p["job_id"])
        wait_execution(client, token, p["job_id"], started["execution_id"], statuses=("RUNNING",))
    finally:
        stack.config.write_text(original)
    status, _, e = client.api("POST", "/pipelines/%s/executions/%s/cancel"
                              % (p["job_id"], started["execution_id"]), token=token, json={})
    assert status == 200, e
    e = wait_execution(client, token, p["job_id"], started["execution_id"])
    assert e["status"] == "CANCELLED", e
    status, _, got = client.api("GET", "/pipelines/%s" % p["job_id"], token=token)
    assert got["total_executions"] == 0 and got["last_execution_status"] == "CANCELLED"
    assert got["success_rate"] is None
    status, _, err = client.api("POST", "/pipelines/%s/executions/%s/cancel"
                                % (p["job_id"], started["execution_id"]), token=token, json={})
    assert status == 400
    assert_error_shape(err, "INVALID_STATE")


def test_execution_paths_refuse_strangers_and_unknowns(client, user, other):
    token = user["token"]
    p = create(client, token, job_name="private")
    status, _, err = client.api("POST", "/pipelines/%s/execute" % p["job_id"], token=other["token"],
                                json={})
    assert status == 403
    status, _, err = client.api("GET", "/pipelines/%s/executions/%s" % (
        p["job_id"], "6f0e8400-e29b-41d4-a716-446655440000"), token=token)
    assert status == 404
    assert_error_shape(err, "EXECUTION_NOT_FOUND")
    status, _, err = client.api("POST", "/pipelines/%s/execute" % p["job_id"], token=token,
                                json={"parameters": [1]})
    assert status == 422 and err["error"]["field"] == "parameters"
    status, _, err = client.api("GET", "/pipelines/%s/executions?status=DONE" % p["job_id"],
                                token=token)
    assert status == 422 and err["error"]["field"] == "status"


# A generated file with known answers: 10 records; row 3 and 7 have no email
# (completeness), row 5's email is malformed (the email rule), row 8's age is
# not a number (its column's type), row 10 repeats row 2's id (a duplicate key).
QUALITY_CSV = ("id,email,age\n"
               "1,a@example.com,30\n"
               "2,b@example.com,31\n"
               "3,,32\n"
               "4,d@example.com,33\n"
               "5,broken-address,34\n"
               "6,f@example.com,35\n"
               "7,,36\n"
               "8,h@example.com,unknown\n"
               "9,i@example.com,38\n"
               "2,j@example.com,39\n").encode()


def test_data_quality_check_with_known_answers(client, user):
    token = user["token"]
    f = upload(client, token, "quality.csv", QUALITY_CSV)
    status, _, check = client.api("POST", "/data-quality/check", token=token, json={
        "entity_type": f["file_id"],
        "check_config": {"completeness": True, "accuracy": True, "consistency": True,
                         "rules": [{"column": "email", "rule": "email"}],
                         "key_columns": ["id"]}})
    assert status == 200, check
    assert check["status"] == "completed" and check["entity_type"] == f["file_id"]
    assert check["total_records"] == 10
    # Rows 3, 5, 7, 8 and 10 fail one check each: 5 pass.
    assert check["passed_records"] == 5 and check["failed_records"] == 5
    assert check["quality_score"] == 50.0
    issues = {(i["rule"], i.get("column")): (i["severity"], i["failed_count"])
              for i in check["issues"]}
    assert issues == {("completeness", "email"): ("MEDIUM", 2),
                      ("email_format", "email"): ("MEDIUM", 1),
                      ("type_mismatch", "age"): ("MEDIUM", 1),
                      ("duplicate_key", None): ("HIGH", 1)}, issues
    assert check["details"]["completeness"] == {"id": 100.0, "email": 80.0, "age": 100.0}
    assert check["details"]["column_types"]["age"] == "integer"
    # Stored and listed per entity; the seed's shape with a name for the entity.
    status, _, again = client.api("GET", "/data-quality/checks/%s" % check["check_id"], token=token)
    assert status == 200 and again["quality_score"] == 50.0
    status, headers, listed = client.api("GET", "/data-quality/checks?entity_id=%s" % f["file_id"],
                                         token=token)
    assert status == 200 and listed["total"] == 1 and listed["checks"][0]["check_id"] == \
        check["check_id"]
    # Only accuracy, inferred types (no rules): the age row only.
    status, _, check = client.api("POST", "/data-quality/check", token=token, json={
        "entity_type": "file", "entity_id": f["file_id"],
        "check_config": {"completeness": False, "accuracy": True, "consistency": False}})
    assert status == 200 and check["passed_records"] == 9 and check["quality_score"] == 90.0, check
    assert [(i["rule"], i["column"]) for i in check["issues"]] == [("type_mismatch", "age")]


@pytest.mark.parametrize("body, status, field", [
    ({"entity_type": "customer"}, 422, "entity_type"),
    ({"entity_type": "dataset", "entity_id": "x"}, 422, "entity_type"),
    ({"entity_type": "file", "entity_id": "6f0e8400-e29b-41d4-a716-446655440000"}, 404, None),
    ({"entity_type": "file", "entity_id": "6f0e8400-e29b-41d4-a716-446655440000",
      "check_config": {"rules": [{"column": "email", "rule": "shiny"}]}}, 422,
     "check_config.rules[0].rule"),
    ({"entity_type": "file", "entity_id": "6f0e8400-e29b-41d4-a716-446655440000",
      "check_config": {"completeness": "yes"}}, 422, "check_config.completeness"),
])
def test_data_quality_refusals(client, user, body, status, field):
    got, _, err = client.api("POST", "/data-quality/check", token=user["token"], json=body)
    assert got == status, err
    if field:
        assert err["error"]["field"] == field, err
