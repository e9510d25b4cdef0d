"""Quarry on a 3-node MariaDB Galera cluster (tools/quarry start --cluster 3):
2 API pools, each on its own node, behind one nginx upstream, and 3
dispatchers, one per node (the others as failover).

- A node cut off from the others (non-Primary) makes its pool answer 503 on
  /health, nginx sends requests to the other pool, and the node comes back.
- Jobs submitted through both pools end COMPLETED exactly once each (process
  starts counted from the dispatchers' and the processes' own log lines, and
  the attempts column), progress posts of many clients to the same records
  end with exact counts, while one node is killed (SIGKILL) and later
  rejoins by IST: nothing lost, nothing stuck, every node has the same rows.

CI runs the short form (200 jobs, 8 progress clients); QUARRY_CLUSTER_FULL=1
runs the issue's full form (2,000 jobs, 32 clients). QUARRY_CLUSTER_REPORT=
<file> writes the figures (throughput before/during/after, retries, time to
recover) as JSON.
"""

import concurrent.futures
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone

import pytest

from conftest import private_stack
from source_servers import mariadb_source  # noqa: F401 (fixture)
from quarry_client import assert_error_shape, create_job, unique_email, upload_input, wait_for

pytestmark = pytest.mark.cluster

FULL = os.environ.get("QUARRY_CLUSTER_FULL") == "1"
JOBS = 2000 if FULL else 200
PROGRESS_CLIENTS = 32 if FULL else 8
POSTS_PER_CLIENT = 40 if FULL else 15
RECORDS = 4                       # the records every progress client posts to
SUBMITTERS = 8                    # threads submitting jobs
DOWN_SECONDS = 20 if FULL else 6  # how long the killed node stays down
KILL_AT = 0.3                     # share of the jobs completed when the node is killed
NODES = 3
ADMIN_PASSWORD = "cluster-admin-password"
CSV = b"id,name,city\n1,ann,paris\n2,bob,oslo\n3,cy,rome\n"
RETRY_STATUSES = (502, 503, 504)


def free_port_block(width=40):
    """A base port whose base+1 .. base+width are all free on loopback."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000, 50)
        ok = True
        for port in range(base + 1, base + width + 1):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise AssertionError("no free block of %d ports" % width)


def fcgi_get(sock_path, uri, timeout=10.0):
    """One GET straight to a pool's FastCGI socket (not through nginx):
    (status, parsed JSON body)."""
    return fcgi_request(sock_path, "GET", uri, timeout=timeout)


def fcgi_request(sock_path, method, uri, body=None, token=None, timeout=10.0):
    """One request straight to a pool's FastCGI socket (not through nginx),
    body a JSON value: (status, parsed JSON body)."""
    def record(rtype, content):
        return struct.pack("!BBHHBx", 1, rtype, 1, len(content), 0) + content

    def pair(k, v):
        k, v = k.encode(), v.encode()
        ln = lambda n: struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)  # noqa: E731
        return ln(len(k)) + ln(len(v)) + k + v

    path, _, query = uri.partition("?")
    data = json.dumps(body).encode() if body is not None else b""
    params = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path,
              "DOCUMENT_URI": path, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
              "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(data)), "HTTPS": "on",
              "SERVER_NAME": "localhost", "SERVER_PORT": "443"}
    if body is not None:
        params["CONTENT_TYPE"] = "application/json"
    if token is not None:
        params["HTTP_AUTHORIZATION"] = "Bearer " + token
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(sock_path))
        s.sendall(record(1, struct.pack("!HB5x", 1, 0))
                  + record(4, b"".join(pair(k, v) for k, v in params.items()))
                  + record(4, b"")
                  + b"".join(record(5, data[i:i + 65535]) for i in range(0, len(data), 65535))
                  + record(5, b""))
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    out = b""
    while len(buf) >= 8:
        _, rtype, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
        if rtype == 6:
            out += buf[8:8 + clen]
        buf = buf[8 + clen + plen:]
    head, _, payload = out.partition(b"\r\n\r\n")
    status = 200
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = int(line.split()[1])
    return status, json.loads(payload or b"null")


class Cluster:
    def __init__(self, stack, base):
        self.stack = stack
        self.base = base
        self.dir = stack.home / "cluster"

    def sock(self, k):
        return self.dir / ("node%d" % k) / "mysqld.sock"

    def node_pid(self, k):
        try:
            return int((self.dir / ("node%d" % k) / "mariadb.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def node_sql(self, k, query, timeout=20):
        """Rows of a query on node k as the database administrator."""
        r = subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.sock(k), "-u",
                            subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip(),
                            "--connect-timeout=3", "-N", "-B", "quarry", "-e", query],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip())
        return [line.split("\t") for line in r.stdout.splitlines()]

    def wsrep(self, k):
        try:
            rows = self.node_sql(k, "SHOW GLOBAL STATUS LIKE 'wsrep_%'")
        except (RuntimeError, subprocess.TimeoutExpired):
            return {}
        return {r[0]: r[1] for r in rows if len(r) == 2}

    def synced(self, k):
        w = self.wsrep(k)
        return (w.get("wsrep_local_state_comment") == "Synced"
                and w.get("wsrep_cluster_status") == "Primary" and w.get("wsrep_ready") == "ON")

    def pool_sock(self, k):
        return self.stack.run_dir / ("api%d.sock" % k)


@pytest.fixture(scope="module")
def cluster():
    base = free_port_block()
    env = {"QUARRY_CLUSTER": str(NODES), "QUARRY_CLUSTER_PORT": str(base),
           "QUARRY_CLUSTER_POOLS": "2", "QUARRY_CLUSTER_DISPATCHERS": "3",
           "QUARRY_JOB_CONCURRENCY": "3",
           # One user submits every job: the per-user upload limit is not what this tests.
           "QUARRY_LIMIT_UPLOADS": "1000000"}
    with private_stack(env, prefix="quarry-e2e-cluster-") as st:
        yield Cluster(st, base)


def assert_all_synced(cluster, timeout=60):
    """Every node a synced member of the primary component; else the error
    lines of the nodes' logs."""
    if wait_for(lambda: all(cluster.synced(k) for k in range(1, NODES + 1)), timeout=timeout):
        return
    lines = []
    for k in range(1, NODES + 1):
        w = cluster.wsrep(k)
        lines.append("node %d: %s %s" % (k, w.get("wsrep_cluster_status"),
                                        w.get("wsrep_local_state_comment")))
        log = cluster.stack.log_dir / ("galera%d.log" % k)
        text = log.read_text(errors="replace") if log.exists() else ""
        lines.extend(l[:300] for l in text.splitlines() if "[ERROR]" in l or "nconsisten" in l)
    raise AssertionError("\n".join(lines[:80]))


