"""The web page in a real browser: Debian's chromium, headless, driven by
playwright-core (tests/js/web/driver.mjs, one node process for the module),
against the stack of the harness. One test per flow; axe-core runs on every
page a flow visits (no serious or critical violation), console errors and CSP
refusals fail the flow, and screenshots (desktop and 390 px) are written to
<stack home>/artefacts/web/.

The data a flow needs (users, tokens, jobs in a given state) is made here
through the API; the flow then does what a person would in the page."""

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from quarry_client import (FINISHED, REPO, access_token, create_job, csv_rows, download_output, run_job,
                           unique_email, upload_file, wait_for, wait_job)

JS = REPO / "tests" / "js"
DRIVER = JS / "web" / "driver.mjs"
CHROMIUM = os.environ.get("QUARRY_CHROMIUM", "/usr/bin/chromium")
# The longest flow (pipelines, datasets, SQL, webhooks) took over 120 s on
# a 2-core machine at load average 30.
FLOW_TIMEOUT = 300
PASSWORD = "correct-horse-battery"


class Browser:
    """The driver process: run(flow, **args) sends one flow and waits for its answer."""

    def __init__(self, stack, artefacts):
        env = dict(os.environ, QUARRY_BASE_URL=stack.base_url, QUARRY_ARTEFACTS=str(artefacts),
                   QUARRY_CHROMIUM=CHROMIUM, NODE_PATH=str(JS / "node_modules"))
        self.proc = subprocess.Popen(["node", str(DRIVER)], cwd=str(JS), env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(artefacts / "driver.log", "w"))
        self.next_id = 0
        self.artefacts = artefacts
        hello = self._read(60)
        assert hello.get("ready"), hello
        self.version = hello.get("version")

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the browser driver did not answer in %d s (log: %s)"
                                     % (timeout, self.artefacts / "driver.log"))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    raise AssertionError("the browser driver exited (%s): %s"
                                         % (self.proc.poll(), (self.artefacts / "driver.log").read_text()[-3000:]))
                return json.loads(line)

    def run(self, flow, **args):
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"id": self.next_id, "flow": flow, "args": args}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(FLOW_TIMEOUT)
        # The late answer of a flow that timed out (its test failed then)
        # is not this flow's.
        while answer.get("id", 0) < self.next_id:
            answer = self._read(FLOW_TIMEOUT)
        assert answer["id"] == self.next_id, answer
        if not answer["ok"]:
            raise AssertionError("flow %s failed: %s\nproblems: %s\nscreenshot: %s"
                                 % (flow, answer["error"], answer.get("problems"), answer.get("shot")))
        result = answer["result"]
        for run in result.get("axe", []):
            assert run["serious"] == 0, run
        return result

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"flow": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def browser(stack):
    assert Path(CHROMIUM).exists(), "chromium missing: tools/quarry deps installs it"
    assert (JS / "node_modules" / "playwright-core").is_dir(), "npm packages missing: tools/quarry deps"
    assert shutil.which("node"), "node missing: tools/quarry deps"
    artefacts = stack.home / "artefacts" / "web"
    artefacts.mkdir(parents=True, exist_ok=True)
    b = Browser(stack, artefacts)
    try:
        yield b
    finally:
        b.close()


# ---------------------------------------------------------------- helpers

def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def person(stack):
    return stack.client().register_and_login(unique_email("web"), PASSWORD)


# ---------------------------------------------------------------- flows

