#!/usr/bin/env bash
# Queue latency: the time from mark-uploaded (job QUEUED, the API wakes the
# dispatcher) to the dispatcher's claim (job RUNNING), over N small jobs,
# read as started_at - queued_at from the database (both stamped there, ms).
# Jobs are queued one at a time, each after the previous one ended, so that
# the number measures the dispatcher's reaction, not a queue of waiting jobs.
#   BENCH_JOBS=200 tools/bench/queue_latency.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
JOBS=${BENCH_JOBS:-200}

bench_stack_up
token=$(bench_token)

BENCH_URL=$BENCH_URL TOKEN=$token JOBS=$JOBS CAFILE="$QUARRY_HOME/tls/cert.pem" python3 - <<'EOF' >"$QUARRY_HOME.latency-ids"
import http.client, json, os, ssl, sys, time, urllib.parse

base = urllib.parse.urlsplit(os.environ["BENCH_URL"])
ctx = ssl.create_default_context(cafile=os.environ["CAFILE"])
token = os.environ["TOKEN"]
data = b"id,name,amount\n1,a,1\n2,b,2\n3,c,3\n"

def call(method, url, body=None, headers=None, auth=True):
    parts = urllib.parse.urlsplit(url if "://" in url else os.environ["BENCH_URL"] + url)
    conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=ctx, timeout=30)
    hdrs = dict(headers or {})
    if auth:
        hdrs["Authorization"] = "Bearer " + token
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    conn.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw

for i in range(int(os.environ["JOBS"])):
    st, job = call("POST", "/api/v1/jobs", {"file_name": "lat%d.csv" % i,
                   "original_file_size_bytes": len(data), "processing_steps": []})
    assert st == 201, job
    st, up = call("POST", "/api/v1/jobs/%s/upload-url" % job["id"], {})
    assert st == 200, up
    st, _ = call("PUT", up["upload_url"], data, {"Content-Type": "text/csv"}, auth=False)
    assert st in (201, 204), st
    st, body = call("POST", "/api/v1/jobs/%s/mark-uploaded" % job["id"], {"object_key": up["object_key"]})
    assert st == 200, body
    deadline = time.monotonic() + 30
    while True:
        st, cur = call("GET", "/api/v1/jobs/%s" % job["id"])
        if cur["status"] in ("COMPLETED", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    print(job["id"])
EOF

ids=$(sed "s/.*/'&'/" "$QUARRY_HOME.latency-ids" | paste -sd, -)
"$QUARRY" sql -N -B -e "SELECT TIMESTAMPDIFF(MICROSECOND, queued_at, started_at) / 1000, status
	FROM jobs WHERE id IN ($ids)" | python3 -c '
import sys
rows = [line.split("\t") for line in sys.stdin.read().splitlines()]
ms = sorted(float(r[0]) for r in rows if r[0] != "NULL")
bad = [r for r in rows if r[1] != "COMPLETED"]
def pct(p):
    return ms[min(len(ms) - 1, int(round(p / 100.0 * (len(ms) - 1))))]
print("jobs: %d (not COMPLETED: %d)" % (len(rows), len(bad)))
print("mark-uploaded -> RUNNING (started_at - queued_at), ms: median %.1f  p99 %.1f  max %.1f"
      % (pct(50), pct(99), ms[-1]))
'
rm -f "$QUARRY_HOME.latency-ids"
