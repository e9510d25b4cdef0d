"""The Status API document ("Status API Documentation"), replayed against
Quarry through its own paths (/status/{uploadId}, no /api/v1): the status of
an upload through its life (uploading, uploaded, processing, completed,
error, cancelled), its cancel, and its error codes, each answer compared
with the document's example answer and data model (ids and timestamps
aside).

Jobs are made to last with the test/ops knob process_throttle_ms (each
quarry-process reads quarry.conf when it starts; the module sets the knob and
puts the file back afterwards). Where Quarry deliberately differs (docs/api.md,
"Differences from the source documents"): tokens are Quarry's own (or an
external issuer's) rather than Cognito's only; errors also carry "detail";
while a job runs its total is an estimate."""

import copy
import time

import pytest

from quarry_client import assert_error_shape, jwt_key, make_jwt, wait_for
from seed_support import (INT, ISO_TIME, ISO_TIME_OR_NULL, UUID, assert_like, example,
                          seed_client)

THROTTLE_MS = 4000
LEADS = ("name,email,company\n" + "".join(
    "Lead %d,lead%d@example.com,Company %d\n" % (i, i, i % 7) for i in range(100))).encode()
MANY_LEADS = ("name,email\n" + "".join(
    "L%d,l%d@example.com\n" % (i, i) for i in range(100000))).encode()

# GET /status/{uploadId}: the document's example answer (a job in progress).
STATUS_EXAMPLE = example("""{
  "uploadId": "550e8400-e29b-41d4-a716-446655440000",
  "status": "processing",
  "stage": "batch_processing",
  "progress": {
    "totalBatches": 10,
    "completedBatches": 3,
    "totalLeads": 100,
    "processedLeads": 30,
    "percentage": 30.0
  },
  "metadata": {
    "fileName": "leads.xlsx",
    "fileSize": 1024000,
    "startTime": "2025-01-09T10:00:00Z",
    "estimatedCompletion": "2025-01-09T10:05:00Z"
  },
  "createdAt": "2025-01-09T10:00:00Z",
  "updatedAt": "2025-01-09T10:02:30Z"
}""")
CANCEL_EXAMPLE = example("""{
  "uploadId": "550e8400-e29b-41d4-a716-446655440000",
  "status": "cancelled",
  "message": "Processing cancellation requested",
  "timestamp": "2025-01-09T10:03:00Z"
}""")
NOT_FOUND_EXAMPLE = example("""{
  "error": {
    "code": "UPLOAD_NOT_FOUND",
    "message": "Upload ID not found or has expired",
    "timestamp": "2025-01-09T10:05:00Z"
  }
}""")
ASIDE = {"uploadId": UUID, "startTime": ISO_TIME, "estimatedCompletion": ISO_TIME_OR_NULL,
         "createdAt": ISO_TIME, "updatedAt": ISO_TIME, "timestamp": ISO_TIME}


def expected(status, stage, file_name, file_size, batches, done_batches, total, processed,
             percentage):
    """The example answer with the values of one of our uploads."""
    e = copy.deepcopy(STATUS_EXAMPLE)
    e.update(status=status, stage=stage)
    e["progress"] = {"totalBatches": batches, "completedBatches": done_batches,
                     "totalLeads": total, "processedLeads": processed, "percentage": percentage}
    e["metadata"].update(fileName=file_name, fileSize=file_size)
    return e


@pytest.fixture(scope="module")
def client(stack):
    return seed_client(stack)


@pytest.fixture(scope="module")
def user(client):
    return client.register_and_login()


def start_upload(client, token, name, data, chunk_size):
    status, _, job = client.api("POST", "/jobs", token=token, json={
        "file_name": name, "original_file_size_bytes": len(data),
        "processing_config": {"chunk_size": chunk_size}})
    assert status == 201, job
    return job["id"]


def finish_upload(client, token, upload_id, data):
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % upload_id, token=token, json={})
    assert status == 200, up
    status, _, body = client.request("PUT", up["upload_url"], body=data,
                                     headers={"Content-Type": "text/csv"})
    assert status in (201, 204), body
    status, _, job = client.api("POST", "/jobs/%s/mark-uploaded" % upload_id, token=token,
                                json={"object_key": up["object_key"]})
    assert status == 200 and job["status"] == "QUEUED", job


def get_status(client, token, upload_id):
    status, headers, body = client.api("GET", "/status/%s" % upload_id, token=token)
    assert status == 200, body
    assert headers.get("Content-Type", "").startswith("application/json")
    assert INT(body["ttl"]) and body["ttl"] > time.time(), body
    return body


def wait_view(client, token, upload_id, statuses, timeout=60):
    def poll():
        view = get_status(client, token, upload_id)
        return view if view["status"] in statuses else None
    view = wait_for(poll, timeout=timeout, interval=0.2)
    assert view, "upload %s never reached %s" % (upload_id, statuses)
    return view


def test_status_of_an_upload_until_completed(client, user):
    token = user["token"]
    upload_id = start_upload(client, token, "leads.csv", LEADS, 10)
    view = get_status(client, token, upload_id)
    assert_like(view, expected("uploading", "file_upload", "leads.csv", len(LEADS), 0, 0, 0, 0, 0.0),
                ASIDE)
    assert "error" not in view
    finish_upload(client, token, upload_id, LEADS)
    view = wait_view(client, token, upload_id, ("completed",))
    assert_like(view, expected("completed", "completed", "leads.csv", len(LEADS), 10, 10, 100, 100,
                               100.0), ASIDE)
    # Polling: the same answer is a 304 to If-None-Match (the document's
    # "Caching: cache status responses briefly to reduce load").
    status, headers, _ = client.api("GET", "/status/%s" % upload_id, token=token)
    assert client.api("GET", "/status/%s" % upload_id, token=token,
                      headers={"If-None-Match": headers["ETag"]})[0] == 304
    # Cannot cancel a completed operation.
    status, _, body = client.api("POST", "/status/%s/cancel" % upload_id, token=token)
    assert status == 400
    assert_error_shape(body, "CANNOT_CANCEL")


