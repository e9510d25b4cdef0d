#!/usr/bin/env bash
# GET /api/v1/users/me through nginx (token verified, one indexed query)
# against nginx answering a static 200, in the same run, on the same stack.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}

bench_stack_up
token=$(bench_token)
curl -ksf -H "Authorization: Bearer $token" "$BENCH_URL/api/v1/users/me" >/dev/null

read -r static_rps static_p99 < <(bench_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BENCH_URL/static-bench")
read -r me_rps me_p99 < <(bench_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
	-H "Authorization: Bearer $token" "$BENCH_URL/api/v1/users/me")

printf '%-28s %12s %10s\n' "target" "req/s" "p99 ms"
printf '%-28s %12s %10s\n' "nginx static 200" "$static_rps" "$static_p99"
printf '%-28s %12s %10s\n' "GET /api/v1/users/me" "$me_rps" "$me_p99"
awk -v a="$me_rps" -v b="$static_rps" 'BEGIN { printf "ratio users/me : static = %.1f%%\n", 100 * a / b }'
