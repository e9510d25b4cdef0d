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

bench_stack_down() {
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
