# Shared by the benchmarks: a private release-build stack on free loopback
# ports, started once per benchmark run and stopped at exit.
#   . "$(dirname "$0")/lib.sh"; bench_stack_up; ... "$BENCH_URL" ...
# Set BENCH_KEEP_STACK=1 to leave it running, BENCH_HOME to reuse one.

BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
QUARRY="$BENCH_REPO/tools/quarry"

bench_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_stack_up() {
	export QUARRY_HOME=${BENCH_HOME:-$BENCH_REPO/var/bench-stack}
	export QUARRY_BUILD=${QUARRY_BUILD:-release}
	export QUARRY_HTTPS_PORT=${QUARRY_HTTPS_PORT:-$(bench_free_port)}
	export QUARRY_HTTP_PORT=${QUARRY_HTTP_PORT:-$(bench_free_port)}
	export QUARRY_WORKERS=${QUARRY_WORKERS:-4}
	# Benchmarks log in once; the login limit is not what they measure.
	export QUARRY_LOGIN_RATE=${QUARRY_LOGIN_RATE:-1000r/s}
	"$QUARRY" start >"$QUARRY_HOME.start.log" 2>&1 || {
		cat "$QUARRY_HOME.start.log" >&2
		return 1
	}
	BENCH_URL="https://localhost:$QUARRY_HTTPS_PORT"
	[ -n "${BENCH_KEEP_STACK:-}" ] || trap bench_stack_down EXIT
}

# Waits up to SECONDS for the unix socket PATH a spawned pool listens on;
# says WHAT did not start otherwise.
bench_wait_socket() { # PATH SECONDS WHAT
	for ((i = 0; i < $2 * 10; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "bench: $3 did not start" >&2
	return 1
}

bench_stack_down() {
	bench_ceiling_down
	"$QUARRY" stop >/dev/null 2>&1 || true
}

# A new user's token on the bench stack.
bench_token() {
	local email="bench-$RANDOM$RANDOM@example.com" pw="bench-password-1"
	curl -ksf -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$pw\"}" "$BENCH_URL/api/v1/auth/register" >/dev/null
	curl -ksf -d "username=$email&password=$pw" "$BENCH_URL/api/v1/auth/login" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# wrk's summary as "req_per_sec p99_ms" (wrk --latency prints the percentiles).
bench_wrk() {
	wrk --latency "$@" | awk '
		/Requests\/sec/ { rps = $2 }
		/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
		           else if (v ~ /ms$/) { sub(/ms/, "", v) }
		           else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
		           p99 = v }
		END { printf "%s %s\n", rps, p99 }'
}

# wrk's summary as "req_per_sec p50_ms p99_ms failed requests" (failed:
# non-2xx/3xx answers and socket errors; requests: how many were answered).
bench_wrk_stats() {
	wrk --latency "$@" | awk '
		function ms(v) {
			if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 }
			if (v ~ /ms$/) { sub(/ms/, "", v); return v + 0 }
			if (v ~ /s$/) { sub(/s/, "", v); return v * 1000 }
			return v
		}
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = ms($2) }
		/^ +99%/ { p99 = ms($2) }
		/Non-2xx or 3xx responses/ { bad = $5 }
		/Socket errors/ { for (i = 3; i <= NF; i++) { v = $i; gsub(/,/, "", v); if (v ~ /^[0-9]+$/) bad += v } }
		/requests in/ { n = $1 }
		END { printf "%s %s %s %d %d\n", rps, p50, p99, bad, n }'
}

# CPU time (user + system, in clock ticks) the stack's processes have used
# so far, as "fastcgi mariadb nginx": the API pool's and the ceiling's
# workers and the ceilings' together (only the measured one is busy),
# the database server, nginx's workers.
bench_cpu_ticks() {
	local run pool db web p
	run=$(cd "$QUARRY_HOME" && pwd -P)/run
	pool="$(pgrep -P "$(cat "$run/api.pid")" || true)"
	for p in "${BENCH_CEILING_PIDS[@]}"; do
		pool+=" $(pgrep -P "$p" || true)"
	done
	db=$(cat "$run/mariadb.pid" 2>/dev/null || true)
	web=$(pgrep -P "$(cat "$run/nginx.pid")" || true)
	# shellcheck disable=SC2086 # lists of pids, split on purpose
	_bench_ticks $pool
	# shellcheck disable=SC2086
	_bench_ticks $db
	# shellcheck disable=SC2086
	_bench_ticks $web
	echo
}

# Prepared statements MariaDB has executed so far (Com_stmt_execute): per
# request, the round trips an endpoint makes, which no load moves.
bench_db_statements() {
	"$QUARRY" sql -N -B -e "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | awk '{ print $2 }'
}

# Every statement the server has been sent so far (Questions: prepared
# executions and text statements such as START TRANSACTION and COMMIT),
# each a round trip from its client.
bench_db_questions() {
	"$QUARRY" sql -N -B -e "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{ print $2 }'
}

