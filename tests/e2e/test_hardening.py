"""Hardening (issue 10): each attack performed against the stack, and the
refusal asserted. Regex bombs (the patterns are PCRE2 with a budget),
chunked PUTs past a signed upload's size, and what the host exposes:
/metrics and system-status, signed URLs in the access log, security
headers, TLS ciphers, the HTTP redirect."""

import json
import time

import pytest

from quarry_client import assert_error_shape, run_job, wait_job


@pytest.fixture(scope="module")
def alice(stack):
    return stack.client().register_and_login()


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- regex

# Nested counted repeats (gigabytes for glibc's regcomp, in the API worker
# that validates the job) and patterns past the length or nesting caps.
BOMBS = [
    "((a{1000}){1000}){1000}",
    "(.{0,65535}){65535}",
    "(((((x{100}){100}){100}){100}){100})",
    "a" * 1001,
    "(" * 40 + "a" + ")" * 40,
]


def test_regex_bombs_answer_422_at_creation(stack, client, alice):
    token = alice["token"]
    workers = stack.api_worker_pids()
    before = {pid: rss_kib(pid) for pid in workers}
    for pattern in BOMBS:
        for step in ({"type": "filter", "params": {"column": "s", "operator": "regex", "value": pattern}},
                     {"type": "validate", "params": {"column": "s", "rule": "regex", "value": pattern}}):
            t0 = time.monotonic()
            status, _, body = client.api("POST", "/jobs", token=token,
                                         json={"file_name": "a.csv", "processing_steps": [step]})
            took = time.monotonic() - t0
            assert status == 422, (pattern[:40], body)
            err = assert_error_shape(body, "VALIDATION_ERROR")
            assert err["field"] == "processing_steps[0].params.value", err
            assert "regular expression" in err["message"] or "too" in err["message"], err
            assert took < 1.0, "%s answered in %.2f s" % (pattern[:40], took)
    # The workers that answered did not grow (glibc took gigabytes).
    for pid, rss in before.items():
        now = rss_kib(pid)
        if rss is not None and now is not None:
            assert now - rss < 64 * 1024, "worker %d grew from %d to %d KiB" % (pid, rss, now)
    # An invalid pattern: the same 422, with PCRE2's reason.
    status, _, body = client.api("POST", "/jobs", token=token, json={
        "file_name": "a.csv", "processing_steps": [
            {"type": "filter", "params": {"column": "s", "operator": "regex", "value": "("}}]})
    assert status == 422
    assert "missing closing parenthesis" in assert_error_shape(body, "VALIDATION_ERROR")["message"]


def test_regex_backtracking_is_a_row_error_not_a_stuck_job(client, alice):
    """A backreference over a nested group on a three-row file held a job
    at 97 % CPU; now each value has a match budget: the rows that need
    more fail with REGEX_BUDGET, the others are judged, the job ends."""
    token = alice["token"]
    evil = "a" * 48 + "!"
    data = ("id,s\n1,%s\n2,aaaa\n3,%s\n4,b\n" % (evil, evil)).encode()
    # The filter drops row 4 ("b"); validate fails it (VALIDATION_REGEX).
    for step, failed in (
            ({"type": "filter", "params": {"column": "s", "operator": "regex",
                                            "value": "^(a|aa)+\\1$"}}, 2),
            ({"type": "validate", "params": {"column": "s", "rule": "regex",
                                              "value": "^(\\w+\\s?)*\\1$"}}, 3)):
        t0 = time.monotonic()
        job_id = run_job(client, token, data=data, steps=[step], name="evil.csv")
        done = wait_job(client, token, job_id, ("COMPLETED", "FAILED"), timeout=60)
        took = time.monotonic() - t0
        assert done["status"] == "COMPLETED", done
        assert done["progress"]["processed_records"] == 4, done
        assert done["progress"]["failed_records"] == failed, done
        assert took < 30, took
        status, _, errors = client.api("GET", "/jobs/%s/errors" % job_id, token=token)
        assert status == 200, errors
        budget = [e for e in errors["errors"] if e["code"] == "REGEX_BUDGET"]
        assert sorted(e["line"] for e in budget) == [2, 4], errors
        assert all(e["severity"] == "error" for e in budget), errors
        status, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
        assert status == 200, dl
        status, _, out = client.request("GET", dl["download_url"])
        assert status == 200
        ids = [line.split(",")[0] for line in out.decode().splitlines()[1:]]
        assert ids == ["2"], (step, out)


# ---------------------------------------------------------------- chunked PUT

def test_chunked_put_past_the_signed_cap_is_refused(stack, client, alice):
    """A signed upload URL for a 10-byte job took a 200 KB chunked body: a
    PUT must declare its length (411 before the body is read), and a
    declared length past the cap is 413."""
    token = alice["token"]
    status, _, job = client.api("POST", "/jobs", token=token,
                                json={"file_name": "small.csv", "original_file_size_bytes": 10})
    assert status == 201, job
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    assert up["max_bytes"] < 200 * 1024, up   # the declared size and a little slack
    stored = stack.storage_dir / up["object_key"]

    def chunks():
        for _ in range(50):
            yield b"x" * 4096   # 200 KB, no Content-Length: Transfer-Encoding: chunked

    status, headers, body = client.request("PUT", up["upload_url"], body=chunks(),
                                           headers={"Content-Type": "text/csv"})
    assert status == 411, (status, body[:200])
    assert headers.get("Content-Type", "").startswith("application/json")
    assert_error_shape(json.loads(body), "LENGTH_REQUIRED")
    # Nothing was written: the input is still missing.
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 400 and assert_error_shape(body, "OBJECT_NOT_FOUND"), body
    assert not stored.exists()
    # A declared length past the cap: 413 in the same shape.
    status, _, body = client.request("PUT", up["upload_url"], body=b"x" * (up["max_bytes"] + 1))
    assert status == 413, body
    assert_error_shape(json.loads(body), "PAYLOAD_TOO_LARGE")
    # Within the cap the same URL works.
    status, _, body = client.request("PUT", up["upload_url"], body=b"a,b\n1,22\n")
    assert status in (201, 204), body
