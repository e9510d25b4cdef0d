"""Per-user limits in MariaDB counters, on a stack with small windows
(conftest.IDENTITY_STACK_LIMITS): hit, refused with 429 RATE_LIMITED,
Retry-After and X-RateLimit-*, and recovered when the window ends; exact
under concurrent requests spread over every worker."""

import concurrent.futures
import time

import pytest

from conftest import IDENTITY_STACK_LIMITS
from quarry_client import assert_error_shape

POLLS = int(IDENTITY_STACK_LIMITS["QUARRY_LIMIT_STATUS_POLLS"])
POLL_WINDOW = int(IDENTITY_STACK_LIMITS["QUARRY_LIMIT_STATUS_POLLS_WINDOW_SECONDS"])
UPLOADS = int(IDENTITY_STACK_LIMITS["QUARRY_LIMIT_UPLOADS"])
UPLOAD_WINDOW = int(IDENTITY_STACK_LIMITS["QUARRY_LIMIT_UPLOADS_WINDOW_SECONDS"])
STEPS = [{"type": "filter", "params": {"column": "a", "operator": "eq", "value": "1"}}]


@pytest.fixture(scope="module")
def api(identity_stack):
    return identity_stack.client()


def new_job(api, token):
    status, _, job = api.api("POST", "/jobs", token=token,
                             json={"file_name": "a.csv", "original_file_size_bytes": 10,
                                   "processing_steps": STEPS})
    assert status == 201, job
    return job


def window_start(window):
    """Sleeps until a fresh window has just begun."""
    while time.time() % window > 0.3:
        time.sleep(0.05)


def test_status_polls_are_limited_per_upload_and_recover(api):
    user = api.register_and_login()
    job, other = new_job(api, user["token"]), new_job(api, user["token"])
    window_start(POLL_WINDOW)
    for i in range(POLLS):
        status, headers, _ = api.api("GET", "/status/%s" % job["id"], token=user["token"])
        assert status == 200
        assert headers["X-RateLimit-Limit"] == str(POLLS)
        assert headers["X-RateLimit-Remaining"] == str(POLLS - i - 1)
        assert int(headers["X-RateLimit-Reset"]) > time.time() - 1
    status, headers, body = api.api("GET", "/status/%s" % job["id"], token=user["token"])
    assert status == 429
    assert_error_shape(body, "RATE_LIMITED")
    assert 1 <= int(headers["Retry-After"]) <= POLL_WINDOW
    assert headers["X-RateLimit-Remaining"] == "0"
    # Another upload of the same user has its own count.
    assert api.api("GET", "/status/%s" % other["id"], token=user["token"])[0] == 200
    time.sleep(int(headers["Retry-After"]) + 0.2)
    assert api.api("GET", "/status/%s" % job["id"], token=user["token"])[0] == 200


def test_limits_are_exact_across_workers(api):
    user = api.register_and_login()
    job = new_job(api, user["token"])
    window_start(POLL_WINDOW)

    def poll(_):
        return api.api("GET", "/status/%s" % job["id"], token=user["token"])[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(poll, range(4 * POLLS)))
    assert codes.count(200) == POLLS, codes
    assert codes.count(429) == 3 * POLLS, codes


def test_uploads_are_limited_per_user(api):
    user, other = api.register_and_login(), api.register_and_login()
    jobs = [new_job(api, user["token"]) for _ in range(UPLOADS + 1)]
    window_start(UPLOAD_WINDOW)
    for job in jobs[:UPLOADS]:
        status, _, body = api.api("POST", "/jobs/%s/upload-url" % job["id"], json={},
                                  token=user["token"])
        assert status == 200, body
    status, headers, body = api.api("POST", "/jobs/%s/upload-url" % jobs[-1]["id"], json={},
                                    token=user["token"])
    assert status == 429
    assert_error_shape(body, "RATE_LIMITED")
    # Limits are per user.
    mine = new_job(api, other["token"])
    assert api.api("POST", "/jobs/%s/upload-url" % mine["id"], json={},
                   token=other["token"])[0] == 200
    time.sleep(int(headers["Retry-After"]) + 0.2)
    status, _, body = api.api("POST", "/jobs/%s/upload-url" % jobs[-1]["id"], json={},
                              token=user["token"])
    assert status == 200, body
