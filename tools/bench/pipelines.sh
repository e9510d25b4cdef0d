#!/usr/bin/env bash
# Pipelines at scale: 1,000 pipelines, each with a schedule firing every
# minute (slots spread over the minute), and 10,000 executions in history.
# Measures, in one run on one stack:
#   - the dispatcher's scheduling passes (its own log: "N slot(s) fired in X ms"),
#   - GET /pipelines (limit 100) beside GET /users/me (the same auth and
#     database round trip, the reference),
#   - a parent's end to its child's RUNNING (end_time of the parent's
#     execution to start_time of the child's, both stamped by the database).
#   BENCH_SECONDS=70 BENCH_CHAIN=30 tools/bench/pipelines.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECONDS_RUN=${BENCH_SECONDS:-70}
CHAIN=${BENCH_CHAIN:-30}

bench_stack_up
token=$(bench_token)
user_id=$(curl -ksf -H "Authorization: Bearer $token" "$BENCH_URL/api/v1/users/me" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
jobd_log="$QUARRY_HOME/log/jobd.log"
log_start=$(wc -l <"$jobd_log")

BENCH_URL=$BENCH_URL TOKEN=$token CAFILE="$QUARRY_HOME/tls/cert.pem" STAGE=create python3 \
	"$(dirname "$0")/_pipelines.py" >"$QUARRY_HOME.pipelines-ids"

# 10,000 finished executions in history (10 per pipeline), as the end of a run writes them.
"$QUARRY" sql -e "INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status,
	trigger_type, parameters, start_time, end_time, records_processed, records_successful,
	created_at)
	SELECT UUID(), p.id, p.user_id, UUID(), IF(s.seq % 10 = 0, 'FAILED', 'SUCCESS'), 'manual', '{}',
	       UTC_TIMESTAMP(3) - INTERVAL s.seq HOUR, UTC_TIMESTAMP(3) - INTERVAL s.seq HOUR,
	       1000, 990, UTC_TIMESTAMP(3) - INTERVAL s.seq HOUR
	FROM pipelines p JOIN seq_1_to_10 s WHERE p.user_id = '$user_id';
	UPDATE pipelines SET runs_finished = 10, runs_succeeded = 9 WHERE user_id = '$user_id';"
echo "history: $("$QUARRY" sql -N -B -e "SELECT COUNT(*) FROM pipeline_executions WHERE user_id = '$user_id'") executions"

# Arm the schedules: every pipeline fires once a minute, the slots spread over the minute.
"$QUARRY" sql -e "UPDATE pipelines SET next_fire_at = UTC_TIMESTAMP(3) + INTERVAL 2 SECOND
	+ INTERVAL (CRC32(id) % 60000) * 1000 MICROSECOND WHERE user_id = '$user_id'
	AND schedule IS NOT NULL"
echo "scheduling for ${SECONDS_RUN}s ..."

BENCH_URL=$BENCH_URL TOKEN=$token CAFILE="$QUARRY_HOME/tls/cert.pem" STAGE=lists python3 \
	"$(dirname "$0")/_pipelines.py"
sleep "$SECONDS_RUN"
"$QUARRY" sql -e "UPDATE pipelines SET is_active = 0, next_fire_at = NULL WHERE user_id = '$user_id'"
tail -n +"$((log_start + 1))" "$jobd_log" | python3 -c '
import re, sys
ms, slots = [], 0
for line in sys.stdin:
    m = re.search(r"scheduler: (\d+) slot\(s\) fired in ([0-9.]+) ms", line)
    if m:
        slots += int(m.group(1))
        ms.append(float(m.group(2)))
ms.sort()
if not ms:
    sys.exit("no scheduling pass fired anything")
print("scheduling passes that fired: %d (%d slots, %.1f per pass); pass time ms: median %.1f  p90 %.1f  max %.1f"
      % (len(ms), slots, slots / len(ms), ms[len(ms) // 2], ms[int(len(ms) * 0.9)], ms[-1]))
'
# Let the fired executions drain before the chain is measured.
for _ in $(seq 1 600); do
	left=$("$QUARRY" sql -N -B -e "SELECT COUNT(*) FROM pipeline_executions WHERE status IN ('PENDING', 'RUNNING')")
	[ "$left" = 0 ] && break
	sleep 1
done

BENCH_URL=$BENCH_URL TOKEN=$token CAFILE="$QUARRY_HOME/tls/cert.pem" STAGE=chain CHAIN=$CHAIN \
	python3 "$(dirname "$0")/_pipelines.py" >"$QUARRY_HOME.pipelines-chain"
ids=$(sed "s/.*/'&'/" "$QUARRY_HOME.pipelines-chain" | paste -sd, -)
"$QUARRY" sql -N -B -e "SELECT TIMESTAMPDIFF(MICROSECOND, p.end_time, c.start_time) / 1000
	FROM pipeline_executions c JOIN pipeline_executions p ON p.id = c.upstream_execution_id
	WHERE p.id IN ($ids)" | python3 -c '
import sys
ms = sorted(float(x) for x in sys.stdin.read().split())
print("parent end -> child RUNNING, ms (%d chains): median %.1f  p90 %.1f  max %.1f"
      % (len(ms), ms[len(ms) // 2], ms[int(len(ms) * 0.9)], ms[-1]))
'
rm -f "$QUARRY_HOME.pipelines-ids" "$QUARRY_HOME.pipelines-chain"
