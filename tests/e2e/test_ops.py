"""Operations: /metrics in the Prometheus text format (checked by a strict
parser written here), /monitoring/system-status, request ids in the logs."""

import math
import re
import signal

from quarry_client import assert_error_shape, wait_for

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_value(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)  # raises on anything that is not a number


def parse_metrics(text):
    """Strict text format 0.0.4: every line a HELP, a TYPE or a sample; one
    TYPE per family, before its samples; samples of a family together.
    Returns {family: {"type", "samples": [(name, labels, value)]}}."""
    assert text.endswith("\n"), "the exposition must end with a line feed"
    families, current = {}, None
    seen_series = set()
    for n, line in enumerate(text[:-1].split("\n"), 1):
        assert line, "empty line %d" % n
        if line.startswith("#"):
            m = HELP.match(line) or TYPE.match(line)
            assert m, "line %d is neither # HELP nor # TYPE: %r" % (n, line)
            fam = m.group(1)
            if line.startswith("# TYPE"):
                assert fam not in families, "second TYPE for %s (line %d)" % (fam, n)
                families[fam] = {"type": m.group(2), "samples": []}
                current = fam
            else:
                assert fam not in families, "HELP after TYPE or a second HELP for %s" % fam
            continue
        m = SAMPLE.match(line)
        assert m, "line %d is not a sample: %r" % (n, line)
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        assert current is not None, "sample before any TYPE: %r" % line
        ftype = families[current]["type"]
        allowed = {current}
        if ftype == "histogram":
            allowed = {current + "_bucket", current + "_sum", current + "_count"}
        assert name in allowed, "sample %s outside its family %s (line %d)" % (name, current, n)
        labels = dict(LABEL_PAIR.findall(labels_text))
        assert (name, tuple(sorted(labels.items()))) not in seen_series, "duplicate series %r" % line
        seen_series.add((name, tuple(sorted(labels.items()))))
        v = parse_value(value)
        if ftype == "counter":
            assert v >= 0 and not math.isnan(v), line
        families[current]["samples"].append((name, labels, v))
    return families


def check_histograms(families):
    for fam, f in families.items():
        if f["type"] != "histogram":
            continue
        series = {}
        for name, labels, v in f["samples"]:
            key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
            s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
            if name.endswith("_bucket"):
                assert "le" in labels, "bucket without le"
                s["buckets"].append((parse_value(labels["le"]), v))
            elif name.endswith("_sum"):
                s["sum"] = v
            else:
                s["count"] = v
        for key, s in series.items():
            les = [le for le, _ in s["buckets"]]
            assert les == sorted(les), "%s %s: le not ascending" % (fam, key)
            assert les[-1] == float("inf"), "%s %s: no +Inf bucket" % (fam, key)
            counts = [c for _, c in s["buckets"]]
            assert all(a <= b for a, b in zip(counts, counts[1:])), "%s %s: not cumulative" % (fam, key)
            assert s["count"] is not None and s["sum"] is not None, "%s %s: _sum/_count missing" % (fam, key)
            assert counts[-1] == s["count"], "%s %s: +Inf != _count" % (fam, key)
            assert s["sum"] >= 0


def scrape(client):
    status, headers, body = client.api("GET", "/metrics")
    assert status == 200
    ctype = headers["Content-Type"]
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    families = parse_metrics(body.decode("utf-8"))
    check_histograms(families)
    return families


def value(families, fam, name=None, **labels):
    for n, l, v in families[fam]["samples"]:
        if n == (name or fam) and all(l.get(k) == x for k, x in labels.items()):
            return v
    return None


def test_parser_rejects_what_it_should():
    bad = [
        "x 1\n",                                              # sample before TYPE
        "# TYPE x counter\nx{a=\"1\"} 1\n# TYPE x counter\n",  # TYPE twice
        "# TYPE x gauge\nx one\n",                            # not a number
        "# TYPE x gauge\nx{a=1} 1\n",                         # unquoted label
        "# TYPE x gauge\nx 1",                                # no final newline
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        "# TYPE x counter\nx -1\n",
        "# comment\n",
    ]
    for text in bad:
        try:
            check_histograms(parse_metrics(text))
        except (AssertionError, ValueError):
            continue
        raise AssertionError("accepted: %r" % text)


