"""The one helper module of Quarry's end-to-end tests (standard library
only): a small HTTP client, and the steps that several test files take.

    client = QuarryClient("https://localhost:8443", ssl_context)
    status, headers, body = client.api("GET", "/health")
    token = client.register_and_login()["token"]
    job_id = run_job(client, token, b"a,b\n1,2\n", steps=[...])
    job = wait_job(client, token, job_id, ("COMPLETED",))

`api` answers (status, headers, body): headers is an http.client.HTTPMessage
(case-insensitive .get), body is the parsed JSON when the answer is JSON,
else the raw bytes. Redirects are never followed. A helper that several
test files need belongs here, not in one of them.
"""

import base64
import hashlib
import hmac
import http.client
import json as jsonlib
import os
import re
import time
import urllib.parse
import uuid
from pathlib import Path

API_PREFIX = "/api/v1"
REPO = Path(__file__).resolve().parents[2]
# The states a job ends in.
FINISHED = ("COMPLETED", "FAILED", "CANCELLED")


class QuarryClient:
    def __init__(self, base_url, ssl_context=None, timeout=60):
        self.base_url = base_url.rstrip("/")
        self.ssl_context = ssl_context
        self.timeout = timeout

    # ---------------------------------------------------------------- raw

    def url(self, path):
        """Absolute URL: "/health" -> <base>/api/v1/health; a path that
        starts with /api/ and a full URL (a signed object URL) are kept.
        For other site paths (/objects/..., /internal/...) use request()."""
        if path.startswith("http://") or path.startswith("https://"):
            return path
        if not path.startswith("/api/"):
            path = API_PREFIX + (path if path.startswith("/") else "/" + path)
        return self.base_url + path

    def request(self, method, url, body=None, headers=None):
        """One request to an absolute URL or a site path (used as is).
        Returns (status, headers, body-bytes)."""
        if not (url.startswith("http://") or url.startswith("https://")):
            url = self.base_url + url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443,
                                               timeout=self.timeout, context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=self.timeout)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            conn.request(method, target, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.headers, data
        finally:
            conn.close()

    def api(self, method, path, json=None, token=None, form=None, headers=None, raw=None):
        """An API call. json= sends a JSON body, form= a urlencoded form
        (dict or list of pairs), raw= bytes as they are (set Content-Type in
        headers). token= adds "Authorization: Bearer <token>"."""
        hdrs = {"Accept": "application/json"}
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif raw is not None:
            body = raw if isinstance(raw, (bytes, bytearray)) else raw.encode()
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        status, resp_headers, data = self.request(method, self.url(path), body=body, headers=hdrs)
        return status, resp_headers, parse_body(resp_headers, data)

    # ---------------------------------------------------------------- accounts

    def auth(self, method, path, **kw):
        """api() for login and register, which share a low rate limit on the
        test stack: waits out its 429s, so the answer is the handler's."""
        return patiently(lambda: self.api(method, path, **kw))

    def register(self, email=None, password="correct-horse-battery", **extra):
        """POST /auth/register; returns (status, body). A fresh unique email
        when none is given."""
        email = email or unique_email()
        payload = {"email": email, "password": password}
        payload.update(extra)
        status, _, body = self.auth("POST", "/auth/register", json=payload)
        return status, body

    def login(self, username, password):
        """POST /auth/login as a form; returns the access token."""
        status, _, body = self.auth("POST", "/auth/login",
                                    form={"username": username, "password": password})
        if status != 200:
            raise AssertionError("login as %s failed: %s %r" % (username, status, body))
        return body["access_token"]

    def register_and_login(self, email=None, password="correct-horse-battery", **extra):
        """A new user and its token: {"email", "password", "token", "user"}."""
        email = email or unique_email()
        status, body = self.register(email, password, **extra)
        if status != 201:
            raise AssertionError("register %s failed: %s %r" % (email, status, body))
        return {"email": email, "password": password, "user": body,
                "token": self.login(email, password)}


def patiently(call, retries=40):
    """Runs call() until it answers something else than 429 (the login and
    register rate limit of the test stack is low); returns its answer."""
    for _ in range(retries):
        answer = call()
        if answer[0] != 429:
            return answer
        time.sleep(0.5)
    return answer


def next_link(headers):
    """The path of a list's next page from its Link rel="next" header, or
    None on the last page."""
    m = re.search(r'<([^>]*)>\s*;\s*rel="next"', headers.get("Link") or "")
    return m.group(1) if m else None


def walk_pages(client, token, path, items_of, total=None, on_next=None):
    """Every item of a list, page after page through Link rel="next":
    (items, pages, the last page's X-Total-Count). items_of(body) gives a
    page's items; every page must answer 200, with X-Total-Count total when
    total is given; on_next(path) may check each next link."""
    items, pages = [], 0
    while path is not None:
        status, headers, body = client.api("GET", path, token=token)
        assert status == 200, body
        if total is not None:
            assert int(headers["X-Total-Count"]) == total, body
        items += items_of(body)
        pages += 1
        path = next_link(headers)
        if path is not None and on_next is not None:
            on_next(path)
    return items, pages, int(headers["X-Total-Count"])


def parse_body(headers, data):
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if data and (ctype == "application/json" or ctype.endswith("+json")):
        try:
            return jsonlib.loads(data)
        except ValueError:
            return data
    return data


def unique_email(prefix="user"):
    return "%s-%s@example.com" % (prefix, uuid.uuid4().hex[:12])


def multipart(fields=None, files=None):
    """Encode a multipart/form-data body. files: {name: (filename, bytes,
    content_type)}. Returns (body, content_type_header)."""
    boundary = "quarry" + uuid.uuid4().hex
    out = bytearray()
    for name, value in (fields or {}).items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name)).encode()
        out += (value if isinstance(value, bytes) else str(value).encode()) + b"\r\n"
    for name, (filename, content, ctype) in (files or {}).items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
        out += content + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return bytes(out), "multipart/form-data; boundary=" + boundary


