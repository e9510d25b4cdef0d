#!/usr/bin/env bash
# What each API endpoint of api.sh costs per request, in figures a busy
# machine does not move: the instructions one quarry-api worker runs
# (callgrind, user space), against the constant responder of the ceiling
# (quarry-bench-ceiling) under the same measure, and the statements the
# database server is sent (Questions: every round trip, prepared executions
# and text statements such as START TRANSACTION and COMMIT; Com_stmt_execute:
# the prepared ones), with MariaDB's CPU time per request beside them
# (/proc: that one does move with the load).
#
# The worker under callgrind serves on its own socket, and
# tools/bench/fcgi_drive.py sends it requests one connection each, as nginx
# does, with nginx's parameters: nginx and TLS are left out, since they are
# the same for every endpoint and for the ceiling. Each target gets
# BENCH_COST_WARMUP requests (statements prepared, caches filled), then
# BENCH_COST_REQUESTS counted ones (a tenth of them for the list of 100).
# BENCH_COST_PROFILE=DIR keeps each target's callgrind file there
# (callgrind_annotate shows where the instructions go).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd -P)
WARMUP=${BENCH_COST_WARMUP:-20}
REQUESTS=${BENCH_COST_REQUESTS:-200}
export QUARRY_LIMIT_STATUS_POLLS=${QUARRY_LIMIT_STATUS_POLLS:-1000000000}
command -v valgrind >/dev/null || { echo "api_cost: valgrind is missing" >&2; exit 1; }

bench_stack_up
. "$here/_api_fixtures.sh"
# The dispatcher polls the database a few times a second: paused while the
# statements are counted (as cluster.sh pauses it), so that they are the
# worker's alone.
jobd=$(cat "$(cd "$QUARRY_HOME" && pwd -P)/run/jobd.pid")
kill -STOP "$jobd"

home=$(cd "$QUARRY_HOME" && pwd -P)
sock=$home/run/bench-cost.sock
out=$(mktemp -d)
chmod 777 "$out"
drop=()
[ "$(id -u)" = 0 ] && drop=(-u quarry -g quarry -U quarry -G quarry)
hz=$(getconf CLK_TCK)
ceiling_bin=${QUARRY_BUILD_DIR:-$BENCH_REPO/build/$QUARRY_BUILD}/quarry-bench-ceiling
cp "$ceiling_bin" "$out/quarry-bench-ceiling"
chmod 755 "$out/quarry-bench-ceiling"

worker=""
worker_up() { # PROGRAM
	rm -f "$sock"
	QUARRY_CONFIG=$home/quarry.conf setsid spawn-fcgi -n -s "$sock" -M 0666 "${drop[@]}" -- \
		"$(command -v valgrind)" --tool=callgrind --callgrind-out-file="$out/cg.%p" "$1" \
		</dev/null >>"$home/log/bench-cost.log" 2>&1 &
	worker=$!
	bench_wait_socket "$sock" 20 "the worker under callgrind" || exit 1
}
worker_down() {
	kill -TERM "$worker" 2>/dev/null || true
	wait "$worker" 2>/dev/null || true
	worker=""
}
trap 'worker_down; kill -CONT "$jobd" 2>/dev/null; bench_stack_down' EXIT

