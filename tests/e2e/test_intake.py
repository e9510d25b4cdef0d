"""quarry-intake with a real RabbitMQ (the identity stack's private broker):
the Pebbles SQS and Kafka example messages published to AMQP end in the
same records as the HTTP posts; redeliveries are applied once; malformed
and unauthorised messages are dead-lettered with their reason and counted
in /metrics; 10,000 messages from 8 publishers with the consumer killed
(SIGKILL) twice mid-stream end in exact counts.

The long form of the last test: QUARRY_INTAKE_SOAK_MESSAGES=100000."""

import copy
import json
import os
import signal
import threading
import time
import urllib.parse
import uuid

import pika
import pytest

from quarry_client import unique_email, wait_for

ADMIN_PASSWORD = "admin-password-123"
PREFIX = "quarry.progress."
DEAD = "quarry.progress.dead"
MESSAGES = int(os.environ.get("QUARRY_INTAKE_SOAK_MESSAGES", "10000"))
PUBLISHERS = 8

SQS_EXAMPLE = {
    "clientKrn": "krn:acme:client:123", "email": "worker@acme.com",
    "filename": "large_dataset.csv", "counts": {"done": 1000, "warn": 5, "failed": 2},
    "total": 100000, "errors": [{"line": 567, "message": "Invalid format"}]}
KAFKA_EXAMPLE = {
    "clientKrn": "krn:widgets:client:456", "email": "stream-processor@widgets.com",
    "filename": "realtime_data.csv", "counts": {"done": 5000, "warn": 10, "failed": 5},
    "isLast": False}


@pytest.fixture(scope="module")
def st(identity_stack):
    return identity_stack


@pytest.fixture(scope="module")
def api(st):
    return st.client()


@pytest.fixture(scope="module")
def admin(st, api):
    email = unique_email("admin")
    st.create_admin(email, ADMIN_PASSWORD)
    return api.login(email, ADMIN_PASSWORD)


def amqp(st):
    password = (st.secrets_dir / "amqp.password").read_text().strip()
    params = pika.ConnectionParameters("127.0.0.1", st.amqp_port,
                                       credentials=pika.PlainCredentials("quarry", password),
                                       heartbeat=0, blocked_connection_timeout=60)
    return pika.BlockingConnection(params)


def publish(channel, krn, message, message_id=None, raw=None):
    queue = PREFIX + krn
    channel.queue_declare(queue=queue, durable=True)
    props = pika.BasicProperties(delivery_mode=2, message_id=message_id or str(uuid.uuid4()),
                                 content_type="application/json")
    body = raw if raw is not None else json.dumps(message).encode()
    channel.basic_publish(exchange="", routing_key=queue, body=body, properties=props)


def tenant(api, admin, krn, member_email):
    """A client (with a unique suffix on the seed's krn) and a member."""
    status, _, body = api.api("POST", "/clients", token=admin, json={"krn": krn, "name": krn})
    assert status == 201, body
    status, body = api.register(member_email)
    assert status == 201, body
    status, _, body = api.api("POST", "/clients/%s/members" % quote(krn), token=admin,
                              json={"email": member_email})
    assert status == 201, body


def quote(krn):
    return urllib.parse.quote(krn, safe="")


def record(api, token, krn, filename):
    status, _, body = api.api("GET", "/clients/%s/progress?filename=%s"
                              % (quote(krn), urllib.parse.quote(filename)), token=token)
    return body if status == 200 else None


def comparable(rec):
    keep = ("filename", "email", "counts", "total", "isCompleted", "errorCount",
            "warningCount", "errors", "warnings")
    return {k: rec.get(k) for k in keep}


def suffix():
    return uuid.uuid4().hex[:8]


