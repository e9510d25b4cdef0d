#!/usr/bin/env bash
# The API against its ceiling, in one run on one stack, over the same TLS:
# nginx answering a static 200 (/static-bench), a constant FastCGI responder
# under spawn-fcgi and multiwatch with as many workers as the API pool
# (quarry-bench-ceiling at /bench-ceiling: what the design itself allows),
# and GET /users/me, GET /jobs/{id}, GET /status/{id}, GET /jobs?limit=100,
# POST /jobs and POST /clients/{krn}/progress; beside the ceiling, the two
# candidates for a higher one (bench_ceiling_up: a wider prefork pool, and
# threaded responders on kept-alive FastCGI connections), measured after it
# and before it again. Each is printed as req/s, p50
# and p99, as a ratio to the ceiling and to static, and with the CPU time
# the FastCGI workers, MariaDB and nginx spent per request and the prepared
# statements MariaDB executed per request (what no load moves). Static and the
# ceiling are measured first and again last: the ratios use the mean of the
# two, and their spread says how much the machine moved during the run.
# BENCH_DURATION (default 5s), BENCH_CONNECTIONS (32), BENCH_THREADS (2);
# BENCH_WIDE_WORKERS, BENCH_CEILING_THREADS, BENCH_API_THREADS (lib.sh).
# Each endpoint is also measured at once on a second API pool of threaded
# workers (api_threads, kept FastCGI connections), the other mode of
# quarry-api.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DURATION=${BENCH_DURATION:-5s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd -P)
# Status polls are counted as always (one guarded UPDATE each), but the
# benchmark's thousands of polls a second must not be refused.
export QUARRY_LIMIT_STATUS_POLLS=${QUARRY_LIMIT_STATUS_POLLS:-1000000000}

bench_stack_up
bench_ceiling_up
. "$here/_api_fixtures.sh"

# Every target answers 2xx before it is measured.
auth=(-H "Authorization: Bearer $reader")
for path in "/api/v1/users/me" "/api/v1/jobs/${ids[0]}" "/api/v1/status/${ids[0]}" "/api/v1/jobs?limit=100"; do
	curl -ksf "${auth[@]}" -o /dev/null "$BENCH_URL$path"
done
[ "$(curl -ksf "${auth[@]}" "$api/jobs?limit=100" | json '.__len__()')" = 100 ] ||
	{ echo "bench: GET /jobs?limit=100 did not return 100 jobs" >&2; exit 1; }

