"""The threaded API mode (api_threads > 1) on its own stack: nginx keeps its
FastCGI connections, several threads of one worker serve at once, and what
the prefork pool guarantees still holds — every answer right, every user
sees only their own jobs, progress counts exact, no sanitizer report."""

import concurrent.futures
import os
import pathlib
import re

import pytest

from conftest import private_stack
from quarry_client import run_job, unique_email, wait_job

THREADS = 4
USERS = 6
JOBS_PER_USER = 3
READS_PER_JOB = 5


@pytest.fixture(scope="module")
def threaded_stack():
    with private_stack({"QUARRY_API_THREADS": str(THREADS)}, prefix="quarry-e2e-threads-") as st:
        yield st


def api_worker_thread_counts(stack):
    """The number of threads of each quarry-api worker of this stack."""
    counts = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            exe = os.readlink(proc / "exe")
            if os.path.basename(exe) == "quarry-api" and exe.startswith(str(stack.home)):
                counts.append(len(list((proc / "task").iterdir())))
        except OSError:
            continue
    return counts


def test_nginx_keeps_the_connections_and_workers_run_threads(threaded_stack):
    conf = (threaded_stack.home / "nginx" / "nginx.conf").read_text()
    assert re.search(r"upstream quarry_api_kept \{[^}]*keepalive \d+", conf), conf
    assert "fastcgi_keep_conn on" in conf
    assert re.search(r"^api_threads\s*=\s*%d\s*$" % THREADS,
                     threaded_stack.config.read_text(), re.M), threaded_stack.config.read_text()
    # Each worker runs its serving threads beside its main and watcher threads.
    counts = api_worker_thread_counts(threaded_stack)
    assert counts and min(counts) >= THREADS, counts


def user_session(stack, n):
    client = stack.client()
    user = client.register_and_login(unique_email("threads-%d" % n))
    token = user["token"]
    ids = []
    for j in range(JOBS_PER_USER):
        data = ("id,n\n" + "".join("%d,%d\n" % (i, n) for i in range(j + 2))).encode()
        ids.append(run_job(client, token, data=data, name="u%d-%d.csv" % (n, j)))
    for job_id in ids:
        for _ in range(READS_PER_JOB):
            status, _, body = client.api("GET", "/jobs/%s" % job_id, token=token)
            assert status == 200 and body["id"] == job_id, body
        status, _, me = client.api("GET", "/users/me", token=token)
        assert status == 200 and me["email"] == user["email"], me
    done = [wait_job(client, token, job_id, ("COMPLETED",), timeout=120) for job_id in ids]
    status, _, listed = client.api("GET", "/jobs?limit=100", token=token)
    assert status == 200, listed
    return token, set(ids), {j["id"] for j in listed}, done


def test_many_users_at_once_get_their_own_answers(threaded_stack):
    with concurrent.futures.ThreadPoolExecutor(USERS) as pool:
        results = list(pool.map(lambda n: user_session(threaded_stack, n), range(USERS)))
    all_ids = set()
    for token, ids, listed, done in results:
        assert listed == ids, (listed, ids)
        assert all(j["status"] == "COMPLETED" for j in done)
        all_ids |= ids
    assert len(all_ids) == USERS * JOBS_PER_USER
    # Another user's job is refused, whichever thread answers.
    client = threaded_stack.client()
    other_token = results[0][0]
    foreign = next(iter(results[1][1]))
    for _ in range(THREADS * 2):
        status, _, body = client.api("GET", "/jobs/%s" % foreign, token=other_token)
        assert status == 403, body
    api_log = threaded_stack.logs["api"].read_text(errors="replace")
    assert " error " not in api_log, api_log[-2000:]
