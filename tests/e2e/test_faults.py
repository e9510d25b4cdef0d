"""Growth and faults on a stack of their own (docs/operations.md, "Faults").

- Purge: rows backdated with SQL go in the dispatcher's retention pass
  (every second here), and the counts kept by the triggers stay exact.
- Log rotation: a log moved aside, `tools/quarry logs-reopen`, and the next
  lines go to a new file.
- The fault-injection suite (marker `faults`): under a steady request load
  it kills an API worker, the dispatcher and a running quarry-process, stops
  MariaDB for 10 s, and fills the storage file system (a tmpfs mounted on
  the stack's storage folder). For each fault it counts the requests and
  their answers, measures the time to recover, and checks the jobs' end,
  that nothing was lost and that nothing was left behind. The short form
  runs in CI; QUARRY_FAULTS_FULL=1 runs the full one (more kills, more jobs,
  longer load). QUARRY_FAULTS_REPORT=<file> writes the figures as JSON.
"""

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from conftest import WORKERS, private_stack
from quarry_client import (FINISHED, QuarryClient, assert_error_shape, create_job, csv_rows,
                           download_output, pid_alive, run_job, upload_file, upload_input,
                           wait_for, wait_job)

FULL = os.environ.get("QUARRY_FAULTS_FULL") == "1"
STORAGE_MB = 64
THROTTLE_MS = 4000
ROWS = 2000
INPUT = csv_rows(ROWS)


MOUNTED = []  # the homes whose storage is a tmpfs of this module


def faults_env(home):
    """The stack's storage on a small tmpfs (the disk-full fault), retention
    every second, and status polls unlimited for the load."""
    storage = Path(home) / "storage"
    storage.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755" % STORAGE_MB, "tmpfs",
                    str(storage)], check=True)
    MOUNTED.append(Path(home))
    return {"QUARRY_RETENTION_INTERVAL_SECONDS": "1",
            "QUARRY_LIMIT_STATUS_POLLS": "1000000",
            "QUARRY_LIMIT_UPLOADS": "1000000"}


@pytest.fixture(scope="module")
def fstack():
    try:
        with private_stack(faults_env, prefix="quarry-e2e-faults-") as st:
            yield st
    finally:
        # private_stack removed the home but for the mount point (or kept it
        # all, after a failure): only empty folders go here.
        while MOUNTED:
            home = MOUNTED.pop()
            subprocess.run(["umount", "-l", str(home / "storage")], check=False)
            for folder in (home / "storage", home):
                try:
                    folder.rmdir()
                except OSError:
                    pass


@pytest.fixture(scope="module")
def fuser(fstack):
    return fstack.client().register_and_login()


def sql1(stack, query):
    rows = stack.sql(query)
    return rows[0][0] if rows else None


# ---------------------------------------------------------------- counts

# Each list kept by triggers (sql/002, 009, 011) against the rows it counts:
# (list, the rows' GROUP BY query giving o (owner), p (part), n).
COUNTED = [
    ("jobs", "SELECT user_id AS o, status AS p, COUNT(*) AS n FROM jobs GROUP BY 1, 2"),
    ("jobs_by_status",
     "SELECT status AS o, ORD(id) % 4 AS p, COUNT(*) AS n FROM jobs GROUP BY 1, 2"),
    ("job_errors",
     "SELECT job_id AS o, severity AS p, COUNT(*) AS n FROM job_errors GROUP BY 1, 2"),
    ("progress", "SELECT client_id AS o, created_by AS p, COUNT(*) AS n FROM progress_records "
                 "GROUP BY 1, 2"),
    ("executions", "SELECT pipeline_id AS o, status AS p, COUNT(*) AS n FROM pipeline_executions "
                   "GROUP BY 1, 2"),
    ("files", "SELECT user_id AS o, '' AS p, COUNT(*) AS n FROM files GROUP BY 1, 2"),
    ("bytes", "SELECT user_id AS o, 'inputs' AS p, SUM(input_size_bytes) AS n FROM jobs "
              "WHERE file_id IS NULL AND input_size_bytes IS NOT NULL GROUP BY 1, 2 "
              "UNION ALL SELECT user_id, 'files', SUM(file_size) FROM files GROUP BY 1, 2"),
]


