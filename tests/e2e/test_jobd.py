"""The dispatcher (quarry-jobd) against the real stack: processes that die,
a dispatcher that dies, time limits, cancels, recovery and the wake socket.

Jobs are made to last with the test/ops knob process_throttle_ms (each
quarry-process reads quarry.conf when it starts; the module sets the knob and
puts the file back afterwards). Process ids come from jobs.worker_pid."""

import os
import signal
import time
import uuid

import pytest

from quarry_client import FINISHED, pid_alive, run_job, wait_for, wait_job

# How long quarry-process sleeps at each progress report while this module runs.
THROTTLE_MS = 4000
ROWS = 2000
INPUT = ("id,name,city,amount\n" + "".join(
    "%d,name%d,city%d,%d.5\n" % (i, i, i % 7, i) for i in range(ROWS))).encode()


@pytest.fixture(scope="module")
def throttled(stack):
    stack.throttle_processes(THROTTLE_MS)
    try:
        yield stack
    finally:
        stack.throttle_processes(0)


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


# ---------------------------------------------------------------- helpers

def job_row(stack, job_id, columns="status, worker_pid, attempts, worker_host"):
    rows = stack.sql("SELECT %s FROM jobs WHERE id = '%s'" % (columns, job_id))
    return rows[0] if rows else None


def running_pid(stack, job_id, timeout=20):
    """The worker pid of a RUNNING job, once the dispatcher recorded it."""
    def poll():
        row = job_row(stack, job_id)
        if row and row[0] == "RUNNING" and row[1] != "NULL" and pid_alive(int(row[1])):
            return int(row[1])
        return None
    pid = wait_for(poll, timeout=timeout, interval=0.1)
    assert pid, "job %s never ran (%s)" % (job_id, job_row(stack, job_id))
    return pid


def new_jobd_pid(stack, old, timeout=15):
    pid = wait_for(lambda: (lambda p: p if p and p != old else None)(stack.pid("jobd")),
                   timeout=timeout)
    assert pid, "quarry-jobd was not restarted"
    return pid


# ---------------------------------------------------------------- tests

def test_wake_socket_makes_claims_fast(throttled, user):
    """mark-uploaded wakes the dispatcher: the claim does not wait for a poll."""
    client = throttled.client()
    job_id = run_job(client, user["token"], INPUT)
    running_pid(throttled, job_id)
    delay = float(job_row(throttled, job_id,
                          "TIMESTAMPDIFF(MICROSECOND, queued_at, started_at) / 1e6")[0])
    assert delay < 0.5, "claimed %.3f s after it was queued" % delay
    wait_job(client, user["token"], job_id, FINISHED)


# ---- one kill rule (README, job_max_attempts): a quarry-process that dies
# without writing its end is retried up to job_max_attempts, with the reason
# kept, whether its dispatcher watched it or adopted it after a restart.

KILL_REASON = "quarry-process was killed by signal 9 (SIGKILL)"
# Long enough that a run outlives the supervisor's restart of a killed
# dispatcher and can be adopted on a loaded machine: the engine reports
# progress every 65,536 records (process/pipeline.c), each report sleeps the
# throttle, so three reports and the last one hold a run about 16 s.
PROGRESS_EVERY = 65536
LONG_INPUT = ("id,name,city,amount\n" + "".join(
    "%d,name%d,city%d,%d.5\n" % (i, i, i % 7, i) for i in range(3 * PROGRESS_EVERY))).encode()
ADOPTED_REASON = ("quarry-process (adopted after a dispatcher restart) ended without "
                  "writing its result")


def next_attempt_pid(stack, job_id, attempt, timeout=30):
    """The pid of the job's run number attempt, once it runs."""
    def poll():
        row = job_row(stack, job_id)
        if (row and row[0] == "RUNNING" and row[2] == str(attempt) and row[1] != "NULL"
                and pid_alive(int(row[1]))):
            return int(row[1])
        return None
    pid = wait_for(poll, timeout=timeout, interval=0.05)
    assert pid, "job %s: no run %d (%s)" % (job_id, attempt, job_row(stack, job_id))
    return pid


def adopt_running(stack, job_id):
    """kill -9 of quarry-jobd while the job runs; returns the job's pid once
    the restarted dispatcher has adopted it."""
    pid = running_pid(stack, job_id)
    old = stack.pid("jobd")
    os.kill(old, signal.SIGKILL)
    new = new_jobd_pid(stack, old)
    line = "quarry-jobd[%d] info req=- job %s: adopted running quarry-process pid %d" % (
        new, job_id, pid)
    assert wait_for(lambda: line in stack.log_tail("jobd", 400), timeout=15), \
        stack.log_tail("jobd", 40)
    return pid, new


