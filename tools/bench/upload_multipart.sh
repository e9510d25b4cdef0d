#!/usr/bin/env bash
# A large direct upload: POST /api/v1/files/upload (multipart) through nginx
# (which spools the body to the storage disk, then streams it to a worker)
# against `cp` of the same file on the same disk, in the same run; and the
# peak resident memory (VmHWM) of the API workers, which must stay flat: the
# worker streams the part to disk and hashes it as it goes, never holding it.
# BENCH_UPLOAD_MB sets the size (default 1024).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZE_MB=${BENCH_UPLOAD_MB:-1024}

bench_stack_up
token=$(bench_token)
work="$QUARRY_HOME/bench-upload"
mkdir -p "$work"
src="$work/big.csv"
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" -ne $((SIZE_MB * 1048576)) ]; then
	# (yes dies of SIGPIPE when head has enough: not a failure under pipefail)
	{ yes 'id,name,city,amount,notes-with-some-padding-to-make-a-longer-line' || true; } |
		head -c $((SIZE_MB * 1048576)) >"$src"
fi
bytes=$(stat -c %s "$src")

# kB of a status field, summed or maxed over the pool's workers.
workers() { pgrep -P "$(cat "$QUARRY_HOME/run/api.pid")" || true; }
peak_kb() {
	local w max=0 v
	for w in $(workers); do
		v=$(awk -v f="$1:" '$1 == f { print $2 }' "/proc/$w/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$max" ] && max=$v
	done
	echo "$max"
}
hwm_before=$(peak_kb VmHWM)

sync
t0=$(date +%s.%N)
cp "$src" "$work/copy.csv"
sync
t1=$(date +%s.%N)
answer=$(curl -ks --http1.1 -H "Authorization: Bearer $token" -H 'Expect:' \
	-F "file=@$src;type=text/csv" -w '\n%{http_code}' "$BENCH_URL/api/v1/files/upload")
sync
t2=$(date +%s.%N)
rm -f "$work/copy.csv"
code=${answer##*$'\n'}
body=${answer%$'\n'*}
[ "$code" = 201 ] || { echo "upload answered $code: $body" >&2; exit 1; }
hwm_after=$(peak_kb VmHWM)

# The stored file is the source, byte for byte, and the answer's hash says so.
sha_api=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
size_api=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["file_size"])')
sha_src=$(sha256sum "$src" | cut -d' ' -f1)
[ "$sha_api" = "$sha_src" ] && [ "$size_api" = "$bytes" ] ||
	{ echo "upload stored $size_api bytes with sha256 $sha_api; expected $bytes, $sha_src" >&2; exit 1; }

awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v h0="$hwm_before" -v h1="$hwm_after" 'BEGIN {
	cp = t1 - t0; up = t2 - t1
	printf "%-34s %10s %10s\n", "", "seconds", "MB/s"
	printf "%-34s %10.2f %10.1f\n", "cp (same disk)", cp, b / 1048576 / cp
	printf "%-34s %10.2f %10.1f\n", "multipart POST through nginx", up, b / 1048576 / up
	printf "upload throughput = %.0f%% of cp\n", 100 * cp / up
	printf "API worker peak RSS (VmHWM): %.1f MiB before, %.1f MiB after a %.0f MiB upload\n",
		h0 / 1024, h1 / 1024, b / 1048576
}'
