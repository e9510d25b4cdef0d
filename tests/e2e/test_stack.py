"""The stack as a whole: nginx in front, the pool behind it, the database
under it, and the stack script that holds them together."""

import concurrent.futures
import http.client
import json
import os
import re
import signal
import time
import uuid

from quarry_client import assert_error_shape, unique_email, wait_for


def test_health_answers_status_and_database(stack, client):
    status, headers, body = client.api("GET", "/health")
    assert status == 200, body
    assert headers.get("Content-Type", "").startswith("application/json")
    assert "status" in body and "database" in body, body


def test_plain_http_redirects_to_https(stack, client):
    status, headers, _ = client.request("GET", stack.http_url + "/api/v1/health?x=1")
    assert status == 301
    # To the configured public URL (https://localhost:<port> here), not to
    # the Host the request named (127.0.0.1:<port>).
    assert headers["Location"] == "https://localhost:%d/api/v1/health?x=1" % stack.https_port


def test_tls_certificate_is_verified(stack):
    # The stack's certificate verifies for localhost with our context; a
    # context that trusts nothing refuses it (so verification is really on).
    import ssl
    strict = ssl.create_default_context()
    conn = http.client.HTTPSConnection("localhost", stack.https_port, context=strict, timeout=10)
    try:
        conn.request("GET", "/api/v1/health")
        raised = False
    except ssl.SSLCertVerificationError:
        raised = True
    finally:
        conn.close()
    assert raised
    status, _, _ = stack.client().api("GET", "/health")
    assert status == 200


def test_unknown_route_is_404_in_the_error_shape(client):
    status, headers, body = client.api("GET", "/no-such-route-%s" % uuid.uuid4().hex[:8])
    assert status == 404
    assert headers.get("Content-Type", "").startswith("application/json")
    assert_error_shape(body)


def test_internal_routes_are_not_reachable_from_outside(client):
    paths = [
        "/internal/object-auth",
        "/internal/object-auth?expires=1&sig=x",
        "/api/v1/internal/object-auth",
        "/api/v1/internal/",
        "/api/v1/%69nternal/object-auth",
        "/INTERNAL/object-auth",
        "/_object_auth",
        "/internal/object-auth/../../api/v1/health",
        "/api/v1/x/%2e%2e/%2e%2e/internal/object-auth",
    ]
    for path in paths:
        status, headers, data = client.request("GET", path)
        assert status == 404, "%s answered %d" % (path, status)
        assert headers.get("Content-Type", "").startswith("application/json"), path


def test_static_reference_page(client):
    status, _, data = client.request("GET", "/static-bench")
    assert (status, data) == (200, b"ok\n")
    status, headers, _ = client.request("GET", "/")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/html")


def test_oversized_api_body_is_413_in_the_error_shape(client):
    status, headers, body = client.api("POST", "/jobs", raw=b"x" * (1024 * 1024 + 10),
                                       headers={"Content-Type": "application/json"})
    assert status == 413
    assert_error_shape(body, "PAYLOAD_TOO_LARGE")


def test_objects_refuse_unsigned_requests(stack, client):
    key = "input/%s/probe.csv" % uuid.uuid4()
    for method, body in (("GET", None), ("PUT", b"a,b\n1,2\n")):
        status, headers, data = client.request(method, "/objects/%s?expires=1&sig=AAAA" % key, body=body)
        assert status == 403, (method, status, data)
        err = assert_error_shape(client_json(headers, data))
        assert err["code"] in ("SIGNATURE_INVALID", "SIGNATURE_EXPIRED"), err
    assert not (stack.storage_dir / key).exists()
    status, _, _ = client.request("DELETE", "/objects/%s?expires=1&sig=AAAA" % key)
    assert status in (403, 405)
    status, _, _ = client.request("GET", "/objects/.tmp/x")
    assert status == 404


def client_json(headers, data):
    from quarry_client import parse_body
    return parse_body(headers, data)


def test_killed_api_worker_is_replaced(stack, client):
    before = wait_for(lambda: len(stack.api_worker_pids()) == stack.workers and stack.api_worker_pids())
    assert before, "expected %d workers, have %r" % (stack.workers, stack.api_worker_pids())
    pool = stack.pid("api")
    victim = before[0]
    stack.kill(victim, signal.SIGKILL)
    for _ in range(20):
        status, _, body = client.api("GET", "/health")
        assert status == 200, body
    after = wait_for(lambda: (len(stack.api_worker_pids()) == stack.workers
                              and victim not in stack.api_worker_pids()
                              and stack.api_worker_pids()))
    assert after, "workers not replaced: %r" % (stack.api_worker_pids(),)
    assert stack.pid("api") == pool


