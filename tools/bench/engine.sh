#!/usr/bin/env bash
# Engine benchmark: quarry-process against miller (and pandas when
# python3-pandas is installed) on the same 2,000,000-row CSV (~200 MB,
# quoted fields with embedded commas and quotes), generated once and cached
# in var/bench/. Three cases, each run 3 times, the median reported:
#   filter CSV -> CSV            (city == "New York")
#   convert CSV -> JSON Lines
#   filter JSON Lines -> JSON Lines (input: the JSONL the previous case wrote)
#   convert CSV -> Parquet and Parquet -> CSV, beside DuckDB's COPY on one
#   thread (SET threads=1)
#   sort by amount, descending (the sort step, default 64 MiB runs), beside
#   mlr sort -nr and GNU sort -t, -k1,1nr (on a copy with amount moved
#   first: GNU sort does not understand CSV quotes, and names hold commas)
# Columns: wall seconds, input MB/s, peak RSS (/usr/bin/time %M), and how
# many times faster quarry-process is than each other tool. The first
# three cases also time `cat input > copy` (the ceiling of reading and
# writing those bytes) and give quarry-process's speed as a share of it.
#   BENCH_MLR_RUNS=1                 runs of mlr and pandas (default BENCH_RUNS;
#                                    0 leaves them out: a before/after pair)
#   BENCH_QP=path/to/quarry-process  time that binary (e.g. an older build)
#                                    instead of building this checkout's
#   tools/bench/engine.sh            BENCH_ROWS=200000 for a quick run
#   BENCH_ONLY="sort parquet"        only these cases (filter-csv convert-jsonl
#                                    filter-jsonl parquet sort)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
ROWS=${BENCH_ROWS:-2000000}
RUNS=${BENCH_RUNS:-3}
MLR_RUNS=${BENCH_MLR_RUNS:-$RUNS}   # 0: no mlr (nor pandas) rows in the first three cases
DATA=$REPO/var/bench
OUT=$DATA/out
CSV=$DATA/engine-$ROWS.csv
mkdir -p "$DATA" "$OUT"

log() { printf '%s\n' "$*"; }
# want CASE: true when CASE is to run (BENCH_ONLY unset or naming it).
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }

[ -x /usr/bin/time ] || {
	log "installing time (for peak RSS)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null
}
command -v mlr >/dev/null || { log "miller (mlr) is missing: apt-get install miller"; exit 1; }

if [ ! -s "$CSV" ]; then
	log "generating $CSV ($ROWS rows, once)"
	python3 "$REPO/tools/bench/gen_engine_csv.py" "$ROWS" "$CSV.tmp"
	mv "$CSV.tmp" "$CSV"
fi

# A release build (-O2, no sanitizers), the same one the stack runs.
if [ -n "${BENCH_QP:-}" ]; then
	QP=$BENCH_QP
elif QP=$REPO/build/release/quarry-process && ! "$REPO/tools/quarry" build release >"$OUT/build.log" 2>&1; then
	log "full release build failed (see $OUT/build.log); building quarry-process alone"
	make -C "$REPO/build/release" quarry-process >>"$OUT/build.log" 2>&1
fi
[ -x "$QP" ] || { log "no $QP"; exit 1; }

# pandas from Debian's python3-pandas (installed here when root and missing;
# BENCH_NO_PANDAS=1 skips it). Debian's python3 is the one that has it.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if [ -z "${BENCH_NO_PANDAS:-}" ] && ! "$PY" -c 'import pandas' 2>/dev/null && [ "$(id -u)" = 0 ]; then
	log "installing python3-pandas for the pandas reference"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pandas >>"$OUT/build.log" 2>&1 || true
fi
have_pandas=0
[ -z "${BENCH_NO_PANDAS:-}" ] && "$PY" -c 'import pandas' 2>/dev/null && have_pandas=1

size_mb=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
FILTER='[{"type":"filter","params":{"column":"city","operator":"eq","value":"New York"}}]'