def count_mismatches(stack):
    """Every (list, owner, part) whose kept total differs from the rows.
    Each list is compared in one statement, which reads one snapshot: the
    retention pass (every second here) may delete rows between two
    statements, and a count read before a purge compared with rows read
    after it would differ by what the purge took (a pipeline error, a
    progress record) without any count being wrong."""
    bad = []
    for name, query in COUNTED:
        parts = " AND part IN ('inputs', 'files')" if name == "bytes" else ""
        for o, p, kept, real in stack.sql(
                "SELECT o, p, SUM(k), SUM(r) FROM ("
                "SELECT owner AS o, part AS p, n AS k, 0 AS r FROM list_counts "
                "WHERE list = '%s'%s UNION ALL SELECT o, p, 0, n FROM (%s) q) t "
                "GROUP BY o, p HAVING SUM(k) <> SUM(r)" % (name, parts, query)):
            bad.append((name, (o, p), int(kept), int(real)))
    for e, s, t, r, kept, real in stack.sql(
            "SELECT e, s, t, r, SUM(k), SUM(n) FROM ("
            "SELECT execution_id AS e, error_severity AS s, error_type AS t, is_resolved AS r, "
            "n AS k, 0 AS n FROM pipeline_error_counts UNION ALL "
            "SELECT execution_id, error_severity, error_type, is_resolved, 0, COUNT(*) "
            "FROM pipeline_errors GROUP BY 1, 2, 3, 4) t "
            "GROUP BY e, s, t, r HAVING SUM(k) <> SUM(n)"):
        bad.append(("pipeline_error_counts", (e, s, t, r), int(kept), int(real)))
    return bad


# ---------------------------------------------------------------- purge

def insert_pipeline_error(stack, execution_id, user_id, days_ago):
    stack.sql(
        "INSERT INTO pipeline_errors (id, execution_id, pipeline_id, user_id, error_type, "
        "error_severity, error_code, error_message, occurred_at) VALUES ('%s', '%s', '%s', '%s', "
        "'validation', 'error', 'E1', 'test', UTC_TIMESTAMP(3) - INTERVAL %d DAY)"
        % (uuid.uuid4(), execution_id, uuid.uuid4(), user_id, days_ago))