def test_killed_jobd_is_restarted(stack):
    old = stack.pid("jobd")
    assert old, "quarry-jobd is not running"
    stack.kill(old, signal.SIGKILL)
    new = wait_for(lambda: stack.pid("jobd") not in (None, old) and stack.pid("jobd"), timeout=15)
    assert new, "quarry-jobd was not restarted"

    def comm():
        with open("/proc/%d/comm" % new) as f:
            return f.read().strip()
    # The supervisor writes the pid between its fork and the exec: wait for the exec.
    assert wait_for(lambda: comm() == "quarry-jobd", timeout=5), comm()


def test_database_outage_is_503_and_recovers_without_restarting_the_pool(stack, client):
    pool, workers = stack.pid("api"), stack.api_worker_pids()
    stack.db_stop()
    try:
        status, _, body = client.api("GET", "/health")
        assert status == 503, body
        status, _, body = client.api("POST", "/auth/login",
                                     json={"username": unique_email(), "password": "whatever-123"})
        assert status == 503, body
        assert_error_shape(body, "SERVICE_UNAVAILABLE")
    finally:
        stack.db_start()
    ok = wait_for(lambda: client.api("GET", "/health")[0] == 200, timeout=30, interval=0.5)
    assert ok, "health did not come back after the database restarted"
    status, body = client.register()
    assert status == 201, body
    assert stack.pid("api") == pool
    assert stack.api_worker_pids() == workers, "the pool restarted workers"


def test_create_admin_creates_and_promotes(stack, client):
    email = unique_email("Admin")
    stack.create_admin(email, "first-password-1", "adm" + uuid.uuid4().hex[:8])
    rows = stack.sql("SELECT is_superuser, is_active FROM users WHERE email = '%s'" % email.lower())
    assert rows == [["1", "1"]]
    client.login(email.lower(), "first-password-1")

    # An existing user is promoted, and gets the new password.
    other = unique_email()
    status, body = client.register(other, "user-password-1")
    assert status == 201, body
    r = stack.create_admin(other, "second-password-2")
    assert "promoted" in r.stdout
    rows = stack.sql("SELECT COUNT(*), MAX(is_superuser) FROM users WHERE email = '%s'" % other)
    assert rows == [["1", "1"]]
    client.login(other, "second-password-2")


def test_create_admin_refuses_bad_input(stack):
    assert stack.quarry("create-admin", "not-an-email", "long-enough-1", check=False).returncode != 0
    assert stack.quarry("create-admin", unique_email(), "short", check=False).returncode != 0
    assert stack.quarry("create-admin", unique_email(), "long-enough-1", "bad name'",
                        check=False).returncode != 0


def test_migrations_apply_once(stack):
    r = stack.quarry("migrate")
    assert "up to date" in r.stdout
    versions = [row[0] for row in stack.sql("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions and len(versions) == len(set(versions))
    assert versions[0] == "001_init"


def test_secrets_are_private(stack):
    assert (os.stat(stack.secrets_dir).st_mode & 0o777) == 0o700
    for name in ("jwt.key", "url.key", "db.password"):
        path = stack.secrets_dir / name
        assert (os.stat(path).st_mode & 0o777) == 0o600, name
    for name in ("jwt.key", "url.key"):
        key = (stack.secrets_dir / name).read_text()
        assert len(key) == 64 and all(c in "0123456789abcdef" for c in key), name


def test_start_twice_is_harmless_and_status_reports(stack):
    pids = {n: stack.pid(n) for n in ("api", "jobd", "supervisor", "nginx", "mariadb")}
    r = stack.quarry("start", timeout=600)
    assert "already running" in r.stdout
    assert {n: stack.pid(n) for n in pids} == pids
    r = stack.quarry("status")
    for component in ("mariadb", "api", "jobd", "nginx", "supervisor"):
        assert any(line.startswith(component) and "running" in line
                   for line in r.stdout.splitlines()), r.stdout
    assert "health     200" in r.stdout


def test_login_is_rate_limited_in_the_error_shape(stack, client):
    # Last in this file: it drains the login bucket, then waits for it to refill.
    def attempt(_):
        return client.api("POST", "/auth/login",
                          json={"username": "nobody@example.com", "password": "not-the-password"})
    n = 3 * (stack.login_burst + 5)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(attempt, range(n)))
    limited = [a for a in answers if a[0] == 429]
    assert limited, "no 429 among %s" % sorted({a[0] for a in answers})
    status, headers, body = limited[0]
    assert headers.get("Content-Type", "").startswith("application/json")
    assert_error_shape(body, "RATE_LIMITED")
    rate = int(stack.login_rate.split("r/")[0])
    time.sleep(stack.login_burst / rate + 1)


def test_login_and_register_are_limited_on_every_path_form(stack, client):
    # After the test above: drains the same bucket, then waits for it to refill.
    forms = [("/api/v1/auth/login/", {"username": "nobody@example.com", "password": "wrong-one"}),
             ("/auth/login", {"username": "nobody@example.com", "password": "wrong-one"}),
             ("/auth/login/", {"username": "nobody@example.com", "password": "wrong-one"}),
             ("/api/v1/auth/register", {"email": "not-an-email", "password": "x"}),
             ("/api/v1/auth/register/", {"email": "not-an-email", "password": "x"}),
             ("/auth/register", {"email": "not-an-email", "password": "x"}),
             ("/auth/register/", {"email": "not-an-email", "password": "x"})]

    def attempt(form):
        path, body = form
        status, headers, data = client.request("POST", path, body=json.dumps(body).encode(),
                                               headers={"Content-Type": "application/json"})
        return status, headers, data

    for form in forms:
        # Each form on its own drains the bucket (or finds it drained).
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(attempt, [form] * (2 * stack.login_burst + 10)))
        statuses = sorted({a[0] for a in answers})
        assert 429 in statuses, (form[0], statuses)
        # A trailing '/' is not the route (404), and is counted all the same.
        expected = {404, 429} if form[0].endswith("/") else {400, 422, 429}
        assert set(statuses) <= expected, (form[0], statuses)
        limited = next(a for a in answers if a[0] == 429)
        assert_error_shape(json.loads(limited[2]), "RATE_LIMITED")
    rate = int(stack.login_rate.split("r/")[0])
    time.sleep(stack.login_burst / rate + 1)


