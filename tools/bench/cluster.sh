#!/usr/bin/env bash
# Queue throughput on a Galera cluster: jobs/s claimed and completed with 1,
# 2 and 3 dispatchers (one per node, tools/quarry start --cluster 3), beside
# the single-node stack's one dispatcher, all measured in this run.
#
# For each setting: the dispatchers are paused (SIGSTOP), N small jobs are
# queued through the API, then the dispatchers of the setting are let go
# (SIGCONT) at once. claimed/s = N / (last started_at - release time),
# completed/s = N / (last finished_at - release time), both stamped by the
# database. Every job must end COMPLETED with attempts = 1.
#   BENCH_JOBS=300 BENCH_CONCURRENCY=2 [BENCH_USERS=4] tools/bench/cluster.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
JOBS=${BENCH_JOBS:-300}
export QUARRY_JOB_CONCURRENCY=${BENCH_CONCURRENCY:-2}
# One user queues every job: the per-user upload limit is not what this measures.
export QUARRY_LIMIT_UPLOADS=${QUARRY_LIMIT_UPLOADS:-1000000}

# queue_jobs N: N small jobs through the API (8 at a time); their ids, one a line.
queue_jobs() {
	BENCH_URL=$BENCH_URL TOKEN=$1 JOBS=$2 CAFILE="$QUARRY_HOME/tls/cert.pem" \
		PYTHONPATH="$BENCH_REPO/tools/bench" python3 - <<'EOF'
import concurrent.futures, os
from bench_jobs import queue_small_job


def one(i):
    return queue_small_job("q%d.csv" % i)

with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for job_id in pool.map(one, range(int(os.environ["JOBS"]))):
        print(job_id)
EOF
}

# measure LABEL "PIDS TO RELEASE" "ALL DISPATCHER PIDS" [USERS]: one setting,
# the jobs queued by USERS users (1), as evenly as JOBS allows; prints
# "LABEL claimed/s completed/s".
measure() {
	local label=$1 release=$2 all=$3 users=${4:-1} ids= token t0 pid u
	for pid in $all; do kill -STOP "$pid"; done
	for ((u = 0; u < users; u++)); do
		token=$(bench_token)
		ids+=$(queue_jobs "$token" $(((JOBS + u) / users)))$'\n'
	done
	ids=$(grep . <<<"$ids" | sed "s/.*/'&'/" | paste -sd, -)
	[ "$(tr ',' '\n' <<<"$ids" | grep -c .)" = "$JOBS" ] || { for pid in $all; do kill -CONT "$pid"; done; echo "$label: queueing failed" >&2; exit 1; }
	t0=$("$QUARRY" sql -N -B -e "SELECT UTC_TIMESTAMP(3)")
	for pid in $release; do kill -CONT "$pid"; done
	for ((i = 0; i < 1200; i++)); do
		[ "$("$QUARRY" sql -N -B -e "SELECT COUNT(*) FROM jobs WHERE id IN ($ids) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')")" = "$JOBS" ] && break
		sleep 0.5
	done
	for pid in $all; do kill -CONT "$pid"; done
	"$QUARRY" sql -N -B -e "SELECT
		SUM(status = 'COMPLETED'), SUM(attempts = 1),
		TIMESTAMPDIFF(MICROSECOND, '$t0', MAX(started_at)) / 1e6,
		TIMESTAMPDIFF(MICROSECOND, '$t0', MAX(finished_at)) / 1e6
		FROM jobs WHERE id IN ($ids)" | awk -v label="$label" -v n="$JOBS" '{
		if ($1 != n || $2 != n) { printf "%s: %s of %s COMPLETED, %s claimed once\n", label, $1, n, $2; exit 1 }
		printf "%-26s claimed %7.1f jobs/s   completed %7.1f jobs/s\n", label, n / $3, n / $4 }'
}

bench_stack_up
# BENCH_USERS=U (> 1) adds settings whose jobs are spread over U users: the
# claims and ends of different users' jobs update different counter rows.
USERS=${BENCH_USERS:-1}
single=$(measure "single node, 1 jobd" "$(cat "$QUARRY_HOME/run/jobd.pid")" "$(cat "$QUARRY_HOME/run/jobd.pid")")
[ "$USERS" -gt 1 ] && single+=$'\n'$(measure "single, $USERS users" "$(cat "$QUARRY_HOME/run/jobd.pid")" "$(cat "$QUARRY_HOME/run/jobd.pid")" "$USERS")
bench_stack_down
trap - EXIT