def test_old_rows_are_purged_and_counts_stay_exact(fstack, fuser):
    """Backdated past their retention (90 days by default): a finished job
    with its line errors, its pipeline execution and that execution's
    errors, a lone old pipeline error and an old progress record all go in
    the next retention pass; their recent twins stay, and every count kept
    by the triggers still equals its rows."""
    client, token, user_id = fstack.client(), fuser["token"], fuser["user"]["id"]
    old_job, new_job = run_job(client, token, csv_rows(5)), run_job(client, token, csv_rows(5))
    for job_id in (old_job, new_job):
        assert wait_job(client, token, job_id, FINISHED)["status"] == "COMPLETED"
    execution = str(uuid.uuid4())
    fstack.sql(
        "INSERT INTO job_errors (job_id, line, severity, code, message) VALUES "
        "('{j}', 1, 'error', 'E1', 'a'), ('{j}', 2, 'warning', 'W1', 'b'), "
        "('{k}', 3, 'error', 'E1', 'c')".format(j=old_job, k=new_job))
    fstack.sql(
        "INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status, trigger_type, "
        "parameters, created_at) VALUES ('%s', '%s', '%s', '%s', 'COMPLETED', 'manual', '{}', "
        "UTC_TIMESTAMP(3))" % (execution, uuid.uuid4(), user_id, old_job))
    insert_pipeline_error(fstack, execution, user_id, 1)
    lone_old, lone_new = str(uuid.uuid4()), str(uuid.uuid4())
    insert_pipeline_error(fstack, lone_old, user_id, 100)
    insert_pipeline_error(fstack, lone_new, user_id, 1)
    client_id, old_progress, new_progress = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    for pid, days in ((old_progress, 100), (new_progress, 1)):
        # The messages first: the pass (every second) may take the old record
        # as soon as it is there.
        fstack.sql("INSERT INTO progress_messages (progress_id, kind, message) VALUES "
                   "('%s', 'error', 'x')" % pid)
        fstack.sql(
            "INSERT INTO progress_records (id, client_id, filename, created_by, created_at, "
            "updated_at) VALUES ('{p}', '{c}', '{p}.csv', '{u}', UTC_TIMESTAMP(3) - INTERVAL {d} DAY, "
            "UTC_TIMESTAMP(3) - INTERVAL {d} DAY)".format(p=pid, c=client_id, u=user_id, d=days))
    assert count_mismatches(fstack) == []
    # Past the 2160 h of job_row_retention_hours (and the 168 h of its objects).
    fstack.sql("UPDATE jobs SET finished_at = finished_at - INTERVAL 100 DAY WHERE id = '%s'"
               % old_job)

    assert wait_for(lambda: sql1(fstack, "SELECT COUNT(*) FROM jobs WHERE id = '%s'" % old_job)
                    == "0", timeout=20), fstack.log_tail("jobd")
    assert wait_for(lambda: sql1(fstack, "SELECT COUNT(*) FROM progress_records WHERE id = '%s'"
                                 % old_progress) == "0", timeout=10)
    gone = {
        "job_errors of the old job": "SELECT COUNT(*) FROM job_errors WHERE job_id = '%s'" % old_job,
        "its execution": "SELECT COUNT(*) FROM pipeline_executions WHERE id = '%s'" % execution,
        "its execution's errors":
            "SELECT COUNT(*) FROM pipeline_errors WHERE execution_id = '%s'" % execution,
        "the old pipeline error":
            "SELECT COUNT(*) FROM pipeline_errors WHERE execution_id = '%s'" % lone_old,
        "the old progress messages":
            "SELECT COUNT(*) FROM progress_messages WHERE progress_id = '%s'" % old_progress,
    }
    for what, query in gone.items():
        assert sql1(fstack, query) == "0", what
    kept = {
        "the recent job": "SELECT COUNT(*) FROM jobs WHERE id = '%s'" % new_job,
        "its error": "SELECT COUNT(*) FROM job_errors WHERE job_id = '%s'" % new_job,
        "the recent pipeline error":
            "SELECT COUNT(*) FROM pipeline_errors WHERE execution_id = '%s'" % lone_new,
        "the recent progress record":
            "SELECT COUNT(*) FROM progress_records WHERE id = '%s'" % new_progress,
    }
    for what, query in kept.items():
        assert sql1(fstack, query) == "1", what
    assert count_mismatches(fstack) == []
    assert client.api("GET", "/jobs/%s" % old_job, token=token)[0] == 404
    assert not (fstack.storage_dir / "output" / old_job).exists()
    assert not (fstack.storage_dir / "input" / old_job).exists()
    status, _, page = client.api("GET", "/jobs", token=token)
    assert status == 200 and old_job not in json.dumps(page) and new_job in json.dumps(page)
    assert "retention: purged 1 job row(s)" in fstack.log_tail("jobd", 400)


# ---------------------------------------------------------------- a full storage

def storage_free(stack):
    fs = os.statvfs(stack.storage_dir)
    return fs.f_bavail * fs.f_frsize


