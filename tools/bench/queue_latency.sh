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

BENCH_URL=$BENCH_URL TOKEN=$token JOBS=$JOBS CAFILE="$QUARRY_HOME/tls/cert.pem" \
	PYTHONPATH="$BENCH_REPO/tools/bench" python3 - <<'EOF' >"$QUARRY_HOME.latency-ids"
import os, time
from bench_jobs import call, queue_small_job

for i in range(int(os.environ["JOBS"])):
    job_id = queue_small_job("lat%d.csv" % i)
    deadline = time.monotonic() + 30
    while True:
        st, cur = call("GET", "/api/v1/jobs/%s" % job_id)
        if cur["status"] in ("COMPLETED", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    print(job_id)
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