def test_metrics_are_well_formed_and_count_requests(stack, client):
    before = scrape(client)
    for _ in range(5):
        client.api("GET", "/health")
    client.api("GET", "/no/such/route")
    after = scrape(client)
    f = after["quarry_http_requests_total"]
    assert f["type"] == "counter"
    health = value(after, "quarry_http_requests_total", method="GET", route="/api/v1/health",
                   status="200")
    health_before = value(before, "quarry_http_requests_total", method="GET",
                          route="/api/v1/health", status="200") or 0
    assert health is not None and health >= health_before + 5
    assert value(after, "quarry_http_requests_total", route="unmatched", status="404") >= 1
    assert after["quarry_http_request_duration_seconds"]["type"] == "histogram"
    assert value(after, "quarry_http_request_duration_seconds",
                 "quarry_http_request_duration_seconds_count", route="/api/v1/health") >= 5
    # Other tests restart workers: wait for the pool to be whole.
    assert wait_for(lambda: value(scrape(client), "quarry_api_workers") == stack.workers, timeout=30)
    assert value(after, "quarry_database_up") == 1
    assert value(after, "quarry_database_connections") >= 1
    assert value(after, "quarry_dispatchers_alive") >= 1
    assert value(after, "quarry_queue_depth") >= 0
    for status in ("PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"):
        assert value(after, "quarry_jobs", status=status) is not None, status
    assert after["quarry_jobs"]["type"] == "gauge"


def test_counters_survive_a_killed_worker(stack, client):
    for _ in range(3):
        client.api("GET", "/health")
    before = scrape(client)
    key = dict(method="GET", route="/api/v1/health", status="200")
    old = value(before, "quarry_http_requests_total", **key)
    victims = stack.api_worker_pids()
    for pid in victims:
        stack.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: len(set(stack.api_worker_pids()) - set(victims)) == stack.workers,
                    timeout=30), "the pool did not replace its workers"
    assert wait_for(lambda: client.api("GET", "/health")[0] == 200, timeout=30)
    after = scrape(client)
    assert value(after, "quarry_http_requests_total", **key) >= old + 1
    # New workers take over dead workers' slots before fresh ones: at most the
    # killed workers that had never counted anything need a fresh slot.
    assert value(after, "quarry_metrics_slots_used") <= value(before, "quarry_metrics_slots_used") + stack.workers


def test_system_status(stack, client):
    status, _, body = client.api("GET", "/monitoring/system-status")
    assert status == 401
    # For administrators only: the counts are everyone's.
    status, _, body = client.api("GET", "/monitoring/system-status",
                                 token=client.register_and_login()["token"])
    assert status == 403 and assert_error_shape(body, "FORBIDDEN"), body
    stack.create_admin("ops-admin@example.com", "ops-admin-password")
    user = {"token": client.login("ops-admin@example.com", "ops-admin-password")}
    status, _, s = client.api("GET", "/monitoring/system-status", token=user["token"])
    assert status == 200, s
    assert s["status"] == "healthy"
    assert s["uptime_seconds"] > 0
    assert s["version"]
    assert 1 <= s["workers"]["alive"] <= stack.workers
    assert wait_for(lambda: client.api("GET", "/monitoring/system-status", token=user["token"])[2]
                    ["workers"]["alive"] == stack.workers, timeout=30)
    for key in ("queued", "running", "pending", "completed", "failed", "cancelled", "total",
                "queue_depth"):
        assert isinstance(s["jobs"][key], int), key
    assert s["dispatcher"]["alive"] is True
    assert s["dispatcher"]["last_heartbeat"].endswith("Z")
    assert s["dispatcher"]["heartbeat_age_seconds"] < 30
    assert s["database"]["up"] is True
    assert s["database"]["connections"] >= 1


def test_request_id_reaches_the_logs(stack, client):
    status, headers, body = client.api("GET", "/files/not-a-file",
                                       token=client.register_and_login()["token"])
    assert status == 404
    assert_error_shape(body, "FILE_NOT_FOUND")
    rid = headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid), rid
    # nginx's access log (flushed every second) and the API's own log line for the 404.
    assert wait_for(lambda: ("rid=%s" % rid) in stack.logs["access"].read_text(), timeout=10)
    assert wait_for(lambda: ("req=%s" % rid) in stack.logs["api"].read_text(), timeout=10)
