#!/usr/bin/env bash
# What the list and detail endpoints cost at 1,000 jobs and at 1,000,000, in
# one run on one stack: first pages, deep pages by cursor and by offset, and
# details, p50/p99 from wrk, each beside its own figure at the small scale.
#
# Scale (the bench user is one of USERS and holds a tenth of everything):
#   small: 1,000 jobs, 1,000 line errors, 1,000 files, 1,000 progress records
#   large: JOBS jobs over USERS users (the bench user 10 %), ERRORS line
#          errors (10 % on one of the bench user's jobs), JOBS/10 files,
#          PROGRESS progress records (10 % in the bench user's client)
# Rows are bulk-loaded with SQL (INSERT ... SELECT over MariaDB's sequence
# tables), never through the API; the triggers keep the counts as they would.
#
# The database gets a buffer pool of BENCH_DB_POOL (default 1G): the large
# jobs table is about 1 GB, and with the development default (64 MB) the
# figures would measure the disk. Set BENCH_DB_POOL=64M to see that.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

JOBS=${BENCH_JOBS:-1000000}
USERS=${BENCH_USERS:-1000}
ERRORS=${BENCH_ERRORS:-1000000}
PROGRESS=${BENCH_PROGRESS:-100000}
DURATION=${BENCH_DURATION:-5s}
CONNECTIONS=${BENCH_CONNECTIONS:-1}
LIMIT=${BENCH_LIMIT:-20}
POOL=${BENCH_DB_POOL:-1G}
# Status polls are counted as always, but wrk's polls must not be refused.
export QUARRY_LIMIT_STATUS_POLLS=${QUARRY_LIMIT_STATUS_POLLS:-1000000000}
SMALL_JOBS=1000
BATCH=100000

bench_stack_up
sql() { "$QUARRY" sql -N -B "$@"; }
db_root() { mariadb --no-defaults --socket="$QUARRY_HOME/run/mysqld.sock" -u "$(id -un)" "$@"; }
db_root -e "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$POOL")"

