#!/usr/bin/env bash
# cpu_pair.sh OLD NEW CSV [RUNS]: CPU seconds (user + sys, /usr/bin/time) of
# two quarry-process binaries on engine.sh's first two cases (filter
# CSV -> CSV on city, convert CSV -> JSON Lines), the binaries alternating
# run by run, with `cat CSV > copy` in the same loop; prints the median of
# RUNS (default 5) and MB (10^6 bytes of input) per CPU second. Every run's
# output and --metadata report (timing fields dropped) must be the same for
# both binaries, else it fails. For before/after figures on a loaded machine,
# where wall time means little.
set -euo pipefail
OLD=$1 NEW=$2 CSV=$3 RUNS=${4:-5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FILTER='[{"type":"filter","params":{"column":"city","operator":"eq","value":"New York"}}]'
bytes=$(stat -c %s "$CSV")
strip() { sed -E 's/"[a-z_]*(seconds|_ms|elapsed|duration|time)[a-z_]*":[0-9.e+-]+,?//g'; }
cpu() { awk '{ printf "%.2f\n", $1 + $2 }' "$TMP/t"; }
declare -A t
for ((r = 0; r < RUNS; r++)); do
	# Which binary goes first alternates, and each timed run starts after a
	# sync: the kernel writing back the 300 MB of JSON Lines one run left
	# dirty is otherwise charged (system time) to the run after it.
	order="old new"
	((r % 2)) && order="new old"
	for b in $order; do
		bin=$OLD
		[ $b = new ] && bin=$NEW
		sync
		/usr/bin/time -f '%U %S' -o "$TMP/t" "$bin" run --input "$CSV" --output "$TMP/$b.csv" \
			--steps "$FILTER" --metadata >"$TMP/$b.fmeta"
		t[filter-$b]+="$(cpu) "
		sync
		/usr/bin/time -f '%U %S' -o "$TMP/t" "$bin" run --input "$CSV" --output "$TMP/$b.jsonl" \
			--output-format jsonl --metadata >"$TMP/$b.jmeta"
		t[jsonl-$b]+="$(cpu) "
	done
	sync
	/usr/bin/time -f '%U %S' -o "$TMP/t" sh -c 'exec cat "$1" >"$2"' sh "$CSV" "$TMP/copy"
	t[cat]+="$(cpu) "
	for o in csv jsonl; do
		cmp "$TMP/old.$o" "$TMP/new.$o" || { echo "output $o differs"; exit 1; }
	done
	for m in fmeta jmeta; do
		cmp <(strip <"$TMP/old.$m") <(strip <"$TMP/new.$m") || { echo "report $m differs"; exit 1; }
	done
	rm -f "$TMP"/*.csv "$TMP"/*.jsonl "$TMP/copy"
done
med() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rng() { printf '%s\n' $1 | sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { print a "-" b }'; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }'; }
printf 'input %s bytes, %s runs each; outputs and reports identical\n' "$bytes" "$RUNS"
for c in filter jsonl; do
	o=$(med "${t[$c-old]}") n=$(med "${t[$c-new]}")
	printf '%-7s CPU s old %s (%s) new %s (%s); MB per CPU s %s -> %s\n' "$c" "$o" "$(rng "${t[$c-old]}")" \
		"$n" "$(rng "${t[$c-new]}")" "$(mbs "$o")" "$(mbs "$n")"
done
printf 'cat     CPU s %s (%s)\n' "$(med "${t[cat]}")" "$(rng "${t[cat]}")"