def metric_count(client, route, status):
    _, _, body = client.api("GET", "/metrics")
    line = re.compile(r'^quarry_http_requests_total\{(.*)\} ([0-9.e+]+)$')
    total = 0
    for text in body.decode().splitlines():
        m = line.match(text)
        if m and 'route="%s"' % route in m.group(1) and 'status="%d"' % status in m.group(1):
            total += float(m.group(2))
    return total


def test_api_paths_without_the_prefix(stack, client):
    user = client.register_and_login()
    auth = {"Authorization": "Bearer " + user["token"], "Content-Type": "application/json"}

    def call(method, path, body=None):
        status, headers, data = client.request(method, path, headers=auth,
                                               body=json.dumps(body).encode() if body else None)
        assert headers.get("Content-Type", "").startswith("application/json"), (path, data)
        return status, json.loads(data) if data else None

    # The same route answers both forms, counted under one metrics label.
    before = metric_count(client, "/api/v1/users/me", 200)
    for path in ("/users/me", "/api/v1/users/me"):
        status, me = call("GET", path)
        assert (status, me["email"]) == (200, user["email"]), path
    assert metric_count(client, "/api/v1/users/me", 200) - before == 2
    # One canonical path per route: a trailing '/' is a 404, not an alias.
    for path in ("/users/me/", "/api/v1/users/me/"):
        status, body = call("GET", path)
        assert status == 404 and assert_error_shape(body, "NOT_FOUND"), path

    status, job = call("POST", "/jobs", {"file_name": "short.csv"})
    assert status == 201, job
    status, same = call("GET", "/api/v1/jobs/%s" % job["id"])
    assert status == 200 and same["id"] == job["id"]
    status, view = call("GET", "/status/%s" % job["id"])
    assert (status, view["status"]) == (200, "uploading")
    status, listed = call("GET", "/jobs?limit=1&offset=0")
    assert status == 200 and listed[0]["id"] == job["id"]
    status, body = call("GET", "/jobs/%s?x=1" % job["id"])
    assert status == 422 and assert_error_shape(body, "VALIDATION_ERROR")["field"] == "x"
    # Reserved prefixes reach the API too (404 from the router until they exist).
    for prefix in ("pipelines", "mongo", "schema", "hudi", "trino", "errors", "data-quality",
                   "jobs/no-such"):
        path = "/%s/-/no/such/route" % prefix
        status, body = call("GET", path)
        assert status == 404, path
        assert_error_shape(body, "NOT_FOUND")
    # Neither form reaches the internal routes, whatever the raw URI.
    for path in ("/jobs/../internal/object-auth", "/status/%2e%2e/internal/object-auth",
                 "/jobs/..%2Finternal/object-auth", "/internal/x/../../jobs"):
        status, headers, data = client.request("GET", path, headers=auth)
        assert status in (400, 404), (path, status)
        if status == 404:
            assert_error_shape(json.loads(data))
    # The web page keeps / and its files; other paths stay nginx's 404.
    status, headers, _ = client.request("GET", "/")
    assert status == 200 and headers.get("Content-Type", "").startswith("text/html")
    status, headers, _ = client.request("GET", "/js/app.js")
    assert status == 200 and "javascript" in headers.get("Content-Type", "")
    for path in ("/jobsx", "/authentication", "/statuses/1"):
        status, headers, data = client.request("GET", path)
        assert status == 404, path
        assert_error_shape(json.loads(data))
