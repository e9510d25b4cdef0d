"""Webhooks against local receivers: subscriptions, Standard Webhooks
signatures checked with the specification's algorithm, retries with growing
delays, targets refused by the SSRF rules, a dispatcher killed during a
delivery, redelivery by hand, and progress.completed.

The harness's stack allows loopback targets (QUARRY_WEBHOOK_ALLOW=loopback),
retries after 1 s, 2 s, 4 s … (QUARRY_WEBHOOK_RETRY_BASE_MS=1000) and gives an
attempt 3 s (QUARRY_WEBHOOK_TIMEOUT_SECONDS=3): a lease is 3 + 5 s."""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from quarry_client import assert_error_shape, wait_for, walk_pages

CSV = b"id,name,city\n1,ada,London\n2,grace,New York\n"
LEASE_SECONDS = 3 + 5


class Receiver:
    """An HTTP server on a local address that records every request. Its
    answers per path: /ok 200; /flaky 500 twice per webhook-id, then 200;
    /hang holds the first request of each webhook-id until released, then
    200."""

    def __init__(self, host="127.0.0.1"):
        self.requests = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.holding = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"at": time.monotonic(), "path": self.path,
                                              "headers": dict(self.headers), "body": body})
                    seen = sum(1 for r in receiver.requests
                               if r["headers"].get("webhook-id") == self.headers.get("webhook-id"))
                status = 200
                if self.path == "/flaky" and seen <= 2:
                    status = 500
                if self.path == "/hang" and seen == 1:
                    receiver.holding.set()
                    receiver.release.wait(30)
                    return  # no answer: the connection just closes
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(ThreadingHTTPServer):
            address_family = family
            daemon_threads = True

        self.server = Server((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d%s" % (host, self.port, path)

    def of(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


def verify(secret, headers, body):
    """The Standard Webhooks verification, as a receiver does it."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_"):])
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    assert abs(time.time() - int(ts)) < 300, "timestamp too far from now"
    signed = b"%s.%s.%s" % (msg_id.encode(), ts.encode(), body)
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    signatures = [s.split(",", 1)[1] for s in headers["webhook-signature"].split()
                  if s.startswith("v1,")]
    assert any(hmac.compare_digest(expected, s) for s in signatures), \
        "no v1 signature matches: %r" % headers["webhook-signature"]
    return json.loads(body)


def subscribe(client, token, url, events, **extra):
    status, _, hook = client.api("POST", "/webhooks", token=token,
                                 json=dict({"url": url, "events": events}, **extra))
    assert status == 201, hook
    return hook


def run_job(client, token, steps=(), name="people.csv"):
    status, _, job = client.api("POST", "/jobs", token=token, json={
        "file_name": name, "original_file_size_bytes": len(CSV), "processing_steps": list(steps)})
    assert status == 201, job
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    status, _, _ = client.request("PUT", up["upload_url"], body=CSV)
    assert status in (201, 204)
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"], token=token,
                                 json={"object_key": up["object_key"]})
    assert status == 200, body
    return job["id"]


def cancelled_job(client, token):
    status, _, job = client.api("POST", "/jobs", token=token, json={"file_name": "x.csv"})
    assert status == 201, job
    status, _, body = client.api("POST", "/jobs/%s/cancel" % job["id"], json={}, token=token)
    assert status == 200 and body["status"] == "CANCELLED", body
    return job["id"]


def deliveries(client, token, hook_id):
    status, headers, body = client.api("GET", "/webhooks/%s/deliveries" % hook_id, token=token)
    assert status == 200, body
    assert int(headers.get("X-Total-Count")) == len(body)
    return body


def private_address():
    """A private (not loopback) address of this machine, or None."""
    try:
        out = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[2] not in ("inet", "inet6"):
            continue
        addr = ipaddress.ip_address(parts[3].split("/")[0])
        if addr.is_private and not addr.is_loopback and not addr.is_link_local and \
                (addr.version == 6 and addr in ipaddress.ip_network("fc00::/7") or
                 addr.version == 4 and any(addr in ipaddress.ip_network(n) for n in
                                           ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))):
            return str(addr)
    return None


# ---------------------------------------------------------------- tests


def test_subscriptions_are_checked_listed_and_private(stack, receiver, user):
    client, token = stack.client(), user["token"]
    bad = [
        ({"url": "ftp://example.com/x", "events": ["job.completed"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x", "events": ["job.completed"]}, "url"),
        ({"url": "not a url", "events": ["job.completed"]}, "url"),
        ({"url": "http://10.1.2.3/hook", "events": ["job.completed"]}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data", "events": ["job.completed"]}, "url"),
        ({"url": "http://[::ffff:10.0.0.1]/x", "events": ["job.completed"]}, "url"),
        ({"url": "http://0.0.0.0:9/x", "events": ["job.completed"]}, "url"),
        ({"url": receiver.url("/ok"), "events": []}, "events"),
        ({"url": receiver.url("/ok"), "events": ["job.exploded"]}, "events[0]"),
        ({"url": receiver.url("/ok"), "events": "job.completed"}, "events"),
        ({"url": receiver.url("/ok"), "events": ["job.completed"], "secret": "hunter2"}, "secret"),
        ({"url": receiver.url("/ok"), "events": ["job.completed"],
          "secret": "whsec_" + base64.b64encode(b"short").decode()}, "secret"),
        ({"events": ["job.completed"]}, "url"),
    ]
    for payload, field in bad:
        status, _, body = client.api("POST", "/webhooks", token=token, json=payload)
        assert status == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)

    mine = "whsec_" + base64.b64encode(b"k" * 32).decode()
    hook = subscribe(client, token, receiver.url("/ok"), ["job.failed", "job.completed", "job.failed"],
                     secret=mine, description="ci")
    assert hook["secret"] == mine and hook["events"] == ["job.completed", "job.failed"], hook
    generated = subscribe(client, token, receiver.url("/ok"), ["progress.completed"])
    assert generated["secret"].startswith("whsec_")
    assert len(base64.b64decode(generated["secret"][6:])) == 32

    status, headers, listed = client.api("GET", "/webhooks", token=token)
    assert status == 200 and int(headers.get("X-Total-Count")) == len(listed) >= 2
    assert all("secret" not in h for h in listed)
    status, _, one = client.api("GET", "/webhooks/%s" % hook["id"], token=token)
    assert status == 200 and one["url"] == receiver.url("/ok") and "secret" not in one
    # The secret is not stored in the clear.
    sealed = stack.sql("SELECT secret_sealed FROM webhooks WHERE id = '%s'" % hook["id"])[0][0]
    assert mine not in sealed and mine[6:] not in sealed

    other = stack.client().register_and_login()
    for method, path in (("GET", "/webhooks/%s" % hook["id"]), ("DELETE", "/webhooks/%s" % hook["id"]),
                         ("GET", "/webhooks/%s/deliveries" % hook["id"])):
        status, _, body = client.api(method, path, token=other["token"])
        assert status == 403, body
    status, _, body = client.api("GET", "/webhooks/" + "0" * 36, token=token)
    assert status == 404
    status, _, body = client.api("GET", "/webhooks/%s/deliveries?status=LOST" % hook["id"], token=token)
    assert status == 422 and body["error"]["field"] == "status"
    for h in (hook, generated):
        status, _, _ = client.api("DELETE", "/webhooks/%s" % h["id"], token=token)
        assert status == 204
    status, _, body = client.api("GET", "/webhooks/%s" % hook["id"], token=token)
    assert status == 404 and body["error"]["code"] == "WEBHOOK_NOT_FOUND"


def test_subscriptions_page_by_cursor(stack, receiver):
    """Following Link rel=next lists each subscription once, in skip's
    order, ties of created_at included."""
    client = stack.client()
    token = client.register_and_login()["token"]
    made = [subscribe(client, token, receiver.url("/ok"), ["job.completed"])["id"]
            for _ in range(5)]
    stack.sql("UPDATE webhooks SET created_at = '2026-01-01 00:00:00.000' WHERE id IN (%s)"
              % ",".join("'%s'" % i for i in made[1:4]))
    items, pages, _ = walk_pages(client, token, "/webhooks?limit=2",
                                 lambda b: [h["id"] for h in b], total=5)
    assert pages == 3 and len(items) == 5 and set(items) == set(made)
    by_skip = []
    for skip in (0, 2, 4):
        status, _, body = client.api("GET", "/webhooks?skip=%d&limit=2" % skip, token=token)
        assert status == 200, body
        by_skip += [h["id"] for h in body]
    assert by_skip == items
    status, _, err = client.api("GET", "/webhooks?after=bm9wZQ", token=token)
    assert status == 422 and err["error"]["field"] == "after"


def test_job_events_are_signed_as_the_specification_says(stack, receiver, user):
    client, token = stack.client(), user["token"]
    hook = subscribe(client, token, receiver.url("/ok"),
                     ["job.completed", "job.failed", "job.cancelled"])
    done = run_job(client, token)
    failed = run_job(client, token, steps=[{"type": "filter", "params": {
        "column": "nope", "operator": "eq", "value": "x"}}])
    cancelled = cancelled_job(client, token)
    got = wait_for(lambda: len(receiver.of("/ok")) >= 3 and receiver.of("/ok"), timeout=60)
    assert got, "only %d deliveries arrived" % len(receiver.of("/ok"))
    events = {}
    for r in got:
        assert r["headers"]["Content-Type"] == "application/json"
        event = verify(hook["secret"], r["headers"], r["body"])
        events[event["data"]["id"]] = event
    assert events[done]["type"] == "job.completed"
    assert events[done]["data"]["status"] == "COMPLETED"
    assert events[done]["data"]["progress"]["processed_records"] == 2
    assert events[failed]["type"] == "job.failed" and "nope" in events[failed]["data"]["error_message"]
    assert events[cancelled]["type"] == "job.cancelled"
    assert events[done]["timestamp"].endswith("Z") and events[done]["data"]["finished_at"].endswith("Z")
    # A changed body or another secret does not verify.
    r = got[0]
    with pytest.raises(AssertionError):
        verify(hook["secret"], r["headers"], r["body"] + b" ")
    with pytest.raises(AssertionError):
        verify("whsec_" + base64.b64encode(b"x" * 32).decode(), r["headers"], r["body"])

    listed = wait_for(lambda: all(d["status"] == "SUCCEEDED" for d in deliveries(client, token, hook["id"]))
                      and deliveries(client, token, hook["id"]), timeout=20)
    assert len(listed) == 3
    for d in listed:
        assert d["attempts"] == 1 and d["last_status"] == 200
        assert d["attempt_log"][0]["response_status"] == 200
        assert d["attempt_log"][0]["response_excerpt"] == "ok"
        assert d["payload"]["type"] == d["event"]
        assert {r["headers"]["webhook-id"] for r in got} >= {d["id"]}
    # Another user's job says nothing to this subscription.
    other = stack.client().register_and_login()
    cancelled_job(client, other["token"])
    time.sleep(2)
    assert len(receiver.of("/ok")) == 3


def test_failing_receiver_gets_three_attempts_with_growing_delays(stack, receiver, user):
    client, token = stack.client(), user["token"]
    hook = subscribe(client, token, receiver.url("/flaky"), ["job.cancelled"])
    cancelled_job(client, token)
    got = wait_for(lambda: len(receiver.of("/flaky")) >= 3 and receiver.of("/flaky"), timeout=60)
    assert got, receiver.of("/flaky")
    ids = {r["headers"]["webhook-id"] for r in got}
    assert len(ids) == 1, "every attempt carries the same webhook-id"
    for r in got:
        verify(hook["secret"], r["headers"], r["body"])
    first, second = got[1]["at"] - got[0]["at"], got[2]["at"] - got[1]["at"]
    assert first >= 0.9 and second > first, (first, second)
    d = wait_for(lambda: [x for x in deliveries(client, token, hook["id"]) if x["status"] == "SUCCEEDED"],
                 timeout=20)[0]
    assert d["attempts"] == 3
    assert [a["response_status"] for a in d["attempt_log"]] == [500, 500, 200]
    assert "answered 500" in d["attempt_log"][0]["error"]
    time.sleep(2.5)
    assert len(receiver.of("/flaky")) == 3, "a delivered event is not sent again"


def test_receiver_on_a_private_address_is_refused_by_default(stack, user):
    client, token = stack.client(), user["token"]
    host = private_address()
    private = Receiver(host) if host else None
    try:
        url = private.url("/ok") if private else "http://10.255.255.1:9/ok"
        status, _, body = client.api("POST", "/webhooks", token=token,
                                     json={"url": url, "events": ["job.cancelled"]})
        assert status == 422 and body["error"]["field"] == "url", body
        assert "private address" in body["error"]["message"], body
        # The sender checks too, where it connects: a subscription whose
        # target moved to a private address (as a DNS name can) is refused
        # there, and nothing reaches the receiver.
        ok = Receiver()
        try:
            hook = subscribe(client, token, ok.url("/ok"), ["job.cancelled"])
        finally:
            ok.close()
        stack.sql("UPDATE webhooks SET url = '%s' WHERE id = '%s'" % (url, hook["id"]))
        cancelled_job(client, token)
        d = wait_for(lambda: [x for x in deliveries(client, token, hook["id"]) if x["attempt_log"]
                              and x["attempt_log"][0]["finished_at"]], timeout=30)
        assert d, "no attempt was made"
        attempt = d[0]["attempt_log"][0]
        assert attempt["response_status"] is None
        assert "refused" in attempt["error"] and "private address" in attempt["error"], attempt
        assert d[0]["status"] == "PENDING" and d[0]["next_attempt_at"], d[0]
        if private:
            assert private.requests == []
        client.api("DELETE", "/webhooks/%s" % hook["id"], token=token)
    finally:
        if private:
            private.close()


def test_dispatcher_killed_mid_delivery_sends_it_again_after_restart(stack, receiver, user):
    client, token = stack.client(), user["token"]
    hook = subscribe(client, token, receiver.url("/hang"), ["job.cancelled"])
    cancelled_job(client, token)
    assert receiver.holding.wait(30), "the delivery never arrived"
    old = stack.pid("jobd")
    stack.kill(old)
    receiver.release.set()
    # The supervisor starts a new dispatcher; once the lease has run out it
    # sends the delivery again, with the same id.
    got = wait_for(lambda: len(receiver.of("/hang")) >= 2 and receiver.of("/hang"),
                   timeout=LEASE_SECONDS + 30)
    assert got, "the delivery was not sent again"
    assert stack.pid("jobd") not in (None, old)
    assert got[0]["headers"]["webhook-id"] == got[1]["headers"]["webhook-id"]
    verify(hook["secret"], got[1]["headers"], got[1]["body"])
    d = wait_for(lambda: [x for x in deliveries(client, token, hook["id"]) if x["status"] == "SUCCEEDED"],
                 timeout=20)[0]
    assert d["attempts"] == 2
    assert "interrupted" in d["attempt_log"][0]["error"]
    assert d["attempt_log"][1]["response_status"] == 200

    # Redelivered by hand: the same id and body once more; a pending one cannot be.
    status, _, again = client.api("POST", "/webhooks/%s/deliveries/%s/redeliver" % (hook["id"], d["id"]),
                                  token=token, json={})
    assert status == 202 and again["status"] == "PENDING", again
    got = wait_for(lambda: len(receiver.of("/hang")) >= 3 and receiver.of("/hang"), timeout=30)
    assert got and got[2]["headers"]["webhook-id"] == d["id"] and got[2]["body"] == got[0]["body"]
    status, _, body = client.api("POST", "/webhooks/%s/deliveries/%s/redeliver" % (hook["id"], "f" * 8),
                                 token=token, json={})
    assert status == 404, body


def test_progress_completed_reaches_the_clients_members(stack, receiver, user):
    client = stack.client()
    stack.create_admin("hooks-admin@example.com", "hooks-admin-password")
    admin = client.login("hooks-admin@example.com", "hooks-admin-password")
    krn = "krn:hooks:client:1"
    status, _, body = client.api("POST", "/clients", token=admin, json={"krn": krn, "name": "Hooks"})
    assert status == 201, body
    status, _, body = client.api("POST", "/clients/%s/members" % krn, token=admin,
                                 json={"email": user["email"]})
    assert status == 201, body
    hook = subscribe(client, user["token"], receiver.url("/ok"), ["progress.completed"])
    status, _, body = client.api("POST", "/clients/%s/progress" % krn, token=user["token"],
                                 json={"filename": "leads.csv", "counts": {"done": 5}, "total": 7})
    assert status == 201, body
    time.sleep(1.5)
    assert receiver.of("/ok") == [], "not complete yet: no event"
    status, _, body = client.api("POST", "/clients/%s/progress" % krn, token=user["token"],
                                 json={"filename": "leads.csv", "counts": {"done": 2}, "isLast": True})
    assert status == 200 and body["isCompleted"], body
    got = wait_for(lambda: receiver.of("/ok"), timeout=30)
    assert got and len(got) == 1
    event = verify(hook["secret"], got[0]["headers"], got[0]["body"])
    assert event["type"] == "progress.completed"
    assert event["data"]["clientKrn"] == krn and event["data"]["filename"] == "leads.csv"
    assert event["data"]["counts"]["done"] == 7 and event["data"]["isCompleted"] is True
