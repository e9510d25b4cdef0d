"""Resumable uploads (tus 1.0 at /api/v1/uploads): the protocol's core,
creation, creation-with-upload, termination, checksum and expiration, an
upload bound to a job, and a large upload by tus-js-client (npm) through a
proxy that cuts the connection three times in the middle of a PATCH: it
resumes each time and the stored file is sha256-identical.

The large upload is 48 MiB in CI; QUARRY_TUS_BIG_MB=1024 runs the full form
(1 GiB) of docs/uploads-and-progress.md."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from quarry_client import REPO, FINISHED, assert_error_shape, wait_for

JS = REPO / "tests" / "js"
CSV = b"id,name,city\n1,ada,London\n2,grace,New York\n3,alan,Wilmslow\n"
TUS = {"Tus-Resumable": "1.0.0"}
BIG_MB = int(os.environ.get("QUARRY_TUS_BIG_MB", "48"))


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Tus:
    """Raw tus requests as a client sends them."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def headers(self, extra=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(TUS)
        h.update(extra or {})
        return h

    def create(self, length, metadata=None, body=None, extra=None):
        h = {"Upload-Length": str(length)}
        if metadata is not None:
            h["Upload-Metadata"] = ",".join("%s %s" % (k, b64(v)) for k, v in metadata.items())
        if body is not None:
            h["Content-Type"] = "application/offset+octet-stream"
        h.update(extra or {})
        return self.client.request("POST", "/api/v1/uploads", body=body, headers=self.headers(h))

    def patch(self, url, offset, body, extra=None):
        h = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)}
        h.update(extra or {})
        return self.client.request("PATCH", url, body=body, headers=self.headers(h))

    def head(self, url):
        return self.client.request("HEAD", url, headers=self.headers())


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


@pytest.fixture
def tus(stack, user):
    return Tus(stack.client(), user["token"])


def location(headers):
    loc = headers.get("Location")
    assert loc and "/api/v1/uploads/" in loc, loc
    return loc


def test_options_and_the_version_header(stack, tus):
    status, h, _ = tus.client.request("OPTIONS", "/api/v1/uploads")
    assert status == 204
    assert h.get("Tus-Version") == "1.0.0" and h.get("Tus-Resumable") == "1.0.0"
    assert set(h.get("Tus-Extension").split(",")) == {
        "creation", "creation-with-upload", "termination", "checksum", "expiration"}
    assert "sha1" in h.get("Tus-Checksum-Algorithm").split(",")
    assert int(h.get("Tus-Max-Size")) > 0
    status, h, body = tus.client.request("POST", "/api/v1/uploads", headers={
        "Authorization": "Bearer " + tus.token, "Upload-Length": "10"})
    assert status == 412 and h.get("Tus-Version") == "1.0.0"
    status, _, _ = tus.client.request("POST", "/api/v1/uploads", headers=dict(TUS, **{"Upload-Length": "10"}))
    assert status == 401


def test_creation_is_checked(stack, tus):
    for extra, code in ((None, 400), ({"Upload-Length": "-1"}, 400), ({"Upload-Length": "0"}, 400),
                        ({"Upload-Length": "12abc"}, 400), ({"Upload-Defer-Length": "1"}, 400),
                        ({"Upload-Length": str(1 << 50)}, 413),
                        ({"Upload-Length": "10", "Upload-Metadata": "filename not-base64!"}, 400),
                        ({"Upload-Length": "10", "Upload-Metadata": "a %s,a %s" % (b64("x"), b64("y"))}, 400),
                        ({"Upload-Length": "10", "Upload-Metadata": "filename " + b64("a\nb")}, 400),
                        ({"Upload-Length": "10", "Upload-Metadata": "job_id " + b64("nope")}, 404)):
        h = tus.headers(extra or {})
        status, _, body = tus.client.request("POST", "/api/v1/uploads", headers=h)
        assert status == code, (extra, status, body)
        assert_error_shape(json.loads(body))