def test_sign_in_register_sign_out_and_expiry(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-auth"), PASSWORD)
    run_job(client, user["token"], b"a\n1\n", name="first-users.csv")
    create_job(client, user["token"], b"a\n1\n", name="still-pending.csv")
    sub = user["user"]["id"]
    now = int(time.time())
    browser.run("auth", email=user["email"], password=PASSWORD,
                newEmail=unique_email("web-second"), thirdEmail=unique_email("web-third"),
                expiredToken=access_token(stack, sub, now - 5), shortToken=access_token(stack, sub, now + 20))


def test_upload_with_progress_bar_one_job_per_double_click(stack, browser, person):
    client = stack.client()
    user = client.register_and_login(unique_email("web-upload"), PASSWORD)
    data = csv_rows(120000)  # ~2.5 MB: about 2 s at the throttled 1.5 MB/s
    result = browser.run("upload", token=user["token"], csv=b64(data), name="cities.csv")
    jobs = client.api("GET", "/jobs", token=user["token"])[2]
    assert len(jobs) == 1, "a double click made %d jobs" % len(jobs)
    assert jobs[0]["id"] == result["id"]
    job = client.api("GET", "/jobs/%s" % result["id"], token=user["token"])[2]
    assert job["status"] == "COMPLETED"
    assert job["output_format"] == "jsonl"
    assert job["processing_steps"] == [{"type": "filter", "params": {
        "column": "city", "operator": "eq", "value": "city3", "case_sensitive": True}}]
    written = sum(1 for i in range(120000) if i % 7 == 3)
    assert job["processing_metadata"]["rows_written"] == written
    assert result["rows"].startswith("{:,} written".format(written)), result["rows"]


def running(client, token, job_id):
    def check():
        return client.api("GET", "/jobs/%s" % job_id, token=token)[2]["status"] == "RUNNING"
    assert wait_for(check, timeout=30), "job %s never ran" % job_id


def test_watch_live_progress_after_reload(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-watch"), PASSWORD)
    # Kept set while the flow runs: the process reads it some time after the
    # dispatcher marks the job RUNNING. 8 progress reports, 2.5 s apart.
    stack.throttle_processes(2500)
    try:
        job_id = run_job(client, user["token"], csv_rows(8 * 65536), name="watch.csv")
        running(client, user["token"], job_id)
        result = browser.run("watch", token=user["token"], id=job_id)
    finally:
        stack.throttle_processes(0)
    assert result["v1"] > 0
    client.api("POST", "/jobs/%s/cancel" % job_id, json={}, token=user["token"])
    assert wait_job(client, user["token"], job_id, FINISHED, timeout=60)["status"] in ("CANCELLED", "COMPLETED")


def test_cancel_running_and_pending_jobs(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-cancel"), PASSWORD)
    stack.throttle_processes(2500)
    try:
        job_id = run_job(client, user["token"], csv_rows(6 * 65536), name="cancel-me.csv")
        running(client, user["token"], job_id)
        browser.run("cancel", token=user["token"], id=job_id, name="cancel-me.csv")
    finally:
        stack.throttle_processes(0)
    assert wait_job(client, user["token"], job_id, FINISHED, timeout=60)["status"] == "CANCELLED"
    # Defect 3: a job whose upload never came is not stuck PENDING.
    pending = create_job(client, user["token"], b"a\n1\n", name="never-uploaded.csv")["id"]
    browser.run("pending", token=user["token"], name="never-uploaded.csv")
    assert client.api("GET", "/jobs/%s" % pending, token=user["token"])[2]["status"] == "CANCELLED"


def test_download_compares_the_bytes(stack, browser, person):
    client = stack.client()
    data = b"id,city\n1,Oslo\n2,Rome\n3,Oslo\n"
    job_id = run_job(client, person["token"], data, name="towns.csv",
                     steps=[{"type": "filter", "params": {"column": "city", "operator": "eq", "value": "Oslo"}}])
    assert wait_job(client, person["token"], job_id, FINISHED, timeout=60)["status"] == "COMPLETED"
    result = browser.run("download", token=person["token"], id=job_id, name="towns.csv")
    got = base64.b64decode(result["bytes"])
    assert got == b"id,city\n1,Oslo\n3,Oslo\n", got
    status, _, link = client.api("POST", "/jobs/%s/download-url" % job_id, json={}, token=person["token"])
    assert client.request("GET", link["download_url"])[2] == got
    assert result["name"] == "towns_processed.csv", result["name"]


def test_errors_table_paging_and_severity(stack, browser, person):
    client = stack.client()
    lines = ["email,age"]
    for i in range(60):
        lines.append("%s,%s" % ("bad" if i < 45 else "u%d@example.com" % i, "x" if 45 <= i < 55 else "30"))
    data = ("\n".join(lines) + "\n").encode()
    steps = [{"type": "validate", "params": {"column": "email", "rule": "email"}},
             {"type": "validate", "params": {"column": "age", "rule": "integer", "severity": "warning"}}]
    job_id = run_job(client, person["token"], data, name="people.csv", steps=steps)
    assert wait_job(client, person["token"], job_id, FINISHED, timeout=60)["status"] == "COMPLETED"
    failed = run_job(client, person["token"], csv_rows(3000), name="bad-column.csv",
                     steps=[{"type": "filter", "params": {"column": "nope", "operator": "eq", "value": "x"}}])
    job = wait_job(client, person["token"], failed, FINISHED, timeout=60)
    assert job["status"] == "FAILED"
    browser.run("errors", token=person["token"], id=job_id, failedId=failed, total=55, warnings=10)


def test_files_drop_schema_and_process(stack, browser, person):
    client = stack.client()
    data = b"id,name,joined,score\n1,Ann,2024-01-02,3.5\n2,Bob,,4\n3,Cy,2024-02-03,7.25\n"
    result = browser.run("files", token=person["token"], csv=b64(data), name="members.csv",
                         name2="members-again.csv")
    assert result["schema"] == [["id", "integer", "no"], ["name", "string", "no"],
                                ["joined", "date", "yes"], ["score", "number", "no"]], result["schema"]
    assert "members.csv" in result["listed"] and "members-again.csv" in result["listed"], result["listed"]
    files = client.api("GET", "/files", token=person["token"])[2]
    assert {f["filename"] for f in files} >= {"members.csv", "members-again.csv"}
    pinned = client.api("GET", "/files/%s" % result["pinnedId"], token=person["token"])[2]
    assert pinned["pinned"] is True and pinned["expires_at"] is None, pinned
    assert result["kept"].startswith("Pinned"), result["kept"]


def test_step_builder_shows_the_engines_validation_at_the_field(stack, browser, person):
    result = browser.run("stepError", token=person["token"], name="invalid-steps.csv")
    assert "regular expression" in result["message"], result


def test_client_progress_refreshes_while_a_worker_posts(stack, browser):
    client = stack.client()
    stack.create_admin("web-admin-p@example.com", PASSWORD)
    admin = client.login("web-admin-p@example.com", PASSWORD)
    viewer = client.register_and_login(unique_email("web-viewer"), PASSWORD)
    worker = client.register_and_login(unique_email("web-worker"), PASSWORD)
    krn = "krn:web:client:progress"
    assert client.api("POST", "/clients", json={"krn": krn, "name": "Progress Ltd"}, token=admin)[0] == 201
    for who in (viewer, worker):
        status, _, body = client.api("POST", "/clients/%s/members" % krn, json={"email": who["email"]}, token=admin)
        assert status == 201, body
    browser.run("progress", token=viewer["token"], workerToken=worker["token"], krn=krn)


def test_admin_clients_and_members(stack, browser):
    client = stack.client()
    stack.create_admin("web-admin@example.com", PASSWORD)
    admin = client.login("web-admin@example.com", PASSWORD)
    member = client.register_and_login(unique_email("web-member"), PASSWORD)
    other = client.register_and_login(unique_email("web-other"), PASSWORD)
    krn = "krn:web:client:admin-flow"
    r = browser.run("admin", adminToken=admin, userToken=member["token"], memberEmail=member["email"],
                    otherEmail=other["email"], krn=krn)
    assert r["members"] == [member["email"]] and r["roleAfterReload"] == "admin", r
    clients = client.api("GET", "/clients", token=member["token"])[2]
    assert [(c["krn"], c["role"]) for c in clients] == [(krn, "admin")], clients
    assert client.api("GET", "/clients", token=other["token"])[2] == []
    members = client.api("GET", "/clients/%s/members" % krn, token=admin)[2]
    assert [(m["email"], m["role"]) for m in members] == [(member["email"], "admin")], members


def test_pipelines_datasets_sql_and_webhooks(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-pipe"), PASSWORD)
    tok = user["token"]
    status, _, f = upload_file(client, tok, "orders.csv", b"id,city\n1,Oslo\n2,Rome\n3,Oslo\n", "text/csv")
    assert status == 201, f
    status, _, ds = client.api("POST", "/datasets", json={
        "name": "web_orders", "record_key_field": "id", "schema": {"id": "integer", "city": "string"}}, token=tok)
    assert status == 201, ds
    # A stored source (not connected to: the pipeline is only defined).
    status, _, src = client.api("POST", "/sources", json={
        "name": "warehouse", "uri": "mariadb://reader:secret@127.0.0.1:3306/shop"}, token=tok)
    assert status == 201, src
    hook_url = "http://127.0.0.1:9/quarry-hook"
    r = browser.run("pipelines", token=tok, fileName="orders.csv", name="nightly orders", dataset="web_orders",
                    hookUrl=hook_url, name2="orders copy", copy="web_orders_copy", name3="shop orders",
                    sourceId=src["id"], table="orders")
    # What the page made, read back through the API.
    p = client.api("GET", "/pipelines/%s" % r["id"], token=tok)[2]
    assert p["job_name"] == "nightly orders" and p["job_type"] == "FULL_ETL", p
    assert p["source_type"] == "FILE" and p["source_config"] == {"file_id": f["file_id"]}, p
    assert p["output_format"] == "jsonl" and p["is_active"] is False, p
    runs = client.api("GET", "/pipelines/%s/executions" % r["id"], token=tok)[2]["executions"]
    assert [(e["status"], e["trigger"], e["records_successful"]) for e in runs] == [("SUCCESS", "manual", 3)], runs
    # The page's row of the run: status, records, started, ended, duration, trigger.
    assert r["run"][0] == "Succeeded" and r["run"][1] == "3 read, 3 written, 0 failed", r["run"]
    assert r["run"][5] == "By hand", r["run"]
    assert r["listed"][:4] == ["nightly orders", "Full ETL", "Inactive", r["listed"][3]], r["listed"]
    assert r["listed"][3].startswith("Succeeded"), r["listed"]
    assert r["ds"][:2] == ["web_orders", "0"], r["ds"]
    assert r["prefilled"] == "SELECT * FROM web_orders LIMIT 100", r["prefilled"]
    assert r["one"] == {"heads": ["1"], "rows": [["1"]]}, r["one"]
    assert r["count"]["heads"] == ["n", "label"] and r["count"]["rows"] == [["0", "x"]], r["count"]
    assert r["count"]["status"].startswith("Rows returned: 1 ("), r["count"]
    assert "no_such_table_here" in r["error"] and r["error"].startswith("The query failed"), r["error"]
    # The webhook: its secret shown once, the row listed, then deleted.
    assert r["secret"].startswith("whsec_"), r["secret"]
    assert r["hook"][0] == hook_url and r["hook"][1] == "Job completed, Job failed, Pipeline run failed", r["hook"]
    assert client.api("GET", "/webhooks", token=tok)[2] == []
    # The second pipeline: the dataset in, a new dataset out (made by its first run).
    p2 = client.api("GET", "/pipelines/%s" % r["id2"], token=tok)[2]
    assert p2["source_type"] == "DATASET" and p2["source_config"]["dataset_id"] == ds["id"], p2
    assert {k: p2["destination"].get(k) for k in ("type", "dataset_id", "dataset_name", "write_mode")} == {
        "type": "dataset", "dataset_id": None, "dataset_name": "web_orders_copy", "write_mode": "overwrite"}, p2
    p3 = client.api("GET", "/pipelines/%s" % r["id3"], token=tok)[2]
    assert p3["source_type"] == "DATABASE" and p3["source_config"]["source_id"] == src["id"], p3
    assert p3["source_config"]["table"] == "orders" and p3["destination"]["type"] == "file", p3


def test_sort_step_orders_the_output(stack, browser, person):
    client = stack.client()
    data = b"id,city,amount\n1,Oslo,5\n2,Rome,\n3,Bergen,10\n4,Anvers,5\n5,Lima,9\n"
    r = browser.run("sortJob", token=person["token"], csv=b64(data), name="sort-me.csv")
    job = client.api("GET", "/jobs/%s" % r["id"], token=person["token"])[2]
    assert job["processing_steps"] == [{"type": "sort", "params": {"columns": [
        {"column": "amount", "order": "desc", "nulls": "first"},
        {"column": "city", "order": "asc", "nulls": "last"}]}}], job["processing_steps"]
    _, out = download_output(client, person["token"], r["id"])
    ids = [int(json.loads(line)["id"]) for line in out.decode().splitlines()]
    # amount descending, the empty one first; equal amounts by city.
    assert ids == [2, 3, 5, 4, 1], ids


def test_admin_service_accounts(stack, browser):
    client = stack.client()
    stack.create_admin("web-admin-sa@example.com", PASSWORD)
    admin = client.login("web-admin-sa@example.com", PASSWORD)
    krn = "krn:web:client:service-accounts"
    assert client.api("POST", "/clients", json={"krn": krn, "name": "Workers Ltd"}, token=admin)[0] == 201
    r = browser.run("serviceAccounts", adminToken=admin, krn=krn, clientName="Workers Ltd", accountName="etl-worker")
    assert r["secret"].startswith("qsa_") and len(r["secret"]) == 47, r["secret"]
    assert r["listed"][:2] == ["etl-worker", r["clientId"]] and r["listed"][3] == "Active", r["listed"]
    accounts = client.api("GET", "/clients/%s/service-accounts" % krn, token=admin)[2]
    assert [(a["name"], a["client_id"], a["revoked_at"] is not None) for a in accounts] == [
        ("etl-worker", r["clientId"], True)], accounts
    status, _, body = client.auth("POST", "/auth/token", form={
        "grant_type": "client_credentials", "client_id": r["clientId"], "client_secret": r["secret"]})
    assert status == 401 and body["error"]["code"] == "INVALID_CLIENT", body


def test_390px_layout_has_no_horizontal_overflow(stack, browser, person):
    client = stack.client()
    job_id = run_job(client, person["token"], csv_rows(50), name="a-rather-long-file-name-for-a-narrow-screen.csv")
    wait_job(client, person["token"], job_id, FINISHED, timeout=60)
    status, _, f = upload_file(client, person["token"], "layout.csv", b"a,b\n1,2\n", "text/csv")
    assert status == 201, f
    widths = browser.run("layout", token=person["token"], jobId=job_id, fileId=f["file_id"])
    assert all(w <= 390 for k, w in widths.items() if k not in ("axe", "ms")), widths


def test_keyboard_only_sign_in_and_new_job(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-keys"), PASSWORD)
    result = browser.run("keyboard", email=user["email"], password=PASSWORD, name="keys.csv")
    assert result["rows"].startswith("2 written"), result
    jobs = client.api("GET", "/jobs", token=user["token"])[2]
    assert [j["processing_steps"][0]["params"]["value"] for j in jobs] == ["Oslo"]


# The goal is 300 ms to interactive (the sign-in form usable; for a
# signed-in user the job list drawn) and under 200 KB transferred. Each page
# is loaded fresh FIRST_LOAD_RUNS times (a new context: nothing cached),
# interleaved with a reference load of the same server (the browser
# navigating to /api/v1/health, fresh too), and the median is asserted
# under INTERACTIVE_MS_GOAL plus REFERENCE_RATIO times the reference's
# median: the goal on a quiet machine, and room for what a bare navigation
# costs on a loaded one (docs/web.md has the figures and the load averages
# they were taken at; the page measured 2.1 to 5.0 times the reference,
# more when the reference is short, as part of its time does not grow
# with the machine's load).
# Sign-in itself (the form sent, the job list drawn) is measured apart: its
# login call hashes the password (argon2id, deliberately slow).
INTERACTIVE_MS_GOAL = 300
REFERENCE_RATIO = 5
FIRST_LOAD_MAX_BYTES = 200 * 1024
FIRST_LOAD_RUNS = 7


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def test_first_load_weight_and_time(stack, browser, person, capsys):
    me = stack.client().api("GET", "/users/me", token=person["token"])[2]
    load_before = load_average()
    result = browser.run("firstLoad", token=person["token"], user=me, runs=FIRST_LOAD_RUNS,
                         email=person["email"], password=PASSWORD, trace=True)
    result["load_average"] = [load_before, load_average()]
    report = stack.home / "artefacts" / "web" / "first-load.json"
    refs = [r["load_ms"] for r in result["reference"]]
    assert len(refs) == FIRST_LOAD_RUNS, result
    reference = median(refs)
    bound = INTERACTIVE_MS_GOAL + REFERENCE_RATIO * reference
    summary = {"load_average": result["load_average"], "reference_ms": reference, "bound_ms": bound}
    lines = ["", "web first load at load average %s → %s: the reference (a navigation to /api/v1/health) "
             "%d ms median (TLS %d ms, server %d ms; all: %s); the bound of the medians: %d ms"
             % (load_before, result["load_average"][1], reference, median(r["tls_ms"] for r in result["reference"]),
                median(r["ttfb_ms"] for r in result["reference"]), refs, bound)]
    for page in ("signin", "jobs"):
        rs = result[page]
        assert len(rs) == FIRST_LOAD_RUNS, result
        times = [r["interactive_ms"] for r in rs]
        m = sorted(rs, key=lambda r: r["interactive_ms"])[len(rs) // 2]

        def part(key, sub=None):
            return median((r[key][sub] if sub else r[key]) or 0 for r in rs)
        summary[page] = {"interactive_ms": median(times), "bytes": m["bytes"], "files": m["files"],
                         "ratio": round(median(times) / max(reference, 1), 2)}
        lines.append(
            "web first load (%s): %d bytes transferred (%d gzip bodies, %d decoded) in %d files over %s, "
            "%d API calls before interactive; interactive at %d ms median of %d (best %d, worst %d; all: %s), "
            "%.1f times the reference\n  medians of the parts: TLS %d ms, document in at %d ms, shell in at %d ms, "
            "DOM parsed at %d ms, first paint at %d ms; waterfall of the median: %s"
            % (page, m["bytes"], m["body_bytes"], m["decoded_bytes"], m["files"], m["nav"]["protocol"],
               m["api_calls_before"], median(times), FIRST_LOAD_RUNS, min(times), max(times), times,
               median(times) / max(reference, 1), part("nav", "tls_ms"), part("nav", "document_ms"),
               part("shell_in_ms"), part("dom_interactive_ms"), part("first_paint_ms"), m["waterfall"]))
    submits = result["signInSubmit"]
    assert len(submits) == FIRST_LOAD_RUNS, result
    login = [c["server_ms"] for s in submits for c in s["calls"] if c["path"].endswith("/auth/login")]
    summary["sign_in"] = {"submit_to_drawn_ms": median(s["submit_to_drawn_ms"] for s in submits),
                          "login_server_ms": median(login)}
    lines.append("web sign-in (the form sent → the job list drawn): %d ms median (all: %s); the login call's "
                 "server time (argon2id) %d ms median; calls of the median: %s"
                 % (summary["sign_in"]["submit_to_drawn_ms"], [s["submit_to_drawn_ms"] for s in submits],
                    median(login), sorted(submits, key=lambda s: s["submit_to_drawn_ms"])[len(submits) // 2]["calls"]))
    result["summary"] = summary
    report.write_text(json.dumps(result, indent=2))
    with capsys.disabled():
        print("\n".join(lines))
    for page in ("signin", "jobs"):
        rs = result[page]
        for r in rs:
            assert r["bytes"] < FIRST_LOAD_MAX_BYTES, (page, r)
            assert r["body_bytes"] < r["decoded_bytes"], "served gzipped: %r" % r
            assert r["nav"]["protocol"] == "h2", r["nav"]
        # Sign-in asks the API nothing; the job list asks for its page only
        # (early.js, beside the modules; /users/me is read after the draw).
        assert [r["api_calls_before"] for r in rs] == [0 if page == "signin" else 1] * len(rs), (page, rs)
        assert 0 < summary[page]["interactive_ms"] < bound, (page, summary, [r["interactive_ms"] for r in rs])
    # The login, then /users/me and the job list's page side by side (the
    # list asked for before the user is in), and nothing read twice.
    for s in submits:
        paths = [c["path"].split("/api/v1", 1)[1] for c in s["calls"]]
        assert paths[0] == "/auth/login" and sorted(paths[1:]) == ["/jobs", "/users/me"], s
        calls = dict(zip(paths, s["calls"]))
        assert calls["/jobs"]["start"] < calls["/users/me"]["end"], s


def test_page_is_served_under_a_strict_csp(client):
    status, headers, data = client.request("GET", "/")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert part in csp, csp
    # Nothing inline for the CSP to refuse: no script body, no style, no handler.
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=", data), data


# ---------------------------------------------------------------- pipelines' schedule, graph, errors, quality

def test_pipeline_schedule_dependency_graph_errors_and_quality(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-graph"), PASSWORD)
    tok = user["token"]
    rows = ["id,email,city"] + ["%d,%s,Oslo" % (i, "bad%d" % i if i % 4 == 0 else "u%d@example.com" % i)
                                for i in range(40)]
    status, _, f = upload_file(client, tok, "contacts.csv", ("\n".join(rows) + "\n").encode(), "text/csv")
    assert status == 201, f
    status, _, parent = client.api("POST", "/pipelines", json={
        "job_name": "extract contacts", "source_type": "FILE", "source_config": {"file_id": f["file_id"]},
        "processing_steps": [{"type": "validate", "params": {"column": "email", "rule": "email"}}],
        "output_format": "csv"}, token=tok)
    assert status == 201, parent
    r = browser.run("pipelineGraph", token=tok, parentId=parent["job_id"], parentName="extract contacts",
                    name="load contacts")
    child = client.api("GET", "/pipelines/%s" % r["id"], token=tok)[2]
    assert child["schedule"] == {"type": "cron", "expression": "30 2 * * 1-5", "timezone": "UTC"}, child
    assert child["source_type"] is None and child["is_active"] is True, child
    deps = client.api("GET", "/pipelines/%s/dependencies" % r["id"], token=tok)[2]["data"]["dependencies"]
    assert [(d["parent_job_id"], d["dependency_type"]) for d in deps] == [(parent["job_id"], "SUCCESS")], deps
    # The preview: five weekday 02:30 slots, in the zone asked for.
    assert len(r["preview"]) == 5 and all("02:30" in p and "UTC" in p for p in r["preview"]), r["preview"]
    assert not any(p.startswith(("Sat", "Sun")) for p in r["preview"]), r["preview"]
    assert r["bad"].startswith("cron: "), r["bad"]
    assert r["edges"] == ["load contacts runs after extract contacts (when it succeeded)"], r["edges"]
    # Ten bad e-mails (rows 0, 4, …, 36): ten errors of the run, the first resolved.
    assert r["errTotal"] == "1–10 of 10", r["errTotal"]
    assert r["first"][1:3] == ["Medium", "Validation"], r["first"]
    runs = client.api("GET", "/pipelines/%s/executions" % parent["job_id"], token=tok)[2]["executions"]
    assert len(runs) == 1 and runs[0]["trigger"] == "manual", runs
    errors = client.api("GET", "/errors/executions/%s/errors" % runs[0]["execution_id"], token=tok)[2]["data"]["errors"]
    assert [e["is_resolved"] for e in errors] == [True] + [False] * 9, errors
    # The input's quality: 30 of 40 records pass the type checks (the bad
    # e-mails are strings like the others), so the score is what the API says.
    checks = client.api("GET", "/data-quality/checks?entity_id=%s" % f["file_id"], token=tok)[2]
    check = (checks["checks"] if isinstance(checks, dict) else checks)[0]
    assert r["score"].startswith("Score %g %%: " % check["quality_score"]), (r["score"], check)
    # The child ran after its parent.
    assert r["childRun"][0] == "Succeeded" and r["childRun"][5] == "Dependency", r["childRun"]
    # The summary: ten medium validation errors, one resolved.
    assert ["Medium", "10"] in r["bySeverity"] and ["Validation", "10"] in r["byType"], r
    assert r["summary"].startswith("10 errors: 1 resolved, 9 open"), r["summary"]


def test_dataset_commit_timeline_and_exports(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-dataset"), PASSWORD)
    tok = user["token"]
    status, _, f = upload_file(client, tok, "towns.csv", b"id,city\n1,Oslo\n2,Rome\n3,Lima\n", "text/csv")
    assert status == 201, f
    status, _, p = client.api("POST", "/pipelines", json={
        "job_name": "towns to dataset", "source_type": "FILE", "source_config": {"file_id": f["file_id"]},
        "destination": {"type": "dataset", "dataset_name": "web_towns", "write_mode": "upsert",
                        "record_key_field": "id"}}, token=tok)
    assert status == 201, p
    # Two runs: two commits (the second finds the rows unchanged).
    for _ in range(2):
        status, _, e = client.api("POST", "/pipelines/%s/execute" % p["job_id"], json={}, token=tok)
        assert status == 202, e

        def done():
            ex = client.api("GET", "/pipelines/%s/executions/%s" % (p["job_id"], e["execution_id"]), token=tok)[2]
            return ex["status"] if ex["status"] in ("SUCCESS", "FAILED", "CANCELLED") else None
        assert wait_for(done, timeout=60) == "SUCCESS"
    sql = "SELECT city FROM web_towns ORDER BY id"
    r = browser.run("datasetPage", token=tok, dataset="web_towns", sql=sql)
    assert r["heading"] == "Dataset web_towns", r["heading"]
    assert len(r["commits"]) == 2, r["commits"]
    assert "0 inserted" in r["commits"][0] and "3 inserted" in r["commits"][1], r["commits"]
    assert all("Upsert" in c and "a pipeline run" in c for c in r["commits"]), r["commits"]
    lines = base64.b64decode(r["exported"]["bytes"]).decode().splitlines()
    header = lines[0].split(",")
    assert "id" in header and "city" in header, lines
    got = sorted(tuple(dict(zip(header, line.split(",")))[k] for k in ("id", "city")) for line in lines[1:])
    assert got == [("1", "Oslo"), ("2", "Rome"), ("3", "Lima")], lines
    assert [json.loads(line) for line in base64.b64decode(r["queried"]["bytes"]).decode().splitlines()] == [
        {"city": "Oslo"}, {"city": "Rome"}, {"city": "Lima"}], r["queried"]


# ---------------------------------------------------------------- an upload resumed after a reload

def test_upload_resumes_after_a_reload(stack, browser):
    client = stack.client()
    user = client.register_and_login(unique_email("web-resume"), PASSWORD)
    rows = 650000  # 15.4 MB (14.7 MiB): two tus chunks of 8 MiB (the page is reloaded in the second)
    r = browser.run("resumeUpload", token=user["token"], rows=rows, name="resume-me.csv",
                    lastModified=1767225600000)
    data = csv_rows(rows)
    assert r["size"] == len(data), (r["size"], len(data))
    # The reload came after the first chunk: the page resumed from there, not from 0.
    assert r["said"].startswith("The upload of resume-me.csv stopped at 8.0 MB of 14.7 MB."), r["said"]
    assert r["start"] is not None and r["start"] >= r["offsetBefore"] > 50, r
    assert "not the same file" in r["refused"], r["refused"]
    assert r["left"] == [], r["left"]
    jobs = client.api("GET", "/jobs", token=user["token"])[2]
    assert [j["id"] for j in jobs] == [r["id"]], jobs
    assert wait_job(client, user["token"], r["id"], FINISHED, timeout=60)["status"] == "COMPLETED"
    _, out = download_output(client, user["token"], r["id"])
    assert out == data, (len(out), len(data))
