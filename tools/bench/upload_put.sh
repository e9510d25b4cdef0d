#!/usr/bin/env bash
# Upload throughput of one large file through a signed PUT URL (nginx writes
# it to the storage dir itself) against `cp` of the same file on the same
# disk and `dd bs=1M` (a copy through write(2), as nginx does), in the same
# run. BENCH_UPLOAD_MB sets the size (default 1024).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZE_MB=${BENCH_UPLOAD_MB:-1024}

bench_stack_up
token=$(bench_token)
work="$QUARRY_HOME/bench-upload"
mkdir -p "$work"
src="$work/big.csv"
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" -ne $((SIZE_MB * 1048576)) ]; then
	# Text, so that mark-uploaded would accept it; the content does not matter here.
	# (yes dies of SIGPIPE when head has enough: not a failure.)
	{ yes 'id,name,city,amount,notes-with-some-padding-to-make-a-longer-line' || true; } |
		head -c $((SIZE_MB * 1048576)) >"$src"
fi
bytes=$(stat -c %s "$src")

api() { curl -ksf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
job=$(api -d "{\"file_name\":\"big.csv\",\"original_file_size_bytes\":$bytes}" "$BENCH_URL/api/v1/jobs" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
url=$(api -d '{}' "$BENCH_URL/api/v1/jobs/$job/upload-url" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_url"])')

now() { date +%s.%N; }
sync
t0=$(now)
cp "$src" "$work/copy.csv"
sync
t1=$(now)
rm -f "$work/copy.csv"
t2=$(now)
dd if="$src" of="$work/copy.csv" bs=1M status=none
sync
t3=$(now)
rm -f "$work/copy.csv"
t4=$(now)
code=$(curl -ks --http1.1 -o /dev/null -w '%{http_code}' -T "$src" "$url")
sync
t5=$(now)
[ "$code" = 201 ] || [ "$code" = 204 ] || { echo "upload answered $code" >&2; exit 1; }

awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v t5="$t5" 'BEGIN {
	cp = t1 - t0; dd = t3 - t2; put = t5 - t4
	printf "%-34s %10s %10s\n", "", "seconds", "MB/s"
	printf "%-34s %10.2f %10.1f\n", "cp (same disk)", cp, b / 1048576 / cp
	printf "%-34s %10.2f %10.1f\n", "dd bs=1M (write(2), as nginx)", dd, b / 1048576 / dd
	printf "%-34s %10.2f %10.1f\n", "signed PUT through nginx (TLS)", put, b / 1048576 / put
	printf "PUT throughput = %.0f%% of cp, %.0f%% of dd\n", 100 * cp / put, 100 * dd / put
}'
