"""The OpenAPI document (/api/v1/openapi.json) against the running stack.

- It passes an npm validator (@apidevtools/swagger-parser: the OpenAPI 3.1
  schema and every $ref), and the documentation page /docs serves Swagger UI
  from the vendored copy.
- Every route of the router (`quarry-api routes`, the route table itself) is
  in it with a summary and its success answer.
- Every operation whose path this file knows how to fill (PREPARE) is called:
  with its documented example body when it has one, with no body when it
  takes none. It must get its documented success status, and a JSON answer
  must validate against the documented schema. An operation that has an
  example but no fixture for its path fails: add one to PREPARE.
"""

import json
import os
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest

from quarry_client import REPO, multipart, unique_email, wait_for

JS = REPO / "tests" / "js"
BUILD = Path(os.environ.get("QUARRY_BUILD_DIR") or REPO / "build" / os.environ.get("QUARRY_BUILD", "asan"))
EXAMPLE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
ADMIN = ("openapi-admin@example.com", "openapi-admin-password")

CSV = b"name,country,amount\nada,India,3\ngrace,USA,5\nalan,India,7\n"


@pytest.fixture(scope="module")
def document(stack):
    status, headers, body = stack.client().api("GET", "/openapi.json")
    assert status == 200, body
    assert headers.get("Content-Type").startswith("application/json")
    return body


# ---------------------------------------------------------------- fixtures for paths


class World:
    """Things the documented operations act on, made through the API."""

    def __init__(self, stack):
        self.stack = stack
        self.client = stack.client()
        stack.create_admin(*ADMIN)
        self.token = self.client.login(*ADMIN)
        self._completed = None
        self._datasets = 0
        self.krn = "krn:acme:client:456"

    def api(self, *args, **kw):
        return self.client.api(*args, token=self.token, **kw)

    def job(self, name="people.csv"):
        status, _, job = self.api("POST", "/jobs", json={"file_name": name,
                                                          "original_file_size_bytes": len(CSV)})
        assert status == 201, job
        return job["id"]

    def uploaded_job(self, name="my_large_data.csv"):
        job_id = self.job(name)
        status, _, up = self.api("POST", "/jobs/%s/upload-url" % job_id, json={})
        assert status == 200, up
        status, _, body = self.client.request("PUT", up["upload_url"], body=CSV)
        assert status in (201, 204), body
        return job_id

    def completed_job(self):
        if self._completed is None:
            job_id = self.uploaded_job("people.csv")
            status, _, body = self.api("POST", "/jobs/%s/mark-uploaded" % job_id,
                                       json={"object_key": "input/%s/people.csv" % job_id})
            assert status == 200, body

            def done():
                _, _, job = self.api("GET", "/jobs/%s" % job_id)
                return job["status"] in ("COMPLETED", "FAILED") and job
            job = wait_for(done, timeout=60)
            assert job and job["status"] == "COMPLETED", job
            self._completed = job_id
        return self._completed

    def file(self):
        body, ctype = multipart(files={"file": ("people.csv", CSV, "text/csv")})
        status, _, f = self.api("POST", "/files/upload", raw=body, headers={"Content-Type": ctype})
        assert status == 201, f
        return f["file_id"]

    def webhook(self):
        status, _, hook = self.api("POST", "/webhooks", json={
            "url": "http://localhost:9/hook", "events": ["job.completed"]})
        assert status == 201, hook
        return hook["id"]

    def upload(self):
        status, headers, body = self.client.request("POST", "/api/v1/uploads", headers={
            "Authorization": "Bearer " + self.token, "Tus-Resumable": "1.0.0",
            "Upload-Length": "10"})
        assert status == 201, body
        return headers["Location"].rsplit("/", 1)[1]

    def pipeline(self):
        status, _, body = self.api("POST", "/pipelines", json={
            "job_name": "openapi pipeline", "source_type": "FILE",
            "source_config": {"file_pattern": "people*.csv"}})
        assert status == 201, body
        return body["id"]

    def dataset(self):
        self._datasets += 1
        status, _, body = self.api("POST", "/datasets", json={
            "name": "openapi_%d" % self._datasets, "record_key_field": "id",
            "schema": {"id": {"type": "string"}, "amount": {"type": "number"}}})
        assert status == 201, body
        return body["id"]

    def client_krn(self):
        status, _, body = self.api("POST", "/clients", json={"krn": self.krn, "name": "Acme"})
        assert status in (201, 409), body
        return self.krn

    def member(self):
        """A new user made a member of the client: (krn, user id)."""
        krn = self.client_krn()
        user = self.client.register_and_login(unique_email("openapi-member"))
        status, _, body = self.api("POST", "/clients/%s/members" % krn, json={"email": user["email"]})
        assert status == 201, body
        return krn, user["user"]["id"]


