"""The sanitizer soak (marker `soak`): mixed traffic against the ASan build
of the test stack, then: no worker crashed (the pool's worker pids are the
same as at the start), no sanitizer report (a worker ended with SIGTERM
after the traffic exits through LeakSanitizer's check), and the workers'
resident memory flat over the last quarter of the run.

The traffic: job create, upload, mark-uploaded, cancel, status polls, job
and list reads, downloads, direct uploads and their schema, pipelines,
errors, health and metrics, and malformed bodies (broken JSON, wrong
types, bad multipart, huge numbers). 60 s by default (CI);
QUARRY_SOAK_SECONDS=600 is the full form (docs/operations.md).
QUARRY_SOAK_REPORT=<file> writes the figures as JSON."""

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from conftest import private_stack
from quarry_client import QuarryClient, csv_rows, pid_alive, upload_file, wait_for

SECONDS = int(os.environ.get("QUARRY_SOAK_SECONDS", "60"))
THREADS = 3
# Growth of a worker's resident memory allowed over the last quarter of the
# run (the first part warms up: ASan's allocator and quarantine fill, and
# each kind of request reaches its high-water mark once).
RSS_SLACK_KB = 8 * 1024
# The warm-up takes about five minutes (docs/operations.md: 27 MB at the start,
# a plateau near 74 MB), so a run shorter than FLAT_AFTER_SECONDS (the short
# form) checks that no worker passes RSS_CEILING_KB, and a longer one (the
# full form) checks also that the last quarter is flat.
FLAT_AFTER_SECONDS = 300
RSS_CEILING_KB = 96 * 1024


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


MALFORMED = [
    b"{", b"[]", b"null", b'{"file_name": 5}', b'{"file_name": "a.csv", "processing_steps": {}}',
    b'{"file_name": "a.csv", "original_file_size_bytes": 1e400}', b"\xff\xfe\x00",
    b'{"file_name": "' + b"x" * 5000 + b'"}', b'{"a":' * 200 + b"1" + b"}" * 200,
]


class Traffic:
    def __init__(self, stack, token):
        self.stack, self.token = stack, token
        self.counts, self.lock = {}, threading.Lock()
        self.crashes = []
        self.jobs = []

    def note(self, op, status):
        with self.lock:
            key = "%s %s" % (op, status // 100 * 100 if status else 0)
            self.counts[key] = self.counts.get(key, 0) + 1
            if status >= 500 and status != 503:
                self.crashes.append((op, status))

    def step(self, client, rng):
        t = self.token
        op = rng.choice(["create_run", "create_cancel", "read", "list", "status", "file",
                         "malformed", "pipelines", "misc"])
        if op == "create_run":
            data = csv_rows(rng.randint(1, 300))
            steps = [{"type": "filter", "params": {"column": "city", "operator": "eq",
                                                   "value": "city3"}}] if rng.random() < 0.5 else []
            st, _, job = client.api("POST", "/jobs", token=t, json={
                "file_name": "soak.csv", "processing_steps": steps,
                "original_file_size_bytes": len(data)})
            self.note("create", st)
            if st != 201:
                return
            st, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=t)
            self.note("upload-url", st)
            if st != 200:
                return
            st, _, _ = client.request("PUT", up["upload_url"], body=data,
                                      headers={"Content-Type": "application/octet-stream"})
            self.note("put", st)
            st, _, _ = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                  json={"object_key": up["object_key"]}, token=t)
            self.note("mark-uploaded", st)
            with self.lock:
                self.jobs.append(job["id"])
        elif op == "create_cancel":
            st, _, job = client.api("POST", "/jobs", token=t, json={
                "file_name": "c.csv", "processing_steps": [], "original_file_size_bytes": 8})
            self.note("create", st)
            if st == 201:
                st, _, _ = client.api("POST", "/jobs/%s/cancel" % job["id"], json={}, token=t)
                self.note("cancel", st)
        elif op in ("read", "status"):
            with self.lock:
                ids = list(self.jobs[-20:])
            if not ids:
                return
            job_id = rng.choice(ids)
            path = rng.choice(["/jobs/%s", "/jobs/%s/errors", "/jobs/%s/download"]) \
                if op == "read" else "/status/%s"
            st, _, _ = client.api("GET", path % job_id, token=t)
            self.note(op, st)
        elif op == "list":
            st, _, _ = client.api("GET", rng.choice(["/jobs", "/jobs?limit=5", "/files",
                                                     "/jobs?status=COMPLETED"]), token=t)
            self.note(op, st)
        elif op == "file":
            st, _, body = upload_file(client, t, "soak.csv", csv_rows(rng.randint(1, 50)),
                                      "text/csv")
            self.note(op, st)
            if st == 201 and rng.random() < 0.3:
                st, _, _ = client.api("GET", "/files/%s/schema" % body["file_id"], token=t)
                self.note("schema", st)
        elif op == "malformed":
            body = rng.choice(MALFORMED)
            path = rng.choice(["/jobs", "/pipelines", "/auth/register", "/files/upload"])
            st, _, _ = client.api("POST", path, token=t, raw=body,
                                  headers={"Content-Type": rng.choice(
                                      ["application/json", "multipart/form-data; boundary=x"])})
            self.note(op, st)
        elif op == "pipelines":
            st, _, _ = client.api("GET", "/pipelines", token=t)
            self.note(op, st)
            st, _, _ = client.api("GET", "/errors/summary", token=t)
            self.note("errors", st)
        else:
            st, _, _ = client.api("GET", rng.choice(["/health", "/metrics", "/nope",
                                                     "/monitoring/system-status"]), token=t)
            self.note(op, st)

    def run(self, seed, deadline):
        rng = random.Random(seed)
        client = QuarryClient(self.stack.base_url, self.stack.ssl_context, timeout=60)
        while time.monotonic() < deadline:
            try:
                self.step(client, rng)
            except OSError as e:
                # No answer at all (a connection reset by a dying worker).
                self.note("no-answer " + type(e).__name__, 0)
                with self.lock:
                    self.crashes.append(("no answer", str(e)))
            except Exception as e:  # an answer of an unexpected shape
                with self.lock:
                    self.crashes.append(("unexpected answer", repr(e)))