# measure NAME CMD...: runs CMD $RUNS times (stdout to $OUT/NAME.out unless
# the command writes its own file); sets WALL (median seconds) and RSS_MB.
measure() {
	local name=$1 i
	shift
	local walls=() rss=0 t m
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -f '%e %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" || {
			log "$name failed:"
			tail -5 "$OUT/$name.stderr" >&2
			return 1
		}
		read -r t m <"$OUT/$name.time"
		walls+=("$t")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	WALL=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	RSS_MB=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
}

printf '%-34s %-15s %8s %7s %8s  %s\n' "case ($ROWS rows, $size_mb MB)" tool "wall s" "MB/s" "RSS MB" "quarry-process is"

# row CASE TOOL WALL RSS QUARRY_WALL (empty QUARRY_WALL for quarry's own row)
row() {
	local speed ratio="-"
	speed=$(awk -v s="$size_mb" -v w="$3" 'BEGIN { printf "%.0f", (w > 0 ? s / w : 0) }')
	[ -n "$5" ] && ratio=$(awk -v b="$3" -v w="$5" 'BEGIN { printf "%.1fx faster", (w > 0 ? b / w : 0) }')
	printf '%-34s %-15s %8s %7s %8s  %s\n' "$1" "$2" "$3" "$speed" "$4" "$ratio"
}

# The reference of every case: `cat FILE > copy` of the case's own input
# in the same run (median of $RUNS), the speed of reading and writing the
# same bytes with nothing parsed. quarry-process's row gives its MB/s as a
# share of cat's.
cat_ref() {
	measure "cat-$2" sh -c 'exec cat "$1" >"$2"' sh "$1" "$OUT/cat-copy"
	CAT_WALL=$WALL
	CAT_RSS=$RSS_MB
	rm -f "$OUT/cat-copy"
}

# run_case LABEL NAME INPUT: times QCMD, then cat of INPUT, MCMD and (with
# pandas) PCMD.
run_case() {
	local label=$1 name=$2 input=$3
	measure "$name" "${QCMD[@]}"
	local qwall=$WALL qrss=$RSS_MB
	local share
	cat_ref "$input" "$name"
	share=$(awk -v q="$qwall" -v c="$CAT_WALL" 'BEGIN { printf "%.2f of cat", (q > 0 ? c / q : 0) }')
	row "$label" quarry-process "$qwall" "$qrss" ""
	row "" "cat > copy" "$CAT_WALL" "$CAT_RSS" ""
	printf '%-34s %-15s %8s %7s %8s  %s\n' "" "" "" "" "" "quarry-process: $share"
	[ "$MLR_RUNS" = 0 ] && return 0
	RUNS=$MLR_RUNS measure "$name-mlr" "${MCMD[@]}"
	row "" mlr "$WALL" "$RSS_MB" "$qwall"
	if [ "$have_pandas" = 1 ]; then
		RUNS=$MLR_RUNS measure "$name-pandas" "${PCMD[@]}"
		row "" pandas "$WALL" "$RSS_MB" "$qwall"
	fi
}

# 1. filter CSV -> CSV
if want filter-csv; then
QCMD=("$QP" run --input "$CSV" --output "$OUT/filter.csv" --steps "$FILTER")
MCMD=(sh -c 'exec mlr --csv filter "\$city == \"New York\"" "$1" >"$2"' sh "$CSV" "$OUT/filter-mlr.csv")
PCMD=("$PY" -c 'import sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df[df.city == "New York"].to_csv(sys.argv[2], index=False)' "$CSV" "$OUT/filter-pandas.csv")
run_case "filter CSV->CSV" filter-csv "$CSV"
q=$(($(wc -l <"$OUT/filter.csv") - 1))
if [ "$MLR_RUNS" = 0 ]; then
	log "  rows kept: $q"
else
	m=$(($(wc -l <"$OUT/filter-mlr.csv") - 1))
	[ "$q" = "$m" ] && log "  rows kept: $q (same as mlr)" || log "  rows kept: quarry $q, mlr $m (DIFFERENT)"
	cmp -s "$OUT/filter.csv" "$OUT/filter-mlr.csv" && log "  output identical to mlr's"
