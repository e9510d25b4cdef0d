#!/usr/bin/env bash
# Queue intake: messages per second from RabbitMQ through quarry-intake into
# the progress records, into one record and spread over 100 records, against
# the HTTP progress post (wrk, 32 connections, as progress_posts.sh) in the
# same run. Each intake figure is N messages published (one publisher, with
# message_id) and timed until their counts are all in the database.
#   BENCH_MESSAGES (default 20000), BENCH_DURATION (wrk, default 10s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MESSAGES=${BENCH_MESSAGES:-20000}
DURATION=${BENCH_DURATION:-10s}
here=$(cd "$(dirname "$0")" && pwd -P)

export QUARRY_INTAKE=amqp QUARRY_INTAKE_RESCAN_SECONDS=1
export QUARRY_AMQP_PORT=${QUARRY_AMQP_PORT:-$(bench_free_port)}
export QUARRY_AMQP_DIST_PORT=${QUARRY_AMQP_DIST_PORT:-$(bench_free_port)}
export QUARRY_AMQP_EPMD_PORT=${QUARRY_AMQP_EPMD_PORT:-$(bench_free_port)}
bench_stack_up
api="$BENCH_URL/api/v1"
token_of() {
	curl -ksf -d "username=$1&password=$2" "$api/auth/login" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
admin_email="bench-admin-$RANDOM$RANDOM@example.com" admin_pw="bench-admin-password"
"$QUARRY" create-admin "$admin_email" "$admin_pw" >/dev/null
admin=$(token_of "$admin_email" "$admin_pw")
member_email="bench-member-$RANDOM$RANDOM@example.com" member_pw="bench-member-password"
curl -ksf -H 'Content-Type: application/json' \
	-d "{\"email\":\"$member_email\",\"password\":\"$member_pw\"}" "$api/auth/register" >/dev/null
member=$(token_of "$member_email" "$member_pw")
new_client() {
	local krn="krn:bench:client:c$RANDOM$RANDOM"
	curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
		-d "{\"krn\":\"$krn\",\"name\":\"bench\"}" "$api/clients" >/dev/null
	curl -ksf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$member_email\"}" "$api/clients/$krn/members" >/dev/null
	echo "$krn"
}

# intake_rate KRN RECORDS: publishes MESSAGES messages over RECORDS
# filenames and prints messages/s once the database holds all their counts.
intake_rate() {
	/usr/bin/python3 - "$1" "$2" "$MESSAGES" "$member_email" "$QUARRY_AMQP_PORT" \
		"$QUARRY_HOME/secrets/amqp.password" <<'PY'
import json, subprocess, sys, time, uuid
import pika
krn, records, n, email, port, pwfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
creds = pika.PlainCredentials("quarry", open(pwfile).read().strip())
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, credentials=creds))
ch = conn.channel()
queue = "quarry.progress." + krn
ch.queue_declare(queue=queue, durable=True)
def total():
    out = subprocess.run(["tools/quarry", "sql", "-N", "-B", "-e",
        "SELECT COALESCE(SUM(r.done_count),0) FROM progress_records r JOIN clients c ON c.id = r.client_id WHERE c.krn = '%s'" % krn],
        capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])
start = time.monotonic()
for i in range(n):
    body = json.dumps({"clientKrn": krn, "email": email, "filename": "f-%d.csv" % (i % records),
                       "counts": {"done": 1, "warn": 0, "failed": 0}})
    ch.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2, message_id=uuid.uuid4().hex))
published = time.monotonic() - start
while total() < n:
    time.sleep(0.2)
took = time.monotonic() - start
conn.close()
print("%.0f %.0f" % (n / took, n / published))
PY
}

one=$(new_client) hundred=$(new_client)
sleep 3 # intake reads the new clients (rescan 1 s) and consumes their queues
read -r one_rate one_pub < <(cd "$BENCH_REPO" && intake_rate "$one" 1)
read -r hundred_rate hundred_pub < <(cd "$BENCH_REPO" && intake_rate "$hundred" 100)
http_krn=$(new_client)
read -r post_rps post_p99 < <(bench_wrk -t2 -c32 -d"$DURATION" -s "$here/progress_post.lua" \
	"$BENCH_URL" -- "$member" "$http_krn" run)

printf '%-44s %12s\n' "target" "messages/s"
printf '%-44s %12s\n' "HTTP POST /clients/{krn}/progress (wrk -c32)" "$post_rps"
printf '%-44s %12s   (published at %s/s)\n' "intake, $MESSAGES messages into 1 record" "$one_rate" "$one_pub"
printf '%-44s %12s   (published at %s/s)\n' "intake, $MESSAGES messages into 100 records" "$hundred_rate" "$hundred_pub"
awk -v a="$one_rate" -v b="$hundred_rate" -v h="$post_rps" 'BEGIN {
	printf "ratio intake (1 record) : HTTP = %.2f\nratio intake (100 records) : HTTP = %.2f\n", a / h, b / h }'