def test_upload_in_pieces_with_checksums_head_and_a_new_file(stack, tus):
    status, h, _ = tus.create(len(CSV), {"filename": "people.csv", "filetype": "text/csv"})
    assert status == 201 and h.get("Upload-Offset") == "0" and h.get("Upload-Expires", "").endswith("GMT")
    url = location(h)
    # Wrong type, wrong offset, bad and unknown checksums: nothing is kept.
    status, _, _ = tus.client.request("PATCH", url, body=CSV[:5], headers=tus.headers(
        {"Content-Type": "text/csv", "Upload-Offset": "0"}))
    assert status == 415
    status, h, _ = tus.patch(url, 3, CSV[:5])
    assert status == 409 and h.get("Upload-Offset") == "0"
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    status, _, body = tus.patch(url, 0, CSV[:10], {"Upload-Checksum": "sha1 " + wrong})
    assert status == 460 and json.loads(body)["error"]["code"] == "CHECKSUM_MISMATCH"
    status, _, _ = tus.patch(url, 0, CSV[:10], {"Upload-Checksum": "crc32 AAAA"})
    assert status == 400
    status, h, _ = tus.head(url)
    assert status == 200 and h.get("Upload-Offset") == "0" and h.get("Upload-Length") == str(len(CSV))
    assert h.get("Upload-Metadata").startswith("filename ") and h.get("Cache-Control") == "no-store"
    # Three pieces, each with a checksum of another kind.
    cut = [0, 10, 30, len(CSV)]
    for (a, b), algo in zip(zip(cut, cut[1:]), ("sha1", "md5", "sha256")):
        digest = base64.b64encode(hashlib.new(algo, CSV[a:b]).digest()).decode()
        status, h, body = tus.patch(url, a, CSV[a:b], {"Upload-Checksum": "%s %s" % (algo, digest)})
        assert status == 204, body
        assert h.get("Upload-Offset") == str(b) and h.get("Tus-Resumable") == "1.0.0"
    file_id = h.get("Quarry-File-Id")
    assert file_id
    status, _, f = tus.client.api("GET", "/files/%s" % file_id, token=tus.token)
    assert status == 200 and f["filename"] == "people.csv" and f["file_size"] == len(CSV)
    assert f["sha256"] == hashlib.sha256(CSV).hexdigest() and f["file_type"] == "csv"
    status, _, up = tus.client.api("GET", url, token=tus.token)
    assert status == 200 and up["status"] == "COMPLETED" and up["file_id"] == file_id
    # The whole upload again changes nothing; more bytes are refused.
    status, h, _ = tus.patch(url, len(CSV), b"")
    assert status == 204 and h.get("Upload-Offset") == str(len(CSV))
    status, _, _ = tus.patch(url, len(CSV), b"x")
    assert status == 413
    assert not (stack.storage_dir / "uploads" / url.rsplit("/", 1)[1]).exists()


def test_creation_with_upload_termination_and_someone_elses(stack, tus):
    status, h, _ = tus.create(len(CSV), {"filename": "first.csv"}, body=CSV[:20])
    assert status == 201 and h.get("Upload-Offset") == "20"
    url = location(h)
    other = stack.client().register_and_login()
    status, _, _ = tus.client.request("HEAD", url, headers=dict(TUS, Authorization="Bearer " + other["token"]))
    assert status == 403
    status, _, _ = Tus(tus.client, other["token"]).patch(url, 20, CSV[20:])
    assert status == 403
    upload_id = url.rsplit("/", 1)[1]
    assert (stack.storage_dir / "uploads" / upload_id / "data").stat().st_size == 20
    status, _, _ = tus.client.request("DELETE", url, headers=tus.headers())
    assert status == 204
    assert not (stack.storage_dir / "uploads" / upload_id).exists()
    status, _, _ = tus.head(url)
    assert status == 404
    # A file type the engine cannot read is refused when it completes, and not kept.
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    status, h, _ = tus.create(len(png), {"filename": "x.png"}, body=png)
    assert status == 415
    assert stack.sql("SELECT COUNT(*) FROM uploads WHERE filename = 'x.png'") == [["0"]]


