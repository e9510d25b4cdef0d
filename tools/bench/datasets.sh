#!/usr/bin/env bash
# Datasets benchmark: a PostgreSQL table of 2,000,000 rows loaded into a
# dataset by a batch load job (quarry-process, LOAD DATA LOCAL fed from the
# source cursor), then 200,000 of its rows changed and upserted by the
# job's next, incremental run; beside, in the same run, the two halves of
# the same copy done by the databases' own tools:
#   psql \copy (SELECT …) TO a file      (reading the source)
#   mariadb LOAD DATA LOCAL INFILE      (writing a table in the stack's MariaDB)
# and SELECT … COUNT(*) … GROUP BY over the dataset through POST /query
# against the same statement through the mariadb client.
# Prints rows/s and the ratios (aim: the load at least half the slower of
# the two references; /query within 1.5x of the client).
#   tools/bench/datasets.sh          BENCH_ROWS=200000 for a quick run
set -euo pipefail

. "$(dirname "$0")/lib.sh"
ROWS=${BENCH_ROWS:-2000000}
CHANGED=$((ROWS / 10))
RUNS=${BENCH_RUNS:-5}
DATA=$BENCH_REPO/var/bench/datasets
mkdir -p "$DATA"
log() { printf '%s\n' "$*"; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- PostgreSQL
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { log "PostgreSQL is missing: tools/quarry deps"; exit 1; }
PGDIR=$(mktemp -d /tmp/quarry-bench-pg-XXXXXX)
PGPORT=$(bench_free_port)
export PGPASSWORD=bench-pg-pass
as_pg=()
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$PGDIR"
	as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
printf '%s\n' "$PGPASSWORD" >"$PGDIR/pw"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$PGDIR/pw"
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U bench --pwfile="$PGDIR/pw" \
	--auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -o \
	"-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDIR -c fsync=off -c shared_buffers=128MB" \
	start >/dev/null
pg_down() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
psqlb() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U bench -d postgres "$@"; }

bench_stack_up
trap 'bench_stack_down; pg_down' EXIT
TOKEN=$(bench_token)
api() { # METHOD PATH [JSON]
	curl -ksS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		${3:+-d "$3"} "$BENCH_URL/api/v1$2"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

log "generating $ROWS rows in PostgreSQL"
psqlb -c "CREATE TABLE bench (id bigint PRIMARY KEY, name text NOT NULL, grp int NOT NULL,
	amount numeric(12,2) NOT NULL, active boolean NOT NULL, updated_at timestamp NOT NULL);
	INSERT INTO bench SELECT g, 'customer ' || g, g % 1000, g * 0.25, g % 3 = 0,
	TIMESTAMP '2026-01-01' + (g % 86400) * INTERVAL '1 second' FROM generate_series(1, $ROWS) g;" \
	-c "VACUUM ANALYZE bench" >/dev/null

# ---------------------------------------------------------------- references
COLS="id, name, grp, amount, active::int, updated_at"
t0=$(now)
psqlb -c "\\copy (SELECT $COLS FROM bench) TO '$DATA/bench.tsv'" >/dev/null
t_copy=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
"$QUARRY" sql -e "DROP TABLE IF EXISTS bench_ref; CREATE TABLE bench_ref (id BIGINT NOT NULL
	PRIMARY KEY, name LONGTEXT, grp BIGINT, amount DOUBLE, active TINYINT(1),
	updated_at DATETIME(6)) ENGINE=InnoDB"
t0=$(now)
"$QUARRY" sql --local-infile=1 -e "LOAD DATA LOCAL INFILE '$DATA/bench.tsv' INTO TABLE bench_ref"
t_load=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
"$QUARRY" sql -e "DROP TABLE bench_ref"
rm -f "$DATA/bench.tsv"

# ---------------------------------------------------------------- Quarry
SRC=$(api POST /sources "{\"name\":\"bench\",\"uri\":\"postgresql://bench:$PGPASSWORD@127.0.0.1:$PGPORT/postgres\"}" | json 'd["id"]')
JOB=$(api POST /jobs/batch/create "{\"job_name\":\"bench\",\"source_id\":\"$SRC\",\"collection\":\"bench\",\"date_field\":\"updated_at\",\"hudi_table_name\":\"bench\",\"batch_size\":200000,\"record_key_field\":\"id\"}" | json 'd["job_id"]')
run_load() { # → seconds of the run (from the job row), after it completed
	local ex status
	ex=$(api POST "/jobs/$JOB/start" | json 'd["execution_id"]')
	while :; do
		status=$(api GET "/jobs/$ex" | json 'd["status"]')
		case $status in COMPLETED) break ;; FAILED | CANCELLED) api GET "/jobs/$ex" >&2; exit 1 ;; esac
		sleep 0.5
	done
	"$QUARRY" sql -N -B -e "SELECT TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1e6 FROM jobs WHERE id = '$ex'"
}
log "loading $ROWS rows into a dataset"
t_quarry=$(run_load)
log "changing $CHANGED rows in the source, upserting them"
psqlb -c "UPDATE bench SET amount = amount + 1, updated_at = TIMESTAMP '2026-02-01' + (id % 1000) * INTERVAL '1 second' WHERE id % 10 = 0" >/dev/null
t_upsert=$(run_load)
SCHEMA=$(api GET /datasets | json 'd[0]["schema_name"]')
check=$("$QUARRY" sql -N -B -e "SELECT COUNT(*), SUM(amount) FROM $SCHEMA.bench")
log "dataset: $check (rows, sum of amount)"

# ---------------------------------------------------------------- GROUP BY
SQL="SELECT grp, COUNT(*) AS n FROM bench GROUP BY grp ORDER BY grp"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
q_times=() c_times=()
for ((i = 0; i < RUNS; i++)); do
	t0=$(now)
	api POST /query "{\"sql\":\"$SQL\",\"max_rows\":10000}" >/dev/null
	q_times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')")
	t0=$(now)
	"$QUARRY" sql -N -B -e "${SQL/FROM bench/FROM $SCHEMA.bench}" >/dev/null
	c_times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')")
done
t_q=$(printf '%s\n' "${q_times[@]}" | median)
t_c=$(printf '%s\n' "${c_times[@]}" | median)

r_copy=$(rate "$ROWS" "$t_copy")
r_load=$(rate "$ROWS" "$t_load")
r_quarry=$(rate "$ROWS" "$t_quarry")
r_upsert=$(rate "$CHANGED" "$t_upsert")
slower=$((r_copy < r_load ? r_copy : r_load))
log ""
log "rows/s  psql \\copy out: $r_copy   mariadb LOAD DATA in: $r_load   (slower: $slower)"
log "rows/s  quarry load ($ROWS rows, batch job): $r_quarry   = $(ratio "$r_quarry" "$slower") x the slower reference (aim >= 0.5)"
log "rows/s  quarry upsert ($CHANGED changed rows, incremental run): $r_upsert   = $(ratio "$r_upsert" "$slower") x the slower reference"
log "GROUP BY over $ROWS rows, median of $RUNS: /query $(printf '%.3f' "$t_q") s, mariadb client $(printf '%.3f' "$t_c") s = $(ratio "$t_q" "$t_c") x (aim <= 1.5)"
