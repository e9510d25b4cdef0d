"""Jobs end to end, as a REST client would do it: create, signed upload,
mark uploaded, the dispatcher runs quarry-process, poll, signed download."""

import contextlib
import datetime
import functools
import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

import quarry_client
from quarry_client import assert_error_shape, upload_input, wait_job

INPUT = (
    "id,name,city,amount\n"
    "1,Ann,New York,10.5\n"
    "2,Bob,Boston,3\n"
    "3,\"Cho, Jr.\",New York,7\n"
    "4,Dee,\"New York\",1\n"
    "5,Eve,Newark,2\n"
).encode()

EXPECTED = (
    "id,name,city,amount\n"
    "1,Ann,New York,10.5\n"
    "3,\"Cho, Jr.\",New York,7\n"
    "4,Dee,New York,1\n"
).encode()

FILTER_NY = [{"type": "filter", "params": {"column": "city", "operator": "eq", "value": "New York"}}]


@pytest.fixture(scope="module")
def alice(stack):
    return stack.client().register_and_login()


@pytest.fixture(scope="module")
def bob(stack):
    return stack.client().register_and_login()


# The shared helpers with this module's defaults: the people table, filtered
# to New York.
create_job = functools.partial(quarry_client.create_job, data=INPUT, name="people.csv",
                               steps=FILTER_NY)
upload = functools.partial(upload_input, data=INPUT)
run_job = functools.partial(quarry_client.run_job, data=INPUT, name="people.csv", steps=FILTER_NY)


def test_whole_flow_filter_new_york(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    assert job["status"] == "PENDING"
    assert job["processing_steps"] == FILTER_NY
    assert job["user_id"] == alice["user"]["id"]
    assert job["progress"]["processed_records"] == 0
    up = upload(client, token, job)
    assert up["method"] == "PUT"
    assert up["object_key"] == "input/%s/people.csv" % job["id"]
    assert up["expires_at"].endswith("Z")
    status, _, queued = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                   json={"object_key": up["object_key"]}, token=token)
    assert status == 200, queued
    assert queued["queued_at"] is not None
    done = wait_job(client, token, job["id"], ("COMPLETED", "FAILED"))
    assert done["status"] == "COMPLETED", done
    assert done["progress"]["processed_records"] == 5
    assert done["progress"]["failed_records"] == 0
    assert done["progress"]["percentage"] == 100
    assert done["output_object_key"] == "output/%s/people_processed.csv" % job["id"]
    assert done["started_at"] and done["finished_at"]
    status, _, dl = client.api("POST", "/jobs/%s/download-url" % job["id"], json={}, token=token)
    assert status == 200, dl
    status, headers, data = client.request("GET", dl["download_url"])
    assert status == 200
    assert data == EXPECTED
    assert 'filename="people_processed.csv"' in headers.get("Content-Disposition", "")
    # GET /download redirects to a fresh signed URL that works too.
    status, headers, _ = client.api("GET", "/jobs/%s/download" % job["id"], token=token)
    assert status == 302
    status, _, data = client.request("GET", headers["Location"])
    assert status == 200 and data == EXPECTED


def test_json_lines_output_and_listing(client, alice):
    token = alice["token"]
    job_id = run_job(client, token, output_format="jsonl", name="people2.csv")
    done = wait_job(client, token, job_id, ("COMPLETED", "FAILED"))
    assert done["status"] == "COMPLETED", done
    status, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
    _, _, data = client.request("GET", dl["download_url"])
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert [r["name"] for r in rows] == ["Ann", "Cho, Jr.", "Dee"]
    status, headers, jobs = client.api("GET", "/jobs?limit=1", token=token)
    assert status == 200 and len(jobs) == 1
    assert int(headers["X-Total-Count"]) >= 2
    assert jobs[0]["id"] == job_id  # newest first
    status, _, jobs = client.api("GET", "/jobs?status=COMPLETED&limit=1000", token=token)
    assert all(j["status"] == "COMPLETED" for j in jobs)
    for bad in ("limit=0", "limit=1001", "skip=-1", "status=DONE", "limit=x"):
        status, _, body = client.api("GET", "/jobs?" + bad, token=token)
        assert status == 422, bad
        assert_error_shape(body, "VALIDATION_ERROR")


