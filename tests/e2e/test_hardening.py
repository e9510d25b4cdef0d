"""Hardening (issue 10): each attack performed against the stack, and the
refusal asserted. Regex bombs (the patterns are PCRE2 with a budget),
chunked PUTs past a signed upload's size, and what the host exposes:
/metrics and system-status, signed URLs in the access log, security
headers, TLS ciphers, the HTTP redirect. Unauthenticated disk fill (the
token and the quota checked before nginx reads an upload's body, uploads
at once per address), trailing-slash aliases, output names that need
percent-encoding, and nginx's own answers outside the error shape. Schema
inference run by quarry-process, not the API worker. A job that ends
while MariaDB is stopped for longer than quarry-process's old retry
window."""

import http.client
import json
import os
import re
import socket
import ssl
import time
import urllib.parse

import pytest

from conftest import private_stack
from quarry_client import (assert_error_shape, download_output, run_job, upload_file, wait_job,
                           wait_for)

# metrics_allow of this module's stack: 127.0.0.2 only (a loopback address
# a test can connect from), so that 127.0.0.1, loopback but not listed, is
# refused. The default, "loopback", is what the other modules scrape with.
METRICS_FROM = "127.0.0.2"


# Small enough to reach in a test: a user's quota of stored and in-flight
# bytes, and the uploads one address may have going at once.
QUOTA = 3 * 1024 * 1024
UPLOAD_CONN = 2


@pytest.fixture(scope="module")
def stack():
    with private_stack({"QUARRY_METRICS_ALLOW": METRICS_FROM,
                        "QUARRY_USER_QUOTA_BYTES": str(QUOTA),
                        "QUARRY_UPLOAD_CONN": str(UPLOAD_CONN)},
                       prefix="quarry-e2e-hardening-") as st:
        yield st


@pytest.fixture(scope="module")
def alice(stack):
    return stack.client().register_and_login()


ADMIN = ("hardening-admin@example.com", "hardening-admin-password")


@pytest.fixture(scope="module")
def admin(stack):
    stack.create_admin(*ADMIN)
    return {"token": stack.client().login(*ADMIN)}


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- regex

# Nested counted repeats (gigabytes for glibc's regcomp, in the API worker
# that validates the job) and patterns past the length or nesting caps.
BOMBS = [
    "((a{1000}){1000}){1000}",
    "(.{0,65535}){65535}",
    "(((((x{100}){100}){100}){100}){100})",
    "a" * 1001,
    "(" * 40 + "a" + ")" * 40,
]


def test_regex_bombs_answer_422_at_creation(stack, client, alice):
    token = alice["token"]
    workers = stack.api_worker_pids()
    before = {pid: rss_kib(pid) for pid in workers}
    for pattern in BOMBS:
        for step in ({"type": "filter", "params": {"column": "s", "operator": "regex", "value": pattern}},
                     {"type": "validate", "params": {"column": "s", "rule": "regex", "value": pattern}}):
            t0 = time.monotonic()
            status, _, body = client.api("POST", "/jobs", token=token,
                                         json={"file_name": "a.csv", "processing_steps": [step]})
            took = time.monotonic() - t0
            assert status == 422, (pattern[:40], body)
            err = assert_error_shape(body, "VALIDATION_ERROR")
            assert err["field"] == "processing_steps[0].params.value", err
            assert "regular expression" in err["message"] or "too" in err["message"], err
            assert took < 1.0, "%s answered in %.2f s" % (pattern[:40], took)
    # The workers that answered did not grow (glibc took gigabytes).
    for pid, rss in before.items():
        now = rss_kib(pid)
        if rss is not None and now is not None:
            assert now - rss < 64 * 1024, "worker %d grew from %d to %d KiB" % (pid, rss, now)
    # An invalid pattern: the same 422, with PCRE2's reason.
    status, _, body = client.api("POST", "/jobs", token=token, json={
        "file_name": "a.csv", "processing_steps": [
            {"type": "filter", "params": {"column": "s", "operator": "regex", "value": "("}}]})
    assert status == 422
    assert "missing closing parenthesis" in assert_error_shape(body, "VALIDATION_ERROR")["message"]