def test_full_storage_answers_507_and_keeps_nothing(fstack, fuser):
    """The storage file system (this module's tmpfs) full: a direct upload
    and a signed PUT answer 507 INSUFFICIENT_STORAGE in the error shape,
    keep no byte and no row, and work again once space is freed. Two ways
    to meet the full disk: with less room than the body, the upload is
    refused before nginx writes a byte of it; with room for nginx's spool
    but not for the API's copy of the file part, the copy fails with
    ENOSPC (the real write error) and is answered the same."""
    client, token, user_id = fstack.client(), fuser["token"], fuser["user"]["id"]
    data = csv_rows(200000)  # about 4 MiB
    size = len(data)
    files_before = sql1(fstack, "SELECT COUNT(*) FROM files WHERE user_id = '%s'" % user_id)
    stored_before = set((fstack.storage_dir / "files").glob("*/*")) \
        if (fstack.storage_dir / "files").is_dir() else set()
    job = create_job(client, token, data[:1 << 20], name="full-put.csv")
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    filler = fstack.storage_dir / "filler"
    try:
        fill(filler)
        # Room for one copy and a half: nginx spools the body (one copy),
        # then the API's copy of the file part runs out of space.
        os.truncate(filler, max(0, os.path.getsize(filler) - size * 3 // 2))
        room = storage_free(fstack)
        assert size + (256 << 10) < room < 2 * size - (256 << 10), (size, room)
        status, _, body = upload_file(client, token, "half.csv", data, "text/csv")
        assert status == 507, (status, body)
        assert_error_shape(body, "INSUFFICIENT_STORAGE")
        assert wait_for(lambda: "upload: The storage is full" in fstack.log_tail("api", 200),
                        timeout=5), fstack.log_tail("api", 40)

        # Full: refused before the body.
        fill(filler)
        assert storage_free(fstack) < size
        status, _, body = upload_file(client, token, "full.csv", data, "text/csv")
        assert status == 507, (status, body)
        assert_error_shape(body, "INSUFFICIENT_STORAGE")
        status, _, body = client.request("PUT", up["upload_url"], body=data[:1 << 20],
                                         headers={"Content-Type": "application/octet-stream"})
        assert status == 507, (status, body)
        assert_error_shape(json.loads(body), "INSUFFICIENT_STORAGE")

        # Nothing kept: no file row, no stored file, no spool or staging
        # file, no input object, and the job still waits for its upload.
        assert sql1(fstack, "SELECT COUNT(*) FROM files WHERE user_id = '%s'"
                    % user_id) == files_before
        stored = set((fstack.storage_dir / "files").glob("*/*")) \
            if (fstack.storage_dir / "files").is_dir() else set()
        assert stored == stored_before, stored - stored_before
        assert leftovers(fstack) == []
        assert not (fstack.storage_dir / up["object_key"]).exists()
        status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                     json={"object_key": up["object_key"]}, token=token)
        assert status == 400, body
        assert_error_shape(body, "OBJECT_NOT_FOUND")
        assert sql1(fstack, "SELECT status FROM jobs WHERE id = '%s'" % job["id"]) == "PENDING"
    finally:
        if filler.exists():
            os.unlink(filler)

    # Space back: the same uploads succeed.
    status, _, body = upload_file(client, token, "after.csv", data, "text/csv")
    assert status == 201, body
    assert body["file_size"] == size
    assert (fstack.storage_dir / "files" / body["file_id"]).is_dir()
    status, _, put = client.request("PUT", up["upload_url"], body=data[:1 << 20],
                                    headers={"Content-Type": "application/octet-stream"})
    assert status in (201, 204), put
    status, _, queued = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                   json={"object_key": up["object_key"]}, token=token)
    assert status == 200, queued
    assert wait_job(client, token, job["id"], FINISHED, timeout=60)["status"] == "COMPLETED"
    assert leftovers(fstack) == []
    assert count_mismatches(fstack) == []