# Besides wrk's figures, the CPU time each part of the stack spent per
# answered request (ms): what bounds a target on a machine this busy is
# better read there than in its req/s alone.
hz=$(getconf CLK_TCK)
names=() rps=() p50=() p99=() failed=() cpu_fcgi=() cpu_db=() cpu_nginx=() stmts=()
questions=()
measure() {
	local name=$1 r a b f n f0 d0 w0 f1 d1 w1 s0 s1 q0 q1
	shift
	s0=$(bench_db_statements) q0=$(bench_db_questions)
	read -r f0 d0 w0 < <(bench_cpu_ticks)
	read -r r a b f n < <(bench_wrk_stats -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@")
	read -r f1 d1 w1 < <(bench_cpu_ticks)
	s1=$(bench_db_statements) q1=$(bench_db_questions)
	names+=("$name") rps+=("$r") p50+=("$a") p99+=("$b") failed+=("$f")
	stmts+=("$(awk -v s=$((s1 - s0)) -v n="$n" 'BEGIN { print n ? s / n : 0 }')")
	# Less the two status reads of this function itself.
	questions+=("$(awk -v s=$((q1 - q0 - 2)) -v n="$n" 'BEGIN { print n ? s / n : 0 }')")
	cpu_fcgi+=("$(awk -v t=$((f1 - f0)) -v n="$n" -v hz="$hz" 'BEGIN { print n ? 1000 * t / hz / n : 0 }')")
	cpu_db+=("$(awk -v t=$((d1 - d0)) -v n="$n" -v hz="$hz" 'BEGIN { print n ? 1000 * t / hz / n : 0 }')")
	cpu_nginx+=("$(awk -v t=$((w1 - w0)) -v n="$n" -v hz="$hz" 'BEGIN { print n ? 1000 * t / hz / n : 0 }')")
}
request() { # NAME METHOD PATH TOKEN [BODY [IDS]]
	local name=$1
	shift
	measure "$name" -s "$here/api_request.lua" "$BENCH_URL" -- "$@"
}

measure "nginx static 200" "$BENCH_URL/static-bench"
measure "ceiling (constant FastCGI)" "$BENCH_URL/bench-ceiling"
measure "ceiling, wide prefork" "$BENCH_URL/bench-ceiling-wide"
measure "ceiling, threads + kept conns" "$BENCH_URL/bench-ceiling-kept"
# Each endpoint on the stack's prefork pool, then at once on the threaded
# pool (/bench-threaded: api_threads = BENCH_API_THREADS, kept connections).
t=/bench-threaded
request "GET /users/me" GET /api/v1/users/me "$reader"
request "  threads" GET $t/api/v1/users/me "$reader"
request "GET /jobs/{id}" GET "/api/v1/jobs/{id}" "$reader" "" "$read_ids"
request "  threads" GET "$t/api/v1/jobs/{id}" "$reader" "" "$read_ids"
request "GET /status/{id}" GET "/api/v1/status/{id}" "$reader" "" "$read_ids"
request "  threads" GET "$t/api/v1/status/{id}" "$reader" "" "$read_ids"
request "GET /jobs?limit=100" GET "/api/v1/jobs?limit=100" "$reader"
request "  threads" GET "$t/api/v1/jobs?limit=100" "$reader"
request "POST /jobs" POST /api/v1/jobs "$writer" "$job_body"
request "  threads" POST $t/api/v1/jobs "$writer" "$job_body"
measure "POST /clients/{krn}/progress" -s "$here/progress_post.lua" "$BENCH_URL" -- "$member" "$krn" run
measure "  threads" -s "$here/progress_post.lua" "$BENCH_URL" -- "$member" "$krn" run $t
measure "ceiling, threads + kept, again" "$BENCH_URL/bench-ceiling-kept"
measure "ceiling, wide prefork, again" "$BENCH_URL/bench-ceiling-wide"
measure "ceiling, again" "$BENCH_URL/bench-ceiling"
measure "nginx static 200, again" "$BENCH_URL/static-bench"

n=${#names[@]}
static_rps=$(awk -v a="${rps[0]}" -v b="${rps[n - 1]}" 'BEGIN { print (a + b) / 2 }')
ceiling_rps=$(awk -v a="${rps[1]}" -v b="${rps[n - 2]}" 'BEGIN { print (a + b) / 2 }')
echo "$THREADS threads, $CONNECTIONS connections, $DURATION each; $QUARRY_WORKERS workers in each pool; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %8s %7s %7s %9s %8s %6s   %s\n' target req/s "p50 ms" "p99 ms" "% ceiling" "% static" failed \
	"CPU ms per request: fastcgi db nginx; prepared statements, all statements"
for ((i = 0; i < n; i++)); do
	awk -v name="${names[i]}" -v r="${rps[i]}" -v a="${p50[i]}" -v b="${p99[i]}" -v f="${failed[i]}" \
		-v c="$ceiling_rps" -v s="$static_rps" -v cf="${cpu_fcgi[i]}" -v cd="${cpu_db[i]}" -v cn="${cpu_nginx[i]}" \
		-v st="${stmts[i]}" -v q="${questions[i]}" \
		'BEGIN { printf "%-30s %8.0f %7.2f %7.2f %8.1f%% %7.1f%% %6d   %.3f %.3f %.3f; %.2f, %.2f\n", name, r, a, b, 100 * r / c, 100 * r / s, f, cf, cd, cn, st, q }'
done
awk -v c="$ceiling_rps" -v s="$static_rps" -v c1="${rps[1]}" -v c2="${rps[n - 2]}" -v s1="${rps[0]}" -v s2="${rps[n - 1]}" 'BEGIN {
	printf "ceiling (mean of both) %.0f req/s = %.1f%% of static (mean %.0f req/s)\n", c, 100 * c / s, s
	printf "drift over the run: ceiling %+.1f%%, static %+.1f%% (last against first)\n", 100 * (c2 - c1) / c1, 100 * (s2 - s1) / s1 }'
# The two candidates for a higher ceiling, each the mean of its two runs.
awk -v c="$ceiling_rps" -v w1="${rps[2]}" -v w2="${rps[n - 3]}" -v k1="${rps[3]}" -v k2="${rps[n - 4]}" \
	-v wp1="${p99[2]}" -v wp2="${p99[n - 3]}" -v kp1="${p99[3]}" -v kp2="${p99[n - 4]}" \
	-v cp1="${p99[1]}" -v cp2="${p99[n - 2]}" -v ww="${BENCH_WIDE_WORKERS:-$((4 * QUARRY_WORKERS))}" \
	-v kt="${BENCH_CEILING_THREADS:-16}" -v pw="$QUARRY_WORKERS" 'BEGIN {
	printf "ceiling p99 (mean of both) %.2f ms\n", (cp1 + cp2) / 2
	printf "wide prefork (%d workers): %.0f req/s = %.1f%% of the ceiling, p99 %.2f ms\n", ww, (w1 + w2) / 2, 50 * (w1 + w2) / c, (wp1 + wp2) / 2
	printf "threads + kept connections (%d x %d threads): %.0f req/s = %.1f%% of the ceiling, p99 %.2f ms\n", pw, kt, (k1 + k2) / 2, 50 * (k1 + k2) / c, (kp1 + kp2) / 2 }'
# Threads against prefork, endpoint by endpoint (each "  threads" row
# against the row above it): throughput and p99 as ratios.
echo "threaded API ($QUARRY_WORKERS x ${BENCH_API_THREADS:-8} threads, kept connections) against the prefork pool ($QUARRY_WORKERS workers):"
for ((i = 1; i < n; i++)); do
	[ "${names[i]}" = "  threads" ] || continue
	awk -v name="${names[i - 1]}" -v r0="${rps[i - 1]}" -v r1="${rps[i]}" -v p0="${p99[i - 1]}" -v p1="${p99[i]}" \
		'BEGIN { printf "  %-30s req/s x%.2f, p99 x%.2f\n", name, r1 / r0, p1 / p0 }'
done
for ((i = 0; i < n; i++)); do
	[ "${failed[i]}" = 0 ] || { echo "bench: ${names[i]}: ${failed[i]} requests failed" >&2; exit 1; }
done