token=$(bench_token)
user_token=$token
api() { curl -ksf -H "Authorization: Bearer $token" "$BENCH_URL/api/v1$1"; }
me=$(api /users/me | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
admin_email="bench-admin-$RANDOM$RANDOM@example.com"
"$QUARRY" create-admin "$admin_email" bench-admin-password >/dev/null
admin_token=$(curl -ksf -d "username=$admin_email&password=bench-admin-password" \
	"$BENCH_URL/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
krn="krn:bench:client:scale$RANDOM"
curl -ksf -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
	-d "{\"krn\":\"$krn\",\"name\":\"bench\"}" "$BENCH_URL/api/v1/clients" >/dev/null
me_email=$(api /users/me | python3 -c 'import json,sys; print(json.load(sys.stdin)["email"])')
curl -ksf -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$me_email\"}" "$BENCH_URL/api/v1/clients/$krn/members" >/dev/null
client_id=$(sql -e "SELECT id FROM clients WHERE krn = '$krn'")
krn_q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$krn")

# Rows [from, to] of each kind; row n is the bench user's when n % 10 = 0,
# else one of USERS - 1 others'. Later rows are newer. One statement per
# BATCH rows keeps each transaction's undo small.
other_user="CONCAT('00000000-0000-4000-8000-', LPAD(seq % ($USERS - 1), 12, '0'))"
uuid_of="CONCAT_WS('-', SUBSTR(h, 1, 8), SUBSTR(h, 9, 4), SUBSTR(h, 13, 4), SUBSTR(h, 17, 4), SUBSTR(h, 21, 12))"
batches() { # kind from to -> "from to" per batch
	local from=$2 to=$3 b
	for ((b = from; b <= to; b += BATCH)); do echo "$b $((b + BATCH - 1 < to ? b + BATCH - 1 : to))"; done
}
load_jobs() {
	local a z
	while read -r a z; do
		sql <<EOF
INSERT INTO jobs (id, user_id, file_name, original_file_size_bytes, status, processing_steps,
  processing_config, output_format, created_at, updated_at, queued_at, started_at, finished_at,
  stage, total_records, processed_records, failed_records, percentage, metrics)
SELECT $uuid_of, IF(seq % 10 = 0, '$me', $other_user), CONCAT('bench-', seq, '.csv'), 123456,
  ELT(1 + (seq DIV 10) % 8, 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED',
      'CANCELLED', 'COMPLETED'),
  '[{"type":"filter","column":"city","operator":"eq","value":"NY"}]', '{}', 'csv',
  t, t, t, t, t + INTERVAL 2 SECOND, 'completed', 1000, 1000, seq % 7, 100,
  '{"records_per_second":5000,"duration_seconds":0.2,"bytes_read":123456,"bytes_written":65432}'
FROM (SELECT seq, MD5(CONCAT('job', seq)) h,
             UTC_TIMESTAMP(3) - INTERVAL ($JOBS - seq) * 500000 MICROSECOND t FROM seq_${a}_to_${z}) s;
EOF
	done < <(batches jobs "$1" "$2")
}
# The bench user's first job (row 10) holds a tenth of the line errors; the
# rest go 100 to a job, over other users' jobs.
err_job=$(python3 -c 'import hashlib; h=hashlib.md5(b"job10").hexdigest(); print("-".join((h[:8],h[8:12],h[12:16],h[16:20],h[20:])))')
load_errors() {
	local a z
	while read -r a z; do
		sql <<EOF
INSERT INTO job_errors (job_id, line, col, severity, code, message)
SELECT IF(seq % 10 = 0, '$err_job', $uuid_of), seq DIV 10, 'city',
  IF(seq % 3 = 0, 'warning', 'error'), 'NOT_IN_SET',
  CONCAT('value ', seq, ' is not one of the allowed cities')
FROM (SELECT seq, MD5(CONCAT('job', 1 + (seq DIV 100) % $JOBS)) h FROM seq_${a}_to_${z}) s;
EOF
	done < <(batches errors "$1" "$2")
}
load_files() {
	local a z
	while read -r a z; do
		sql <<EOF
INSERT INTO files (id, user_id, filename, object_key, file_type, mime_type, file_size, sha256,
  processing_status, uploaded_at)
SELECT $uuid_of, IF(seq % 10 = 0, '$me', $other_user), CONCAT('bench-', seq, '.csv'),
  CONCAT('input/bench/', seq), 'csv', 'text/csv', 123456, REPEAT('a', 64), 'COMPLETED',
  UTC_TIMESTAMP(3) - INTERVAL ($JOBS - seq) SECOND
FROM (SELECT seq, MD5(CONCAT('file', seq)) h FROM seq_${a}_to_${z}) s;
EOF
	done < <(batches files "$1" "$2")
}
load_progress() {
	local a z
	while read -r a z; do
		sql <<EOF
INSERT INTO progress_records (id, client_id, filename, created_by, done_count, total,
  created_at, updated_at)
SELECT $uuid_of, IF(seq % 10 = 0, '$client_id', CONCAT('00000000-0000-4000-9000-', LPAD(seq % 997, 12, '0'))),
  CONCAT('bench-', seq, '.csv'), IF(seq % 10 = 0, '$me', $other_user), 500, 1000,
  UTC_TIMESTAMP(3) - INTERVAL ($PROGRESS - seq) SECOND, UTC_TIMESTAMP(3) - INTERVAL ($PROGRESS - seq) SECOND
FROM (SELECT seq, MD5(CONCAT('progress', seq)) h FROM seq_${a}_to_${z}) s;
EOF
	done < <(batches progress "$1" "$2")
}

# wrk's 50 % and 99 % latencies in ms.
percentiles() {
	wrk --latency -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $token" "$1" | awk '
		function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 }
		                 if (v ~ /ms$/) { sub(/ms/, "", v); return v + 0 }
		                 if (v ~ /s$/) { sub(/s/, "", v); return v * 1000 } return v }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
		/Non-2xx/ { bad = 1 }
		END { if (bad) print "non-2xx -"; else printf "%.2f %.2f\n", p50, p99 }'
}
# Rows the server read for one request (Handler_read_*, the least of three:
# the dispatcher's polls add a few now and then). Unlike the times, this does
# not depend on how busy the machine is.
reads_of() {
	local q="SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN
		('HANDLER_READ_FIRST','HANDLER_READ_KEY','HANDLER_READ_LAST','HANDLER_READ_NEXT',
		 'HANDLER_READ_PREV','HANDLER_READ_RND','HANDLER_READ_RND_NEXT')" best="" i a b
	for i in 1 2 3; do
		a=$(db_root -N -B -e "$q")
		curl -ksf -o /dev/null -H "Authorization: Bearer $token" "$1" || true
		b=$(db_root -N -B -e "$q")
		b=$((b - a))
		[ -z "$best" ] || [ "$b" -lt "$best" ] && best=$b
	done
	echo "$best"
}
# The path of the Link rel="next" of one answer (the cursor after it).
next_of() {
	curl -ksf -D - -o /dev/null -H "Authorization: Bearer $token" "$BENCH_URL/api/v1$1" |
		sed -n 's/^[Ll]ink: <\([^>]*\)>.*/\1/p' | tr -d '\r'
}