def test_killed_watched_process_is_retried(throttled, user):
    """kill -9 of a quarry-process its dispatcher watches: the job runs again
    (attempt 2) and completes; the reason is in the dispatcher's log."""
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, INPUT)
    pid = running_pid(throttled, job_id)
    os.kill(pid, signal.SIGKILL)
    next_attempt_pid(throttled, job_id, 2)
    job = wait_job(client, token, job_id, FINISHED, timeout=60)
    assert job["status"] == "COMPLETED", job
    assert job_row(throttled, job_id)[2] == "2"
    assert "job %s: %s after attempt 1: put back in the queue" % (job_id, KILL_REASON) in \
        throttled.log_tail("jobd", 400)


def test_killed_adopted_process_is_retried_the_same(throttled, user):
    """The same kill of a process adopted by a restarted dispatcher: the same
    outcome (attempt 2, COMPLETED), not a different rule."""
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, LONG_INPUT)
    pid, jobd = adopt_running(throttled, job_id)
    os.kill(pid, signal.SIGKILL)
    next_attempt_pid(throttled, job_id, 2)
    job = wait_job(client, token, job_id, FINISHED, timeout=60)
    assert job["status"] == "COMPLETED", job
    assert job_row(throttled, job_id)[2] == "2"
    assert "job %s: %s after attempt 1: put back in the queue" % (job_id, ADOPTED_REASON) in \
        throttled.log_tail("jobd", 400)


def test_kills_past_the_attempt_limit_fail_with_the_reason(throttled, user):
    """Killed at every run, watched or adopted: FAILED after job_max_attempts
    (3) runs, the last reason in error_message, no output left behind."""
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, LONG_INPUT)
    os.kill(running_pid(throttled, job_id), signal.SIGKILL)
    os.kill(next_attempt_pid(throttled, job_id, 2), signal.SIGKILL)
    next_attempt_pid(throttled, job_id, 3)
    pid, _ = adopt_running(throttled, job_id)
    os.kill(pid, signal.SIGKILL)
    job = wait_job(client, token, job_id, FINISHED, timeout=30)
    assert job["status"] == "FAILED", job
    assert job["error_message"] == "abandoned after 3 attempts: " + ADOPTED_REASON, job
    assert job_row(throttled, job_id)[2] == "3"
    assert not (throttled.storage_dir / "output" / job_id).exists()


def test_cancel_of_a_running_job(throttled, user):
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, INPUT)
    pid = running_pid(throttled, job_id)
    status, _, body = client.api("POST", "/jobs/%s/cancel" % job_id, json={}, token=token)
    assert status == 200, body
    assert body["status"] in ("CANCELLATION_REQUESTED", "CANCELLED"), body
    job = wait_job(client, token, job_id, FINISHED, timeout=10)
    assert job["status"] == "CANCELLED", job
    assert wait_for(lambda: not pid_alive(pid), timeout=5), "quarry-process %d still runs" % pid
    assert job_row(throttled, job_id)[0] == "CANCELLED"


def test_time_limit_fails_the_job(throttled, user):
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, INPUT, processing_config={"timeout_seconds": 2})
    pid = running_pid(throttled, job_id)
    started = time.monotonic()
    job = wait_job(client, token, job_id, FINISHED, timeout=15)
    assert job["status"] == "FAILED", job
    assert job["error_message"] == "time limit of 2 s exceeded", job
    assert time.monotonic() - started < 10
    assert wait_for(lambda: not pid_alive(pid), timeout=5)


def test_dispatcher_killed_keeps_no_job_running(throttled, user):
    """kill -9 of quarry-jobd: its processes go on, the restarted dispatcher
    adopts them, and every job ends; nothing stays RUNNING."""
    client, token = throttled.client(), user["token"]
    ids = [run_job(client, token, INPUT, name="k%d.csv" % i) for i in range(3)]
    pids = [running_pid(throttled, job_id) for job_id in ids[:2]]
    old = throttled.pid("jobd")
    assert old
    os.kill(old, signal.SIGKILL)
    new_jobd_pid(throttled, old)
    for job_id in ids:
        job = wait_job(client, token, job_id, FINISHED, timeout=60)
        assert job["status"] == "COMPLETED", job
    assert not [p for p in pids if pid_alive(p)]
    assert throttled.sql("SELECT COUNT(*) FROM jobs WHERE status = 'RUNNING'") == [["0"]]