def test_regex_backtracking_is_a_row_error_not_a_stuck_job(client, alice):
    """A backreference over a nested group on a three-row file held a job
    at 97 % CPU; now each value has a match budget: the rows that need
    more fail with REGEX_BUDGET, the others are judged, the job ends."""
    token = alice["token"]
    evil = "a" * 48 + "!"
    data = ("id,s\n1,%s\n2,aaaa\n3,%s\n4,b\n" % (evil, evil)).encode()
    # The filter drops row 4 ("b"); validate fails it (VALIDATION_REGEX).
    for step, failed in (
            ({"type": "filter", "params": {"column": "s", "operator": "regex",
                                            "value": "^(a|aa)+\\1$"}}, 2),
            ({"type": "validate", "params": {"column": "s", "rule": "regex",
                                              "value": "^(\\w+\\s?)*\\1$"}}, 3)):
        t0 = time.monotonic()
        job_id = run_job(client, token, data=data, steps=[step], name="evil.csv")
        done = wait_job(client, token, job_id, ("COMPLETED", "FAILED"), timeout=60)
        took = time.monotonic() - t0
        assert done["status"] == "COMPLETED", done
        assert done["progress"]["processed_records"] == 4, done
        assert done["progress"]["failed_records"] == failed, done
        assert took < 30, took
        status, _, errors = client.api("GET", "/jobs/%s/errors" % job_id, token=token)
        assert status == 200, errors
        budget = [e for e in errors["errors"] if e["code"] == "REGEX_BUDGET"]
        assert sorted(e["line"] for e in budget) == [2, 4], errors
        assert all(e["severity"] == "error" for e in budget), errors
        status, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
        assert status == 200, dl
        status, _, out = client.request("GET", dl["download_url"])
        assert status == 200
        ids = [line.split(",")[0] for line in out.decode().splitlines()[1:]]
        assert ids == ["2"], (step, out)


# ---------------------------------------------------------------- chunked PUT

def test_chunked_put_past_the_signed_cap_is_refused(stack, client, alice):
    """A signed upload URL for a 10-byte job took a 200 KB chunked body: a
    PUT must declare its length (411 before the body is read), and a
    declared length past the cap is 413."""
    token = alice["token"]
    status, _, job = client.api("POST", "/jobs", token=token,
                                json={"file_name": "small.csv", "original_file_size_bytes": 10})
    assert status == 201, job
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    assert up["max_bytes"] < 200 * 1024, up   # the declared size and a little slack
    stored = stack.storage_dir / up["object_key"]

    def chunks():
        for _ in range(50):
            yield b"x" * 4096   # 200 KB, no Content-Length: Transfer-Encoding: chunked

    status, headers, body = client.request("PUT", up["upload_url"], body=chunks(),
                                           headers={"Content-Type": "text/csv"})
    assert status == 411, (status, body[:200])
    assert headers.get("Content-Type", "").startswith("application/json")
    assert_error_shape(json.loads(body), "LENGTH_REQUIRED")
    # Nothing was written: the input is still missing.
    status, _, body = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                 json={"object_key": up["object_key"]}, token=token)
    assert status == 400 and assert_error_shape(body, "OBJECT_NOT_FOUND"), body
    assert not stored.exists()
    # A declared length past the cap: 413 in the same shape.
    status, _, body = client.request("PUT", up["upload_url"], body=b"x" * (up["max_bytes"] + 1))
    assert status == 413, body
    assert_error_shape(json.loads(body), "PAYLOAD_TOO_LARGE")
    # Within the cap the same URL works.
    status, _, body = client.request("PUT", up["upload_url"], body=b"a,b\n1,22\n")
    assert status in (201, 204), body


# ---------------------------------------------------------------- exposure

