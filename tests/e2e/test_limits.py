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


def in_one_window(attempt, tries=4):
    """Runs attempt() (which returns the X-RateLimit-Reset values it saw, or
    None when it must not be retried) until all its requests fell into one
    window: a busy machine may be slow enough to cross a window's end."""
    for _ in range(tries):
        resets = attempt()
        if resets is None or len(set(resets)) == 1:
            return
    raise AssertionError("requests never fitted in one window")


def test_status_polls_are_limited_per_upload_and_recover(api):
    user = api.register_and_login()
    job, other = new_job(api, user["token"]), new_job(api, user["token"])
    seen = {}

    def attempt():
        window_start(POLL_WINDOW)
        resets = []
        for i in range(POLLS):
            status, headers, _ = api.api("GET", "/status/%s" % job["id"], token=user["token"])
            resets.append(headers["X-RateLimit-Reset"])
            if status != 200 or len(set(resets)) > 1:
                return resets + ["crossed"]
            assert headers["X-RateLimit-Limit"] == str(POLLS)
            assert headers["X-RateLimit-Remaining"] == str(POLLS - i - 1)
        status, headers, body = api.api("GET", "/status/%s" % job["id"], token=user["token"])
        resets.append(headers["X-RateLimit-Reset"])
        seen.update(status=status, headers=headers, body=body)
        return resets

    in_one_window(attempt)
    assert seen["status"] == 429
    assert_error_shape(seen["body"], "RATE_LIMITED")
    headers = seen["headers"]
    assert 1 <= int(headers["Retry-After"]) <= POLL_WINDOW
    assert headers["X-RateLimit-Remaining"] == "0"
    assert int(headers["X-RateLimit-Reset"]) > time.time() - 1
    # Another upload of the same user has its own count.
    assert api.api("GET", "/status/%s" % other["id"], token=user["token"])[0] == 200
    time.sleep(int(headers["Retry-After"]) + 0.2)
    assert api.api("GET", "/status/%s" % job["id"], token=user["token"])[0] == 200


def test_limits_are_exact_across_workers(api):
    """Concurrent polls spread over every worker: in each window exactly the
    limit passes when more came, never more (grouped by the window each
    answer names, so a slow machine crossing a window changes nothing)."""
    user = api.register_and_login()
    job = new_job(api, user["token"])
    window_start(POLL_WINDOW)

    def poll(_):
        status, headers, _ = api.api("GET", "/status/%s" % job["id"], token=user["token"])
        return status, headers["X-RateLimit-Reset"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(poll, range(4 * POLLS)))
    windows = {}
    for status, reset in answers:
        windows.setdefault(reset, []).append(status)
    assert all(set(codes) <= {200, 429} for codes in windows.values()), answers
    for codes in windows.values():
        assert codes.count(200) <= POLLS, answers
        if 429 in codes:
            assert codes.count(200) == POLLS, answers
    assert sum(codes.count(429) for codes in windows.values()) > 0


def test_uploads_are_limited_per_user(api):
    user, other = api.register_and_login(), api.register_and_login()
    seen = {}

    def attempt():
        jobs = [new_job(api, user["token"]) for _ in range(UPLOADS + 1)]
        window_start(UPLOAD_WINDOW)
        resets = []
        for job in jobs[:UPLOADS]:
            status, headers, body = api.api("POST", "/jobs/%s/upload-url" % job["id"], json={},
                                            token=user["token"])
            resets.append(headers["X-RateLimit-Reset"])
            if status != 200:
                return resets + ["crossed"]
        status, headers, body = api.api("POST", "/jobs/%s/upload-url" % jobs[-1]["id"],
                                        json={}, token=user["token"])
        resets.append(headers["X-RateLimit-Reset"])
        seen.update(status=status, headers=headers, body=body, last=jobs[-1])
        return resets

    in_one_window(attempt)
    assert seen["status"] == 429
    assert_error_shape(seen["body"], "RATE_LIMITED")
    # Limits are per user.
    mine = new_job(api, other["token"])
    assert api.api("POST", "/jobs/%s/upload-url" % mine["id"], json={},
                   token=other["token"])[0] == 200
    time.sleep(int(seen["headers"]["Retry-After"]) + 0.2)
    status, _, body = api.api("POST", "/jobs/%s/upload-url" % seen["last"]["id"], json={},
                              token=user["token"])
    assert status == 200, body