def test_dispatcher_and_process_killed_requeues(throttled, user):
    """kill -9 of quarry-jobd and of its process: the restarted dispatcher
    finds the pid gone and queues the job again (attempt 2)."""
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, INPUT)
    pid = running_pid(throttled, job_id)
    old = throttled.pid("jobd")
    os.kill(old, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    new_jobd_pid(throttled, old)
    job = wait_job(client, token, job_id, FINISHED, timeout=60)
    assert job["status"] == "COMPLETED", job
    assert job_row(throttled, job_id)[2] == "2"


def test_dispatcher_sigterm_requeues_its_jobs(throttled, user):
    """SIGTERM: the dispatcher stops its processes, puts their jobs back in
    the queue and stops cleanly; the supervisor starts it again and the job
    runs."""
    client, token = throttled.client(), user["token"]
    job_id = run_job(client, token, INPUT)
    pid = running_pid(throttled, job_id)
    old = throttled.pid("jobd")
    os.kill(old, signal.SIGTERM)
    assert wait_for(lambda: not pid_alive(pid), timeout=10)
    new_jobd_pid(throttled, old)
    job = wait_job(client, token, job_id, FINISHED, timeout=60)
    assert job["status"] == "COMPLETED", job
    assert job_row(throttled, job_id)[2] == "2"
    # Its last words: it left through its clean shutdown, not a crash.
    assert "quarry-jobd[%d] info req=- dispatcher stopped" % old in throttled.log_tail("jobd", 400)


def test_jobs_of_a_dead_dispatcher_elsewhere_are_recovered(throttled):
    """A dispatcher on another host stopped sending heartbeats: its RUNNING
    jobs are taken back (here: one out of attempts, one being cancelled)."""
    host = "ghost-%s" % uuid.uuid4().hex[:8]
    spent, cancelling = str(uuid.uuid4()), str(uuid.uuid4())
    user_id = str(uuid.uuid4())
    throttled.sql(
        "INSERT INTO dispatchers (host, pid, started_at, heartbeat, running) VALUES "
        "('%s', 42, UTC_TIMESTAMP(3) - INTERVAL 1 HOUR, UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE, 2);"
        "INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config, "
        "created_at, updated_at, queued_at, started_at, attempts, worker_host, worker_pid) VALUES "
        "('%s', '%s', 'a.csv', 'RUNNING', '[]', '{}', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
        "UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 3, '%s', 1),"
        "('%s', '%s', 'b.csv', 'CANCELLATION_REQUESTED', '[]', '{}', UTC_TIMESTAMP(3), "
        "UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 1, '%s', 1)"
        % (host, spent, user_id, host, cancelling, user_id, host))
    assert wait_for(lambda: job_row(throttled, spent)[0] == "FAILED", timeout=15)
    assert job_row(throttled, spent, "error_message")[0] == \
        "abandoned after 3 attempts: its dispatcher stopped sending heartbeats"
    assert wait_for(lambda: job_row(throttled, cancelling)[0] == "CANCELLED", timeout=15)


def test_dispatcher_announces_itself(throttled):
    rows = throttled.sql("SELECT pid, TIMESTAMPDIFF(MICROSECOND, heartbeat, UTC_TIMESTAMP(3)) "
                         "/ 1e6 FROM dispatchers WHERE host = @@hostname OR pid = %d"
                         % (throttled.pid("jobd") or 0))
    pids = [int(r[0]) for r in rows]
    assert throttled.pid("jobd") in pids, rows
    assert all(float(r[1]) < 5 for r in rows if int(r[0]) == throttled.pid("jobd")), rows


def test_retention_at_dispatcher_start(throttled):
    """Retention runs when the dispatcher starts (then every minute): an
    abandoned PENDING job goes with its partial upload; a long finished job
    keeps its row but loses its objects."""
    pending, finished = str(uuid.uuid4()), str(uuid.uuid4())
    user_id = str(uuid.uuid4())
    storage = throttled.storage_dir
    for area, job_id, name in (("input", pending, "part.csv"), ("input", finished, "in.csv"),
                               ("output", finished, "out.csv")):
        (storage / area / job_id).mkdir(parents=True)
        (storage / area / job_id / name).write_text("a,b\n1,2\n")
        throttled.give_to_service_user(storage / area, storage / area / job_id,
                                       storage / area / job_id / name)
    throttled.sql(
        "INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config, "
        "created_at, updated_at, input_object_key) VALUES ('%s', '%s', 'p.csv', 'PENDING', '[]', "
        "'{}', UTC_TIMESTAMP(3) - INTERVAL 25 HOUR, UTC_TIMESTAMP(3), 'input/%s/part.csv');"
        "INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config, "
        "created_at, updated_at, finished_at, input_object_key, output_object_key) VALUES "
        "('%s', '%s', 'f.csv', 'COMPLETED', '[]', '{}', UTC_TIMESTAMP(3) - INTERVAL 9 DAY, "
        "UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) - INTERVAL 8 DAY, 'input/%s/in.csv', "
        "'output/%s/out.csv')" % (pending, user_id, pending, finished, user_id, finished, finished))
    old = throttled.pid("jobd")
    os.kill(old, signal.SIGTERM)
    new_jobd_pid(throttled, old)
    assert wait_for(lambda: job_row(throttled, pending) is None, timeout=10)
    assert wait_for(lambda: job_row(throttled, finished, "input_object_key, output_object_key")
                    == ["NULL", "NULL"], timeout=10)
    assert job_row(throttled, finished)[0] == "COMPLETED"
    for area, job_id in (("input", pending), ("input", finished), ("output", finished)):
        assert not (storage / area / job_id).exists(), (area, job_id)
