"""quarry-cli against the real stack: every command, its --help, its exit
codes and --json output, the login kept 0600, and resumable uploads: three
connections cut in the middle of a PATCH by a proxy, and a run killed and run
again, both ending sha256-identical."""

import hashlib
import json
import os
import signal
import stat
import subprocess
import time

import pytest

from quarry_client import wait_for
from test_uploads import BIG_MB, CuttingProxy, big_file

BUILD_DIR = os.environ.get("QUARRY_BUILD_DIR")
PASSWORD = "cli-password-123"
CSV = b"id,name,country\n1,ada,India\n2,grace,USA\n3,alan,India\n"


@pytest.fixture(scope="module")
def cli_env(stack, tmp_path_factory):
    home = tmp_path_factory.mktemp("cli")
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               HOME=str(home))
    for key in ("QUARRY_URL", "QUARRY_TOKEN", "QUARRY_CACERT"):
        env.pop(key, None)
    return {"home": home, "env": env}


def binary(stack):
    from pathlib import Path
    build = Path(BUILD_DIR) if BUILD_DIR else Path(__file__).resolve().parents[2] / "build" / "asan"
    return str(build / "quarry-cli")


def cli(stack, cli_env, *args, input=None, url=None, timeout=600):
    cmd = [binary(stack), "--url", url or stack.base_url, "--cacert", str(stack.cafile), *args]
    return subprocess.run(cmd, env=cli_env["env"], input=input, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def logged_in(stack, cli_env):
    client = stack.client()
    email = "cli-user@example.com"
    status, body = client.register(email, PASSWORD)
    assert status == 201, body
    out = cli(stack, cli_env, "login", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    return {"email": email, "token": client.login(email, PASSWORD)}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_help_for_every_command_and_usage_errors(stack, cli_env):
    for args in ([], ["login"], ["upload"], ["jobs"], ["download"], ["progress"]):
        out = cli(stack, cli_env, *args, "--help")
        assert out.returncode == 0 and "usage: quarry-cli" in out.stdout, (args, out.stderr)
    out = cli(stack, cli_env, "explode")
    assert out.returncode == 2 and "no command explode" in out.stderr
    out = cli(stack, cli_env, "download")
    assert out.returncode == 2
    out = cli(stack, cli_env, "upload", "/nonexistent/file.csv")
    assert out.returncode == 6
    out = subprocess.run([binary(stack), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("quarry-cli ")


def test_login_keeps_the_token_private_and_refusals_exit_4(stack, cli_env, logged_in):
    path = cli_env["home"] / "config" / "quarry" / "cli.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved["url"] == stack.base_url and saved["email"] == logged_in["email"] and saved["token"]
    out = cli(stack, cli_env, "login", "--email", logged_in["email"], "--password-stdin",
              input="wrong-password\n")
    assert out.returncode == 4, out.stderr
    assert json.loads(path.read_text())["token"] == saved["token"], "a failed login keeps the old token"
    env = dict(cli_env, env=dict(cli_env["env"], QUARRY_TOKEN="not-a-token"))
    out = cli(stack, env, "jobs")
    assert out.returncode == 4 and "log in" in out.stderr
    out = cli(stack, cli_env, "jobs", url="https://127.0.0.1:9")
    assert out.returncode == 3 and "no answer" in out.stderr


def test_upload_a_file_and_a_job_to_parquet_then_jobs_and_download(stack, cli_env, logged_in, tmp_path):
    data = tmp_path / "people.csv"
    data.write_bytes(CSV)
    out = cli(stack, cli_env, "--json", "upload", str(data))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["bytes"] == len(CSV) and result["file_id"]
    status, _, f = stack.client().api("GET", "/files/%s" % result["file_id"], token=logged_in["token"])
    assert status == 200 and f["sha256"] == hashlib.sha256(CSV).hexdigest()

    steps = json.dumps([{"type": "filter", "params": {"column": "country", "operator": "eq",
                                                      "value": "India"}}])
    out = cli(stack, cli_env, "--json", "upload", str(data), "--steps", steps, "--to", "parquet", "--wait")
    assert out.returncode == 0, out.stderr
    job = json.loads(out.stdout.strip().splitlines()[-1])
    assert job["status"] == "COMPLETED" and job["output_format"] == "parquet"
    assert job["processing_metadata"]["rows_written"] == 2

    out = cli(stack, cli_env, "--json", "jobs")
    assert out.returncode == 0 and job["id"] in [j["id"] for j in json.loads(out.stdout)]
    out = cli(stack, cli_env, "jobs")
    assert out.returncode == 0 and job["id"] in out.stdout and "COMPLETED" in out.stdout
    out = cli(stack, cli_env, "jobs", "--watch", job["id"])
    assert out.returncode == 0 and "COMPLETED" in out.stdout

    target = tmp_path / "result.parquet"
    out = cli(stack, cli_env, "download", job["id"], "-o", str(target))
    assert out.returncode == 0, out.stderr
    content = target.read_bytes()
    assert content[:4] == b"PAR1" and content[-4:] == b"PAR1"
    out = subprocess.run([binary(stack), "--url", stack.base_url, "--cacert", str(stack.cafile),
                          "download", job["id"], "-o", "-"], env=cli_env["env"], capture_output=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout == content

    # A job that fails: --wait says so with exit 5; a download of it is refused (1).
    bad = json.dumps([{"type": "filter", "params": {"column": "nope", "operator": "eq", "value": "x"}}])
    out = cli(stack, cli_env, "upload", str(data), "--steps", bad, "--wait")
    assert out.returncode == 5, (out.stdout, out.stderr)
    failed = [j for j in json.loads(cli(stack, cli_env, "--json", "jobs").stdout) if j["status"] == "FAILED"]
    out = cli(stack, cli_env, "download", failed[0]["id"])
    assert out.returncode == 1 and "INVALID_STATE" in out.stderr
    out = cli(stack, cli_env, "upload", str(data), "--steps", "[{not json")
    assert out.returncode == 2


def test_progress_post_and_show(stack, cli_env, logged_in):
    client = stack.client()
    stack.create_admin("cli-admin@example.com", "cli-admin-password")
    admin = client.login("cli-admin@example.com", "cli-admin-password")
    krn = "krn:cli:client:7"
    assert client.api("POST", "/clients", token=admin, json={"krn": krn, "name": "CLI"})[0] == 201
    assert client.api("POST", "/clients/%s/members" % krn, token=admin,
                      json={"email": logged_in["email"]})[0] == 201
    out = cli(stack, cli_env, "progress", "post", krn, "--filename", "leads.csv", "--done", "40",
              "--warn", "2", "--total", "100", "--warning", "7:odd phone number")
    assert out.returncode == 0 and out.stdout.startswith("created leads.csv: done 40, warn 2"), out
    out = cli(stack, cli_env, "--json", "progress", "post", krn, "--filename", "leads.csv", "--done", "58",
              "--failed", "1", "--error", "99:no email", "--last")
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout)
    assert rec["isCompleted"] and rec["counts"] == {"done": 98, "warn": 2, "failed": 1}
    out = cli(stack, cli_env, "progress", "post", krn, "--filename", "leads.csv", "--done", "1")
    assert out.returncode == 1 and "CONFLICT" in out.stderr
    out = cli(stack, cli_env, "progress", "show", krn, "--filename", "leads.csv")
    shown = json.loads(out.stdout)
    assert shown["errors"][0] == {"line": 99, "message": "no email"}
    out = cli(stack, cli_env, "progress", "post", krn)
    assert out.returncode == 2


def test_upload_resumes_after_three_cut_connections(stack, cli_env, logged_in, tmp_path):
    path = tmp_path / "big.csv"
    digest = big_file(path, BIG_MB)
    size = path.stat().st_size
    proxy = CuttingProxy(stack.https_port, [size * k // 4 for k in (1, 2, 3)])
    try:
        started = time.monotonic()
        out = cli(stack, cli_env, "--json", "upload", str(path), "--chunk-size", "8",
                  url="https://localhost:%d" % proxy.port, timeout=1800)
        seconds = time.monotonic() - started
    finally:
        proxy.close()
    assert out.returncode == 0, out.stderr
    assert proxy.cut == 3
    result = json.loads(out.stdout)
    status, _, f = stack.client().api("GET", "/files/%s" % result["file_id"], token=logged_in["token"])
    assert f["sha256"] == digest and f["file_size"] == size
    assert sha256_of(stack.storage_dir / "files" / result["file_id"] / "big.csv") == digest
    print("quarry-cli: %d MiB with 3 cuts in %.1f s" % (BIG_MB, seconds))


def test_a_killed_upload_resumes_on_the_next_run(stack, cli_env, logged_in, tmp_path):
    path = tmp_path / "again.csv"
    digest = big_file(path, 24)
    slow = CuttingProxy(stack.https_port, [], delay=0.01)
    args = [binary(stack), "--url", "https://localhost:%d" % slow.port, "--cacert", str(stack.cafile),
            "--json", "upload", str(path), "--chunk-size", "1"]
    proc = subprocess.Popen(args, env=cli_env["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def some_sent():
        rows = stack.sql("SELECT upload_offset FROM uploads WHERE filename = 'again.csv' "
                         "AND status = 'UPLOADING'")
        return rows and int(rows[0][0]) >= 3 * 1024 * 1024
    assert wait_for(some_sent, timeout=120), "the upload never got going"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    slow.close()
    args[2] = stack.base_url
    out = subprocess.run(args, env=cli_env["env"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["resumed_from"] and result["resumed_from"] >= 3 * 1024 * 1024, result
    status, _, f = stack.client().api("GET", "/files/%s" % result["file_id"], token=logged_in["token"])
    assert f["sha256"] == digest