declare -A RESULT
count() { sql -e "SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE list = '$1' AND owner = '$2'$3"; }
# Where a deep page starts: 90 % into a list of $1 items.
deep() { echo $(($1 * 9 / 10)); }
measure() { # phase: every endpoint, deep pages 90 % into the bench user's lists
	local phase=$1 jobs done errors files records job_id file_id
	jobs=$(count jobs "$me" "")
	done=$(count jobs "$me" " AND part = 'COMPLETED'")
	errors=$(count job_errors "$err_job" "")
	files=$(count files "$me" "")
	records=$(count progress "$client_id" "")
	job_id=$(sql -e "SELECT id FROM jobs WHERE user_id = '$me' ORDER BY created_at LIMIT 1 OFFSET $((jobs / 2))")
	file_id=$(sql -e "SELECT id FROM files WHERE user_id = '$me' ORDER BY uploaded_at LIMIT 1 OFFSET $((files / 2))")
	local -a cases=(
		"GET /users/me (reference)|/users/me"
		"GET /jobs first page|/jobs?limit=$LIMIT"
		"GET /jobs deep, cursor|$(next_of "/jobs?limit=$LIMIT&skip=$(($(deep "$jobs") - LIMIT))")"
		"GET /jobs deep, offset|/jobs?limit=$LIMIT&skip=$(deep "$jobs")"
		"GET /jobs?status=COMPLETED first|/jobs?status=COMPLETED&limit=$LIMIT"
		"GET /jobs?status=COMPLETED deep, cursor|$(next_of "/jobs?status=COMPLETED&limit=$LIMIT&skip=$(($(deep "$done") - LIMIT))")"
		"GET /jobs?status=COMPLETED deep, offset|/jobs?status=COMPLETED&limit=$LIMIT&skip=$(deep "$done")"
		"GET /jobs/{id}|/jobs/$job_id"
		"GET /status/{id}|/status/$job_id"
		"GET /jobs/{id}/errors first page|/jobs/$err_job/errors?limit=$LIMIT"
		"GET /jobs/{id}/errors deep, cursor|$(next_of "/jobs/$err_job/errors?limit=$LIMIT&skip=$(($(deep "$errors") - LIMIT))")"
		"GET /jobs/{id}/errors deep, offset|/jobs/$err_job/errors?limit=$LIMIT&skip=$(deep "$errors")"
		"GET /files first page|/files?limit=$LIMIT"
		"GET /files deep, cursor|$(next_of "/files?limit=$LIMIT&skip=$(($(deep "$files") - LIMIT))")"
		"GET /files deep, offset|/files?limit=$LIMIT&skip=$(deep "$files")"
		"GET /files/{id}|/files/$file_id"
		"GET /clients/{krn}/progress first|/clients/$krn_q/progress?limit=$LIMIT"
		"GET /clients/{krn}/progress deep, cursor|$(next_of "/clients/$krn_q/progress?limit=$LIMIT&skip=$(($(deep "$records") - LIMIT))")"
		"GET /clients/{krn}/progress deep, offset|/clients/$krn_q/progress?limit=$LIMIT&skip=$(deep "$records")"
		"GET /clients/{krn}/progress?filename|/clients/$krn_q/progress?filename=bench-10.csv"
		"GET /clients|/clients?limit=$LIMIT"
		"GET /monitoring/system-status (admin)|/monitoring/system-status"
	)
	local c name path
	NAMES=()
	for c in "${cases[@]}"; do
		name=${c%%|*}
		path=${c#*|}
		path=${path#/api/v1}
		[ -n "$path" ] || { echo "$name: no next page" >&2; exit 1; }
		# An admin's endpoint is asked with the admin's token.
		case $name in *"(admin)") token=$admin_token ;; *) token=$user_token ;; esac
		RESULT["$phase|$name"]="$(percentiles "$BENCH_URL/api/v1$path") $(reads_of "$BENCH_URL/api/v1$path")"
		NAMES+=("$name")
	done
	token=$user_token
	SIZES["$phase"]="the bench user's lists: $jobs jobs ($done COMPLETED), $errors line errors on one job, $files files, $records progress records"
}
declare -A SIZES

