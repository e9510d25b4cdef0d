"""Shared by the benchmarks that queue small jobs through the API
(queue_latency.sh, cluster.sh): one HTTPS call, and one small job created,
uploaded through its signed URL and marked uploaded. The stack comes from
the environment: BENCH_URL, TOKEN, CAFILE."""
import http.client
import json
import os
import ssl
import time
import urllib.parse

CTX = ssl.create_default_context(cafile=os.environ["CAFILE"])
TOKEN = os.environ["TOKEN"]
DATA = b"id,name,amount\n1,a,1\n2,b,2\n3,c,3\n"


def call(method, url, body=None, headers=None, auth=True, timeout=60):
    """(status, parsed JSON or raw bytes) of one request on a new connection."""
    parts = urllib.parse.urlsplit(url if "://" in url else os.environ["BENCH_URL"] + url)
    conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=CTX, timeout=timeout)
    hdrs = dict(headers or {})
    if auth:
        hdrs["Authorization"] = "Bearer " + TOKEN
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    conn.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body,
                 headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw


def queue_small_job(file_name):
    """A three-row CSV job, uploaded and marked uploaded (QUEUED): its id."""
    st, job = call("POST", "/api/v1/jobs", {"file_name": file_name,
                   "original_file_size_bytes": len(DATA), "processing_steps": []})
    assert st == 201, job
    # On a cluster the next call may reach another node that has not applied
    # the creation yet (Galera applies other nodes' commits a little later):
    # a 404 there is waited out briefly.
    for _ in range(20):
        st, up = call("POST", "/api/v1/jobs/%s/upload-url" % job["id"], {})
        if st != 404:
            break
        time.sleep(0.05)
    assert st == 200, up
    st, _ = call("PUT", up["upload_url"], DATA, {"Content-Type": "text/csv"}, auth=False)
    assert st in (201, 204), st
    for _ in range(20):
        st, body = call("POST", "/api/v1/jobs/%s/mark-uploaded" % job["id"],
                        {"object_key": up["object_key"]})
        if st != 404:
            break
        time.sleep(0.05)
    assert st == 200, body
    return job["id"]