def test_storage_filled_while_nginx_spools_a_put_answers_507(fstack, fuser):
    """The disk fills after the check before the body (which found room)
    and before nginx writes the body: nginx's own write fails with ENOSPC,
    and the answer is still 507 INSUFFICIENT_STORAGE in the error shape
    (the API's storage check behind nginx's error page); nothing is kept
    and the same PUT works once space is back."""
    client, token = fstack.client(), fuser["token"]
    data = csv_rows(150000)  # about 3 MiB
    half = len(data) // 2
    job = create_job(client, token, data, name="spool-full.csv")
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    url = urllib.parse.urlsplit(up["upload_url"])
    filler = fstack.storage_dir / "filler"
    conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=60,
                                       context=client.ssl_context)
    try:
        conn.putrequest("PUT", url.path + "?" + url.query)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders()
        conn.send(data[:half])
        # The check before the body has said yes once nginx writes the
        # body's first megabyte (its buffer) to its spool file; then the
        # disk fills.
        assert wait_for(lambda: leftovers(fstack), timeout=20), fstack.log_tail("nginx-error.log")
        fill(filler)
        try:
            conn.send(data[half:])
        except OSError:
            pass  # nginx may answer and close before it has read the whole body
        resp = conn.getresponse()
        status, body = resp.status, resp.read()
    finally:
        conn.close()
        if filler.exists():
            os.unlink(filler)
    assert status == 507, (status, body)
    assert_error_shape(json.loads(body), "INSUFFICIENT_STORAGE")
    assert "storage full: nginx could not write an upload" in fstack.log_tail("api", 200)
    assert not (fstack.storage_dir / up["object_key"]).exists()
    assert wait_for(lambda: leftovers(fstack) == [], timeout=10), leftovers(fstack)
    status, _, body = client.request("PUT", up["upload_url"], body=data,
                                     headers={"Content-Type": "application/octet-stream"})
    assert status in (201, 204), body
    assert (fstack.storage_dir / up["object_key"]).stat().st_size == len(data)
    # A failure of nginx's that is not a full disk stays a 500: here the
    # job's input folder is a plain file, and the PUT cannot be moved there.
    other = create_job(client, token, data, name="blocked.csv")
    (fstack.storage_dir / "input" / other["id"]).write_bytes(b"")
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % other["id"], json={}, token=token)
    assert status == 200, up
    status, _, body = client.request("PUT", up["upload_url"], body=data,
                                     headers={"Content-Type": "application/octet-stream"})
    assert status == 500, (status, body)
    assert_error_shape(json.loads(body), "INTERNAL_ERROR")


# ---------------------------------------------------------------- log rotation

def test_logs_reopen_after_they_are_moved_aside(fstack, fuser):
    """logrotate's move, then `tools/quarry logs-reopen`: the API workers, the
    dispatcher, the supervisor, nginx and MariaDB write to new files."""
    client, token = fstack.client(), fuser["token"]
    names = ["api.log", "jobd.log", "supervisor.log", "nginx-access.log", "mariadb.log"]
    for name in names:
        os.rename(fstack.log_dir / name, fstack.log_dir / (name + ".1"))
    fstack.quarry("logs-reopen")
    # A 404 is logged by the worker that answers it; a job by the dispatcher.
    for _ in range(2 * WORKERS):
        assert client.api("GET", "/jobs/%s" % uuid.uuid4(), token=token)[0] == 404
    job_id = run_job(client, token, csv_rows(3))
    wait_job(client, token, job_id, FINISHED)

    def new_file_has(name, text):
        return wait_for(lambda: (fstack.log_dir / name).exists() and
                        text in (fstack.log_dir / name).read_text(errors="replace"), timeout=10)
    assert new_file_has("api.log", "GET /api/v1/jobs/{id} 404"), fstack.log_tail("api.log.1")
    assert new_file_has("jobd.log", "job %s" % job_id), fstack.log_tail("jobd.log.1")
    assert new_file_has("supervisor.log", "log reopened")
    assert new_file_has("nginx-access.log", "/api/v1/jobs/%s" % job_id)
    assert (fstack.log_dir / "mariadb.log").exists()
    # And nothing of it went to the moved files.
    assert "job %s" % job_id not in (fstack.log_dir / "jobd.log.1").read_text(errors="replace")
    assert job_id not in (fstack.log_dir / "nginx-access.log.1").read_text(errors="replace")


# ---------------------------------------------------------------- the load