t0=$(date +%s)
load_jobs 1 "$SMALL_JOBS"
load_errors 1 $((SMALL_JOBS))
load_files 1 "$SMALL_JOBS"
load_progress 1 "$SMALL_JOBS"
sql -e "ANALYZE TABLE jobs, job_errors, files, progress_records" >/dev/null
echo "small scale loaded ($(($(date +%s) - t0)) s); measuring" >&2
measure small

t0=$(date +%s)
load_jobs $((SMALL_JOBS + 1)) "$JOBS"
load_errors $((SMALL_JOBS + 1)) "$ERRORS"
load_files $((SMALL_JOBS + 1)) $((JOBS / 10))
load_progress $((SMALL_JOBS + 1)) "$PROGRESS"
sql -e "ANALYZE TABLE jobs, job_errors, files, progress_records" >/dev/null
load_s=$(($(date +%s) - t0))
echo "large scale loaded ($load_s s); measuring" >&2
measure large

echo "data scale: $(sql -e 'SELECT COUNT(*) FROM jobs') jobs over $USERS users (the bench user $((JOBS / 10))), $(sql -e 'SELECT COUNT(*) FROM job_errors') line errors ($((ERRORS / 10)) on one job), $(sql -e 'SELECT COUNT(*) FROM files') files, $(sql -e 'SELECT COUNT(*) FROM progress_records') progress records; loaded in $load_s s"
# What X-Total-Count would cost if counted: the index-only COUNT(*) of the
# bench user's jobs (the least of five, in the server).
count_us=$(for i in 1 2 3 4 5; do
	sql -e "SET @t = NOW(6); SELECT COUNT(*) INTO @c FROM jobs WHERE user_id = '$me';
		SELECT TIMESTAMPDIFF(MICROSECOND, @t, NOW(6))"
done | sort -n | head -1)
echo "small: ${SIZES[small]}"
echo "large: ${SIZES[large]}"
echo "wrk -t1 -c$CONNECTIONS -d$DURATION, limit=$LIMIT, buffer pool $POOL; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "an index-only COUNT(*) of the bench user's $(count jobs "$me" "") jobs takes $(awk -v u="$count_us" 'BEGIN { printf "%.1f", u / 1000 }') ms in the server; X-Total-Count reads list_counts instead"
echo "rows: rows and index entries the server read for one request (Handler_read_*)"
printf '%-42s %18s %6s %18s %6s %6s\n' "request" "1,000 jobs p50/p99" "rows" "large p50/p99" "rows" "p50 x"
for name in "${NAMES[@]}"; do
	read -r s50 s99 srows <<<"${RESULT["small|$name"]}"
	read -r l50 l99 lrows <<<"${RESULT["large|$name"]}"
	ratio=$(awk -v a="$l50" -v b="$s50" 'BEGIN { if (b + 0 > 0 && a ~ /^[0-9.]+$/) printf "%.2f", a / b; else print "-" }')
	printf '%-42s %18s %6s %18s %6s %6s\n' "$name" "$s50/$s99 ms" "$srows" "$l50/$l99 ms" "$lrows" "$ratio"
done