def test_create_validation(client, alice):
    token = alice["token"]
    cases = [
        ({"original_file_size_bytes": 3}, "file_name"),
        ({"file_name": "", "processing_steps": []}, "file_name"),
        ({"file_name": "a.csv", "processing_steps": "filter"}, "processing_steps"),
        ({"file_name": "a.csv", "processing_steps": [{"type": "explode", "params": {}}]}, "processing_steps[0]"),
        ({"file_name": "a.csv", "processing_steps": [{"type": "filter", "params": {"operator": "eq", "value": 1}}]},
         "processing_steps[0]"),
        ({"file_name": "a.csv", "output_format": "pdf"}, "output_format"),
        ({"file_name": "a.csv", "original_file_size_bytes": -1}, "original_file_size_bytes"),
    ]
    for payload, field in cases:
        status, _, body = client.api("POST", "/jobs", json=payload, token=token)
        assert status == 422, (payload, body)
        err = assert_error_shape(body, "VALIDATION_ERROR")
        assert err["field"].startswith(field), (payload, err)


def test_someone_elses_job(client, alice, bob):
    job = create_job(client, alice["token"])
    for method, path in (("GET", ""), ("POST", "/upload-url"), ("POST", "/cancel"),
                         ("GET", "/errors"), ("POST", "/download-url")):
        status, _, body = client.api(method, "/jobs/%s%s" % (job["id"], path),
                                     json={} if method == "POST" else None, token=bob["token"])
        assert status == 403, (path, body)
        assert_error_shape(body, "FORBIDDEN")
    status, _, jobs = client.api("GET", "/jobs", token=bob["token"])
    assert job["id"] not in [j["id"] for j in jobs]
    status, _, body = client.api("GET", "/jobs/00000000-0000-4000-8000-000000000000", token=bob["token"])
    assert status == 404
    assert_error_shape(body, "JOB_NOT_FOUND")
    status, _, body = client.api("GET", "/jobs/not-a-uuid", token=bob["token"])
    assert status == 404
    status, _, body = client.api("GET", "/status/%s" % job["id"], token=bob["token"])
    assert status == 404
    assert_error_shape(body, "UPLOAD_NOT_FOUND")