def test_uploaded_processing_and_cancelled(stack, client, user):
    token = user["token"]
    stack.throttle_processes(THROTTLE_MS)
    try:
        # Two running uploads take both of the dispatcher's slots ...
        big = start_upload(client, token, "leads-big.csv", MANY_LEADS, 10000)
        finish_upload(client, token, big, MANY_LEADS)
        small = start_upload(client, token, "leads-small.csv", LEADS, 10)
        finish_upload(client, token, small, LEADS)
        wait_view(client, token, big, ("processing",))
        wait_view(client, token, small, ("processing",))
        # ... so a third one waits, uploaded.
        queued = start_upload(client, token, "leads-queued.csv", LEADS, 10)
        finish_upload(client, token, queued, LEADS)
        view = get_status(client, token, queued)
        assert_like(view, expected("uploaded", "file_processing", "leads-queued.csv", len(LEADS),
                                   0, 0, 0, 0, 0.0), ASIDE)
        status, _, body = client.api("POST", "/status/%s/cancel" % queued, token=token)
        assert status == 200, body
        assert_like(body, CANCEL_EXAMPLE, ASIDE)
        assert body["uploadId"] == queued
        assert get_status(client, token, queued)["status"] == "cancelled"

        # The big one, caught in the middle: its first report came after
        # 65536 records; the total is estimated from the share read.
        def mid_run():
            v = get_status(client, token, big)
            return v if v["progress"]["processedLeads"] > 0 else None
        view = wait_for(mid_run, timeout=30, interval=0.2)
        assert view, "no progress report of the big upload"
        p = view["progress"]
        assert (view["status"], view["stage"]) == ("processing", "batch_processing"), view
        assert p["processedLeads"] == view["progress"]["processedRecords"] == 65536, view
        assert p["totalLeads"] == p["totalRecords"] and 65536 <= p["totalLeads"] <= 100000 * 2, view
        assert p["completedBatches"] == 6 and p["totalBatches"] >= 7, view
        assert 0 < p["percentage"] < 100, view
        assert_like(view, expected("processing", "batch_processing", "leads-big.csv", len(MANY_LEADS),
                                   p["totalBatches"], 6, p["totalLeads"], 65536, p["percentage"]),
                    ASIDE)
        # POST /status/{uploadId}/cancel: the document's answer.
        status, _, body = client.api("POST", "/status/%s/cancel" % big, token=token)
        assert status == 200, body
        assert_like(body, CANCEL_EXAMPLE, ASIDE)
        assert get_status(client, token, big)["status"] == "cancelled"
        # Already cancelled: 400 CANNOT_CANCEL once it has stopped.
        wait_for(lambda: client.api("GET", "/jobs/%s" % big, token=token)[2]["status"] == "CANCELLED",
                 timeout=30)
        status, _, body = client.api("POST", "/status/%s/cancel" % big, token=token)
        assert status == 400
        assert_error_shape(body, "CANNOT_CANCEL")
        wait_view(client, token, small, ("completed",))
    finally:
        stack.throttle_processes(0)


def test_error_status_carries_the_error(client, user):
    token = user["token"]
    status, _, job = client.api("POST", "/jobs", token=token, json={
        "file_name": "leads.csv", "original_file_size_bytes": len(LEADS),
        "processing_steps": [{"type": "select", "params": {"columns": ["phone"]}}]})
    assert status == 201, job
    finish_upload(client, token, job["id"], LEADS)
    view = wait_view(client, token, job["id"], ("error",))
    assert view["stage"] == "batch_processing"
    assert_like(view["error"], {"code": "PROCESSING_FAILED", "message": "…", "timestamp": "…"},
                {"message": lambda m: "phone" in m, "timestamp": ISO_TIME})


def test_error_codes(stack, client, user):
    token = user["token"]
    upload_id = start_upload(client, token, "leads.csv", LEADS, 10)
    # 404 UPLOAD_NOT_FOUND: unknown, or someone else's.
    other = client.register_and_login()["token"]
    for who, uid in ((token, "550e8400-e29b-41d4-a716-446655440000"), (other, upload_id)):
        for method, path in (("GET", "/status/%s"), ("POST", "/status/%s/cancel")):
            status, _, body = client.api(method, path % uid, token=who)
            assert status == 404, (method, body)
            assert_like(body, NOT_FOUND_EXAMPLE, {"timestamp": ISO_TIME})
    # 400 INVALID_UPLOAD_ID for a malformed id.
    status, _, body = client.api("GET", "/status/not-an-upload-id", token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_UPLOAD_ID")
    # 401: missing, expired, malformed tokens.
    now = int(time.time())
    expired = make_jwt({"alg": "HS256", "typ": "JWT"},
                       {"sub": user["user"]["id"], "exp": now - 5, "type": "access"}, jwt_key(stack))
    for bearer, code in ((None, "UNAUTHORIZED"), (expired, "TOKEN_EXPIRED"),
                         ("not-a-jwt", "INVALID_TOKEN")):
        status, _, body = client.api("GET", "/status/%s" % upload_id, token=bearer)
        assert status == 401, code
        assert_error_shape(body, code)
