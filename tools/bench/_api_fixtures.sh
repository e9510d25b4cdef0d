# The fixtures of the API benchmarks (api.sh, api_cost.sh), sourced after
# bench_stack_up: $reader with 120 jobs (ids: their ids, read_ids: 32 of
# them, comma-separated), $writer (its own user, so that the reader's list
# stays 120 long), $member of client $krn (progress posts, as
# progress_posts.sh), and $job_body, the body of POST /jobs.
api="$BENCH_URL/api/v1"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() {
	curl -ksf -d "username=$1&password=$2" "$api/auth/login" | json '["access_token"]'
}
register() {
	curl -ksf -H 'Content-Type: application/json' \
		-d "{\"email\":\"$1\",\"password\":\"$2\"}" "$api/auth/register" >/dev/null
}
pw="bench-password-1"

# The reader: 120 jobs, so that GET /jobs?limit=100 returns a full page;
# GET /jobs/{id} and GET /status/{id} go round 32 of them.
reader_email="bench-reader-$RANDOM$RANDOM@example.com"
register "$reader_email" "$pw"
reader=$(login "$reader_email" "$pw")
job_body='{"file_name":"bench.csv","original_file_size_bytes":1048576,"processing_steps":[{"type":"filter","params":{"column":"country","operator":"eq","value":"India"}}]}'
ids=()
for ((i = 0; i < 120; i++)); do
	ids+=("$(curl -ksf -H "Authorization: Bearer $reader" -H 'Content-Type: application/json' \
		-d "$job_body" "$api/jobs" | json '["id"]')")
done
read_ids=$(IFS=,; echo "${ids[*]:0:32}")

# The writer: its own user, so that the reader's list stays 120 long.
writer_email="bench-writer-$RANDOM$RANDOM@example.com"
register "$writer_email" "$pw"
writer=$(login "$writer_email" "$pw")

# Progress posts: a member of a client an admin made (as progress_posts.sh).
admin_email="bench-admin-$RANDOM$RANDOM@example.com"
"$QUARRY" create-admin "$admin_email" "$pw" >/dev/null
admin=$(login "$admin_email" "$pw")
member_email="bench-member-$RANDOM$RANDOM@example.com"
register "$member_email" "$pw"
member=$(login "$member_email" "$pw")
krn="krn:bench:client:c$RANDOM$RANDOM"
curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d "{\"krn\":\"$krn\",\"name\":\"bench\"}" "$api/clients" >/dev/null
curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$member_email\"}" "$api/clients/$krn/members" >/dev/null

