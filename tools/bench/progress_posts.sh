#!/usr/bin/env bash
# Progress posts per second: POST /api/v1/clients/{krn}/progress through
# nginx with 32 connections, as a member of a client an admin made, against
# nginx answering a static 200 (/static-bench) in the same run. Afterwards
# the records' sums are checked against the number of 2xx answers wrk saw.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd -P)

bench_stack_up
api="$BENCH_URL/api/v1"
admin_email="bench-admin-$RANDOM$RANDOM@example.com" admin_pw="bench-admin-password"
"$QUARRY" create-admin "$admin_email" "$admin_pw" >/dev/null
admin=$(curl -ksf -d "username=$admin_email&password=$admin_pw" "$api/auth/login" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
member_email="bench-member-$RANDOM$RANDOM@example.com" member_pw="bench-member-password"
curl -ksf -H 'Content-Type: application/json' \
	-d "{\"email\":\"$member_email\",\"password\":\"$member_pw\"}" "$api/auth/register" >/dev/null
member=$(curl -ksf -d "username=$member_email&password=$member_pw" "$api/auth/login" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
krn="krn:bench:client:c$RANDOM$RANDOM"
curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d "{\"krn\":\"$krn\",\"name\":\"bench\"}" "$api/clients" >/dev/null
curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$member_email\"}" "$api/clients/$krn/members" >/dev/null

out=$(mktemp)
trap 'rm -f "$out"; [ -n "${BENCH_KEEP_STACK:-}" ] || bench_stack_down' EXIT
read -r static_rps static_p99 < <(bench_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$BENCH_URL/static-bench")
wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$here/progress_post.lua" \
	"$BENCH_URL" -- "$member" "$krn" run >"$out"
post_rps=$(awk '/Requests\/sec/ { print $2 }' "$out")
post_p99=$(awk '/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
	else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
	print v }' "$out")
total=$(awk '/requests in/ { print $1 }' "$out")
bad=$(awk '/Non-2xx or 3xx responses/ { print $5 }' "$out")
bad=${bad:-0}

# Every answered post added done=10: the sums must match the 2xx count. wrk
# counts only the answers that arrived before it stopped, so up to one
# request per connection may have been added without being counted.
sleep 1
sum=$(curl -ksf -H "Authorization: Bearer $member" "$api/clients/$krn/progress?limit=1000" |
	python3 -c 'import json,sys; print(sum(r["counts"]["done"] for r in json.load(sys.stdin)))')

printf '%-36s %12s %10s\n' "target" "req/s" "p99 ms"
printf '%-36s %12s %10s\n' "nginx static 200" "$static_rps" "$static_p99"
printf '%-36s %12s %10s\n' "POST /clients/{krn}/progress" "$post_rps" "$post_p99"
awk -v a="$post_rps" -v b="$static_rps" 'BEGIN { printf "ratio progress : static = %.1f%%\n", 100 * a / b }'
low=$((total * 10)) high=$(((total + CONNECTIONS) * 10))
echo "posts answered: $total (non-2xx: $bad); done summed over records: $sum (expected $low..$high)"
[ "$bad" = 0 ] && [ "$sum" -ge "$low" ] && [ "$sum" -le "$high" ] ||
	{ echo "progress bench: counts do not add up" >&2; exit 1; }