def test_seed_messages_end_like_http_posts(st, api, admin):
    conn = amqp(st)
    ch = conn.channel()
    for example in (SQS_EXAMPLE, KAFKA_EXAMPLE):
        tag = suffix()
        via_queue, via_http = example["clientKrn"] + tag, example["clientKrn"] + tag + "h"
        email = example["email"].replace("@", "-%s@" % tag)
        tenant(api, admin, via_queue, email)
        status, _, body = api.api("POST", "/clients/%s/members" % quote(via_http), token=admin,
                                  json={"email": email})
        assert status == 404  # not yet: made next
        status, _, body = api.api("POST", "/clients", token=admin,
                                  json={"krn": via_http, "name": "http"})
        assert status == 201
        api.api("POST", "/clients/%s/members" % quote(via_http), token=admin,
                json={"email": email})
        message = dict(copy.deepcopy(example), clientKrn=via_queue, email=email)
        publish(ch, via_queue, message)
        token = api.login(email, "correct-horse-battery")
        post = {k: v for k, v in message.items() if k not in ("clientKrn", "email")}
        status, _, body = api.api("POST", "/clients/%s/progress" % quote(via_http), token=token,
                                  json=post)
        assert status == 201, body
        got = wait_for(lambda: record(api, token, via_queue, message["filename"]), timeout=30)
        assert got, "the queued message was never applied:\n" + st.log_tail("intake")
        want = record(api, token, via_http, message["filename"])
        assert comparable(got) == comparable(want)
        assert got["clientKrn"] == via_queue and got["email"] == email
    conn.close()


def dead_letters(st):
    conn = amqp(st)
    ch = conn.channel()
    ch.queue_declare(queue=DEAD, durable=True)
    out = []
    while True:
        method, props, body = ch.basic_get(queue=DEAD, auto_ack=True)
        if method is None:
            break
        out.append((props.headers or {}, body, props.message_id))
    conn.close()
    return out


def metric(api, name, **labels):
    status, _, text = api.request("GET", "/api/v1/metrics")
    want = name + ("{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}"
                   if labels else "")
    for line in text.decode().splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return None


def test_bad_messages_are_dead_lettered_with_their_reason(st, api, admin):
    krn = "krn:dlq-%s:client:1" % suffix()
    email = unique_email("member")
    tenant(api, admin, krn, email)
    conn = amqp(st)
    ch = conn.channel()
    good = {"clientKrn": krn, "email": email, "filename": "ok.csv",
            "counts": {"done": 1, "warn": 0, "failed": 0}}
    ids = {}
    cases = {
        "not json": (None, b"{not json"),
        "bad counts": (dict(good, counts={"done": -4}), None),
        "no filename": ({k: v for k, v in good.items() if k != "filename"}, None),
        "other client": (dict(good, clientKrn="krn:someone:client:else"), None),
        "stranger": (dict(good, email=unique_email("stranger")), None),
    }
    for name, (message, raw) in cases.items():
        ids[name] = "bad-%s" % uuid.uuid4()
        publish(ch, krn, message, message_id=ids[name], raw=raw)
    publish(ch, krn, good)
    conn.close()
    token = api.login(email, "correct-horse-battery")
    assert wait_for(lambda: record(api, token, krn, "ok.csv"), timeout=30)
    letters = []
    wait_for(lambda: letters.extend(dead_letters(st)) or
             set(ids.values()) <= {m for _, _, m in letters}, timeout=30)
    by_id = {m: (h, b) for h, b, m in letters}
    reasons = {name: by_id[ids[name]][0]["x-quarry-reason"] for name in cases}
    assert reasons["not json"].startswith("malformed:")
    assert reasons["bad counts"].startswith("malformed:") and "counts.done" in reasons["bad counts"]
    assert reasons["no filename"].startswith("malformed:") and "filename" in reasons["no filename"]
    assert reasons["other client"].startswith("unauthorised:")
    assert reasons["stranger"].startswith("unauthorised:") and "not a member" in reasons["stranger"]
    assert by_id[ids["not json"]][1] == b"{not json"
    assert by_id[ids["stranger"]][0]["x-quarry-queue"] == krn
    assert metric(api, "quarry_intake_messages_total", outcome="dead_letter",
                  reason="malformed") >= 3
    assert metric(api, "quarry_intake_messages_total", outcome="dead_letter",
                  reason="unauthorised") >= 2