export BENCH_HOME=${BENCH_CLUSTER_HOME:-$BENCH_REPO/var/bench-cluster}
export QUARRY_CLUSTER=3 QUARRY_CLUSTER_DISPATCHERS=3 QUARRY_CLUSTER_POOLS=2
# A base port whose next 40 ports are free (the nodes' SQL, Galera, IST, SST ports).
export QUARRY_CLUSTER_PORT=${QUARRY_CLUSTER_PORT:-$(python3 -c '
import random, socket
def free(p):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
            return True
        except OSError:
            return False
for _ in range(200):
    base = random.randrange(20000, 60000, 50)
    if all(free(p) for p in range(base + 1, base + 41)):
        print(base)
        break
')}
bench_stack_up
jobds="$(cat "$QUARRY_HOME/run/jobd1.pid") $(cat "$QUARRY_HOME/run/jobd2.pid") $(cat "$QUARRY_HOME/run/jobd3.pid")"
read -r d1 d2 d3 <<<"$jobds"
echo "queue throughput: $JOBS small jobs per setting, job_concurrency $QUARRY_JOB_CONCURRENCY per dispatcher, $(nproc) cores"
echo "$single"
measure "cluster, 1 jobd" "$d1" "$jobds"
measure "cluster, 2 jobd" "$d1 $d2" "$jobds"
measure "cluster, 3 jobd" "$d1 $d2 $d3" "$jobds"
if [ "$USERS" -gt 1 ]; then
	measure "cluster, 1 jobd, $USERS users" "$d1" "$jobds" "$USERS"
	measure "cluster, 3 jobd, $USERS users" "$d1 $d2 $d3" "$jobds" "$USERS"
fi
# The cost of causal reads (wsrep_sync_wait=1, which start --cluster sets on
# every node): GET /jobs/{id} through nginx (both pools) for BENCH_DURATION
# with every node's wsrep_sync_wait at 0 and at 1, twice each in turn; the
# pools' workers are ended between settings (multiwatch starts new ones,
# whose sessions take the new value). The claim settings above ran with
# causal reads on.
node_sql() { mariadb --no-defaults --socket="$QUARRY_HOME/cluster/node$1/mysqld.sock" -u "$(id -un)" -N -B -e "$2"; }
sync_wait() {
	local k pid w
	for k in 1 2 3; do node_sql "$k" "SET GLOBAL wsrep_sync_wait = $1"; done
	for k in 1 2; do
		pid=$(cat "$QUARRY_HOME/run/api$k.pid")
		for w in $(pgrep -P "$pid" -x quarry-api); do kill -TERM "$w"; done
	done
	sleep 2
	for ((k = 0; k < 50; k++)); do curl -ksf "$BENCH_URL/api/v1/health" >/dev/null && break; sleep 0.2; done
}
token=$(bench_token)
job=$(curl -ksf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"file_name":"r.csv","processing_steps":[],"original_file_size_bytes":3}' "$BENCH_URL/api/v1/jobs" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
declare -A rps p99
for round in 1 2; do
	for w in 0 1; do
		sync_wait "$w"
		read -r r p _ <<<"$(bench_wrk_stats -t2 -c16 -d"${BENCH_DURATION:-5s}" \
			-H "Authorization: Bearer $token" "$BENCH_URL/api/v1/jobs/$job")"
		rps[$w]="${rps[$w]:-} $r"
		p99[$w]="${p99[$w]:-} $p"
	done
done
mean() { tr ' ' '\n' <<<"$1" | awk 'NF { s += $1; n++ } END { printf "%.1f", s / n }'; }
echo "GET /jobs/{id} through both pools, wsrep_sync_wait=0: $(mean "${rps[0]}") req/s (p99 $(mean "${p99[0]}") ms; runs:${rps[0]})"
echo "GET /jobs/{id} through both pools, wsrep_sync_wait=1: $(mean "${rps[1]}") req/s (p99 $(mean "${p99[1]}") ms; runs:${rps[1]})"
echo "causal reads cost: $(awk -v a="$(mean "${rps[1]}")" -v b="$(mean "${rps[0]}")" 'BEGIN { printf "%.2f", a / b }') of the throughput without"
conflicts=$(cat "$QUARRY_HOME"/log/jobd*.log "$QUARRY_HOME"/log/api*.log | grep -c "lost a conflict" || true)
echo "conflicts retried on the cluster (all settings): $conflicts"