class Load:
    """A steady request load: threads doing GET /jobs/{id}, POST /jobs and
    status polls (GET /status/{id}) in turn. Every answer is recorded:
    (start, end, op, status, in the error shape)."""

    def __init__(self, stack, token, job_id, threads=3, pause=0.02):
        self.stack, self.token, self.job_id = stack, token, job_id
        self.threads, self.pause = threads, pause
        self.records, self.created = [], []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.workers = []

    def one(self, client, n):
        op = ("get", "status", "create")[n % 3]
        start = time.monotonic()
        try:
            if op == "get":
                status, _, body = client.api("GET", "/jobs/%s" % self.job_id, token=self.token)
            elif op == "status":
                status, _, body = client.api("GET", "/status/%s" % self.job_id, token=self.token)
            else:
                status, _, body = client.api("POST", "/jobs", token=self.token, json={
                    "file_name": "load.csv", "processing_steps": [],
                    "original_file_size_bytes": 10})
        except OSError:
            status, body = 0, None
        shaped = True
        if status >= 400:
            try:
                assert_error_shape(body)
            except AssertionError:
                shaped = False
        with self.lock:
            self.records.append((start, time.monotonic(), op, status, shaped))
            if op == "create" and status == 201:
                self.created.append(body["id"])

    def run(self, index):
        client = QuarryClient(self.stack.base_url, self.stack.ssl_context, timeout=30)
        n = index
        while not self.stop_flag.is_set():
            self.one(client, n)
            n += 1
            time.sleep(self.pause)

    def __enter__(self):
        for i in range(self.threads):
            t = threading.Thread(target=self.run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.workers:
            t.join(timeout=60)

    def between(self, t0, t1):
        with self.lock:
            return [r for r in self.records if t0 <= r[0] < t1]

    def first_ok_after(self, t0, timeout=60):
        def poll():
            with self.lock:
                oks = [r for r in self.records if r[0] >= t0 and 200 <= r[3] < 300]
            return min(oks)[1] if oks else None
        return wait_for(poll, timeout=timeout, interval=0.05)


def tally(records):
    by = {}
    for r in records:
        by[str(r[3])] = by.get(str(r[3]), 0) + 1
    errors = sum(n for s, n in by.items() if not 200 <= int(s) < 300)
    return {"requests": len(records), "errors": errors, "by_status": by,
            "unshaped": sum(1 for r in records if r[3] >= 400 and not r[4]),
            "no_answer": by.get("0", 0)}


def job_attempts(stack, job_id):
    return int(sql1(stack, "SELECT attempts FROM jobs WHERE id = '%s'" % job_id))


def running_pid(stack, job_id, attempt=None, timeout=30):
    def poll():
        rows = stack.sql("SELECT status, worker_pid, attempts FROM jobs WHERE id = '%s'" % job_id)
        if rows and rows[0][0] == "RUNNING" and rows[0][1] != "NULL" and \
                (attempt is None or rows[0][2] == str(attempt)) and pid_alive(int(rows[0][1])):
            return int(rows[0][1])
        return None
    pid = wait_for(poll, timeout=timeout, interval=0.05)
    assert pid, "job %s never ran" % job_id
    return pid


def check_output(client, token, job_id):
    """The job's output is whole: a header and every input row."""
    _, data = download_output(client, token, job_id)
    lines = data.decode().strip().splitlines()
    assert len(lines) == ROWS + 1, (job_id, len(lines))


def our_processes(job_ids):
    """Processes whose command line names one of the jobs (quarry-process)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        if any(j in cmd for j in job_ids):
            found.append((int(entry), cmd.replace("\0", " ")))
    return found


def leftovers(stack):
    """Temporary files left in the storage: nginx's spool and the direct
    uploads' staging."""
    left = []
    for folder in (stack.storage_dir / ".tmp", stack.storage_dir / "files" / ".tmp"):
        if folder.is_dir():
            left += [str(p) for p in folder.rglob("*") if p.is_file()]
    return left


# ---------------------------------------------------------------- the faults

def fault_api_workers(stack, load, client, token):
    """kill -9 of an API worker (5 in the full form, 2 s apart): multiwatch
    forks a new one; the request the dead one held is the only loss."""
    kills = 5 if FULL else 1
    t0 = time.monotonic()
    recover = []
    for _ in range(kills):
        workers = stack.api_worker_pids()
        assert len(workers) >= WORKERS, workers
        victim = workers[0]
        t_kill = time.monotonic()
        stack.kill(victim)
        back = wait_for(lambda: victim not in stack.api_worker_pids() and
                        len(stack.api_worker_pids()) >= WORKERS, timeout=30, interval=0.02)
        assert back, "the pool did not come back: %s" % stack.api_worker_pids()
        recover.append(time.monotonic() - t_kill)
        assert load.first_ok_after(time.monotonic())
        time.sleep(2)
    figures = tally(load.between(t0, time.monotonic()))
    figures.update(kills=kills, recover_s=round(max(recover), 3))
    # A killed worker costs at most the request it held.
    assert figures["errors"] <= kills, figures
    assert figures["unshaped"] == 0, figures
    return figures


def fault_dispatcher(stack, load, client, token):
    n = 2 if FULL else 1  # at most job_concurrency (2): all running when jobd dies
    ids = [run_job(client, token, INPUT, name="d%d.csv" % i) for i in range(n)]
    for job_id in ids:
        running_pid(stack, job_id)
    old = stack.pid("jobd")
    t0 = time.monotonic()
    stack.kill(old)
    new = wait_for(lambda: (lambda p: p if p and p != old else None)(stack.pid("jobd")),
                   timeout=30)
    assert new, "quarry-jobd did not come back"
    t_back = time.monotonic()
    for job_id in ids:
        assert wait_job(client, token, job_id, FINISHED, timeout=120)["status"] == "COMPLETED"
        assert job_attempts(stack, job_id) == 1, "an adopted run was started again"
        check_output(client, token, job_id)
    figures = tally(load.between(t0, time.monotonic()))
    figures.update(jobs=n, recover_s=round(t_back - t0, 2),
                   jobs_completed=n)
    assert figures["errors"] == 0, figures
    return figures, ids


def fault_process(stack, load, client, token):
    n = 3 if FULL else 1
    ids = [run_job(client, token, INPUT, name="p%d.csv" % i) for i in range(n)]
    t0 = time.monotonic()
    recover = []
    for job_id in ids:
        pid = running_pid(stack, job_id)
        t_kill = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        running_pid(stack, job_id, attempt=2)
        recover.append(time.monotonic() - t_kill)
    for job_id in ids:
        assert wait_job(client, token, job_id, FINISHED, timeout=120)["status"] == "COMPLETED"
        assert job_attempts(stack, job_id) == 2
        check_output(client, token, job_id)
    figures = tally(load.between(t0, time.monotonic()))
    figures.update(jobs=n, recover_s=round(max(recover), 2), jobs_completed=n)
    assert figures["errors"] == 0, figures
    return figures, ids


def fault_database(stack, load, client, token):
    """MariaDB stopped for 10 s: 503s in the error shape while it is away, a
    job that ends meanwhile is not lost, and the first request after the
    start succeeds."""
    job_id = run_job(client, token, INPUT, name="db.csv")
    running_pid(stack, job_id)
    stack.db_stop()
    t_down = time.monotonic()
    time.sleep(10)
    during = load.between(t_down, time.monotonic())
    stack.db_start()
    t_up = time.monotonic()
    ok = load.first_ok_after(t_up)
    assert ok, "no request succeeded after the database came back"
    with load.lock:
        after = sorted(r for r in load.records if r[0] >= t_up)
    first = after[0]
    assert 200 <= first[3] < 300, "the first request after db-start: %s" % (first,)
    assert wait_job(client, token, job_id, FINISHED, timeout=120)["status"] == "COMPLETED"
    check_output(client, token, job_id)
    figures = tally(during)
    figures.update(outage_s=10, recover_s=round(ok - t_up, 3), jobs=1, jobs_completed=1,
                   first_after=first[3])
    assert figures["requests"] > 0
    assert set(figures["by_status"]) == {"503"}, figures
    assert figures["unshaped"] == 0, figures
    return figures, [job_id]


def fill(path):
    """Writes zeros to path until the file system is full."""
    with open(path, "wb") as f:
        chunk = b"\0" * (1 << 20)
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    try:
        os.truncate(path, os.path.getsize(path))
    except OSError:
        pass


def fault_disk_full(stack, load, client, token):
    """The storage file system full: uploads and a job's output fail cleanly
    (errors in the shape, the job FAILED with a message), nothing is left
    half-written, and once space is back the same work succeeds."""
    job = create_job(client, token, INPUT, name="full.csv")
    up = upload_input(client, token, job, INPUT)
    filler = stack.storage_dir / "filler"
    t0 = time.monotonic()
    fill(filler)
    status, _, body = upload_file(client, token, "full.csv", INPUT, "text/csv")
    assert status == 507, (status, body)
    assert_error_shape(body, "INSUFFICIENT_STORAGE")
    upload_status = status
    st, _, queued = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                               json={"object_key": up["object_key"]}, token=token)
    assert st == 200, queued
    ended = wait_job(client, token, job["id"], FINISHED, timeout=120)
    assert ended["status"] == "FAILED" and ended["error_message"], ended
    during = load.between(t0, time.monotonic())
    os.unlink(filler)
    t_free = time.monotonic()
    status, _, body = upload_file(client, token, "after.csv", INPUT, "text/csv")
    assert status == 201, body
    again = run_job(client, token, INPUT, name="after-full.csv")
    assert wait_job(client, token, again, FINISHED, timeout=120)["status"] == "COMPLETED"
    check_output(client, token, again)
    figures = tally(during)
    figures.update(upload_status=upload_status, job_failed=ended["error_message"][:120],
                   recover_s=round(time.monotonic() - t_free, 2), jobs=2, jobs_completed=1,
                   jobs_failed=1)
    assert figures["unshaped"] == 0, figures
    assert not (stack.storage_dir / "output" / job["id"]).exists() or not any(
        (stack.storage_dir / "output" / job["id"]).iterdir())
    return figures, [job["id"], again]


