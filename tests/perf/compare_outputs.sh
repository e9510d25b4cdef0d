#!/usr/bin/env bash
# compare_outputs.sh OLD NEW [FILE...]: runs two quarry-process binaries on
# the same inputs and fails on any difference in what they write (the
# output file, as CSV, JSON Lines and JSON, with and without null_values)
# or report (stdout of run --metadata, timing fields dropped). Inputs: the
# FILEs given, every CSV/JSON/JSON Lines file under tests/ and the CSV and
# JSON fuzz corpora, and a generated CSV of values near the number, date
# and boolean forms (the cases data_types inference and the JSON writer's
# number check must decide alike). For changes meant to keep output as is.
set -euo pipefail
OLD=$1 NEW=$2
shift 2
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
TMP=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

python3 - "$TMP/edge.csv" "$TMP/atoms.csv" <<'PY'
import csv, random, sys
random.seed(13)
atoms = ["0", "00", "007", "-0", "-", "+1", "1.", ".5", "-.5", "0.5", "00.5", "1e5", "1E-3",
         "1.5e+2", "12345678901234567", "123456789012345678", "1234567890123456789",
         "-9223372036854775808", "9223372036854775808", "1.2.3", " 12", "12 ", "\t7",
         "true", "FALSE", "True ", "tru", "2024-02-29", "2023-02-29", "2000-02-29",
         "1900-02-29", "2023-04-31", "2023-12-31", "2023-00-10", "2023-13-01", "2023-01-00",
         "2023-1-01", "2023-01-01T10:00", "2023-01-01 10:00:00Z", "2023-01-01T25:00",
         "2023-01-01T10:00:00.5+02:00", "x", "", "NA", "-1234.5678", "99999999.99",
         "1\u00e9", "\u00ff1", "12345\u00fe", "3.", "5.0", "0.0", "-0.001", "1,5",
         "0123456789.5", "1234567.", "12345678.9", "-12345678901234.5", "1.23456789012345"]
def num(): return random.choice([str(random.randint(-10**7, 10**9)),
    "%.2f" % random.uniform(-1e6, 1e6), str(random.randint(0, 99)),
    "%.*f" % (random.randint(1, 9), random.uniform(0, 10**random.randint(0, 12)))])
def date():
    return "%04d-%02d-%02d" % (random.randint(1890, 2100), random.randint(1, 12), random.randint(1, 31))
gens = [num, date, lambda: random.choice(["true", "false", "TRUE"]),
        lambda: date() + random.choice(["T10:11:12", " 00:00", "T23:59:59Z"]),
        lambda: str(random.randint(0, 10**random.randint(1, 19)))]
cols, nrows = 300, 400
# each column: values of one form, and (in most) one atom at a random row
rows = [[None] * cols for _ in range(nrows)]
for c in range(cols):
    g = gens[c % len(gens)]
    odd_row = random.randrange(nrows) if c % 4 else -1
    for r in range(nrows):
        rows[r][c] = random.choice(atoms) if r == odd_row else g()
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["c%d" % i for i in range(cols)])
    w.writerows(rows)
# a column per atom, holding only it (so each decides alone)
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["a%d" % i for i in range(len(atoms))])
    for _ in range(3):
        w.writerow(atoms)
PY

inputs=("$@" "$TMP/edge.csv" "$TMP/atoms.csv")
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$REPO/tests" -path "$REPO/tests/js/node_modules" -prune -o \
	-type f \( -name '*.csv' -o -name '*.json' -o -name '*.jsonl' \) -print0)
for d in fuzz_csv fuzz_json fuzz_jsonl; do
	[ -d "$REPO/tests/fuzz/corpus/$d" ] || continue
	while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$REPO/tests/fuzz/corpus/$d" -type f -print0)
done

strip() { sed -E 's/"[a-z_]*(seconds|_ms|elapsed|duration|time)[a-z_]*":[0-9.e+-]+,?//g'; }
runs=0 diffs=0
for f in "${inputs[@]}"; do
	for fmt in csv jsonl json; do
		for cfg in '{}' '{"null_values":["","NA","null"]}'; do
			for b in old new; do
				bin=$OLD
				[ $b = new ] && bin=$NEW
				rc=0
				"$bin" run --input "$f" --output "$TMP/$b.out" --output-format "$fmt" --config "$cfg" \
					--metadata >"$TMP/$b.meta" 2>"$TMP/$b.err" || rc=$?
				echo "rc=$rc" >>"$TMP/$b.meta"
				[ -f "$TMP/$b.out" ] || : >"$TMP/$b.out"
			done
			runs=$((runs + 1))
			if ! cmp -s "$TMP/old.out" "$TMP/new.out" ||
				! cmp -s <(strip <"$TMP/old.meta") <(strip <"$TMP/new.meta"); then
				diffs=$((diffs + 1))
				echo "DIFFERENT: $f ($fmt, $cfg)"
				diff <(strip <"$TMP/old.meta") <(strip <"$TMP/new.meta") | head -5 || true
			fi
			rm -f "$TMP"/old.* "$TMP"/new.*
		done
	done
done
echo "$runs runs, $diffs different"
[ "$diffs" = 0 ]