def test_upload_bound_to_a_job_queues_it(stack, tus):
    status, _, job = tus.client.api("POST", "/jobs", token=tus.token, json={
        "file_name": "people.csv", "original_file_size_bytes": len(CSV),
        "processing_steps": [{"type": "filter", "params": {"column": "city", "operator": "eq",
                                                           "value": "London"}}]})
    assert status == 201
    status, _, body = tus.create(len(CSV) + 10 ** 6, {"filename": "p.csv", "job_id": job["id"]})
    assert status == 413, body
    status, h, _ = tus.create(len(CSV), {"filename": "p.csv", "job_id": job["id"]})
    assert status == 201
    url = location(h)
    status, _, _ = tus.create(len(CSV), {"filename": "p.csv", "job_id": job["id"]})
    assert status == 409, "one upload at a time per job"
    status, h, _ = tus.patch(url, 0, CSV)
    assert status == 204 and h.get("Quarry-Job-Id") == job["id"]

    def done():
        _, _, j = tus.client.api("GET", "/jobs/%s" % job["id"], token=tus.token)
        return j["status"] in FINISHED and j
    j = wait_for(done, timeout=60)
    assert j and j["status"] == "COMPLETED" and j["progress"]["processed_records"] == 3, j
    assert j["input_object_key"] == "input/%s/people.csv" % job["id"]
    status, _, body = tus.create(len(CSV), {"job_id": job["id"]})
    assert status == 400, "the job is not PENDING any more"


def test_expired_upload_is_gone_and_removed_by_retention(stack, tus):
    status, h, _ = tus.create(len(CSV), {"filename": "old.csv"}, body=CSV[:7])
    url = location(h)
    upload_id = url.rsplit("/", 1)[1]
    stack.sql("UPDATE uploads SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = '%s'" % upload_id)
    status, _, _ = tus.head(url)
    assert status == 410
    status, _, _ = tus.patch(url, 7, CSV[7:])
    assert status == 410
    # A dispatcher sweeps at start: restart it rather than wait a minute.
    stack.kill(stack.pid("jobd"))
    gone = wait_for(lambda: stack.sql("SELECT COUNT(*) FROM uploads WHERE id = '%s'" % upload_id) == [["0"]],
                    timeout=30)
    assert gone
    assert wait_for(lambda: not (stack.storage_dir / "uploads" / upload_id).exists(), timeout=10)


class CuttingProxy:
    """A TCP proxy in front of the stack (TLS passes through) that drops the
    connection carrying the client's byte number cuts[i], once per cut: a
    network that fails in the middle of a PATCH."""

    def __init__(self, port, cuts, delay=0.0):
        self.target = ("127.0.0.1", port)
        self.delay = delay  # seconds per block forwarded upstream: a slow network
        self.cuts = sorted(cuts)
        self.sent = 0
        self.cut = 0
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self.pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, False), daemon=True).start()

    def pipe(self, src, dst, upload):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upload and self.delay:
                    time.sleep(self.delay)
                if upload:
                    with self.lock:
                        self.sent += len(data)
                        drop = self.cut < len(self.cuts) and self.sent >= self.cuts[self.cut]
                        if drop:
                            self.cut += 1
                    if drop:
                        break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.closed = True
        self.server.close()


def big_file(path, mb):
    """A CSV of about mb MiB whose rows differ (no run of equal chunks)."""
    line = 0
    with open(path, "wb") as f:
        f.write(b"id,name,amount\n")
        target = mb * 1024 * 1024
        while f.tell() < target:
            f.write(b"".join(b"%d,row%08x,%d\n" % (i, (i * 2654435761) & 0xffffffff, i % 997)
                             for i in range(line, line + 20000)))
            line += 20000
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_tus_js_client_resumes_after_three_lost_connections(stack, tus, tmp_path):
    path = tmp_path / "big.csv"
    digest = big_file(path, BIG_MB)
    size = path.stat().st_size
    proxy = CuttingProxy(stack.https_port, [size * k // 4 for k in (1, 2, 3)])
    try:
        endpoint = "https://localhost:%d/api/v1/uploads" % proxy.port
        out = subprocess.run(["node", str(JS / "tus_upload.mjs"), endpoint, tus.token, str(path), "",
                              str(8 * 1024 * 1024)],
                             cwd=JS, capture_output=True, text=True, timeout=1800,
                             env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(stack.cafile)))
    finally:
        proxy.close()
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert proxy.cut == 3, "the proxy cut %d connections" % proxy.cut
    assert result["retries"] >= 3, result
    file_id = result["fileId"]
    status, _, f = tus.client.api("GET", "/files/%s" % file_id, token=tus.token)
    assert status == 200 and f["file_size"] == size and f["sha256"] == digest, f
    stored = stack.storage_dir / "files" / file_id / "big.csv"
    h = hashlib.sha256()
    with open(stored, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    assert h.hexdigest() == digest