fi
fi

# 2. convert CSV -> JSON Lines (case 3 reads what it writes)
if want convert-jsonl || want filter-jsonl; then
QCMD=("$QP" run --input "$CSV" --output "$OUT/convert.jsonl" --output-format jsonl)
MCMD=(sh -c 'exec mlr --icsv --ojsonl cat "$1" >"$2"' sh "$CSV" "$OUT/convert-mlr.jsonl")
PCMD=("$PY" -c 'import sys, pandas as pd
pd.read_csv(sys.argv[1]).to_json(sys.argv[2], orient="records", lines=True)' "$CSV" "$OUT/convert-pandas.jsonl")
run_case "convert CSV->JSONL" convert-jsonl "$CSV"
[ "$MLR_RUNS" = 0 ] || log "  lines: quarry $(wc -l <"$OUT/convert.jsonl"), mlr $(wc -l <"$OUT/convert-mlr.jsonl")"
fi

# 3. filter JSON Lines -> JSON Lines, from what case 2 wrote
JSONL=$OUT/convert.jsonl
if ! want filter-jsonl; then
	:
elif "$QP" run --input "$JSONL" --output "$OUT/probe.jsonl" --config '{"format":"jsonl"}' \
	--steps '[{"type":"select","params":{"columns":["id"]}}]' >"$OUT/probe.out" 2>&1; then
	jsonl_mb=$(awk -v b="$(stat -c %s "$JSONL")" 'BEGIN { printf "%.1f", b / 1048576 }')
	size_mb=$jsonl_mb
	QCMD=("$QP" run --input "$JSONL" --output "$OUT/filter.jsonl" --config '{"format":"jsonl"}' --steps "$FILTER")
	MCMD=(sh -c 'exec mlr --ijsonl --ojsonl filter "\$city == \"New York\"" "$1" >"$2"' sh "$JSONL" "$OUT/filter-mlr.jsonl")
	PCMD=("$PY" -c 'import sys, pandas as pd
df = pd.read_json(sys.argv[1], lines=True)
df[df.city == "New York"].to_json(sys.argv[2], orient="records", lines=True)' "$JSONL" "$OUT/filter-pandas.jsonl")
	run_case "filter JSONL->JSONL ($jsonl_mb MB)" filter-jsonl "$JSONL"
	[ "$MLR_RUNS" = 0 ] || log "  rows kept: quarry $(wc -l <"$OUT/filter.jsonl"), mlr $(wc -l <"$OUT/filter-mlr.jsonl")"
else
	log "filter JSONL->JSONL: skipped, quarry-process does not read JSON Lines here: $(head -c 300 "$OUT/probe.out")"
fi
[ "$have_pandas" = 1 ] || log "(pandas not installed: apt-get install python3-pandas to add it)"

# 4-5. Parquet: CSV -> Parquet (Snappy) and Parquet -> CSV beside DuckDB's
# COPY on one thread (SET threads=1; @duckdb/node-api from tests/js). Both
# read the same files: the benchmark CSV, then the Parquet file Quarry
# wrote. DuckDB's figure is the COPY statement alone (its start-up aside);
# its RSS is the whole node process.
if ! want parquet; then
	:
elif [ -f "$REPO/tests/js/node_modules/@duckdb/node-api/package.json" ]; then
	size_mb=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
	# duck NAME MODE IN OUT: median of the COPY times into WALL, peak RSS into RSS_MB
	duck() {
		local name=$1 i walls=() rss=0 t m
		for ((i = 0; i < RUNS; i++)); do
			/usr/bin/time -f '%e %M' -o "$OUT/$name.time" node "$REPO/tools/bench/duckdb_copy.mjs" \
				"$2" "$3" "$4" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" || {
				log "$name failed:"
				tail -5 "$OUT/$name.stderr" >&2
				return 1
			}
			read -r t m <"$OUT/$name.time"
			walls+=("$(cat "$OUT/$name.stdout")")
			[ "$m" -gt "$rss" ] && rss=$m
		done
		WALL=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		RSS_MB=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
	}
	measure csv-parquet "$QP" run --input "$CSV" --output "$OUT/q.parquet" --output-format parquet
	qwall=$WALL
	row "convert CSV->Parquet (snappy)" quarry-process "$WALL" "$RSS_MB" ""
	duck csv-parquet-duckdb csv2parquet "$CSV" "$OUT/d.parquet"
	row "" "duckdb 1 thread" "$WALL" "$RSS_MB" "$qwall"
	log "  sizes: quarry $(stat -c %s "$OUT/q.parquet") bytes, duckdb $(stat -c %s "$OUT/d.parquet") bytes"
	pq_mb=$(awk -v b="$(stat -c %s "$OUT/q.parquet")" 'BEGIN { printf "%.1f", b / 1048576 }')
	size_mb=$pq_mb
	measure parquet-csv "$QP" run --input "$OUT/q.parquet" --output "$OUT/back.csv" --output-format csv
	qwall=$WALL
	row "convert Parquet->CSV ($pq_mb MB)" quarry-process "$WALL" "$RSS_MB" ""
	duck parquet-csv-duckdb parquet2csv "$OUT/q.parquet" "$OUT/back-duckdb.csv"
	row "" "duckdb 1 thread" "$WALL" "$RSS_MB" "$qwall"
	cmp -s "$OUT/back.csv" "$CSV" && log "  CSV -> Parquet -> CSV: byte-identical" ||
		log "  CSV -> Parquet -> CSV: differs from the input (see $OUT/back.csv)"
else
	log "Parquet cases: skipped, tests/js/node_modules is missing (tools/quarry deps)"
fi

# 6. sort by one numeric column (amount, descending). quarry-process and
# mlr read the benchmark CSV; GNU sort (C locale, its default buffer and
# threads) a copy with amount moved first, made once outside the timing.
# The outputs are checked for the same order of amounts.
if want sort; then
	size_mb=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
	SORT='[{"type":"sort","params":{"columns":[{"column":"amount","order":"desc"}]}}]'
	measure sort "$QP" run --input "$CSV" --output "$OUT/sorted.csv" --metadata --steps "$SORT"
	qwall=$WALL
	row "sort by amount desc" quarry-process "$WALL" "$RSS_MB" ""
	log "  $(grep -o '"sort_runs":[0-9]*,"sort_spilled_bytes":[0-9]*' "$OUT/sort.stdout")"
	measure sort-mlr sh -c 'exec mlr --csv sort -nr amount "$1" >"$2"' sh "$CSV" "$OUT/sorted-mlr.csv"
	row "" mlr "$WALL" "$RSS_MB" "$qwall"
	KEYED=$DATA/engine-$ROWS-amount-first.csv
	[ -s "$KEYED" ] || mlr --csv reorder -f amount "$CSV" >"$KEYED"
	measure sort-gnu sh -c 'LC_ALL=C exec sort -t, -k1,1nr "$1" >"$2"' sh "$KEYED" "$OUT/sorted-gnu.csv"
	row "" "GNU sort" "$WALL" "$RSS_MB" "$qwall"
	# the amounts in output order: quarry's and mlr's are the same sequence
	mlr --icsv --onidx cut -f amount "$OUT/sorted.csv" >"$OUT/a-q.txt"
	mlr --icsv --onidx cut -f amount "$OUT/sorted-mlr.csv" >"$OUT/a-m.txt"
	if cmp -s "$OUT/a-q.txt" "$OUT/a-m.txt"; then
		log "  amounts in the same order as mlr's ($(wc -l <"$OUT/a-q.txt") rows)"
	else
		log "  amounts in a DIFFERENT order from mlr's"
	fi
	cmp -s "$OUT/sorted.csv" "$OUT/sorted-mlr.csv" && log "  output identical to mlr's"
	rm -f "$OUT"/a-*.txt
fi
rm -f "$OUT"/*.jsonl "$OUT"/*.csv "$OUT"/*.parquet