db_ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$home/run/mariadb.pid")/stat"; }
com() { "$QUARRY" sql -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_stmt_execute')" | awk '{ v[$1] = $2 } END { print v["Questions"], v["Com_stmt_execute"] }'; }

results=()
# The instructions of a worker's whole life (callgrind's total at its exit).
worker_life() { # PROGRAM REQUESTS ARGS...
	local program=$1 n=$2 file
	shift 2
	worker_up "$program"
	"$here/fcgi_drive.py" "$sock" "$n" "$@"
	worker_down
	file=$(ls -t "$out"/cg.* | head -1)
	awk '/^(summary|totals):/ { print $2; exit }' "$file"
	[ -z "${BENCH_COST_PROFILE:-}" ] || cp "$file" "$BENCH_COST_PROFILE/last.cg"
	rm -f "$out"/cg.*
}

results=()
# A target's instructions per request: a worker's life with WARMUP requests
# taken from one with WARMUP + COUNT (the start, the warm-up and the exit
# are the same in both); the statements and MariaDB's CPU time over the
# COUNT requests of the second.
cost() { # NAME PROGRAM COUNT METHOD URI [TOKEN [BODY [IDS]]]
	local name=$1 program=$2 count=$3 q0 s0 q1 s1 t0 t1 ir0 ir1
	shift 3
	[ -z "${BENCH_COST_PROFILE:-}" ] || mkdir -p "$BENCH_COST_PROFILE"
	ir0=$(worker_life "$program" "$WARMUP" "$@")
	worker_up "$program"
	"$here/fcgi_drive.py" "$sock" "$WARMUP" "$@"
	read -r q0 s0 < <(com)
	t0=$(db_ticks)
	"$here/fcgi_drive.py" "$sock" "$count" "$@"
	t1=$(db_ticks)
	read -r q1 s1 < <(com)
	worker_down
	file=$(ls -t "$out"/cg.* | head -1)
	ir1=$(awk '/^(summary|totals):/ { print $2; exit }' "$file")
	[ -z "${BENCH_COST_PROFILE:-}" ] ||
		cp "$file" "$BENCH_COST_PROFILE/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').cg"
	rm -f "$out"/cg.*
	# Less the status read itself (one statement) between the two counts.
	results+=("$name|$count|$((ir1 - ir0))|$((q1 - q0 - 1))|$((s1 - s0))|$((t1 - t0))")
}

cost "ceiling (constant FastCGI)" "$out/quarry-bench-ceiling" "$REQUESTS" GET /bench-ceiling
# BENCH_COST_API: other quarry-api binaries, space-separated, each measured
# after the stack's own on the same stack and data (a change against the
# program before it); progress posts go to records of their own per binary.
apis=("$home/bin/quarry-api")
k=0
for b in ${BENCH_COST_API:-}; do
	k=$((k + 1))
	cp "$b" "$out/quarry-api-$k"
	chmod 755 "$out/quarry-api-$k"
	apis+=("$out/quarry-api-$k")
done
for ((k = 0; k < ${#apis[@]}; k++)); do
	api_bin=${apis[k]}
	tag=""
	[ "$k" = 0 ] || tag=" [$k]"
	cost "GET /users/me$tag" "$api_bin" "$REQUESTS" GET /api/v1/users/me "$reader"
	cost "GET /jobs/{id}$tag" "$api_bin" "$REQUESTS" GET "/api/v1/jobs/{id}" "$reader" "" "$read_ids"
	cost "GET /status/{id}$tag" "$api_bin" "$REQUESTS" GET "/api/v1/status/{id}" "$reader" "" "$read_ids"
	cost "GET /jobs?limit=100$tag" "$api_bin" "$((REQUESTS / 10))" GET "/api/v1/jobs?limit=100" "$reader"
	cost "POST /jobs$tag" "$api_bin" "$REQUESTS" POST /api/v1/jobs "$writer" "$job_body"
	cost "POST /clients/{krn}/progress$tag" "$api_bin" "$REQUESTS" POST "/api/v1/clients/$krn/progress" \
		"$member" '{"filename":"cost-'"$k"'-{n}.csv","counts":{"done":10,"warn":1,"failed":0},"total":1000000}'
done

ceiling_ir=""
echo "instructions per request of one worker (callgrind), statements per request; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %8s %12s %10s %9s %9s %13s\n' target requests "k instr/req" "x ceiling" "db trips" prepared "db CPU ms/req"
for r in "${results[@]}"; do
	IFS='|' read -r name count ir q s t <<<"$r"
	[ -n "$ceiling_ir" ] || ceiling_ir=$((ir / count))
	awk -v name="$name" -v n="$count" -v ir="$ir" -v c="$ceiling_ir" -v q="$q" -v s="$s" -v t="$t" -v hz="$hz" \
		'BEGIN { printf "%-30s %8d %12.1f %10.2f %9.2f %9.2f %13.3f\n", name, n, ir / n / 1000, ir / n / c, q / n, s / n, 1000 * t / hz / n }'
done
