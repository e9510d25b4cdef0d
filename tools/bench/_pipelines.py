"""Helper of tools/bench/pipelines.sh (not a benchmark itself): STAGE=create
makes 1,000 scheduled pipelines, STAGE=lists times GET /pipelines beside
GET /users/me, STAGE=chain runs a parent whose end triggers a child and
prints the parent executions' ids."""
import http.client
import json
import os
import ssl
import statistics
import time
import urllib.parse

BASE = urllib.parse.urlsplit(os.environ["BENCH_URL"])
CTX = ssl.create_default_context(cafile=os.environ["CAFILE"])
TOKEN = os.environ["TOKEN"]
CONN = http.client.HTTPSConnection(BASE.hostname, BASE.port, context=CTX, timeout=60)


def call(method, path, body=None, raw=None, ctype=None):
    hdrs = {"Authorization": "Bearer " + TOKEN}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    elif raw is not None:
        data, hdrs["Content-Type"] = raw, ctype
    conn = http.client.HTTPSConnection(BASE.hostname, BASE.port, context=CTX, timeout=60)
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    out = resp.read()
    conn.close()
    return resp.status, json.loads(out) if out[:1] in (b"{", b"[") else out


def upload(name, content):
    boundary = "benchboundary"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
            "Content-Type: text/csv\r\n\r\n" % (boundary, name)).encode() + content + \
        ("\r\n--%s--\r\n" % boundary).encode()
    st, f = call("POST", "/api/v1/files/upload", raw=body,
                 ctype="multipart/form-data; boundary=" + boundary)
    assert st == 201, f
    return f["file_id"]


def create():
    file_id = upload("bench.csv", b"id,name\n1,a\n2,b\n3,c\n")
    for i in range(1000):
        st, p = call("POST", "/api/v1/pipelines", {
            "job_name": "bench-%04d" % i, "job_type": "FULL_ETL", "source_type": "FILE",
            "source_config": {"file_id": file_id},
            "schedule": {"type": "interval", "interval_seconds": 60}})
        assert st == 201, p
        print(p["job_id"])


def timed(path, n=200):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        st, _ = call("GET", path)
        times.append((time.perf_counter() - t) * 1000)
        assert st == 200, st
    return statistics.median(times)


def lists():
    ref = timed("/api/v1/users/me")
    got = timed("/api/v1/pipelines")
    active = timed("/api/v1/pipelines?status=active&limit=100&offset=0")
    print("GET /pipelines (100 of 1000, ms, median of 200): %.1f; ?status=active: %.1f; "
          "GET /users/me (reference): %.1f; ratio %.2f" % (got, active, ref, got / ref))


def chain():
    file_id = upload("chain.csv", b"id,name\n1,a\n2,b\n3,c\n")
    st, parent = call("POST", "/api/v1/pipelines", {"job_name": "chain-parent", "source_type": "FILE",
                                                    "source_config": {"file_id": file_id}})
    st, child = call("POST", "/api/v1/pipelines", {"job_name": "chain-child"})
    st, _ = call("POST", "/api/v1/pipelines/%s/dependencies" % child["job_id"],
                 {"parent_job_id": parent["job_id"]})
    assert st == 201
    for i in range(int(os.environ["CHAIN"])):
        st, e = call("POST", "/api/v1/pipelines/%s/execute" % parent["job_id"], {})
        assert st == 202, e
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st, h = call("GET", "/api/v1/pipelines/%s/executions?limit=1" % child["job_id"])
            if h["total"] == i + 1 and h["executions"][0]["status"] in ("SUCCESS", "FAILED"):
                break
            time.sleep(0.02)
        print(e["execution_id"])


{"create": create, "lists": lists, "chain": chain}[os.environ["STAGE"]]()