def call(client, method, path, tries=60, **kw):
    """An API call that waits out answers of a pool whose node is down (502,
    503, 504, or the connection failing); returns (status, body, retries)."""
    for attempt in range(tries):
        try:
            status, _, body = client.api(method, path, **kw)
        except (OSError, ConnectionError):
            status, body = None, None
        if status not in RETRY_STATUSES and status is not None:
            return status, body, attempt
        time.sleep(0.25)
    raise AssertionError("%s %s: still %s after %d tries" % (method, path, status, tries))


def test_a_write_through_one_pool_is_read_at_once_through_the_other(cluster):
    """Causal reads (wsrep_sync_wait=1 on every node): a client whose next
    request lands on the other pool (another node) sees what it has just
    written, every time."""
    assert_all_synced(cluster)
    for k in range(1, NODES + 1):
        assert cluster.node_sql(k, "SELECT @@global.wsrep_sync_wait") == [["1"]], k
    client = cluster.stack.client()
    token = client.register_and_login()["token"]
    for i in range(30):
        w, r = (1, 2) if i % 2 == 0 else (2, 1)
        status, job = fcgi_request(cluster.pool_sock(w), "POST", "/api/v1/jobs", token=token,
                                   body={"file_name": "raw%d.csv" % i, "processing_steps": [],
                                         "original_file_size_bytes": len(CSV)})
        assert status == 201, (i, job)
        # The other pool reads the new job, and writes to it (the read of
        # its row first): the two failures seen without causal reads.
        status, up = fcgi_request(cluster.pool_sock(r), "POST",
                                  "/api/v1/jobs/%s/upload-url" % job["id"], token=token, body={})
        assert status == 200, (i, up)
        status, got = fcgi_request(cluster.pool_sock(w), "GET", "/api/v1/jobs/%s" % job["id"],
                                   token=token)
        assert status == 200 and got["id"] == job["id"], (i, got)
        status, listed = fcgi_request(cluster.pool_sock(r), "GET", "/api/v1/jobs?limit=1",
                                      token=token)
        assert status == 200, (i, listed)
        assert [j["id"] for j in listed] == [job["id"]], (i, listed)


