#!/usr/bin/env bash
# Upload throughput of one large file through a signed PUT URL (nginx writes
# it to the storage dir itself) against `cp` of the same file on the same
# disk, in the same run. BENCH_UPLOAD_MB sets the size (default 1024).
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
	yes 'id,name,city,amount,notes-with-some-padding-to-make-a-longer-line' |
		head -c $((SIZE_MB * 1048576)) >"$src"
fi
bytes=$(stat -c %s "$src")

api() { curl -ksf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
job=$(api -d "{\"file_name\":\"big.csv\",\"original_file_size_bytes\":$bytes}" "$BENCH_URL/api/v1/jobs" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
url=$(api -d '{}' "$BENCH_URL/api/v1/jobs/$job/upload-url" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_url"])')

sync
t0=$(date +%s.%N)
cp "$src" "$work/copy.csv"
sync
t1=$(date +%s.%N)
code=$(curl -ks --http1.1 -o /dev/null -w '%{http_code}' -T "$src" "$url")
sync
t2=$(date +%s.%N)
rm -f "$work/copy.csv"
[ "$code" = 201 ] || [ "$code" = 204 ] || { echo "upload answered $code" >&2; exit 1; }

awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" 'BEGIN {
	cp = t1 - t0; put = t2 - t1
	printf "%-30s %10s %10s\n", "", "seconds", "MB/s"
	printf "%-30s %10.2f %10.1f\n", "cp (same disk)", cp, b / 1048576 / cp
	printf "%-30s %10.2f %10.1f\n", "signed PUT through nginx", put, b / 1048576 / put
	printf "PUT throughput = %.0f%% of cp\n", 100 * cp / put
}'