@pytest.fixture(scope="module")
def soak_stack():
    """A stack of its own: the soak ends its workers, and its uploads and
    polls must not meet the per-user limits of the shared stack."""
    def env(home):
        return {"QUARRY_LIMIT_UPLOADS": "1000000", "QUARRY_LIMIT_STATUS_POLLS": "1000000",
                "QUARRY_LIMIT_EXECUTIONS": "1000000", "QUARRY_LIMIT_QUERIES": "1000000",
                # ASan keeps freed memory in a quarantine (256 MB by default)
                # to catch use after free; its filling would look like growth.
                # A small one fills in the first seconds, so that the RSS
                # measured is the program's own.
                "ASAN_OPTIONS": "log_path=%s/log/asan:detect_leaks=1:abort_on_error=0:"
                                "quarantine_size_mb=16" % home}
    with private_stack(env, prefix="quarry-e2e-soak-") as st:
        yield st


@pytest.mark.soak
def test_sanitizer_soak(soak_stack):
    stack = soak_stack
    client = stack.client()
    user = client.register_and_login()
    workers = stack.api_worker_pids()
    assert len(workers) >= 1
    reports_before = set(stack.sanitizer_reports())
    traffic = Traffic(stack, user["token"])
    start = time.monotonic()
    deadline = start + SECONDS
    threads = [threading.Thread(target=traffic.run, args=(i, deadline), daemon=True)
               for i in range(THREADS)]
    for th in threads:
        th.start()
    samples = []
    while time.monotonic() < deadline:
        samples.append((round(time.monotonic() - start, 1), [rss_kb(p) for p in workers]))
        time.sleep(min(5, max(0.1, deadline - time.monotonic())))
    for th in threads:
        th.join(timeout=120)
    samples.append((round(time.monotonic() - start, 1), [rss_kb(p) for p in workers]))

    assert stack.api_worker_pids() == workers, "a worker died during the soak"
    assert traffic.crashes == [], traffic.crashes
    first, mid, last = samples[0][1], samples[len(samples) // 2][1], samples[-1][1]
    late = samples[(len(samples) * 3) // 4][1]
    growth = [b - a for a, b in zip(late, last)]
    # Leaks: every worker leaves through its clean exit (SIGTERM), where
    # LeakSanitizer reports what is still allocated and unreachable.
    for pid in workers:
        os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not any(pid_alive(p) for p in workers), timeout=30)
    assert wait_for(lambda: len(stack.api_worker_pids()) >= len(workers), timeout=30)
    time.sleep(1)
    new_reports = sorted(set(stack.sanitizer_reports()) - reports_before)
    assert new_reports == [], [p.read_text(errors="replace")[:2000] for p in new_reports]
    requests = sum(traffic.counts.values())
    figures = {"seconds": SECONDS, "requests": requests, "jobs": len(traffic.jobs),
               "answers": dict(sorted(traffic.counts.items())),
               "rss_kb_start": first, "rss_kb_mid": mid, "rss_kb_three_quarters": late,
               "rss_kb_end": last, "rss_kb_growth_last_quarter": growth,
               "rss_kb_growth_second_half": [b - a for a, b in zip(mid, last)],
               "samples": samples}
    report = os.environ.get("QUARRY_SOAK_REPORT")
    if report:
        Path(report).write_text(json.dumps(figures, indent=2) + "\n")
    assert max(last) <= RSS_CEILING_KB, figures
    if SECONDS >= FLAT_AFTER_SECONDS:
        assert max(growth) <= RSS_SLACK_KB, figures