def test_concurrent_appends_to_one_dataset_on_different_nodes_all_land(cluster, mariadb_source):
    """Append loads of one dataset run at once by dispatchers on different
    nodes: their commits meet on the dataset's counter rows and some lose
    at certification; each is run again from its stage, and every row and
    commit lands once."""
    assert_all_synced(cluster)
    st = cluster.stack
    client = st.client()
    token = client.register_and_login()["token"]
    # 100 commits a load: a load lasts longer than a dispatcher's poll (3 s),
    # so the first dispatcher to wake cannot end its 3 and take the rest
    # before the others poll (seen with 20 commits a load).
    loads, rows_each, batch = 6, 1000, 10
    mariadb_source.sql("".join(
        "DROP TABLE IF EXISTS part%d; CREATE TABLE part%d (id int PRIMARY KEY, name text);"
        "INSERT INTO part%d SELECT seq, CONCAT('n', seq) FROM seq_%d_to_%d;"
        % (n, n, n, n * 10000 + 1, n * 10000 + rows_each) for n in range(loads)))
    status, body, _ = call(client, "POST", "/sources", token=token,
                           json={"name": "parts", "uri": mariadb_source.uri()})
    assert status == 201, body
    source_id = body["id"]
    status, ds, _ = call(client, "POST", "/datasets", token=token, json={
        "name": "parts", "record_key_field": "id", "schema": {"id": "integer", "name": "string"}})
    assert status == 201, ds
    # The dispatchers are held while the loads queue. Then the two that only
    # poll (nodes 2 and 3) are let go first: each takes at most
    # job_concurrency (3) of the 6, so both run loads side by side; the
    # first node's dispatcher (woken at once by its pool's notices, which
    # wait in its socket) is let go once they have claimed them.
    jobds = [st.pid("jobd%d" % k) for k in range(1, 4)]
    assert all(jobds), jobds
    for pid in jobds:
        os.kill(pid, signal.SIGSTOP)
    ids = []
    try:
        for n in range(loads):
            status, job, _ = call(client, "POST", "/datasets/%s/load" % ds["id"], token=token,
                                  json={"source_id": source_id, "table": "part%d" % n,
                                        "mode": "append", "batch_size": batch})
            assert status == 202, job
            ids.append(job["id"])
        for pid in jobds[1:]:
            os.kill(pid, signal.SIGCONT)
        in_list = ",".join("'%s'" % i for i in ids)
        wait_for(lambda: int(st.sql("SELECT COUNT(*) FROM jobs WHERE id IN (%s) AND worker_host IS NOT NULL"
                                    % in_list)[0][0]) >= loads, timeout=30, interval=0.2)
    finally:
        for pid in jobds:
            os.kill(pid, signal.SIGCONT)
    in_list = ",".join("'%s'" % i for i in ids)

    def ended():
        rows = st.sql("SELECT status, worker_host, started_at, finished_at, error_message"
                      " FROM jobs WHERE id IN (%s)" % in_list)
        return rows if all(r[0] in ("COMPLETED", "FAILED", "CANCELLED") for r in rows) else None
    rows = wait_for(ended, timeout=300, interval=0.5)
    assert rows, st.sql("SELECT id, status FROM jobs WHERE id IN (%s)" % in_list)
    assert [r for r in rows if r[0] != "COMPLETED"] == [], rows
    hosts = {r[1] for r in rows}
    assert len(hosts) >= 2, hosts
    # Two loads of different dispatchers ran at the same time.
    spans = [(r[1], parse_ts(r[2]), parse_ts(r[3])) for r in rows]
    assert any(a[0] != b[0] and a[1] < b[2] and b[1] < a[2] for a in spans for b in spans), spans
    total = loads * rows_each
    commits = loads * (rows_each // batch)
    for k in range(1, NODES + 1):
        got = wait_for(lambda k=k: cluster.node_sql(
            k, "SELECT (SELECT COUNT(*) FROM `%s`.`parts`), (SELECT COUNT(DISTINCT id) FROM "
            "`%s`.`parts`), (SELECT COUNT(*) FROM dataset_commits WHERE dataset_id = '%s'),"
            " (SELECT COALESCE(SUM(rows_inserted), 0) FROM dataset_commits WHERE dataset_id"
            " = '%s')" % (ds["schema_name"], ds["schema_name"], ds["id"], ds["id"]))[0]
            == [str(total), str(total), str(commits), str(total)] or None, timeout=30)
        assert got, (k, cluster.node_sql(k, "SELECT COUNT(*) FROM dataset_commits WHERE"
                                            " dataset_id = '%s'" % ds["id"]))
    status, info, _ = call(client, "GET", "/datasets/%s" % ds["id"], token=token)
    assert status == 200 and info["total_records"] == total, info
    lost = sum((st.log_dir / ("jobd%d.log" % k)).read_text(errors="replace")
               .count("a transaction lost a conflict") for k in range(1, 4))
    print("concurrent appends: %d loads on %s, conflict retries in the dispatchers' logs: %d"
          % (loads, sorted(hosts), lost))


def test_a_node_out_of_the_primary_component_is_routed_around(cluster):
    assert_all_synced(cluster)
    st = cluster.stack
    client = st.client()
    early = client.register_and_login()
    for k in (1, 2):
        status, body = fcgi_get(cluster.pool_sock(k), "/api/v1/health")
        assert status == 200 and body["cluster"]["status"] == "Primary", body
        assert body["cluster"]["size"] == NODES
    # Node 2 (pool api2's, dispatcher jobd2's) leaves the cluster.
    cluster.node_sql(2, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'")
    try:
        assert wait_for(lambda: cluster.wsrep(2).get("wsrep_cluster_status") == "non-Primary",
                        timeout=30), cluster.wsrep(2)
        status, body = fcgi_get(cluster.pool_sock(2), "/api/v1/health")
        assert status == 503, body
        assert body["status"] == "unhealthy" and body["cluster"]["status"] == "non-Primary", body
        assert body["cluster"]["ready"] is False
        # A read on that pool (its causal wait fails: 1205 from the node) is
        # a 503 in the one error shape, quickly, not a 500.
        for _ in range(3):
            t0 = time.time()
            status, body = fcgi_request(cluster.pool_sock(2), "GET", "/api/v1/jobs",
                                        token=early["token"], timeout=30)
            assert status == 503, body
            assert_error_shape(body, "SERVICE_UNAVAILABLE")
            assert time.time() - t0 < 10, time.time() - t0
        # Through nginx every answer is the healthy pool's, once the primary
        # side has seen the node leave (its view changes a few seconds after
        # node 2's does).
        assert wait_for(lambda: cluster.wsrep(1).get("wsrep_cluster_size") == str(NODES - 1),
                        timeout=30), cluster.wsrep(1)
        for _ in range(10):
            status, _, body = client.api("GET", "/health")
            assert status == 200, body
            assert body["cluster"]["status"] == "Primary" and body["cluster"]["size"] == NODES - 1
        user = client.register_and_login()
        for _ in range(6):
            status, _, body = client.api("GET", "/jobs", token=user["token"])
            assert status == 200, body
    finally:
        cluster.node_sql(2, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'")
    assert wait_for(lambda: cluster.synced(2), timeout=60), cluster.wsrep(2)
    assert wait_for(lambda: fcgi_get(cluster.pool_sock(2), "/api/v1/health")[0] == 200, timeout=30)
    # jobd2 left its node for another one and is still there.
    assert st.pid("jobd2") is not None
    log = (st.log_dir / "jobd2.log").read_text(errors="replace")
    assert "WSREP has not yet prepared node" in log or "connected to server" in log


# ------------------------------------------------------------ load and a node lost

def tenant(cluster, client):
    st = cluster.stack
    admin_email = unique_email("admin")
    st.create_admin(admin_email, ADMIN_PASSWORD)
    admin = client.login(admin_email, ADMIN_PASSWORD)
    krn = "krn:cluster-%s:client:progress" % uuid.uuid4().hex[:8]
    status, body, _ = call(client, "POST", "/clients", token=admin, json={"krn": krn, "name": "Cluster"})
    assert status == 201, body
    worker = client.register_and_login()
    status, body, _ = call(client, "POST", "/clients/%s/members" % urllib.parse.quote(krn, safe=""),
                           token=admin, json={"email": worker["email"]})
    assert status == 201, body
    return krn, worker["token"]


def submit_job(client, token, n, stats):
    """create, upload, mark-uploaded; retried while a pool is down. Returns the
    job id once the queue has it."""
    for attempt in range(240):
        try:
            job = create_job(client, token, CSV, name="c%05d.csv" % n)
            up = upload_input(client, token, job, CSV)
            break
        except (AssertionError, OSError, ConnectionError):
            if attempt == 239:
                raise
            stats["submit_retries"] += 1  # an unacknowledged job stays PENDING: not ours
            time.sleep(0.25)
    status, body, retries = call(client, "POST", "/jobs/%s/mark-uploaded" % job["id"], token=token,
                                 json={"object_key": up["object_key"]})
    stats["submit_retries"] += retries
    if status != 200:
        # A retry after a lost answer: the first try did queue it.
        _, now, _ = call(client, "GET", "/jobs/%s" % job["id"], token=token)
        assert now["status"] != "PENDING", (status, body, now)
    return job["id"]


def parse_ts(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


def test_jobs_and_progress_survive_a_killed_node(cluster):
    assert_all_synced(cluster)
    st = cluster.stack
    client = st.client()
    krn, ptoken = tenant(cluster, client)
    user = client.register_and_login()
    token = user["token"]
    stats = {"submit_retries": 0, "progress_retries": 0}
    lock = threading.Lock()
    names = ["rec-%d-%s.csv" % (i, uuid.uuid4().hex[:6]) for i in range(RECORDS)]
    expected = {n: {"done": 0, "warn": 0, "failed": 0} for n in names}
    timeline = {}

    def submitter(first):
        c = st.client()
        ids = []
        for n in range(first, JOBS, SUBMITTERS):
            ids.append(submit_job(c, token, n, stats))
        return ids

    def progress_client(n):
        c = st.client()
        path = "/clients/%s/progress" % urllib.parse.quote(krn, safe="")
        for i in range(POSTS_PER_CLIENT):
            name = names[(n + i) % RECORDS]
            counts = {"done": 1 + (i % 3), "warn": i % 2, "failed": (n + i) % 2}
            status, body, retries = call(c, "POST", path, token=ptoken,
                                         json={"filename": name, "counts": counts})
            assert status in (200, 201), body
            with lock:
                stats["progress_retries"] += retries
                for k, v in counts.items():
                    expected[name][k] += v
            time.sleep(0.05)

    def completed():
        rows = st.sql("SELECT COUNT(*) FROM jobs j JOIN users u ON u.id = j.user_id "
                      "WHERE u.email = '%s' AND j.status = 'COMPLETED'" % user["email"])
        return int(rows[0][0])

    def killer():
        """Kills node 2 once KILL_AT of the jobs completed, holds it down,
        lets the supervisor start it again and waits for it to sync."""
        assert wait_for(lambda: completed() >= JOBS * KILL_AT, timeout=900, interval=0.5)
        pid = cluster.node_pid(2)
        timeline["log2_offset"] = (st.log_dir / "galera2.log").stat().st_size
        (st.run_dir / "galera2.down").touch()  # the supervisor leaves it down
        timeline["kill"] = time.time()
        os.kill(pid, signal.SIGKILL)
        time.sleep(DOWN_SECONDS)
        timeline["restart"] = time.time()
        (st.run_dir / "galera2.down").unlink()
        assert wait_for(lambda: cluster.synced(2), timeout=300, interval=0.2), cluster.wsrep(2)
        timeline["synced"] = time.time()
        assert wait_for(lambda: fcgi_get(cluster.pool_sock(2), "/api/v1/health")[0] == 200,
                        timeout=60, interval=0.2)
        timeline["pool2_healthy"] = time.time()

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=SUBMITTERS + PROGRESS_CLIENTS + 1) as pool:
        kill = pool.submit(killer)
        subs = [pool.submit(submitter, i) for i in range(SUBMITTERS)]
        progs = [pool.submit(progress_client, n) for n in range(PROGRESS_CLIENTS)]
        ids = [j for f in subs for j in f.result()]
        for f in progs:
            f.result()
        kill.result()
    timeline["submitted"] = time.time()
    assert len(ids) == JOBS and len(set(ids)) == JOBS

    # Every job ends COMPLETED; nothing stays queued or running.
    def all_ended():
        rows = st.sql("SELECT status, COUNT(*) FROM jobs WHERE id IN (%s) GROUP BY status"
                      % ",".join("'%s'" % i for i in ids))
        counts = {r[0]: int(r[1]) for r in rows}
        ended = sum(counts.get(s, 0) for s in ("COMPLETED", "FAILED", "CANCELLED"))
        return counts if ended == JOBS else None
    done = wait_for(all_ended, timeout=900, interval=1.0)
    assert done and done.get("COMPLETED") == JOBS, (done, st.sql(
        "SELECT id, status, error_message FROM jobs WHERE id IN (%s) AND status <> 'COMPLETED'"
        % ",".join("'%s'" % i for i in ids)))
    timeline["all_completed"] = time.time()

    # Exactly once: one claim (attempts), one spawn by a dispatcher, one
    # quarry-process that started on it.
    rows = st.sql("SELECT id, attempts, finished_at, worker_host FROM jobs WHERE id IN (%s)"
                  % ",".join("'%s'" % i for i in ids))
    assert len(rows) == JOBS
    twice = [r for r in rows if r[1] != "1"]
    assert not twice, "jobs claimed more than once: %r" % twice[:10]
    spawned, processed = {}, {}
    spawn_re = re.compile(r"job ([0-9a-f-]{36}): spawned quarry-process pid")
    process_re = re.compile(r"quarry-process\[\d+\] info req=\S+ job ([0-9a-f-]{36}): processing ")
    for log in sorted(st.log_dir.glob("jobd*.log")):
        for line in log.read_text(errors="replace").splitlines():
            m = spawn_re.search(line)
            if m:
                spawned[m.group(1)] = spawned.get(m.group(1), 0) + 1
            m = process_re.search(line)
            if m:
                processed[m.group(1)] = processed.get(m.group(1), 0) + 1
    assert {i: spawned.get(i, 0) for i in ids if spawned.get(i, 0) != 1} == {}
    assert {i: processed.get(i, 0) for i in ids if processed.get(i, 0) != 1} == {}
    hosts = {r[3] for r in rows}
    assert len(hosts) == 3, hosts  # all three dispatchers ran jobs

    # Both pools took submissions.
    for k in (1, 2):
        queued = (st.log_dir / ("api%d.log" % k)).read_text(errors="replace").count("job queued id=")
        assert queued > 0, "pool api%d queued no job" % k

    # Progress: the exact sums of the acknowledged posts.
    for name in names:
        status, body, _ = call(client, "GET", "/clients/%s/progress?filename=%s"
                               % (urllib.parse.quote(krn, safe=""), name), token=ptoken)
        assert status == 200, body
        assert body["counts"] == expected[name], (name, body["counts"], expected[name])

    # The killed node came back by IST, and every node holds the same rows.
    with open(st.log_dir / "galera2.log", "rb") as f:
        f.seek(timeline["log2_offset"])
        log2 = f.read().decode(errors="replace")
    # (The joiner's SST script always starts, ready for a full copy; the
    # donor then sends the missed write sets only.)
    assert "IST received" in log2
    assert_all_synced(cluster)
    snap = "SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'COMPLETED'), " \
           "(SELECT COALESCE(SUM(done_count), 0) FROM progress_records)"
    views = [wait_for(lambda k=k: cluster.node_sql(k, "SELECT 1") and cluster.node_sql(k, snap)[0],
                      timeout=30) for k in range(1, NODES + 1)]
    assert views[0] == views[1] == views[2], views
    for k in range(1, 4):
        assert st.pid("jobd%d" % k) is not None, "jobd%d is gone" % k

    # Figures.
    finished = sorted(parse_ts(r[2]) for r in rows)
    first, last = finished[0], finished[-1]

    def rate(a, b):
        n = sum(1 for t in finished if a <= t < b)
        return round(n / (b - a), 1) if b > a else None

    retries = 0
    for log in st.log_dir.glob("*.log"):
        retries += log.read_text(errors="replace").count("lost a conflict")
    report = {
        "form": "full" if FULL else "short", "jobs": JOBS, "progress_clients": PROGRESS_CLIENTS,
        "progress_posts": PROGRESS_CLIENTS * POSTS_PER_CLIENT,
        "jobs_per_s_before_kill": rate(first, timeline["kill"]),
        "jobs_per_s_node_down": rate(timeline["kill"], timeline["restart"]),
        "jobs_per_s_rejoining": rate(timeline["restart"], timeline["synced"]),
        "jobs_per_s_after": rate(timeline["synced"], last + 0.001),
        "node_down_s": round(timeline["restart"] - timeline["kill"], 1),
        "rejoin_to_synced_s": round(timeline["synced"] - timeline["restart"], 1),
        "rejoin_to_pool_healthy_s": round(timeline["pool2_healthy"] - timeline["restart"], 1),
        "conflict_retries": retries,
        "client_retries_submit": stats["submit_retries"],
        "client_retries_progress": stats["progress_retries"],
        "wall_s": round(timeline["all_completed"] - started, 1),
        "dispatchers": sorted(hosts),
    }
    print("cluster figures: " + json.dumps(report))
    if os.environ.get("QUARRY_CLUSTER_REPORT"):
        with open(os.environ["QUARRY_CLUSTER_REPORT"], "w") as f:
            json.dump(report, f, indent=2)
