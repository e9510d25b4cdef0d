"""A small HTTP client for Quarry's end-to-end tests (standard library only).

    client = QuarryClient("https://localhost:8443", ssl_context)
    status, headers, body = client.api("GET", "/health")
    token = client.register_and_login()["token"]
    status, headers, job = client.api("POST", "/jobs", json={...}, token=token)

`api` answers (status, headers, body): headers is an http.client.HTTPMessage
(case-insensitive .get), body is the parsed JSON when the answer is JSON,
else the raw bytes. Redirects are never followed.
"""

import http.client
import json as jsonlib
import time
import urllib.parse
import uuid

API_PREFIX = "/api/v1"


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

    def register(self, email=None, password="correct-horse-battery", retries=20, **extra):
        """POST /auth/register; returns (status, body). A fresh unique email
        when none is given. Waits out the rate limit (429) that register
        shares with login."""
        email = email or unique_email()
        payload = {"email": email, "password": password}
        payload.update(extra)
        for _ in range(retries):
            status, _, body = self.api("POST", "/auth/register", json=payload)
            if status != 429:
                break
            time.sleep(0.5)
        return status, body

    def login(self, username, password, retries=20):
        """POST /auth/login as a form; returns the access token. Waits out
        the login rate limit (429) instead of failing."""
        for _ in range(retries):
            status, _, body = self.api("POST", "/auth/login",
                                       form={"username": username, "password": password})
            if status != 429:
                break
            time.sleep(0.5)
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
    """The error shape of DESIGN.md: {"error":{"code","message","timestamp",
    "field"?},"detail"} with detail == message."""
    assert isinstance(body, dict), "not a JSON object: %r" % (body,)
    err = body.get("error")
    assert isinstance(err, dict), "no error object: %r" % (body,)
    for key in ("code", "message", "timestamp"):
        assert isinstance(err.get(key), str) and err[key], "error.%s missing: %r" % (key, body)
    assert body.get("detail") == err["message"], "detail must repeat the message: %r" % (body,)
    if code is not None:
        assert err["code"] == code, "expected %s, got %r" % (code, body)
    return err