# What fills each path's parameter: a method and path template -> a maker.
# A key of None for the method matches any method.
PREPARE = {
    (None, "/jobs/{id}"): World.completed_job,
    (None, "/jobs/{id}/upload-url"): World.job,
    (None, "/jobs/{id}/mark-uploaded"): World.uploaded_job,
    (None, "/jobs/{id}/download-url"): World.completed_job,
    (None, "/jobs/{id}/download"): World.completed_job,
    (None, "/jobs/{id}/cancel"): World.job,
    (None, "/jobs/{id}/errors"): World.completed_job,
    (None, "/status/{uploadId}"): World.completed_job,
    (None, "/status/{uploadId}/cancel"): World.job,
    (None, "/files/{id}"): World.file,
    (None, "/files/{id}/process"): World.file,
    (None, "/files/{id}/schema"): World.file,
    (None, "/webhooks/{id}"): World.webhook,
    (None, "/webhooks/{id}/deliveries"): World.webhook,
    (None, "/uploads/{id}"): World.upload,
    (None, "/clients/{krn}/members"): lambda w: w.krn,
    (None, "/clients/{krn}/members/{userId}"): World.member,
    (None, "/clients/{krn}/progress"): lambda w: w.krn,
    (None, "/clients/{krn}/service-accounts"): lambda w: w.krn,
    (None, "/pipelines/{id}"): World.pipeline,
    (None, "/pipelines/{id}/execute"): World.pipeline,
    (None, "/jobs/{id}/execute"): World.pipeline,
    (None, "/datasets/{id}/export"): World.dataset,
}

# Operations whose success needs a source database this file does not start
# (test_sources.py reads real ones): the document's default source (the
# example of /mongo/credentials) names a host that is not there.
NEEDS_SOURCE = {("POST", "/mongo/read"), ("POST", "/schema/generate")}


# Headers a protocol requires of every request under a path.
HEADERS = {"/uploads": {"Tus-Resumable": "1.0.0"}}


def fill(world, method, path):
    """The concrete path and the (first) value put in it, or (None, None) when this
    file cannot fill it."""
    if "{" not in path:
        return path, None
    maker = PREPARE.get((method, path)) or PREPARE.get((None, path))
    if maker is None:
        return None, None
    # A maker of a path with several parameters gives a tuple, in order.
    made = maker(world)
    values = made if isinstance(made, tuple) else (made,)
    for value in values:
        name = path[path.index("{"):path.index("}") + 1]
        path = path.replace(name, value.replace(":", "%3A"))
    return path, values[0]


def success_status(op):
    for code in op["responses"]:
        if code.isdigit() and 200 <= int(code) < 400:
            return int(code)
    raise AssertionError("%s has no success answer" % op["operationId"])


def check_answer(document, op, status, body):
    answer = op["responses"][str(status)]
    media = answer.get("content", {}).get("application/json")
    if media is None:
        return
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "components": document["components"]}
    schema.update(media["schema"])
    jsonschema.Draft202012Validator(schema).validate(body)


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


# ---------------------------------------------------------------- tests