def test_state_rules(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, _, body = client.api("POST", "/jobs/%s/download-url" % job["id"], json={}, token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_STATE")
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": "input/%s/people.csv" % job["id"]}, token=token)
    assert status == 400  # no upload URL yet: the key is not this job's
    up = upload(client, token, job)
    # A second upload URL while the first is still valid is refused.
    status, _, body = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_STATE")
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": "input/%s/other.csv" % job["id"]}, token=token)
    assert status == 400
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"], json={}, token=token)
    assert status == 422
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 200
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_STATE")


def test_mark_uploaded_without_object(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 400
    assert_error_shape(body, "OBJECT_NOT_FOUND")


def test_racing_mark_uploaded_only_one_wins(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    up = upload(client, token, job)
    results = []

    def mark():
        results.append(client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                  json={"object_key": up["object_key"]}, token=token)[0])

    threads = [threading.Thread(target=mark) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) == 1, results
    assert all(s in (200, 400) for s in results), results


# Whether any connection but this one is inside a statement or holds an
# open InnoDB transaction (the API's workers are idle between requests).
# Asked as the private instance's administrator: the quarry user may not
# read INNODB_TRX (PROCESS privilege).
BUSY_SQL = ("SELECT (SELECT COUNT(*) FROM information_schema.INNODB_TRX) + "
            "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
            "AND COMMAND NOT IN ('Sleep', 'Daemon') AND USER <> 'system user')")


@contextlib.contextmanager
def dispatcher_paused(stack):
    """quarry-jobd stopped (SIGSTOP) at a point where it holds no lock: no
    transaction open and no statement running on the server. Stopped
    inside one of its transactions (a claim, a job's end), it would keep
    that transaction's row locks (a job row, the list_counts rows its
    triggers touched) and a statement of the test would wait for them until
    the lock wait timeout. When the stop lands inside one, the dispatcher
    goes on and is stopped again a moment later."""
    jobd = stack.pid("jobd")
    for _ in range(200):
        stack.kill(jobd, signal.SIGSTOP)
        assert quarry_client.wait_for(lambda: quarry_client.pid_stopped(jobd), timeout=5)
        if stack.admin_sql(BUSY_SQL) == "0":
            break
        stack.kill(jobd, signal.SIGCONT)
        time.sleep(0.05)
    else:
        raise AssertionError("the dispatcher never paused outside a transaction")
    try:
        yield jobd
    finally:
        stack.kill(jobd, signal.SIGCONT)


def test_cancel_pending_and_queued_and_finished(stack, client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, _, body = client.api("POST", "/jobs/%s/cancel" % job["id"], json={}, token=token)
    assert status == 200 and body["status"] == "CANCELLED", body
    assert body["finished_at"] is not None
    status, _, body = client.api("POST", "/jobs/%s/cancel" % job["id"], json={}, token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_STATE")
    # QUEUED: the row is put in QUEUED directly while the dispatcher is paused
    # (SIGSTOP, outside any transaction of its own): it claims any QUEUED job,
    # at once when it has just reaped one, so without the pause it may run
    # this one before the cancel.
    job = create_job(client, token)
    with dispatcher_paused(stack):
        stack.sql("UPDATE jobs SET status='QUEUED', queued_at=UTC_TIMESTAMP(3), "
                  "input_object_key=NULL WHERE id='%s'" % job["id"])
        status, _, body = client.api("POST", "/jobs/%s/cancel" % job["id"], json={}, token=token)
        assert stack.sql("SELECT status FROM jobs WHERE id='%s'" % job["id"]) == [["CANCELLED"]]
    assert status == 200 and body["status"] == "CANCELLED", body
    # A finished job cannot be cancelled.
    job_id = run_job(client, token)
    wait_job(client, token, job_id, ("COMPLETED",))
    status, _, body = client.api("POST", "/jobs/%s/cancel" % job_id, json={}, token=token)
    assert status == 400


def test_line_errors_endpoint(client, alice):
    token = alice["token"]
    data = b"id,email\n1,a@b.co\n2,not-an-email\n3,\n4,c@d.org\n"
    steps = [{"type": "validate", "params": {"column": "email", "rule": "email", "severity": "error"}}]
    job_id = run_job(client, token, data=data, steps=steps, name="emails.csv")
    done = wait_job(client, token, job_id, ("COMPLETED", "FAILED"))
    assert done["status"] == "COMPLETED", done
    assert done["progress"]["failed_records"] >= 1
    status, headers, body = client.api("GET", "/jobs/%s/errors" % job_id, token=token)
    assert status == 200, body
    assert body["total"] == len(body["errors"]) >= 1
    first = body["errors"][0]
    assert first["line"] == 3 and first["severity"] == "error" and first["code"]
    status, _, body = client.api("GET", "/jobs/%s/errors?severity=warning" % job_id, token=token)
    assert status == 200 and body["total"] == 0
    status, _, body = client.api("GET", "/jobs/%s/errors?severity=fatal" % job_id, token=token)
    assert status == 422


def test_etag_polling(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, headers, _ = client.api("GET", "/jobs/%s" % job["id"], token=token)
    etag = headers["ETag"]
    assert etag
    status, _, body = client.api("GET", "/jobs/%s" % job["id"], token=token,
                                 headers={"If-None-Match": etag})
    assert status == 304
    upload(client, token, job)
    status, headers, _ = client.api("GET", "/jobs/%s" % job["id"], token=token,
                                    headers={"If-None-Match": etag})
    assert status in (200, 304)
    status, headers, _ = client.api("GET", "/status/%s" % job["id"], token=token)
    assert status == 200 and headers["ETag"]
    assert client.api("GET", "/status/%s" % job["id"], token=token,
                      headers={"If-None-Match": headers["ETag"]})[0] == 304


def test_status_view_through_a_lifecycle(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, _, view = client.api("GET", "/status/%s" % job["id"], token=token)
    assert status == 200, view
    assert (view["uploadId"], view["status"], view["stage"]) == (job["id"], "uploading", "file_upload")
    assert view["metadata"]["fileName"] == "people.csv"
    assert view["createdAt"].endswith("Z")
    # ttl: a Unix time in seconds, always set; while PENDING the abandoned
    # upload's removal (created_at + pending_ttl_hours, 24 h by default).
    created = datetime.datetime.strptime(view["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    assert isinstance(view["ttl"], int) and abs(view["ttl"] - (created + 24 * 3600)) <= 1, view
    up = upload(client, token, job)
    client.api("POST", "/jobs/%s/mark-uploaded" % job["id"], json={"object_key": up["object_key"]}, token=token)
    wait_job(client, token, job["id"], ("COMPLETED",))
    status, _, view = client.api("GET", "/status/%s" % job["id"], token=token)
    assert (view["status"], view["stage"]) == ("completed", "completed")
    assert view["progress"]["processedRecords"] == view["progress"]["processedLeads"] == 5
    assert view["progress"]["totalRecords"] == view["progress"]["totalLeads"] == 5
    assert view["progress"]["percentage"] == 100
    # Finished: its objects are removed retention_hours (168 h) after it ended.
    status, _, full = client.api("GET", "/jobs/%s" % job["id"], token=token)
    finished = datetime.datetime.strptime(full["finished_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    assert isinstance(view["ttl"], int) and abs(view["ttl"] - (finished + 168 * 3600)) <= 1, view
    assert view["progress"]["totalBatches"] == view["progress"]["completedBatches"] == 1
    status, _, body = client.api("POST", "/status/%s/cancel" % job["id"], token=token)
    assert status == 400
    assert_error_shape(body, "CANNOT_CANCEL")
    other = create_job(client, token)
    status, _, body = client.api("POST", "/status/%s/cancel" % other["id"], token=token)
    assert status == 200 and body["status"] == "cancelled" and body["uploadId"] == other["id"]
    assert body["message"] == "Processing cancellation requested"
    status, _, view = client.api("GET", "/status/%s" % other["id"], token=token)
    assert view["status"] == "cancelled"
    status, _, body = client.api("GET", "/status/not-a-uuid", token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_UPLOAD_ID")
    status, _, body = client.api("GET", "/status/00000000-0000-4000-8000-000000000000", token=token)
    assert status == 404
    assert_error_shape(body, "UPLOAD_NOT_FOUND")


def test_failed_job_status(client, alice):
    token = alice["token"]
    # Binary garbage under a .csv name is refused at mark-uploaded (415) ...
    job = create_job(client, token, size=64)
    up = upload(client, token, job, data=b"\x89PNG\r\n\x1a\n" + bytes(range(56)))
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 415, body
    assert_error_shape(body, "UNSUPPORTED_MEDIA_TYPE")


# ---------------------------------------------------------------- signed URLs

def test_bad_signed_urls(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    url = up["upload_url"]
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))

    def with_query(path=parts.path, **changes):
        q = dict(query)
        q.update(changes)
        return "%s://%s%s?%s" % (parts.scheme, parts.netloc, path, urllib.parse.urlencode(q))

    def put(u, data=INPUT):
        return client.request("PUT", u, body=data)

    def code_of(data):
        return json.loads(data)["error"]["code"]

    sig = query["sig"]
    tampered = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    status, _, data = put(with_query(sig=tampered))
    assert status == 403 and code_of(data) == "SIGNATURE_INVALID"
    status, _, data = put(with_query(expires=str(int(query["expires"]) + 60)))
    assert status == 403 and code_of(data) == "SIGNATURE_INVALID"
    status, _, data = put(with_query(max=str(int(query["max"]) * 10)))
    assert status == 403 and code_of(data) == "SIGNATURE_INVALID"
    status, _, data = put(with_query(path=parts.path.replace("people.csv", "other.csv")))
    assert status == 403 and code_of(data) == "SIGNATURE_INVALID"
    # The method is signed: the upload URL does not download.
    status, _, data = client.request("GET", url)
    assert status == 403 and code_of(data) == "SIGNATURE_INVALID"
    # Traversal attempts never reach the disk.
    for path in ("/objects/input/%s/../../../secrets/jwt.key" % job["id"],
                 "/objects/input/%s/%%2e%%2e/x" % job["id"],
                 "/objects/../secrets/jwt.key",
                 "/objects/.tmp/x"):
        status, _, data = client.request("GET", "%s://%s%s?%s" % (parts.scheme, parts.netloc, path, parts.query))
        assert status in (400, 403, 404), (path, status)
    # Over the declared size (plus slack): 413 before a byte is stored.
    status, _, data = put(url, data=b"x" * (int(query["max"]) + 1))
    assert status == 413, data
    # After all the refusals the genuine URL still works.
    status, _, data = put(url)
    assert status in (201, 204)


def test_expired_signature(stack, client, alice):
    import base64
    import hashlib
    import hmac
    token = alice["token"]
    job = create_job(client, token)
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    key = bytes.fromhex((stack.secrets_dir / "url.key").read_text().strip())
    parts = urllib.parse.urlsplit(up["upload_url"])
    q = dict(urllib.parse.parse_qsl(parts.query))
    expires = int(time.time()) - 3600
    msg = ("PUT\n%s\n%d\n%s" % (up["object_key"], expires, q["max"])).encode()
    sig = base64.urlsafe_b64encode(hmac.new(key, msg, hashlib.sha256).digest()).rstrip(b"=").decode()
    url = "%s://%s%s?expires=%d&max=%s&sig=%s" % (parts.scheme, parts.netloc, parts.path, expires, q["max"], sig)
    status, _, data = client.request("PUT", url, body=INPUT)
    assert status == 403
    assert json.loads(data)["error"]["code"] == "SIGNATURE_EXPIRED"
    # The same construction with a live expiry passes: the test signs like the server.
    expires = int(time.time()) + 300
    msg = ("PUT\n%s\n%d\n%s" % (up["object_key"], expires, q["max"])).encode()
    sig = base64.urlsafe_b64encode(hmac.new(key, msg, hashlib.sha256).digest()).rstrip(b"=").decode()
    url = "%s://%s%s?expires=%d&max=%s&sig=%s" % (parts.scheme, parts.netloc, parts.path, expires, q["max"], sig)
    assert client.request("PUT", url, body=INPUT)[0] in (201, 204)


def test_upload_after_queueing_is_refused(client, alice):
    token = alice["token"]
    job = create_job(client, token)
    up = upload(client, token, job)
    client.api("POST", "/jobs/%s/mark-uploaded" % job["id"], json={"object_key": up["object_key"]}, token=token)
    status, _, data = client.request("PUT", up["upload_url"], body=b"id\n1\n")
    assert status == 403


def test_list_queries_are_declared(client, alice):
    token = alice["token"]
    for _ in range(2):
        create_job(client, token)
    status, headers, first = client.api("GET", "/jobs?limit=2", token=token)
    assert status == 200 and len(first) == 2
    # offset is skip's other name (the ETL and Morphix seeds use it).
    for name in ("skip", "offset"):
        status, h, page = client.api("GET", "/jobs?limit=1&%s=1" % name, token=token)
        assert status == 200 and h["X-Total-Count"] == headers["X-Total-Count"]
        assert [j["id"] for j in page] == [first[1]["id"]], name
    status, _, body = client.api("GET", "/jobs?skip=1&offset=1", token=token)
    assert status == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == "offset"
    # A key the endpoint does not take is named, never ignored; empty values are absent.
    for path, field in (("/jobs?limt=5", "limt"), ("/files?status=QUEUED", "status"),
                        ("/clients?sort=krn", "sort")):
        status, _, body = client.api("GET", path, token=token)
        assert status == 422, (path, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (path, body)
    assert client.api("GET", "/jobs?status=&limit=", token=token)[0] == 200
    job = create_job(client, token)
    status, _, body = client.api("GET", "/jobs/%s/errors?severity=error&offset=0&page=2" % job["id"],
                                 token=token)
    assert status == 422 and body["error"]["field"] == "page"
    # An endpoint that takes no query refuses any, before it does anything.
    for method, path in (("GET", "/jobs/%s?fields=id" % job["id"]),
                         ("GET", "/status/%s?fields=id" % job["id"]),
                         ("GET", "/users/me?fields=id"),
                         ("POST", "/jobs/%s/cancel?fields=id" % job["id"])):
        status, _, body = client.api(method, path, token=token)
        assert status == 422, (path, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "fields", (path, body)
    assert client.api("GET", "/jobs/%s" % job["id"], token=token)[2]["status"] == "PENDING"


def test_names_are_one_line(client, alice):
    status, _, body = client.api("POST", "/jobs", json={"file_name": "a\r\nb.csv"}, token=alice["token"])
    assert status == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == "file_name"
    status, _, body = client.auth("POST", "/auth/register",
                                  json={"email": "x-%d@example.com" % time.time_ns(),
                                       "password": "long-enough-1", "username": "a@b"})
    assert status == 422 and body["error"]["field"] == "username"


def test_create_answers_the_row_as_stored(client, alice):
    """POST /jobs answers the job it wrote without reading it back: the bytes
    and the ETag are what GET /jobs/{id} then reads from the database, for a
    body with every optional part and one with none."""
    token = alice["token"]
    auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    bodies = [
        {"file_name": "  spaced é \u2603 name .csv ", "original_file_size_bytes": 12345,
         "processing_steps": FILTER_NY + [{"type": "rename", "params": {"mapping": {"city": "ci\u00e9 t\u00e9"}}}],
         "processing_config": {"delimiter": ";", "encoding": "latin-1"},
         "output_format": "jsonl"},
        {"file_name": "bare.csv"},
    ]
    for sent in bodies:
        status, headers, created = client.request("POST", client.url("/jobs"),
                                                  body=json.dumps(sent).encode(), headers=auth)
        assert status == 201, created
        job_id = json.loads(created)["id"]
        status, got_headers, read = client.request("GET", client.url("/jobs/%s" % job_id),
                                                   headers={"Authorization": "Bearer " + token})
        assert status == 200
        assert created == read
        assert headers["ETag"] == got_headers["ETag"]
