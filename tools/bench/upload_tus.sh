#!/usr/bin/env bash
# Resumable uploads (tus, /api/v1/uploads) beside one signed PUT of the same
# file, in the same run: quarry-cli in chunks of 16 and 64 MiB, tus-js-client
# (tests/js) in chunks of 16 MiB, and the single PUT through nginx as the
# reference (curl -T). Each tus PATCH is spooled by nginx, copied into the
# upload by the worker (copy_file_range) and synced before its offset is
# committed; a new file's SHA-256 is computed as the bytes arrive. The
# figures are ratios to the PUT: the machine may be busy.
# BENCH_UPLOAD_MB sets the size (default 1024).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZE_MB=${BENCH_UPLOAD_MB:-1024}

bench_stack_up
token=$(bench_token)
work="$QUARRY_HOME/bench-tus"
mkdir -p "$work"
src="$work/big.csv"
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" -ne $((SIZE_MB * 1048576)) ]; then
	{ yes 'id,name,city,amount,notes-with-some-padding-to-make-a-longer-line' || true; } |
		head -c $((SIZE_MB * 1048576)) >"$src"
fi
bytes=$(stat -c %s "$src")
cli="${QUARRY_BUILD_DIR:-$BENCH_REPO/build/$QUARRY_BUILD}/quarry-cli"
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state" QUARRY_TOKEN=$token
export QUARRY_URL=$BENCH_URL QUARRY_CACERT="$QUARRY_HOME/tls/cert.pem"

api() { curl -ksf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
now() { date +%s.%N; }

job=$(api -d "{\"file_name\":\"big.csv\",\"original_file_size_bytes\":$bytes}" "$BENCH_URL/api/v1/jobs" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
url=$(api -d '{}' "$BENCH_URL/api/v1/jobs/$job/upload-url" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_url"])')
sync
t0=$(now)
code=$(curl -ks --http1.1 -o /dev/null -w '%{http_code}' -T "$src" "$url")
sync
t1=$(now)
[ "$code" = 201 ] || [ "$code" = 204 ] || { echo "PUT answered $code" >&2; exit 1; }

"$cli" --quiet upload "$src" --chunk-size 16 >/dev/null
sync
t2=$(now)
"$cli" --quiet upload "$src" --chunk-size 64 >/dev/null
sync
t3=$(now)
js=skipped
if [ -d "$BENCH_REPO/tests/js/node_modules/tus-js-client" ]; then
	NODE_EXTRA_CA_CERTS=$QUARRY_CACERT node "$BENCH_REPO/tests/js/tus_upload.mjs" \
		"$BENCH_URL/api/v1/uploads" "$token" "$src" "" $((16 * 1048576)) >/dev/null
	js=done
fi
sync
t4=$(now)

awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v js="$js" 'BEGIN {
	put = t1 - t0; c16 = t2 - t1; c64 = t3 - t2; node = t4 - t3
	printf "%-40s %10s %10s %8s\n", "", "seconds", "MB/s", "vs PUT"
	printf "%-40s %10.2f %10.1f %7.0f%%\n", "one signed PUT (reference)", put, b / 1048576 / put, 100
	printf "%-40s %10.2f %10.1f %7.0f%%\n", "tus, quarry-cli, 16 MiB chunks", c16, b / 1048576 / c16, 100 * put / c16
	printf "%-40s %10.2f %10.1f %7.0f%%\n", "tus, quarry-cli, 64 MiB chunks", c64, b / 1048576 / c64, 100 * put / c64
	if (js == "done")
		printf "%-40s %10.2f %10.1f %7.0f%%\n", "tus, tus-js-client, 16 MiB chunks", node, b / 1048576 / node, 100 * put / node
}'