def test_served_cached_and_valid(stack, document, tmp_path):
    assert document["openapi"] == "3.1.0"
    client = stack.client()
    status, headers, again = client.api("GET", "/openapi.json")
    assert status == 200 and again == document, "the document changed between two requests"
    assert "max-age" in headers.get("Cache-Control", "")
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    out = subprocess.run(["node", str(JS / "openapi_validate.mjs"), str(path)], cwd=JS,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, "the validator refused the document:\n" + out.stderr
    summary = json.loads(out.stdout)
    assert summary["valid"] and summary["operations"] >= 30, summary
    # Every refusal the document names is the one error shape.
    for name, response in document["components"]["responses"].items():
        ref = response["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error", name
    schemes = document["components"]["securitySchemes"]
    assert {"bearer", "password", "externalIssuer"} <= set(schemes)


def test_every_route_of_the_router_is_in_the_document(document):
    out = subprocess.run([str(BUILD / "quarry-api"), "routes"], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    assert out.returncode == 0, out.stderr
    routes = [line.split() for line in out.stdout.splitlines()]
    assert len(routes) >= 30
    walked = 0
    for method, pattern, access, documented in routes:
        if access == "internal":
            continue
        assert pattern.startswith("/api/v1/"), pattern
        path = pattern[len("/api/v1"):]
        assert path in document["paths"], "%s %s is not in the document" % (method, pattern)
        op = document["paths"][path].get(method.lower())
        assert op is not None, "%s %s is not in the document" % (method, pattern)
        assert documented == "documented" and op["summary"] != "Undocumented", (method, pattern)
        success_status(op)
        if access != "public":
            assert op["security"], "%s %s needs a token but says none" % (method, pattern)
            assert "401" in op["responses"]
        walked += 1
    ops = sum(1 for _ in operations(document))
    assert walked == ops, "the document has operations the router does not (%d vs %d)" % (ops, walked)


def test_documented_examples_and_answers(stack, document):
    world = World(stack)
    sent, examples = [], 0
    for method, path, op in operations(document):
        body = op.get("requestBody")
        media = body["content"] if body else {}
        example = next((m["example"] for m in media.values() if "example" in m), None)
        if body and example is None and body.get("required"):
            continue  # a multipart upload: test_files.py sends real ones
        if "application/offset+octet-stream" in media:
            continue  # tus bytes: test_uploads.py sends real ones
        if (method, path) in NEEDS_SOURCE:
            continue
        target, value = fill(world, method, path)
        if target is None:
            assert example is None, \
                "%s %s has an example but no fixture for its path: add one to PREPARE" % (method, path)
            continue
        kw = {}
        if example is not None:
            examples += 1
            text = json.dumps(example).replace(EXAMPLE_ID, value or EXAMPLE_ID)
            if "application/x-www-form-urlencoded" in media:
                kw["form"] = json.loads(text)
            else:
                kw["json"] = json.loads(text)
        token = world.token if op["security"] else None
        extra = next((h for prefix, h in HEADERS.items() if path.startswith(prefix)), None)
        status, headers, answer = world.client.api(method, target, token=token, headers=extra, **kw)
        expected = success_status(op)
        assert status == expected, "%s %s answered %d, documented %d: %r" % (
            method, target, status, expected, answer)
        if isinstance(answer, (dict, list)):
            check_answer(document, op, status, answer)
        if "X-Total-Count" in op["responses"][str(status)].get("headers", {}):
            assert headers.get("X-Total-Count", "").isdigit(), (method, path)
        sent.append((method, path))
    assert examples >= 8, "only %d examples were sent" % examples
    assert len(sent) >= 25, sent


def test_docs_page_renders_every_operation_under_the_csp(stack, document):
    """/docs is Swagger UI from web/docs/vendor/, under the site's strict
    CSP: it renders every operation with no console error (a CSP refusal
    would be one) and fetches nothing from outside the site."""
    shot = stack.home / "docs-page.png"
    out = subprocess.run(["node", str(JS / "docs_page.mjs"), stack.base_url, str(shot)], cwd=JS,
                         capture_output=True, text=True, timeout=180,
                         env=dict(os.environ, QUARRY_CHROMIUM=os.environ.get("QUARRY_CHROMIUM", "/usr/bin/chromium")))
    assert out.returncode == 0, out.stderr
    page = json.loads(out.stdout)
    assert page["problems"] == [] and page["outside"] == [], page
    assert "script-src 'self'" in page["csp"] and "unsafe" not in page["csp"], page["csp"]
    # Swagger UI shows the operations and, below them, the webhooks Quarry sends.
    expected = sum(1 for _ in operations(document)) + len(document.get("webhooks", {}))
    assert page["operations"] == expected, page
    assert page["title"].startswith("Quarry API"), page
    status, headers, _ = stack.client().request("GET", "/docs")
    assert status == 301 and headers.get("Location").endswith("/docs/")