@pytest.mark.faults
def test_fault_injection_under_load(fstack, fuser):
    client, token = fstack.client(), fuser["token"]
    probe = run_job(client, token, csv_rows(3), name="probe.csv")
    wait_job(client, token, probe, FINISHED)
    fstack.throttle_processes(THROTTLE_MS)
    results, jobs = {}, [probe]
    try:
        with Load(fstack, token, probe) as load:
            time.sleep(2)
            t0 = time.monotonic()
            results["api_worker_kill"] = fault_api_workers(fstack, load, client, token)
            for name, fault in (("dispatcher_kill", fault_dispatcher),
                                ("process_kill", fault_process),
                                ("database_outage", fault_database),
                                ("storage_full", fault_disk_full)):
                results[name], ids = fault(fstack, load, client, token)
                jobs += ids
            time.sleep(2 if not FULL else 30)
            results["whole_run"] = tally(load.between(t0, time.monotonic()))
            created = list(load.created)
    finally:
        fstack.throttle_processes(0)
    # Nothing lost: every job the load was told was created exists.
    in_db = set()
    for i in range(0, len(created), 200):
        part = created[i:i + 200]
        in_db |= {r[0] for r in fstack.sql("SELECT id FROM jobs WHERE id IN (%s)"
                                          % ",".join("'%s'" % j for j in part))}
    assert set(created) == in_db, "jobs answered 201 but missing: %s" % (set(created) - in_db)
    assert count_mismatches(fstack) == []
    # Nothing left behind: no process of these jobs, no job RUNNING, no
    # temporary file in the storage.
    assert wait_for(lambda: not our_processes(jobs), timeout=30), our_processes(jobs)
    assert fstack.sql("SELECT COUNT(*) FROM jobs WHERE status IN ('RUNNING', "
                      "'CANCELLATION_REQUESTED')") == [["0"]]
    assert leftovers(fstack) == []
    assert len(fstack.api_worker_pids()) == WORKERS
    results["created_by_load"] = len(created)
    results["form"] = "full" if FULL else "short"
    report = os.environ.get("QUARRY_FAULTS_REPORT")
    if report:
        Path(report).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