def assert_error_shape(body, code=None):
    """The one error shape (docs/api.md): {"error":{"code","message",
    "timestamp","field"?},"detail"} with detail == message."""
    assert isinstance(body, dict), "not a JSON object: %r" % (body,)
    err = body.get("error")
    assert isinstance(err, dict), "no error object: %r" % (body,)
    for key in ("code", "message", "timestamp"):
        assert isinstance(err.get(key), str) and err[key], "error.%s missing: %r" % (key, body)
    assert body.get("detail") == err["message"], "detail must repeat the message: %r" % (body,)
    if code is not None:
        assert err["code"] == code, "expected %s, got %r" % (code, body)
    return err


# ---------------------------------------------------------------- tokens

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(header, claims, key):
    """A JWT of header and claims signed with key (HS256 or HS512; None: no
    signature at all)."""
    head = b64url(jsonlib.dumps(header).encode())
    body = b64url(jsonlib.dumps(claims).encode())
    signing_input = ("%s.%s" % (head, body)).encode()
    if key is None:
        return "%s.%s." % (head, body)
    alg = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[header["alg"]]
    return "%s.%s.%s" % (head, body, b64url(hmac.new(key, signing_input, alg).digest()))


def jwt_key(stack):
    """The stack's token signing key."""
    return bytes.fromhex((stack.secrets_dir / "jwt.key").read_text().strip())


def access_token(stack, sub, exp):
    """An access token of the stack for user id sub, expiring at exp (Unix s)."""
    return make_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": sub, "exp": exp, "type": "access"},
                    jwt_key(stack))


# ---------------------------------------------------------------- waiting and processes

def wait_for(predicate, timeout=10.0, interval=0.1):
    """Polls predicate until it returns a true value; returns that value, or
    the last (false) one after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pid_alive(pid):
    """True for a live process (a zombie counts as gone)."""
    fields = _proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def pid_stopped(pid):
    """True once a process is stopped (SIGSTOP is delivered asynchronously:
    kill() may return before the process has stopped)."""
    fields = _proc_stat(pid)
    return fields is not None and fields[0] == "T"


def child_pids(parent):
    """The pids whose parent is parent."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _proc_stat(int(entry))
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry))
    return pids