def request_from(stack, source, method, path, headers=None):
    """One HTTPS request to the stack from the local address source."""
    ctx = ssl.create_default_context(cafile=str(stack.cafile))
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=ctx, timeout=30,
                                       source_address=(source, 0))
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def test_metrics_only_from_the_configured_addresses(stack):
    status, _, body = request_from(stack, "127.0.0.1", "GET", "/api/v1/metrics")
    assert status == 403, body
    err = assert_error_shape(json.loads(body), "FORBIDDEN")
    assert "address" in err["message"]
    # A forwarded-for header changes nothing: the address is the peer's.
    status, _, _ = request_from(stack, "127.0.0.1", "GET", "/api/v1/metrics",
                                headers={"X-Forwarded-For": METRICS_FROM, "X-Real-IP": METRICS_FROM})
    assert status == 403
    status, headers, body = request_from(stack, METRICS_FROM, "GET", "/api/v1/metrics")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain")
    assert b"quarry_api_workers " in body


def test_system_status_is_for_administrators(client, alice, admin):
    status, _, body = client.api("GET", "/monitoring/system-status")
    assert status == 401, body
    status, _, body = client.api("GET", "/monitoring/system-status", token=alice["token"])
    assert status == 403, body
    assert_error_shape(body, "FORBIDDEN")
    status, _, body = client.api("GET", "/monitoring/system-status", token=admin["token"])
    assert status == 200, body
    assert body["status"] in ("healthy", "degraded") and "jobs" in body


def test_signed_urls_stay_out_of_the_access_log(stack, client, alice):
    token = alice["token"]
    data = b"id,s\n1,a\n"
    job_id = run_job(client, token, data=data, name="logged.csv")
    wait_job(client, token, job_id, ("COMPLETED",))
    status, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
    assert status == 200, dl
    status, _, _ = client.request("GET", dl["download_url"])
    assert status == 200
    # A refused one too (a bad signature is still a signature).
    client.request("GET", dl["download_url"].replace("sig=", "sig=AAAA"))
    sig = urllib.parse.parse_qs(urllib.parse.urlsplit(dl["download_url"]).query)["sig"][0]
    path = urllib.parse.urlsplit(dl["download_url"]).path
    access = stack.logs["access"]
    # The access log is flushed every second; the GET of the object is there
    # by its path, without its query.
    assert wait_for(lambda: ("GET %s?(signed) " % path) in access.read_text(), timeout=10), \
        access.read_text()[-2000:]
    # The upload's PUT (run_job) is logged the same way; another worker may
    # have served it, and each worker flushes its own buffer.
    put = r'"PUT /objects/input/%s/logged\.csv\?\(signed\) ' % job_id
    assert wait_for(lambda: re.search(put, access.read_text()), timeout=10), access.read_text()[-2000:]
    text = access.read_text()
    assert "sig=" not in text
    assert sig not in text
    # Other queries are kept.
    client.api("GET", "/jobs?limit=3", token=token)
    assert wait_for(lambda: "GET /api/v1/jobs?limit=3 " in access.read_text(), timeout=10)


SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def test_security_headers_on_every_answer(stack, client, alice):
    token = alice["token"]
    job_id = run_job(client, token, data=b"a\n1\n", name="h.csv")
    wait_job(client, token, job_id, ("COMPLETED",))
    _, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
    _, _, up_job = client.api("POST", "/jobs", token=token,
                                   json={"file_name": "x.csv", "original_file_size_bytes": 3})
    _, _, up = client.api("POST", "/jobs/%s/upload-url" % up_job["id"], json={}, token=token)
    answers = {
        "API 200": client.request("GET", "/api/v1/health"),
        "API 401": client.request("GET", "/api/v1/jobs"),
        "API 422": client.request("GET", "/api/v1/jobs?limit=0",
                                  headers={"Authorization": "Bearer " + token}),
        "nginx 404": client.request("GET", "/no/such/page"),
        "internal 404": client.request("GET", "/internal/object-auth"),
        "object 200": client.request("GET", dl["download_url"]),
        "object 403": client.request("GET", dl["download_url"].replace("sig=", "sig=AAAA")),
        "object 411": client.request("PUT", up["upload_url"], body=iter([b"abc"])),
        "object 413": client.request("PUT", up["upload_url"], body=b"x" * (up["max_bytes"] + 1)),
        "web page": client.request("GET", "/"),
        "docs redirect": client.request("GET", "/docs"),
        "static": client.request("GET", "/static-bench"),
    }
    expected_status = {"API 200": 200, "API 401": 401, "API 422": 422, "nginx 404": 404,
                       "internal 404": 404, "object 200": 200, "object 403": 403,
                       "object 411": 411, "object 413": 413, "web page": 200,
                       "docs redirect": 301, "static": 200}
    for name, (status, headers, _) in answers.items():
        assert status == expected_status[name], (name, status)
        for header, value in SECURITY_HEADERS.items():
            got = headers.get_all(header) or []
            assert got == [value], (name, header, got)
        csp = headers.get_all("Content-Security-Policy") or []
        assert len(csp) == 1 and "frame-ancestors 'none'" in csp[0], (name, csp)
    # The web page's own CSP; everything else runs nothing.
    assert "script-src 'self'" in answers["web page"][1]["Content-Security-Policy"]
    assert answers["API 200"][1]["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" in answers["object 200"][1]["Content-Security-Policy"]
    # nginx's directory redirect is relative: never built from the Host.
    assert answers["docs redirect"][1]["Location"] == "/docs/"


def tls_handshake(stack, configure):
    ctx = ssl.create_default_context(cafile=str(stack.cafile))
    ctx.check_hostname = False
    configure(ctx)
    with socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version(), tls.cipher()[0]


def test_tls_has_no_cbc_or_sha1_suites(stack):
    def tls12(ciphers):
        def configure(ctx):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(ciphers)
        return configure
    # Each CBC suite alone (SHA-1 and SHA-2 MACs, ECDHE and RSA key
    # exchange) and the static RSA GCM suites: no handshake.
    for cipher in ("ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "ECDHE-RSA-AES128-SHA256",
                   "ECDHE-RSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256",
                   "AES128-SHA", "AES256-SHA256", "AES128-GCM-SHA256", "DHE-RSA-AES128-SHA"):
        with pytest.raises(ssl.SSLError):
            tls_handshake(stack, tls12(cipher))
    # What a TLS 1.2 client gets: forward secrecy and AEAD.
    version, cipher = tls_handshake(stack, tls12("ALL"))
    assert version == "TLSv1.2" and cipher.startswith("ECDHE-") and \
        ("GCM" in cipher or "CHACHA20" in cipher), cipher
    version, cipher = tls_handshake(stack, lambda ctx: None)
    assert version == "TLSv1.3", version


def test_http_redirect_goes_to_the_configured_name(stack):
    for host in ("evil.example", "localhost:%d" % stack.http_port, "127.0.0.1"):
        conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
        try:
            conn.request("GET", "/api/v1/health?x=1", headers={"Host": host})
            resp = conn.getresponse()
            resp.read()
        finally:
            conn.close()
        assert resp.status == 301
        assert resp.headers["Location"] == "https://localhost:%d/api/v1/health?x=1" % stack.https_port, \
            (host, resp.headers["Location"])
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
    # HTTP/1.0 without a Host at all: the same.
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=10) as s:
        s.sendall(b"GET /x HTTP/1.0\r\n\r\n")
        head = s.recv(4096).decode("latin-1")
    assert "\r\nLocation: https://localhost:%d/x\r\n" % stack.https_port in head, head


# ---------------------------------------------------------------- disk fill

def tls_socket(stack):
    raw = socket.create_connection(("127.0.0.1", stack.https_port), timeout=30)
    return stack.ssl_context.wrap_socket(raw, server_hostname="localhost")