def test_a_redelivered_message_is_applied_once(st, api, admin):
    krn = "krn:redo-%s:client:1" % suffix()
    email = unique_email("member")
    tenant(api, admin, krn, email)
    conn = amqp(st)
    ch = conn.channel()
    message = {"clientKrn": krn, "email": email, "filename": "once.csv",
               "counts": {"done": 7, "warn": 1, "failed": 0}}
    for _ in range(3):
        publish(ch, krn, message, message_id="same-id")
    publish(ch, krn, dict(message, counts={"done": 1}), message_id="last")
    conn.close()
    token = api.login(email, "correct-horse-battery")
    got = wait_for(lambda: (record(api, token, krn, "once.csv") or {}).get("counts", {})
                   .get("done") == 8 and record(api, token, krn, "once.csv"), timeout=30)
    assert got and got["counts"] == {"done": 8, "warn": 1, "failed": 0}, got
    assert metric(api, "quarry_intake_messages_total", outcome="duplicate") >= 2


def test_many_publishers_and_a_killed_consumer_count_exactly(st, api, admin):
    krn = "krn:soak-%s:client:1" % suffix()
    members = [unique_email("w%d" % i) for i in range(PUBLISHERS)]
    tenant(api, admin, krn, members[0])
    for email in members[1:]:
        assert api.register(email)[0] == 201
        assert api.api("POST", "/clients/%s/members" % quote(krn), token=admin,
                       json={"email": email})[0] == 201
    files = ["file-%02d.csv" % i for i in range(PUBLISHERS)]
    per_publisher = MESSAGES // PUBLISHERS
    sent = [0] * PUBLISHERS
    errors = []

    def publisher(i):
        try:
            conn = amqp(st)
            ch = conn.channel()
            ch.confirm_delivery()
            for n in range(per_publisher):
                publish(ch, krn, {"clientKrn": krn, "email": members[i], "filename": files[i],
                                  "counts": {"done": 1, "warn": n % 2, "failed": 0},
                                  "total": per_publisher},
                        message_id="%d-%d" % (i, n))
                sent[i] += 1
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=publisher, args=(i,)) for i in range(PUBLISHERS)]
    for t in threads:
        t.start()
    kills = 0
    for fraction in (0.3, 0.6):
        wait_for(lambda: sum(sent) >= MESSAGES * fraction, timeout=120)
        pid = st.pid("intake")
        assert pid, st.log_tail("intake")
        os.kill(pid, signal.SIGKILL)
        kills += 1
        wait_for(lambda: st.pid("intake") not in (None, pid), timeout=10)
    for t in threads:
        t.join()
    assert not errors, errors
    assert kills == 2 and sum(sent) == per_publisher * PUBLISHERS

    def total_done():
        rows = st.sql("SELECT COALESCE(SUM(done_count), 0) FROM progress_records r JOIN clients c"
                      " ON c.id = r.client_id WHERE c.krn = '%s'" % krn)
        return int(rows[0][0])

    assert wait_for(lambda: total_done() == sum(sent), timeout=180), (
        "done %d of %d\n%s" % (total_done(), sum(sent), st.log_tail("intake")))
    time.sleep(2)  # nothing more may arrive: no message counted twice
    rows = st.sql("SELECT r.filename, r.done_count, r.warn_count, r.total FROM progress_records r"
                  " JOIN clients c ON c.id = r.client_id WHERE c.krn = '%s' ORDER BY r.filename"
                  % krn)
    assert rows == [[f, str(per_publisher), str(per_publisher // 2), str(per_publisher)]
                    for f in files]
    applied = st.sql("SELECT COUNT(*) FROM intake_messages m JOIN clients c ON c.id = m.client_id"
                     " WHERE c.krn = '%s'" % krn)
    assert int(applied[0][0]) == sum(sent)