# ---------------------------------------------------------------- jobs

def csv_rows(n):
    """A CSV table of n rows: id, name, city (seven cities)."""
    return ("id,name,city\n" + "".join("%d,name%d,city%d\n" % (i, i, i % 7) for i in range(n))).encode()


def create_job(client, token, data=b"", name="input.csv", steps=(), size=None, **extra):
    """POST /jobs for an input of data (its size, unless size is given);
    extra keys go into the body as they are. Returns the job."""
    payload = {"file_name": name, "processing_steps": list(steps),
               "original_file_size_bytes": len(data) if size is None else size}
    payload.update(extra)
    status, _, job = client.api("POST", "/jobs", json=payload, token=token)
    assert status == 201, job
    return job


def upload_input(client, token, job, data=b""):
    """Asks for the job's signed upload URL and PUTs data there; the answer
    of upload-url."""
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % job["id"], json={}, token=token)
    assert status == 200, up
    status, _, body = client.request("PUT", up["upload_url"], body=data,
                                     headers={"Content-Type": "application/octet-stream"})
    assert status in (201, 204), body
    return up


def run_job(client, token, data=b"", **kw):
    """A job through create, upload and mark-uploaded (create_job's keyword
    arguments); returns its id once queued."""
    job = create_job(client, token, data, **kw)
    up = upload_input(client, token, job, data)
    status, _, queued = client.api("POST", "/jobs/%s/mark-uploaded" % job["id"],
                                   json={"object_key": up["object_key"]}, token=token)
    assert status == 200, queued
    # The answer is the job as mark-uploaded left it, even if a dispatcher
    # claimed it before the answer was written.
    assert queued["status"] == "QUEUED" and queued["queued_at"], queued
    return job["id"]


def get_job(client, token, job_id):
    status, _, job = client.api("GET", "/jobs/%s" % job_id, token=token)
    assert status == 200, job
    return job


def wait_job(client, token, job_id, statuses, timeout=30):
    """Polls the job until its status is one of statuses; returns it."""
    job = wait_for(lambda: (lambda j: j if j["status"] in statuses else None)(
        get_job(client, token, job_id)), timeout=timeout, interval=0.1)
    assert job, "job %s never reached %s (now %s)" % (
        job_id, statuses, get_job(client, token, job_id)["status"])
    return job


def download_output(client, token, job_id):
    """GET /jobs/{id}/download and the signed URL it redirects to; returns
    (headers, data) of the object."""
    status, headers, body = client.api("GET", "/jobs/%s/download" % job_id, token=token)
    assert status == 302, body
    status, headers, data = client.request("GET", headers["Location"])
    assert status == 200, data
    return headers, data


# ---------------------------------------------------------------- direct uploads

def upload_file(client, token, filename, content, ctype="application/octet-stream", field="file"):
    """POST /files/upload of one file part; returns (status, headers, body)."""
    body, content_type = multipart(files={field: (filename, content, ctype)})
    return client.api("POST", "/files/upload", token=token, raw=body,
                      headers={"Content-Type": content_type})


def upload_ok(client, token, filename, content, ctype="application/octet-stream"):
    """upload_file that must succeed; returns the file."""
    status, _, body = upload_file(client, token, filename, content, ctype)
    assert status == 201, body
    return body


def process_file(client, token, file_id, payload):
    """POST /files/{id}/process; returns the job it queued."""
    status, _, job = client.api("POST", "/files/%s/process" % file_id, token=token, json=payload)
    assert status == 202, job
    assert job["status"] in ("QUEUED", "RUNNING", "COMPLETED"), job
    assert job["file_id"] == file_id
    return job


def run_file(client, token, file_id, payload, want="COMPLETED"):
    """process_file, then waits for the job to end, as want; returns (job,
    headers, data) of its output (headers and data None unless COMPLETED)."""
    job = process_file(client, token, file_id, payload)
    job = wait_job(client, token, job["id"], ("COMPLETED", "FAILED"), timeout=60)
    assert job["status"] == want, job
    if want != "COMPLETED":
        return job, None, None
    headers, data = download_output(client, token, job["id"])
    return job, headers, data