_bench_ticks() {
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	printf '%s ' "$t"
}

# The benchmark's ceiling: quarry-bench-ceiling (a constant FastCGI
# responder) under spawn-fcgi and multiwatch on its own socket, with as many
# workers as the API pool, and nginx reloaded with its /bench-ceiling
# location (QUARRY_BENCH_CEILING=1). Beside it, the two candidates for a
# higher ceiling, each on its own socket and location: /bench-ceiling-wide,
# the same prefork responder with BENCH_WIDE_WORKERS processes (default 4×
# the pool), and /bench-ceiling-kept, QUARRY_WORKERS processes of
# BENCH_CEILING_THREADS threads each (default 16) behind an nginx upstream
# keepalive pool with fastcgi_keep_conn on. bench_stack_down stops them.
BENCH_CEILING_PIDS=()
_bench_ceiling_pool() { # SOCKET_NAME WORKERS THREADS
	local home run bin multiwatch i
	home=$(cd "$QUARRY_HOME" && pwd -P)
	run=$home/run
	bin=${QUARRY_BUILD_DIR:-$BENCH_REPO/build/$QUARRY_BUILD}/quarry-bench-ceiling
	[ -x "$bin" ] || { echo "bench: $bin is missing (tools/quarry build $QUARRY_BUILD)" >&2; return 1; }
	multiwatch=$(command -v multiwatch)
	rm -f "$run/$1.sock"
	QUARRY_CEILING_THREADS=$3 setsid spawn-fcgi -n -s "$run/$1.sock" -M 0660 -- \
		"$multiwatch" -f "$2" -r 25 -s TERM -- "$bin" \
		</dev/null >>"$home/log/bench-ceiling.log" 2>&1 &
	BENCH_CEILING_PIDS+=($!)
	bench_wait_socket "$run/$1.sock" 10 "the ceiling responder $1"
}

# Beside them, the API itself with threaded workers: QUARRY_WORKERS
# processes of BENCH_API_THREADS threads (api_threads, default 8) on the
# stack's configuration and database, at /bench-threaded/api/v1/... (the
# same kept upstream the stack's own API location gets with threads), so
# that one run weighs the prefork pool against threads.
_bench_api_threads_pool() {
	local home run multiwatch i drop=()
	# The stack's own copy of the program (var/bin: the build's may not be
	# the quarry user's to run).
	home=$(cd "$QUARRY_HOME" && pwd -P)
	run=$home/run
	multiwatch=$(command -v multiwatch)
	# As the stack's pool: as root, the socket and the workers are quarry's.
	[ "$(id -u)" = 0 ] && drop=(-u quarry -g quarry -U quarry -G quarry)
	rm -f "$run/bench-api-kept.sock"
	QUARRY_CONFIG=$home/quarry.conf QUARRY_API_THREADS=${BENCH_API_THREADS:-8} \
		setsid spawn-fcgi -n -s "$run/bench-api-kept.sock" -M 0660 "${drop[@]}" -- \
		"$multiwatch" -f "$QUARRY_WORKERS" -r 25 -s TERM -- \
		"$home/bin/quarry-api" \
		</dev/null >>"$home/log/bench-api-threads.log" 2>&1 &
	BENCH_CEILING_PIDS+=($!)
	bench_wait_socket "$run/bench-api-kept.sock" 10 "the threaded API pool"
}

bench_ceiling_up() {
	local i path
	_bench_ceiling_pool bench-ceiling "$QUARRY_WORKERS" 1
	_bench_ceiling_pool bench-ceiling-wide "${BENCH_WIDE_WORKERS:-$((4 * QUARRY_WORKERS))}" 1
	_bench_ceiling_pool bench-ceiling-kept "$QUARRY_WORKERS" "${BENCH_CEILING_THREADS:-16}"
	_bench_api_threads_pool
	QUARRY_BENCH_CEILING=1 QUARRY_BENCH_API_THREADS=${BENCH_API_THREADS:-8} "$QUARRY" reload >/dev/null
	for path in /bench-ceiling /bench-ceiling-wide /bench-ceiling-kept /bench-threaded/api/v1/health; do
		for ((i = 0; i < 50; i++)); do
			[ "$(curl -ks -o /dev/null -w '%{http_code}' "$BENCH_URL$path")" = 200 ] && continue 2
			sleep 0.1
		done
		echo "bench: $path does not answer 200" >&2
		return 1
	done
}

bench_ceiling_down() {
	local i pid
	for pid in "${BENCH_CEILING_PIDS[@]}"; do
		# multiwatch passes the TERM on to its workers and waits for them.
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	[ ${#BENCH_CEILING_PIDS[@]} = 0 ] ||
		rm -f "$(cd "$QUARRY_HOME" && pwd -P)"/run/bench-{ceiling,ceiling-wide,ceiling-kept,api-kept}.sock
	BENCH_CEILING_PIDS=()
}
