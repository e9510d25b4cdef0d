#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c against the engine sources with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for a bounded time.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]  (default $QUARRY_FUZZ_SECONDS, else 20)
# Prints TAP (make check counts it): one "ok"/"not ok" line per target;
# exits non-zero when a target crashes (the crashing input is kept under
# build/fuzz/artifacts/). Seeds come from tests/fuzz/corpus/<target>/; what
# the fuzzer finds goes to build/fuzz/corpus/<target>/ (not committed).
set -euo pipefail

seconds=${1:-${QUARRY_FUZZ_SECONDS:-20}}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;; esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
out=$repo/build/fuzz
mkdir -p "$out/obj" "$out/artifacts"

command -v clang >/dev/null || { echo "Bail out! clang not found (apt-get install clang libclang-rt-14-dev)"; exit 2; }
pkgs="json-c libxml-2.0 libzip xlsxwriter freexl libmagic libsodium libcrypto fcgi libmariadb snappy libzstd zlib libpcre2-8"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I$repo/fcgi-app $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm"
san="address,undefined"

# The engine library: everything in fcgi-app/process except the programs
# (and pipeline_source.c, the database side of quarry-process).
objs=()
for src in "$repo"/fcgi-app/process/*.c; do
	# quarry-process's own files (the job mode, tasks, source connections, pipeline sources, its sandbox) are not the engine.
	case $(basename "$src") in main.c | cli.c | job.c | task*.c | source_conn.c | pipeline_source.c | sandbox.c) continue ;; esac
	obj=$out/obj/$(basename "${src%.c}").o
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$repo/fcgi-app/process" -name '*.h' -newer "$obj" -print -quit)" ]; then
		clang $cflags -fsanitize=fuzzer-no-link,$san -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done

targets=("$repo"/tests/fuzz/fuzz_*.c)
echo "1..${#targets[@]}"
status=0 n=0
for target_src in "${targets[@]}"; do
	name=$(basename "${target_src%.c}")
	bin=$out/$name
	n=$((n + 1))
	# A target of a parser outside the engine names its sources in a "fuzz-link:" line.
	extra=()
	for src in $(sed -n 's/^ \* fuzz-link: //p' "$target_src"); do extra+=("$repo/$src"); done
	if ! clang $cflags -fsanitize=fuzzer,$san "$target_src" "${extra[@]}" "${objs[@]}" $libs -o "$bin" >&2; then
		echo "not ok $n - $name: does not build"
		status=1
		continue
	fi
	corpus=$out/corpus/$name
	mkdir -p "$corpus"
	seeds=()
	[ -d "$repo/tests/fuzz/corpus/$name" ] && seeds+=("$repo/tests/fuzz/corpus/$name")
	log=$out/$name.log
	if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$out/artifacts/$name-" -print_final_stats=1 \
		"$corpus" "${seeds[@]}" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		echo "ok $n - $name (${runs:-?} runs in ${seconds}s)"
	else
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "not ok $n - $name: CRASH (see $log${artifact:+, input $artifact})"
		grep -m1 -E 'ERROR: |runtime error|deadly signal|Assertion|abort' "$log" >&2 || true
		status=1
	fi
done
exit $status