def read_answer(s):
    """One HTTP/1.1 answer from s: (status, headers dict lower-cased, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def spooled_bytes(stack):
    """Bytes in the directories nginx writes request bodies to."""
    total = 0
    for d in (stack.storage_dir / ".tmp", stack.home / "nginx" / "client_body"):
        for root, _, files in os.walk(d):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except OSError:
                    pass
    return total


TEN_GIB = 10 * 1024 ** 3


@pytest.mark.parametrize("authorization,code", [(None, "UNAUTHORIZED"),
                                                ("Bearer not-a-token", "INVALID_TOKEN")])
def test_unauthenticated_upload_is_refused_before_its_body(stack, authorization, code):
    """POST /files/upload used to spool up to the global cap (10 GiB) before
    the API saw the token: now nginx asks the API about the token first,
    and answers before it reads a byte of the body."""
    before = spooled_bytes(stack)
    head = ("POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            "Content-Length: %d\r\n" % TEN_GIB)
    if authorization:
        head += "Authorization: %s\r\n" % authorization
    with tls_socket(stack) as s:
        s.sendall((head + "\r\n").encode())
        # The answer comes with no body sent at all.
        status, headers, body = read_answer(s)
        assert status == 401, (status, body[:300])
        assert headers["content-type"].startswith("application/json")
        assert_error_shape(json.loads(body), code)
        # What the client goes on sending is not written anywhere.
        sent = 0
        try:
            while sent < 8 * 1024 * 1024:
                s.sendall(b"x" * 65536)
                sent += 65536
        except OSError:
            pass
    time.sleep(0.5)
    assert spooled_bytes(stack) - before < 1024 * 1024, spooled_bytes(stack)
    # The resumable uploads' location too (a creation with its first bytes).
    with tls_socket(stack) as s:
        s.sendall(("POST /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n"
                   "Upload-Length: %d\r\nContent-Type: application/offset+octet-stream\r\n"
                   "Content-Length: %d\r\n\r\n" % (TEN_GIB, 100 * 1024 * 1024)).encode())
        status, headers, body = read_answer(s)
        assert status == 401, (status, body[:300])
        assert_error_shape(json.loads(body), "UNAUTHORIZED")
    # tus's OPTIONS stays public.
    with tls_socket(stack) as s:
        s.sendall(b"OPTIONS /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        status, headers, _ = read_answer(s)
        assert status in (200, 204), status
        assert "tus-version" in headers


def test_a_user_over_quota_is_refused(client):
    user = client.register_and_login()
    token = user["token"]
    two_mib = b"a\n" + b"1\n" * (1024 * 1024 - 1)
    status, _, first = upload_file(client, token, "first.csv", two_mib, ctype="text/csv")
    assert status == 201, first
    # 2 MiB stored, 3 MiB quota: the next 2 MiB is refused before its body.
    status, _, body = upload_file(client, token, "second.csv", two_mib, ctype="text/csv")
    assert status == 413, body
    err = assert_error_shape(body, "QUOTA_EXCEEDED")
    assert "quota" in err["message"].lower()
    # A job's signed upload URL is not given for an input that would not fit.
    status, _, job = client.api("POST", "/jobs", token=token, json={
        "file_name": "big.csv", "original_file_size_bytes": 2 * 1024 * 1024})
    assert status == 201, job
    status, _, body = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 413, body
    assert_error_shape(body, "QUOTA_EXCEEDED")
    # A resumable upload counts at its declared length from its creation.
    status, _, body = client.request("POST", "/api/v1/uploads", headers={
        "Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0",
        "Upload-Length": str(2 * 1024 * 1024),
        "Upload-Metadata": "filename dC5jc3Y="})
    assert status == 413, body
    assert_error_shape(json.loads(body), "QUOTA_EXCEEDED")
    # Under the quota it is accepted, and counted while in flight.
    status, headers, body = client.request("POST", "/api/v1/uploads", headers={
        "Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0",
        "Upload-Length": str(512 * 1024), "Upload-Metadata": "filename dC5jc3Y="})
    assert status == 201, body
    location = headers["Location"]
    status, _, body = upload_file(client, token, "third.csv", b"a\n" + b"1\n" * 300000,
                                  ctype="text/csv")
    assert status == 413, body
    assert_error_shape(body, "QUOTA_EXCEEDED")
    # Deleting frees the quota.
    status, _, _ = client.request("DELETE", location, headers={
        "Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0"})
    assert status == 204
    status, _, _ = client.api("DELETE", "/files/%s" % first["file_id"], token=token)
    assert status in (200, 204)
    status, _, body = upload_file(client, token, "second.csv", two_mib, ctype="text/csv")
    assert status == 201, body


def test_uploads_at_once_are_limited_per_address(stack, client):
    token = client.register_and_login()["token"]
    held = []
    try:
        for _ in range(UPLOAD_CONN):
            s = tls_socket(stack)
            s.sendall(("POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\n"
                       "Authorization: Bearer %s\r\n"
                       "Content-Type: multipart/form-data; boundary=x\r\n"
                       "Content-Length: 1048576\r\n\r\n" % token).encode() + b"x" * 65536)
            held.append(s)
        time.sleep(1)
        status, _, body = upload_file(client, token, "a.csv", b"a\n1\n", ctype="text/csv")
        assert status == 429, body
        assert_error_shape(body, "RATE_LIMITED")
        # Downloads and other calls are not counted.
        status, _, _ = client.api("GET", "/files", token=token)
        assert status == 200
    finally:
        for s in held:
            s.close()
    assert wait_for(lambda: upload_file(client, token, "a.csv", b"a\n1\n",
                                        ctype="text/csv")[0] == 201, timeout=10)


# ---------------------------------------------------------------- trailing '/'

def test_a_trailing_slash_is_not_an_alias(client, alice):
    token = alice["token"]
    for path in ("/api/v1/users/me/", "/users/me/", "/api/v1/jobs/", "/api/v1/health/"):
        status, headers, body = client.request("GET", path,
                                               headers={"Authorization": "Bearer " + token})
        assert status == 404, (path, status)
        assert headers["Content-Type"].startswith("application/json")
        assert_error_shape(json.loads(body), "NOT_FOUND")
    # Login with a trailing '/' neither logs in nor escapes the rate limit
    # (test_stack.py drains the limit on every form).
    status, _, body = client.request("POST", "/api/v1/auth/login/", body=b"username=a&password=b",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 404, body
    status, _, body = client.request("POST", "/api/v1/files/upload/", body=b"x",
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "multipart/form-data; boundary=x"})
    assert status == 404, body
    assert_error_shape(json.loads(body), "NOT_FOUND")


# ---------------------------------------------------------------- output names

@pytest.mark.parametrize("name,key_name,shown", [
    ("my data.csv", "my_data_processed.csv", "my data_processed.csv"),
    ("résumé#1.csv", "r_sum__1_processed.csv", "résumé#1_processed.csv"),
])
def test_outputs_of_names_that_need_encoding_download(client, alice, name, key_name, shown):
    token = alice["token"]
    job_id = run_job(client, token, data=b"id,s\n1,a\n", name=name)
    wait_job(client, token, job_id, ("COMPLETED",))
    status, _, dl = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=token)
    assert status == 200, dl
    url = dl["download_url"]
    path = urllib.parse.urlsplit(url).path
    assert path.endswith("/" + key_name), url
    # The key needs no encoding: a browser's percent-encoding leaves it as it is.
    encoded = url.replace(path, urllib.parse.quote(path, safe="/"))
    assert encoded == url
    # RFC 8187: attr-char stays as it is ('#' among them), the rest is %XX.
    expected = "filename*=UTF-8''" + urllib.parse.quote(shown, safe="!#$&+-.^_`|~")
    for u in (url, encoded):
        status, headers, body = client.request("GET", u)
        assert status == 200, (u, body[:300])
        assert body == b"id,s\n1,a\n", body
        disposition = headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="%s"; ' % key_name), disposition
        assert disposition.endswith(expected), disposition
        assert all(32 <= ord(c) < 127 for c in disposition), disposition
    # The URL a browser made of the name itself is not the object.
    status, _, body = client.request("GET", url.replace(path, urllib.parse.quote(
        path.rsplit("/", 1)[0] + "/" + shown)))
    assert status in (403, 404), body


# ---------------------------------------------------------------- nginx's answers

def raw_exchange(stack, data, tls=True):
    if tls:
        s = tls_socket(stack)
    else:
        s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=30)
    with s:
        s.sendall(data)
        return read_answer(s)


def assert_json_error(answer, status, code):
    got, headers, body = answer
    assert got == status, (got, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), headers
    return assert_error_shape(json.loads(body), code)


def test_nginx_answers_in_the_error_shape(stack, client, alice):
    assert_json_error(raw_exchange(stack, b"GET /\x01bad HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                      400, "BAD_REQUEST")
    assert_json_error(raw_exchange(stack, b"GARBAGE\r\n\r\n"), 400, "BAD_REQUEST")
    # HTTP/1.1 without Host.
    assert_json_error(raw_exchange(stack, b"GET /api/v1/health HTTP/1.1\r\n\r\n"), 400, "BAD_REQUEST")
    # Oversized headers (nginx's 494, sent as 400).
    assert_json_error(raw_exchange(stack, b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n"
                                   b"X-Big: " + b"a" * 40000 + b"\r\n\r\n"), 400, "BAD_REQUEST")
    assert_json_error(raw_exchange(stack, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                      414, "URI_TOO_LONG")
    assert_json_error(raw_exchange(stack, b"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n"),
                      505, "HTTP_VERSION_NOT_SUPPORTED")
    # 405: a method the web page's files do not take, and TRACE anywhere.
    assert_json_error(raw_exchange(stack, b"POST /index.html HTTP/1.1\r\nHost: localhost\r\n"
                                   b"Content-Length: 0\r\n\r\n"), 405, "METHOD_NOT_ALLOWED")
    assert_json_error(raw_exchange(stack, b"TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                      405, "METHOD_NOT_ALLOWED")
    # The plain HTTP server too.
    assert_json_error(raw_exchange(stack, b"GARBAGE\r\n\r\n", tls=False), 400, "BAD_REQUEST")
    # 500 on the upload location: the spool directory unusable (as a full
    # or broken disk would make it).
    token = alice["token"]
    spool = stack.storage_dir / ".tmp"
    aside = stack.storage_dir / "spool-aside"
    spool.rename(aside)
    try:
        spool.write_bytes(b"")
        status, headers, body = upload_file(client, token, "a.csv", b"a\n1\n", ctype="text/csv")
        assert status == 500, body
        assert headers["Content-Type"].startswith("application/json")
        assert_error_shape(body, "INTERNAL_ERROR")
    finally:
        spool.unlink()
        aside.rename(spool)
    status, _, body = upload_file(client, token, "a.csv", b"a\n1\n", ctype="text/csv")
    assert status == 201, body


# ------------------------------------------------ schema inference out of the API worker

def test_schema_inference_runs_in_quarry_process(stack, client, alice):
    """GET /files/{id}/schema of a file of nested arrays (4 MB of them took
    an API worker from 89 to 170 MB when it parsed there; this one is 2.4 MB,
    under this module's quota) is a file_schema task run by quarry-process:
    the answer keeps its shape, the workers do not grow, and a file that
    cannot be read is the same 422 as before."""
    token = stack.client().register_and_login()["token"]
    record = {"id": 1, "deep": [[[[list(range(40))] * 4] * 4] * 4]}
    text = "[" + ",".join(json.dumps(dict(record, id=i)) for i in range(250)) + "]"
    status, _, f = upload_file(client, token, "nested.json", text.encode(), ctype="application/json")
    assert status == 201, f
    workers = stack.api_worker_pids()
    before = {pid: rss_kib(pid) for pid in workers}
    status, _, body = client.api("GET", "/files/%s/schema?sample_size=250" % f["file_id"],
                                 token=token)
    assert status == 200, body
    assert body["file_id"] == f["file_id"]
    assert body["schema"]["id"]["type"] == "integer"
    assert body["schema"]["deep"]["type"] == "array"
    assert body["sample_info"]["rows_analyzed"] == 250
    assert "ok" not in body
    for pid, rss in before.items():
        now = rss_kib(pid)
        if rss is not None and now is not None:
            assert now - rss < 16 * 1024, "worker %d grew from %d to %d KiB" % (pid, rss, now)
    rows = stack.sql("SELECT status FROM jobs WHERE kind = 'file_schema' AND subject_id = '%s'"
                     % f["file_id"])
    assert rows == [["COMPLETED"]], rows
    # A file the reader refuses: 422 in the error shape, the reader's reason.
    status, _, bad = upload_file(client, token, "bad.json", b'[{"a":1},{"a":', ctype="application/json")
    assert status == 201, bad
    status, _, body = client.api("GET", "/files/%s/schema" % bad["file_id"], token=token)
    assert status == 422, body
    assert "ends" in assert_error_shape(body, "SCHEMA_INFERENCE_FAILED")["message"], body
    # Someone else's file is still refused, before any task is queued.
    other = stack.client().register_and_login()
    status, _, body = client.api("GET", "/files/%s/schema" % f["file_id"], token=other["token"])
    assert status == 403, body
    assert_error_shape(body, "FORBIDDEN")
    rows = stack.sql("SELECT COUNT(*) FROM jobs WHERE kind = 'file_schema' AND subject_id = '%s'"
                     % f["file_id"])
    assert rows == [["1"]], rows


# ------------------------------------------------ a database outage at a job's end

# Longer than quarry-process's old retry window (30 tries a second apart).
OUTAGE_AFTER_END = 40


def test_a_job_that_ends_during_a_database_outage_completes(stack, client, alice):
    """The engine finishes while MariaDB is stopped, and the database stays
    away well past the old window after which a finished job became FAILED
    and its output was deleted: once it returns the job is COMPLETED and its
    output downloads, whole."""
    token = alice["token"]
    rows = 3000
    data = ("id,name\n" + "".join("%d,n%d\n" % (i, i) for i in range(rows))).encode()
    log = stack.logs["jobd"]
    log_start = log.stat().st_size if log.exists() else 0
    # quarry-process sleeps this long at its last progress report, just
    # before it ends the job: MariaDB is stopped during that sleep.
    def new_log():
        with open(log, "rb") as f:
            f.seek(log_start)
            return f.read().decode(errors="replace")

    stack.throttle_processes(10000)
    try:
        job_id = run_job(client, token, data)
        # The process has read its configuration once it says what it processes.
        started = wait_for(lambda: "job %s: processing" % job_id in new_log(), timeout=30,
                           interval=0.1)
        assert started, new_log()[-3000:]
    finally:
        stack.throttle_processes(0)
    assert "job %s: COMPLETED" % job_id not in new_log(), new_log()[-3000:]
    stack.db_stop()
    try:
        retrying = wait_for(lambda: ("job %s: database unavailable" % job_id in new_log() and
                                     "retrying its end" in new_log()), timeout=60, interval=0.5)
        assert retrying, new_log()[-3000:]
        time.sleep(OUTAGE_AFTER_END)
    finally:
        stack.db_start()
    job = wait_job(client, token, job_id, ("COMPLETED", "FAILED"), timeout=90)
    assert job["status"] == "COMPLETED", job
    assert "its end written after" in new_log(), new_log()[-3000:]
    _, out = download_output(client, token, job_id)
    assert out.decode().splitlines()[1:] == data.decode().splitlines()[1:]
