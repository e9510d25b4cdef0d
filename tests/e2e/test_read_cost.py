"""The read-cost guard: every endpoint reads what its answer needs, whatever
the size of the tables around it.

Each endpoint is called with a background of bulk rows (BULK of the caller's
own jobs, line errors, files and progress records, of a pipeline's
executions, an execution's errors, quality checks, a webhook's deliveries,
datasets, a dataset's commits and a load job's runs, OTHERS of other users'
jobs, pipelines and the like, all loaded with SQL), and MariaDB's handler
counters (Handler_read_*:
each row or index entry any statement read) are taken around the call. A call
fails when it read more than

    FACTOR * max(items it returned, 1) + BASE  (+ skip, for a page by offset;
                                               + TASK_WAIT, for a call that waits for a task)

rows, or when the server made an on-disk temporary table for it
(Created_tmp_disk_tables: a sort or a join of rows with long text columns,
a file created and removed per request). A count over the caller's rows, a scan of the table, an index that
does not serve a list's filter and order, or a subquery run per row all read
hundreds to thousands of rows here and fail; a correct call reads its page,
a few lookups (the caller, the object's owner) and the totals' counter rows.
Background work of the stack (the dispatcher's polls) adds a few reads: a
call over its budget is measured again, and the least of three counts.

Adding an endpoint: one line in CALLS, e.g.

    Call("GET /api/v1/widgets", "/widgets?limit=10"),
    Call("GET /api/v1/widgets", "/widgets?limit=10", follow=True),   # its next page
    Call("GET /api/v1/widgets/{id}", "/widgets/{widget}"),

`route` is the route as routes.c spells it; the path's {names} come from
the world fixture (add what your endpoint needs there, with a bulk of the
caller's rows beside it if it lists them). `follow` measures the page the
first answer's Link rel="next" points at; `prepare(world)` makes what one
call uses up (a fresh job to cancel) and returns more {names}; `send(world,
client)` replaces the API call (uploads, object URLs). A route without a
line fails test_every_route_is_guarded.
"""

import json
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

import pytest

from conftest import QUARRY, REPO
from quarry_client import multipart, next_link, unique_email, walk_pages

FACTOR = 4
BASE = 60
LIMIT = 10
# A call that waits for a quarry-process task (a file's schema, a source's
# test or read) reads, besides its own rows, the task's state at each poll
# and whatever the dispatcher's passes read while it waits: both grow with
# the wait (the machine's load), not with the tables. A data-quality check
# wakes the dispatcher, whose claim and spawn overlap the call the same way.
TASK_WAIT = 64
BULK = 1500
OTHERS = 3000
ADMIN_PASSWORD = "guard-admin-password"
CSV = b"name,city,amount\nada,NY,10\nbob,LA,20\ncy,NY,30\n"

READ_COUNTERS = ("HANDLER_READ_FIRST", "HANDLER_READ_KEY", "HANDLER_READ_LAST",
                 "HANDLER_READ_NEXT", "HANDLER_READ_PREV", "HANDLER_READ_RND",
                 "HANDLER_READ_RND_NEXT")


class Counters:
    """The server's handler read counters through one kept mariadb client
    (a new client per snapshot would cost a process start each)."""

    def __init__(self, stack):
        self.proc = subprocess.Popen([str(QUARRY), "sql", "-N", "-B", "--unbuffered"],
                                     env=stack.env, cwd=str(REPO), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.idle = 0
        self.idle = min(self.reads_between(lambda: None)[0] for _ in range(5))

    def total(self):
        """(rows read, on-disk temporary tables made) since the server started."""
        names = ", ".join("'%s'" % n for n in READ_COUNTERS)
        self.proc.stdin.write("SELECT SUM(IF(VARIABLE_NAME = 'CREATED_TMP_DISK_TABLES', 0,"
                              " VARIABLE_VALUE)), SUM(IF(VARIABLE_NAME ="
                              " 'CREATED_TMP_DISK_TABLES', VARIABLE_VALUE, 0))"
                              " FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN"
                              " (%s, 'CREATED_TMP_DISK_TABLES');\nSELECT '--end--';\n" % names)
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                raise AssertionError("mariadb client ended: %s" % self.proc.stderr.read())
            if line.strip() == "--end--":
                reads, disk = lines[-1].split("\t")
                return int(float(reads)), int(float(disk))
            lines.append(line.strip())

    def reads_between(self, fn):
        """Rows read and on-disk temporary tables made by the server while
        fn ran (its result beside)."""
        reads, disk = self.total()
        result = fn()
        reads2, disk2 = self.total()
        return reads2 - reads - self.idle, disk2 - disk, result

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@dataclass
class Call:
    route: str                        # "GET /api/v1/jobs/{id}", as routes.c has it
    path: str = ""                    # the request path; {names} come from the world
    as_user: Optional[str] = "alice"  # whose token: alice, admin, or None
    body: object = None               # a JSON body ({names} in strings are filled in)
    follow: bool = False              # measure the page the Link rel="next" points at
    skip: int = 0                     # a page by offset may read this many rows more
    task: bool = False                # waits for a quarry-process task (TASK_WAIT more)
    status: Optional[int] = 200       # None: any (nginx answers object requests)
    prepare: Optional[Callable] = None  # world -> {name: value} for this call alone
    send: Optional[Callable] = None     # (world, client) -> (status, headers, body)

    @property
    def method(self):
        return self.route.split()[0]

    def __str__(self):
        return "%s %s%s%s" % (self.method, self.path or self.route.split()[1],
                              " (next page)" if self.follow else "",
                              "" if self.as_user == "alice" else " as %s" % self.as_user)


def fill(value, names):
    if isinstance(value, str):
        return value.format_map(names)
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


# ------------------------------------------------------------ what one call needs

def fresh_job(world):
    status, _, job = world["client"].api("POST", "/jobs", token=world["alice"]["token"],
                                         json={"file_name": "guard.csv",
                                               "original_file_size_bytes": len(CSV)})
    assert status == 201, job
    return {"fresh_job": job["id"]}


def blocked_put(world):
    """A fresh job whose input folder is a plain file: nginx cannot move a
    PUT's body into place (a 500 of its own), and its error page asks the
    API whether the storage is full (/internal/upload-failed)."""
    names = fresh_job(world)
    inputs = world["stack"].storage_dir / "input"
    assert inputs.is_dir()  # made by the earlier uploads, as the service user
    (inputs / names["fresh_job"]).write_bytes(b"")
    return names


def uploaded_job(world):
    names = fresh_job(world)
    client, token = world["client"], world["alice"]["token"]
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % names["fresh_job"], json={},
                               token=token)
    assert status == 200, up
    status, _, body = client.request("PUT", up["upload_url"], body=CSV,
                                     headers={"Content-Type": "application/octet-stream"})
    assert status in (201, 204), body
    names["object_key"] = up["object_key"]
    return names


def signed_url(world):
    client, token = world["client"], world["alice"]["token"]
    status, _, body = client.api("POST", "/jobs/%s/download-url" % world["done_job"], json={},
                                 token=token)
    assert status == 200, body
    return {"download_url": body["download_url"]}


def fresh_upload(world):
    return {"fresh_file": upload_file(world["client"], world["alice"]["token"])}


def upload_file(client, token):
    body, ctype = multipart(files={"file": ("guard.csv", CSV, "text/csv")})
    status, _, f = client.api("POST", "/files/upload", token=token, raw=body,
                              headers={"Content-Type": ctype})
    assert status == 201, f
    return f["file_id"]


def send_upload(world, client):
    body, ctype = multipart(files={"file": ("guard.csv", CSV, "text/csv")})
    return client.api("POST", "/files/upload", token=world["alice"]["token"], raw=body,
                      headers={"Content-Type": ctype})


def send_object(method):
    def send(world, client):
        url = world["download_url"]
        return client.request(method, url)[:2] + (None,)
    return send


def send_put(world, client):
    """A PUT of a fresh job's upload: nginx asks /internal/object-auth first."""
    token = world["alice"]["token"]
    status, _, up = client.api("POST", "/jobs/%s/upload-url" % world["fresh_job"], json={},
                               token=token)
    assert status == 200, up
    return client.request("PUT", up["upload_url"], body=CSV,
                          headers={"Content-Type": "application/octet-stream"})


def send_register(world, client):
    return client.api("POST", "/auth/register",
                      json={"email": unique_email("guard"), "password": "guard-password-1"})


def send_login(world, client):
    return client.api("POST", "/auth/login", form={"username": world["alice"]["email"],
                                                   "password": world["alice"]["password"]})


# ------------------------------------------------------------ pipelines, datasets, identity

TUS = {"Tus-Resumable": "1.0.0"}
# A source that is not running: its test and reads are measured on their refusal.
DOWN_URI = "mariadb://guard:guard-password@127.0.0.1:1/shop?table=orders"


def new_pipeline(world, name="guard-pipeline"):
    status, _, p = world["client"].api("POST", "/pipelines", token=world["alice"]["token"],
                                       json={"job_name": name, "source_type": "FILE",
                                             "source_config": {"file_id": world["file"]}})
    assert status == 201, p
    return p["id"]


def fresh_pipeline(world):
    return {"fresh_pipeline": new_pipeline(world, "guard-fresh-%s" % world["nonce"])}


def fresh_dependency(world):
    """A fresh parent of the pipeline, and its edge (to delete)."""
    parent = new_pipeline(world, "guard-parent-%s" % world["nonce"])
    status, _, body = world["client"].api("POST", "/pipelines/%s/dependencies" % world["pipeline"],
                                          token=world["alice"]["token"],
                                          json={"parent_job_id": parent})
    assert status == 201, body
    return {"fresh_pipeline": parent, "fresh_dependency": body["data"]["dependency_id"]}


def pending_execution(world):
    """An execution queued behind a job that waits (PENDING: no dispatcher
    claims it), so that a cancel finds it unfinished."""
    execution, job = str(uuid.uuid4()), str(uuid.uuid4())
    world["stack"].sql(
        "INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config,"
        " created_at, updated_at, execution_id) VALUES ('%s', '%s', 'guard-exec.csv', 'PENDING',"
        " '[]', '{}', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), '%s');"
        "INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status, trigger_type,"
        " parameters, created_at) VALUES ('%s', '%s', '%s', '%s', 'PENDING', 'manual', '{}',"
        " UTC_TIMESTAMP(3))"
        % (job, world["alice"]["user"]["id"], execution, execution, world["pipeline"],
           world["alice"]["user"]["id"], job))
    return {"fresh_execution": execution}


def fresh_account(world):
    status, _, body = world["client"].api(
        "POST", "/clients/%s/service-accounts" % world["krn_q"], token=world["admin"]["token"],
        json={"name": "guard-%s" % world["nonce"]})
    assert status == 201, body
    return {"fresh_account": body["id"]}


def send_token(world, client):
    account = world["account"]
    return client.api("POST", "/auth/token",
                      form={"grant_type": "client_credentials", "client_id": account["client_id"],
                            "client_secret": account["client_secret"]})


def finished_delivery(world):
    delivery = str(uuid.uuid4())
    world["stack"].sql(
        "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts,"
        " created_at, retry_from, finished_at, last_status) VALUES ('%s', '%s', 'job.completed',"
        " '{}', 'FAILED', 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 500)"
        % (delivery, world["retry_webhook"]))
    return {"fresh_delivery": delivery}


def fresh_dataset(world):
    status, _, ds = world["client"].api("POST", "/datasets", token=world["alice"]["token"],
                                        json={"name": "guard_%s" % world["nonce"],
                                              "record_key_field": "id",
                                              "schema": {"id": "integer", "city": "string"}})
    assert status == 201, ds
    return {"fresh_dataset": ds["id"]}


def new_load_job(world, name):
    status, _, body = world["client"].api("POST", "/jobs/batch/create",
                                          token=world["alice"]["token"],
                                          json={"job_name": name, "collection": "orders",
                                                "hudi_table_name": "guard_orders",
                                                "source_id": world["source"]})
    assert status == 200, body
    return body["job_id"]


def fresh_load_job(world):
    return {"fresh_load_job": new_load_job(world, "guard-load-%s" % world["nonce"])}


def running_load_job(world):
    """A load job whose run another host holds RUNNING (no dispatcher here
    takes it): a stop asks for its cancellation."""
    load_job = new_load_job(world, "guard-run-%s" % world["nonce"])
    run = str(uuid.uuid4())
    # Its user is not alice: the run's later state does not move her job list.
    world["stack"].sql(
        "INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config,"
        " created_at, updated_at, started_at, kind, subject_id, worker_host) VALUES ('%s',"
        " '00000000-0000-4000-8000-000000000000', 'guard-bulk-run', 'RUNNING', '[]', '{}',"
        " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'dataset_load', '%s',"
        " 'guard-elsewhere');"
        "UPDATE load_jobs SET current_job_id = '%s' WHERE id = '%s'"
        % (run, load_job, run, load_job))
    return {"fresh_load_job": load_job}


def tus_headers(world, extra=None):
    h = dict(TUS, Authorization="Bearer " + world["alice"]["token"])
    h.update(extra or {})
    return h


def new_upload(world, client):
    status, headers, body = client.request("POST", "/api/v1/uploads",
                                           headers=tus_headers(world, {"Upload-Length": str(len(CSV))}))
    assert status == 201, body
    return headers["Location"].rsplit("/", 1)[1]


def fresh_tus(world):
    return {"fresh_upload": new_upload(world, world["client"])}


def send_tus(method, extra=None, body=None, auth=True):
    def send(world, client):
        path = "/api/v1/uploads" + ("/%s" % world["fresh_upload"] if "fresh_upload" in world else "")
        headers = tus_headers(world, extra) if auth else dict(TUS, **(extra or {}))
        status, h, data = client.request(method, path, body=body, headers=headers)
        return status, h, None
    return send


def send_tus_create(world, client):
    status, headers, _ = client.request("POST", "/api/v1/uploads",
                                        headers=tus_headers(world, {"Upload-Length": str(len(CSV))}))
    return status, headers, None


def send_options(world, client):
    status, headers, _ = client.request("OPTIONS", "/api/v1/uploads")
    return status, headers, None


# ------------------------------------------------------------ the table

CALLS = [
    Call("GET /api/v1/health", "/health", as_user=None),
    Call("POST /api/v1/auth/register", send=send_register, as_user=None, status=201),
    Call("POST /api/v1/auth/login", send=send_login, as_user=None),
    Call("GET /api/v1/auth/me", "/auth/me"),
    Call("GET /api/v1/users/me", "/users/me"),

    Call("POST /api/v1/jobs", "/jobs", body={"file_name": "guard.csv"}, status=201),
    Call("GET /api/v1/jobs", "/jobs?limit=%d" % LIMIT),
    Call("GET /api/v1/jobs", "/jobs?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/jobs", "/jobs?status=COMPLETED&limit=%d" % LIMIT),
    Call("GET /api/v1/jobs", "/jobs?status=COMPLETED&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/jobs", "/jobs?status=FAILED&limit=%d" % LIMIT),
    Call("GET /api/v1/jobs", "/jobs?skip=1000&limit=%d" % LIMIT, skip=1000),
    Call("GET /api/v1/jobs/{id}", "/jobs/{done_job}"),
    Call("POST /api/v1/jobs/{id}/upload-url", "/jobs/{fresh_job}/upload-url", body={},
         prepare=fresh_job),
    Call("POST /api/v1/jobs/{id}/mark-uploaded", "/jobs/{fresh_job}/mark-uploaded",
         body={"object_key": "{object_key}"}, prepare=uploaded_job),
    Call("POST /api/v1/jobs/{id}/download-url", "/jobs/{done_job}/download-url", body={}),
    Call("GET /api/v1/jobs/{id}/download", "/jobs/{done_job}/download", status=302),
    Call("POST /api/v1/jobs/{id}/cancel", "/jobs/{fresh_job}/cancel", body={},
         prepare=fresh_job),
    Call("GET /api/v1/jobs/{id}/errors", "/jobs/{done_job}/errors?limit=%d" % LIMIT),
    Call("GET /api/v1/jobs/{id}/errors", "/jobs/{done_job}/errors?limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/jobs/{id}/errors",
         "/jobs/{done_job}/errors?severity=warning&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/jobs/{id}/errors", "/jobs/{done_job}/errors?skip=1000&limit=%d" % LIMIT,
         skip=1000),
    Call("GET /api/v1/status/{uploadId}", "/status/{done_job}"),
    Call("POST /api/v1/status/{uploadId}/cancel", "/status/{fresh_job}/cancel", body={},
         prepare=fresh_job),

    Call("POST /api/v1/files/upload", send=send_upload, status=201),
    # nginx asks /internal/token-auth before it reads an upload's body.
    Call("GET /internal/token-auth", send=send_upload, status=201),
    Call("GET /api/v1/files", "/files?limit=%d" % LIMIT),
    Call("GET /api/v1/files", "/files?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/files/{id}", "/files/{file}"),
    Call("DELETE /api/v1/files/{id}", "/files/{fresh_file}", prepare=fresh_upload, status=204),
    Call("PATCH /api/v1/files/{id}", "/files/{fresh_file}", body={"pinned": True},
         prepare=fresh_upload),
    Call("POST /api/v1/files/{id}/process", "/files/{fresh_file}/process", body={},
         prepare=fresh_upload, status=202),
    Call("GET /api/v1/files/{id}/schema", "/files/{file}/schema", task=True),

    Call("POST /api/v1/clients", "/clients", as_user="admin", status=201,
         body={"krn": "krn:guard:client:{nonce}", "name": "guard"}),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT, as_user="admin"),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT, as_user="admin", follow=True),
    Call("POST /api/v1/clients/{krn}/members", "/clients/{krn_q}/members", as_user="admin",
         body={"email": "{member_email}"}, prepare=lambda w: {"member_email": new_member(w)},
         status=201),
    Call("GET /api/v1/clients/{krn}/members", "/clients/{krn_q}/members?limit=%d" % LIMIT,
         as_user="admin"),
    Call("GET /api/v1/clients/{krn}/members", "/clients/{krn_q}/members?limit=1", as_user="admin",
         follow=True),
    Call("DELETE /api/v1/clients/{krn}/members/{userId}", "/clients/{krn_q}/members/{member_id}",
         as_user="admin", status=204, prepare=lambda w: {"member_id": added_member(w)}),
    Call("PATCH /api/v1/clients/{krn}/members/{userId}", "/clients/{krn_q}/members/{member_id}",
         as_user="admin", body={"role": "analyst"}, prepare=lambda w: {"member_id": added_member(w)}),
    Call("POST /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress",
         body={"filename": "guard-{nonce}.csv", "counts": {"done": 5}}, status=201),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?limit=%d" % LIMIT),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/clients/{krn}/progress",
         "/clients/{krn_q}/progress?email={bob_email}&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?filename=guard-bulk-7"),

    # Pipelines (short lists: a user keeps few) and their executions, dependencies,
    # errors and quality checks (lists that grow with use: bulk rows beside them).
    Call("POST /api/v1/pipelines", "/pipelines", status=201,
         body={"job_name": "guard-{nonce}", "source_type": "FILE",
               "source_config": {"file_id": "{file}"}}),
    Call("GET /api/v1/pipelines", "/pipelines?limit=%d" % LIMIT),
    Call("GET /api/v1/pipelines/schedule-preview",
         "/pipelines/schedule-preview?cron=*/5%20*%20*%20*%20*&count=5"),
    # Alice keeps a few pipelines and sources: a page of one shows a next.
    Call("GET /api/v1/pipelines", "/pipelines?limit=1", follow=True),
    Call("GET /api/v1/pipelines", "/pipelines?status=active&limit=1", follow=True),
    Call("GET /api/v1/jobs", "/jobs?status=active&limit=%d" % LIMIT),
    Call("GET /api/v1/jobs", "/jobs?status=active&limit=1", follow=True),
    Call("GET /api/v1/pipelines/executable", "/pipelines/executable"),
    Call("GET /api/v1/jobs/executable", "/jobs/executable"),
    Call("GET /api/v1/pipelines/{id}", "/pipelines/{pipeline}"),
    Call("PATCH /api/v1/pipelines/{id}", "/pipelines/{pipeline}",
         body={"description": "guard {nonce}"}),
    Call("DELETE /api/v1/pipelines/{id}", "/pipelines/{fresh_pipeline}", prepare=fresh_pipeline,
         status=204),
    Call("POST /api/v1/pipelines/{id}/activate", "/pipelines/{pipeline}/activate", body={}),
    Call("POST /api/v1/pipelines/{id}/deactivate", "/pipelines/{fresh_pipeline}/deactivate",
         body={}, prepare=fresh_pipeline),
    Call("POST /api/v1/pipelines/{id}/execute", "/pipelines/{fresh_pipeline}/execute", body={},
         prepare=fresh_pipeline, status=202),
    Call("POST /api/v1/jobs/{id}/execute", "/jobs/{fresh_pipeline}/execute", body={},
         prepare=fresh_pipeline, status=202),
    Call("GET /api/v1/pipelines/{id}/executions",
         "/pipelines/{pipeline}/executions?limit=%d" % LIMIT),
    Call("GET /api/v1/pipelines/{id}/executions",
         "/pipelines/{pipeline}/executions?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/pipelines/{id}/executions",
         "/pipelines/{pipeline}/executions?status=FAILED&limit=%d" % LIMIT),
    Call("GET /api/v1/pipelines/{id}/executions",
         "/pipelines/{pipeline}/executions?status=FAILED&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/pipelines/{id}/executions",
         "/pipelines/{pipeline}/executions?offset=1000&limit=%d" % LIMIT, skip=1000),
    Call("GET /api/v1/jobs/{id}/executions", "/jobs/{pipeline}/executions?limit=%d" % LIMIT),
    Call("GET /api/v1/pipelines/{id}/executions/{eid}",
         "/pipelines/{pipeline}/executions/{execution}"),
    Call("GET /api/v1/jobs/{id}/executions/{eid}", "/jobs/{pipeline}/executions/{execution}"),
    Call("POST /api/v1/pipelines/{id}/executions/{eid}/cancel",
         "/pipelines/{pipeline}/executions/{fresh_execution}/cancel", body={},
         prepare=pending_execution),
    Call("POST /api/v1/jobs/{id}/executions/{eid}/cancel",
         "/jobs/{pipeline}/executions/{fresh_execution}/cancel", body={},
         prepare=pending_execution),
    Call("POST /api/v1/pipelines/{id}/dependencies", "/pipelines/{pipeline}/dependencies",
         body={"parent_job_id": "{fresh_pipeline}"}, prepare=fresh_pipeline, status=201),
    Call("POST /api/v1/jobs/{id}/dependencies", "/jobs/{pipeline}/dependencies",
         body={"parent_job_id": "{fresh_pipeline}"}, prepare=fresh_pipeline, status=201),
    Call("GET /api/v1/pipelines/{id}/dependencies", "/pipelines/{pipeline}/dependencies"),
    Call("GET /api/v1/jobs/{id}/dependencies", "/jobs/{pipeline}/dependencies"),
    Call("DELETE /api/v1/pipelines/{id}/dependencies/{which}",
         "/pipelines/{pipeline}/dependencies/{fresh_dependency}", prepare=fresh_dependency),
    Call("DELETE /api/v1/jobs/{id}/dependencies/{which}",
         "/jobs/{pipeline}/dependencies/{fresh_pipeline}", prepare=fresh_dependency),
    Call("GET /api/v1/pipelines/{id}/dependencies/check", "/pipelines/{pipeline}/dependencies/check"),
    Call("GET /api/v1/jobs/{id}/dependencies/check", "/jobs/{pipeline}/dependencies/check"),
    Call("GET /api/v1/pipelines/{id}/dependency-tree", "/pipelines/{pipeline}/dependency-tree"),
    Call("GET /api/v1/jobs/{id}/dependency-tree", "/jobs/{pipeline}/dependency-tree"),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?limit=%d" % LIMIT),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?severity=HIGH&limit=%d" % LIMIT),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?severity=HIGH&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?error_type=PARSING_ERROR&limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/errors/executions/{eid}/errors",
         "/errors/executions/{execution}/errors?offset=1000&limit=%d" % LIMIT, skip=1000),
    Call("GET /api/v1/errors/summary", "/errors/summary?days=7"),
    Call("PATCH /api/v1/errors/{id}/resolve", "/errors/{error}/resolve",
         body={"resolution_notes": "guard"}),
    Call("PATCH /api/v1/errors/{id}/unresolve", "/errors/{error}/unresolve", body={}),
    # The check runs in quarry-process; the request waits for its end.
    Call("POST /api/v1/data-quality/check", "/data-quality/check", body={"entity_type": "{file}"},
         task=True),
    Call("GET /api/v1/data-quality/checks", "/data-quality/checks?limit=%d" % LIMIT),
    Call("GET /api/v1/data-quality/checks", "/data-quality/checks?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/data-quality/checks", "/data-quality/checks?entity_id={file}&limit=%d" % LIMIT),
    Call("GET /api/v1/data-quality/checks", "/data-quality/checks?entity_id={file}&limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/data-quality/checks/{id}", "/data-quality/checks/{quality}"),

    # Sources (a short list), against a server that is not running: test
    # (200 ok:false), read, schema generation and transform (502) are
    # measured on their refusal, the task's answer from quarry-process.
    Call("POST /api/v1/sources", "/sources", status=201,
         body={"name": "guard-{nonce}", "uri": DOWN_URI}),
    Call("GET /api/v1/sources", "/sources?limit=%d" % LIMIT),
    Call("GET /api/v1/sources", "/sources?limit=1", follow=True),
    Call("GET /api/v1/sources/{id}", "/sources/{source}"),
    Call("DELETE /api/v1/sources/{id}", "/sources/{fresh_source}", status=204,
         prepare=lambda w: {"fresh_source": new_source(w, "guard-del-%s" % w["nonce"])}),
    Call("POST /api/v1/sources/{id}/test", "/sources/{source}/test", body={}, task=True),
    Call("POST /api/v1/sources/{id}/read", "/sources/{source}/read", body={"limit": 5},
         status=502, task=True),
    Call("POST /api/v1/mongo/credentials", "/mongo/credentials",
         body={"mongo_uri": DOWN_URI, "database": "shop", "collection": "orders"}, task=True),
    Call("POST /api/v1/mongo/read", "/mongo/read", status=502,
         body={"source_id": "{source}", "collection": "orders", "limit": 5}, task=True),
    Call("POST /api/v1/schema/generate", "/schema/generate", status=502,
         body={"source_id": "{source}", "table": "orders", "sample_size": 10}, task=True),
    Call("POST /api/v1/mongo/transform", "/mongo/transform", status=502,
         body={"source_id": "{source}", "collection": "orders", "limit": 5,
               "schema": {"id": {"type": "integer"}}}, task=True),

    # Load jobs; their runs grow with use (bulk runs and commits beside them).
    Call("POST /api/v1/jobs/batch/create", "/jobs/batch/create",
         body={"job_name": "guard-batch-{nonce}", "collection": "orders",
               "hudi_table_name": "guard_orders", "source_id": "{source}"}),
    Call("POST /api/v1/jobs/stream/create", "/jobs/stream/create",
         body={"job_name": "guard-stream-{nonce}", "collection": "orders",
               "hudi_table_name": "guard_orders", "source_id": "{source}"}),
    Call("GET /api/v1/jobs", "/jobs?job_type=batch"),
    Call("GET /api/v1/jobs", "/jobs?job_type=batch&limit=1", follow=True),
    Call("GET /api/v1/load-jobs", "/load-jobs?limit=%d" % LIMIT),
    Call("GET /api/v1/load-jobs", "/load-jobs?limit=1", follow=True),
    Call("GET /api/v1/jobs/{id}/status", "/jobs/{load_job}/status"),
    Call("POST /api/v1/jobs/{id}/start", "/jobs/{fresh_load_job}/start", body={},
         prepare=fresh_load_job),
    Call("POST /api/v1/jobs/{id}/stop", "/jobs/{fresh_load_job}/stop", body={},
         prepare=running_load_job),
    Call("DELETE /api/v1/load-jobs/{id}", "/load-jobs/{fresh_load_job}", status=204,
         prepare=fresh_load_job),

    # Datasets (commits grow with use) and SQL on them, as the user's account.
    Call("POST /api/v1/datasets", "/datasets", status=201,
         body={"name": "guard_{nonce}", "record_key_field": "id",
               "schema": {"id": "integer", "city": "string"}}),
    Call("GET /api/v1/datasets", "/datasets?limit=%d" % LIMIT),
    Call("GET /api/v1/datasets", "/datasets?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/datasets/{id}", "/datasets/{dataset}"),
    Call("DELETE /api/v1/datasets/{id}", "/datasets/{fresh_dataset}", status=204,
         prepare=fresh_dataset),
    Call("POST /api/v1/datasets/{id}/load", "/datasets/{dataset}/load", status=202,
         body={"source_id": "{source}", "table": "orders", "mode": "append"}),
    Call("POST /api/v1/datasets/{id}/export", "/datasets/{dataset}/export", status=202,
         body={"format": "csv"}),
    Call("POST /api/v1/hudi/table/create", "/hudi/table/create",
         body={"table_name": "guard_{nonce}", "database": "default", "record_key_field": "id",
               "schema": {"id": {"type": "integer"}, "city": {"type": "string"}}}),
    Call("GET /api/v1/hudi/tables", "/hudi/tables?database=default"),
    Call("GET /api/v1/hudi/tables", "/hudi/tables?database=default&limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/hudi/table/{name}", "/hudi/table/{dataset_name}?database=default"),
    # The statement's own reads are the caller's choice: a few rows by key.
    Call("POST /api/v1/query", "/query",
         body={"sql": "SELECT id, city FROM {dataset_name} WHERE id <= 5"}),
    Call("POST /api/v1/trino/query", "/trino/query",
         body={"sql": "SELECT id, city FROM {dataset_name} WHERE id <= 5"}),
    Call("GET /api/v1/trino/health", "/trino/health"),
    Call("GET /api/v1/trino/catalogs", "/trino/catalogs"),
    Call("GET /api/v1/trino/schemas", "/trino/schemas?catalog=hive"),
    Call("GET /api/v1/trino/tables", "/trino/tables?catalog=hive&schema=default"),
    Call("GET /api/v1/trino/tables", "/trino/tables?catalog=hive&schema=default&limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/trino/table/{name}/describe", "/trino/table/{dataset_name}/describe"),

    # Identity: service accounts (a short list per client), tokens, identities.
    Call("POST /api/v1/clients/{krn}/service-accounts", "/clients/{krn_q}/service-accounts",
         as_user="admin", body={"name": "guard-{nonce}"}, status=201),
    Call("GET /api/v1/clients/{krn}/service-accounts", "/clients/{krn_q}/service-accounts",
         as_user="admin"),
    Call("GET /api/v1/clients/{krn}/service-accounts",
         "/clients/{krn_q}/service-accounts?limit=1", as_user="admin", follow=True),
    Call("POST /api/v1/clients/{krn}/service-accounts/{id}/revoke",
         "/clients/{krn_q}/service-accounts/{fresh_account}/revoke", as_user="admin", body={},
         prepare=fresh_account),
    Call("DELETE /api/v1/clients/{krn}/service-accounts/{id}",
         "/clients/{krn_q}/service-accounts/{fresh_account}", as_user="admin",
         prepare=fresh_account),
    Call("POST /api/v1/auth/token", send=send_token, as_user=None),
    Call("GET /api/v1/identities", "/identities?limit=%d" % LIMIT, as_user="admin"),
    Call("GET /api/v1/identities", "/identities?limit=%d" % LIMIT, as_user="admin",
         follow=True),
    Call("GET /api/v1/identities", "/identities?user_id={identity_user}&limit=%d" % LIMIT,
         as_user="admin"),
    Call("GET /api/v1/identities", "/identities?user_id={identity_user}&limit=2",
         as_user="admin", follow=True),
    # No issuer is configured in this stack: the link is measured on its refusal.
    Call("POST /api/v1/identities/link", "/identities/link", as_user="admin", status=422,
         body={"issuer": "guard", "subject": "guard-{nonce}", "email": "{alice_email}"}),

    # Webhooks (a short list) and their deliveries (growing with use).
    Call("POST /api/v1/webhooks", "/webhooks", status=201,
         body={"url": "http://127.0.0.1:9/guard", "events": ["execution.failed"]}),
    Call("GET /api/v1/webhooks", "/webhooks?limit=%d" % LIMIT),
    Call("GET /api/v1/webhooks", "/webhooks?limit=1", follow=True),
    Call("GET /api/v1/webhooks/{id}", "/webhooks/{webhook}"),
    Call("DELETE /api/v1/webhooks/{id}", "/webhooks/{fresh_webhook}", status=204,
         prepare=lambda w: {"fresh_webhook": new_webhook(w)}),
    Call("GET /api/v1/webhooks/{id}/deliveries", "/webhooks/{webhook}/deliveries?limit=%d" % LIMIT),
    Call("GET /api/v1/webhooks/{id}/deliveries",
         "/webhooks/{webhook}/deliveries?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/webhooks/{id}/deliveries",
         "/webhooks/{webhook}/deliveries?status=SUCCEEDED&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/webhooks/{id}/deliveries",
         "/webhooks/{webhook}/deliveries?skip=1000&limit=%d" % LIMIT, skip=1000),
    Call("GET /api/v1/webhooks/{id}/deliveries",
         "/webhooks/{webhook}/deliveries?status=FAILED&limit=%d" % LIMIT),
    Call("POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
         "/webhooks/{retry_webhook}/deliveries/{fresh_delivery}/redeliver", body={}, status=202,
         prepare=finished_delivery),

    # Resumable uploads (tus): no list; each call acts on one upload.
    Call("OPTIONS /api/v1/uploads", send=send_options, as_user=None, status=204),
    Call("POST /api/v1/uploads", send=send_tus_create, status=201),
    Call("OPTIONS /api/v1/uploads/{id}", send=send_tus("OPTIONS", auth=False), as_user=None,
         prepare=fresh_tus, status=204),
    Call("HEAD /api/v1/uploads/{id}", send=send_tus("HEAD"), prepare=fresh_tus),
    Call("GET /api/v1/uploads/{id}", send=send_tus("GET"), prepare=fresh_tus),
    Call("PATCH /api/v1/uploads/{id}", prepare=fresh_tus, status=204,
         send=send_tus("PATCH", {"Content-Type": "application/offset+octet-stream",
                                 "Upload-Offset": "0"}, body=CSV)),
    Call("DELETE /api/v1/uploads/{id}", send=send_tus("DELETE"), prepare=fresh_tus, status=204),
    Call("GET /api/v1/openapi.json", "/openapi.json", as_user=None),

    Call("GET /api/v1/metrics", "/metrics", as_user=None),
    Call("GET /api/v1/monitoring/system-status", "/monitoring/system-status", as_user="admin"),
    # nginx asks the API before it serves an object (here: none on disk).
    Call("GET /internal/object-auth", send=send_object("GET"), prepare=signed_url, status=None),
    Call("HEAD /internal/object-auth", send=send_object("HEAD"), prepare=signed_url, status=None),
    Call("PUT /internal/object-auth", send=send_put, prepare=fresh_job, status=None),
    Call("GET /internal/upload-failed", send=send_put, prepare=blocked_put, status=500),
]


def new_member(world):
    return world["client"].register_and_login()["email"]


def added_member(world):
    """A new user made a member of the guard's client: its id."""
    user = world["client"].register_and_login()
    status, _, body = world["client"].api("POST", "/clients/%s/members" % world["krn_q"],
                                          token=world["admin"]["token"],
                                          json={"email": user["email"]})
    assert status == 201, body
    return user["user"]["id"]


def new_source(world, name):
    status, _, src = world["client"].api("POST", "/sources", token=world["alice"]["token"],
                                         json={"name": name, "uri": DOWN_URI})
    assert status == 201, src
    return src["id"]


def new_webhook(world):
    status, _, hook = world["client"].api("POST", "/webhooks", token=world["alice"]["token"],
                                          json={"url": "http://127.0.0.1:9/guard",
                                                "events": ["execution.failed"]})
    assert status == 201, hook
    return hook["id"]


# ------------------------------------------------------------ the world

def bulk_sql(alice, bob, client_id, done_job, error_job_note=""):
    """Rows loaded around the calls (all marked guard-bulk, removed at the end)."""
    return """
INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config,
                  created_at, updated_at, finished_at)
SELECT UUID(), IF(seq <= {bulk}, '{alice}', CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0'))),
       CONCAT('guard-bulk-', seq), ELT(1 + seq % 4, 'COMPLETED', 'COMPLETED', 'FAILED', 'CANCELLED'),
       '[]', '{{}}', UTC_TIMESTAMP(3) - INTERVAL (seq DIV 2) SECOND,
       UTC_TIMESTAMP(3) - INTERVAL (seq DIV 2) SECOND, UTC_TIMESTAMP(3) - INTERVAL (seq DIV 2) SECOND
FROM seq_1_to_{all};
INSERT INTO job_errors (job_id, line, col, severity, code, message)
SELECT '{done_job}', seq DIV 3, 'city', IF(seq % 2, 'error', 'warning'), 'GUARD', 'guard-bulk'
FROM seq_1_to_{bulk};
INSERT INTO files (id, user_id, filename, object_key, file_type, mime_type, file_size, sha256,
                   uploaded_at)
SELECT UUID(), '{alice}', CONCAT('guard-bulk-', seq), CONCAT('input/none/', seq), 'csv',
       'text/csv', 10, REPEAT('0', 64), UTC_TIMESTAMP(3) - INTERVAL 1 DAY - INTERVAL (seq DIV 2) SECOND
FROM seq_1_to_{bulk};
INSERT INTO progress_records (id, client_id, filename, created_by, created_at, updated_at)
SELECT UUID(), '{client}', CONCAT('guard-bulk-', seq), IF(seq % 3, '{alice}', '{bob}'),
       UTC_TIMESTAMP(3) - INTERVAL (seq DIV 2) SECOND, UTC_TIMESTAMP(3)
FROM seq_1_to_{bulk};
INSERT INTO clients (id, krn, name, created_by, created_at)
SELECT UUID(), CONCAT('krn:guard-bulk:client:', seq), 'guard-bulk', '{alice}', UTC_TIMESTAMP(3)
FROM seq_1_to_{bulk};
ANALYZE TABLE jobs, job_errors, files, progress_records, clients;
""".format(bulk=BULK, all=BULK + OTHERS, alice=alice, bob=bob, client=client_id,
           done_job=done_job)


CLEANUP_SQL = """
DELETE FROM job_errors WHERE message = 'guard-bulk';
DELETE FROM jobs WHERE file_name LIKE 'guard-bulk-%';
DELETE FROM files WHERE filename LIKE 'guard-bulk-%';
DELETE FROM progress_records WHERE filename LIKE 'guard-bulk-%';
DELETE FROM clients WHERE krn LIKE 'krn:guard-bulk:%';
"""


def bulk_sql_more(alice, w):
    """The bulk of the lists merged after the first ones: a pipeline's
    executions, an execution's errors, quality checks, a webhook's
    deliveries, a dataset's commits, a load job's runs, and other users'
    pipelines, executions, errors and identities."""
    return """
INSERT INTO pipelines (id, user_id, job_name, job_type, source_config, transformation_rules,
                       processing_steps, compiled_steps, processing_config, destination,
                       output_format, is_active, created_at, updated_at)
SELECT UUID(), CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0')),
       CONCAT('guard-bulk-', seq), 'FULL_ETL', '{{}}', '[]', '[]', '[]', '{{}}', '{{}}', 'csv',
       seq % 2, UTC_TIMESTAMP(3) - INTERVAL seq SECOND, UTC_TIMESTAMP(3)
FROM seq_1_to_{others};
INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status, trigger_type,
                                 parameters, start_time, end_time, records_processed,
                                 created_at, error_message)
SELECT IF(seq = 1, '{execution}', UUID()),
       IF(seq <= {bulk}, '{pipeline}', CONCAT('00000000-0000-4000-9000-', LPAD(seq % 97, 12, '0'))),
       IF(seq <= {bulk}, '{alice}', CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0'))),
       UUID(), ELT(1 + seq % 3, 'SUCCESS', 'SUCCESS', 'FAILED'), 'manual', '{{}}',
       UTC_TIMESTAMP(3) - INTERVAL seq MINUTE, UTC_TIMESTAMP(3) - INTERVAL seq MINUTE, 3,
       UTC_TIMESTAMP(3) - INTERVAL seq MINUTE, 'guard-bulk'
FROM seq_1_to_{all};
INSERT INTO pipeline_errors (id, execution_id, pipeline_id, user_id, error_type, error_severity,
                             error_code, error_message, line, occurred_at)
SELECT IF(seq = 1, '{error}', UUID()),
       IF(seq <= {bulk}, '{execution}', UUID()),
       IF(seq <= {bulk}, '{pipeline}', CONCAT('00000000-0000-4000-9000-', LPAD(seq % 97, 12, '0'))),
       IF(seq <= {bulk}, '{alice}', CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0'))),
       ELT(1 + seq % 3, 'VALIDATION_ERROR', 'PARSING_ERROR', 'TRANSFORMATION_ERROR'),
       ELT(1 + seq % 4, 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'), 'GUARD', 'guard-bulk', seq,
       UTC_TIMESTAMP(3) - INTERVAL seq SECOND
FROM seq_1_to_{all};
INSERT INTO quality_checks (id, user_id, entity_type, entity_id, job_id, check_config, status,
                            created_at, error_message)
SELECT UUID(), IF(seq <= {bulk}, '{alice}', CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0'))),
       'file', IF(seq % 2, '{file}', UUID()), UUID(), '{{}}', 'completed',
       UTC_TIMESTAMP(3) - INTERVAL seq SECOND, 'guard-bulk'
FROM seq_1_to_{all};
INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, created_at,
                                retry_from, finished_at, last_status)
SELECT UUID(), IF(seq <= {bulk}, '{webhook}', 'guard-bulk'), 'job.completed', '{{"guard":1}}',
       IF(seq % 5, 'SUCCEEDED', 'FAILED'), 1, UTC_TIMESTAMP(3) - INTERVAL seq SECOND,
       UTC_TIMESTAMP(3) - INTERVAL seq SECOND, UTC_TIMESTAMP(3) - INTERVAL seq SECOND, 200
FROM seq_1_to_{all};
INSERT INTO jobs (id, user_id, file_name, status, processing_steps, processing_config,
                  created_at, updated_at, started_at, finished_at, kind, subject_id)
SELECT UUID(), '00000000-0000-4000-8000-000000000000', 'guard-bulk-run',
       IF(seq % 4, 'COMPLETED', 'FAILED'), '[]', '{{}}',
       UTC_TIMESTAMP(3) - INTERVAL seq MINUTE, UTC_TIMESTAMP(3) - INTERVAL seq MINUTE,
       UTC_TIMESTAMP(3) - INTERVAL seq MINUTE, UTC_TIMESTAMP(3) - INTERVAL seq MINUTE + INTERVAL 2 SECOND,
       'dataset_load', IF(seq <= {bulk}, '{load_job}', UUID())
FROM seq_1_to_{all};
INSERT INTO dataset_commits (dataset_id, job_id, load_job_id, mode, rows_inserted, committed_at)
SELECT IF(seq <= {bulk}, '{dataset}', 'guard-bulk'), NULL,
       IF(seq <= {bulk}, '{load_job}', NULL), 'append', 1, UTC_TIMESTAMP(3) - INTERVAL seq SECOND
FROM seq_1_to_{all};
INSERT INTO datasets (id, user_id, name, schema_name, record_key_field, columns, created_at,
                      updated_at)
SELECT UUID(), IF(seq <= {bulk}, '{alice}', CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0'))),
       CONCAT('guard_bulk_', seq), '{schema}', 'id', '[]', UTC_TIMESTAMP(3) - INTERVAL 1 DAY - INTERVAL seq SECOND,
       UTC_TIMESTAMP(3)
FROM seq_1_to_{all};
INSERT INTO external_identities (id, issuer, subject, user_id, email, created_at)
SELECT UUID(), 'guard-bulk', CONCAT('guard-bulk-', seq),
       CONCAT('00000000-0000-4000-8000-', LPAD(seq % 97, 12, '0')), NULL,
       UTC_TIMESTAMP(3) - INTERVAL seq SECOND
FROM seq_1_to_{bulk};
ANALYZE TABLE pipelines, pipeline_executions, pipeline_errors, quality_checks, webhook_deliveries,
  jobs, dataset_commits, datasets, external_identities;
""".format(bulk=BULK, others=OTHERS, all=BULK + OTHERS, alice=alice, **w)


CLEANUP_MORE_SQL = """
DELETE FROM pipeline_errors WHERE error_message = 'guard-bulk';
DELETE FROM pipeline_executions WHERE error_message = 'guard-bulk';
DELETE FROM pipelines WHERE job_name LIKE 'guard-bulk-%';
DELETE FROM quality_checks WHERE error_message = 'guard-bulk';
DELETE FROM webhook_deliveries WHERE webhook_id = 'guard-bulk';
DELETE FROM jobs WHERE file_name = 'guard-bulk-run';
DELETE FROM dataset_commits WHERE dataset_id = 'guard-bulk';
DELETE FROM datasets WHERE name LIKE 'guard\\_bulk\\_%';
DELETE FROM external_identities WHERE issuer = 'guard-bulk';
"""


@pytest.fixture(scope="module")
def world(stack):
    client = stack.client()
    admin_email = unique_email("guard-admin")
    stack.create_admin(admin_email, ADMIN_PASSWORD)
    admin = {"email": admin_email, "token": client.login(admin_email, ADMIN_PASSWORD)}
    alice, bob = client.register_and_login(), client.register_and_login()
    krn = "krn:guard-%s:client:main" % uuid.uuid4().hex[:8]
    status, _, c = client.api("POST", "/clients", token=admin["token"],
                              json={"krn": krn, "name": "guard"})
    assert status == 201, c
    for who in (alice, bob):
        status, _, body = client.api("POST", "/clients/%s/members" % quote(krn, safe=""),
                                     token=admin["token"], json={"email": who["email"]})
        assert status == 201, body
    client_id = stack.sql("SELECT id FROM clients WHERE krn = '%s'" % krn)[0][0]
    # A finished job of alice's with an output to sign for, and her one real file.
    done_job = str(uuid.uuid4())
    stack.sql("INSERT INTO jobs (id, user_id, file_name, status, processing_steps,"
              " processing_config, created_at, updated_at, finished_at, output_object_key)"
              " VALUES ('%s', '%s', 'guard-done.csv', 'COMPLETED', '[]', '{}', UTC_TIMESTAMP(3),"
              " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'output/%s/guard.csv')"
              % (done_job, alice["user"]["id"], done_job))
    file_id = upload_file(client, alice["token"])
    stack.quarry("sql", input=bulk_sql(alice["user"]["id"], bob["user"]["id"], client_id,
                                       done_job))
    names = {"client": client, "alice": alice, "bob": bob, "admin": admin, "krn": krn,
             "krn_q": quote(krn, safe=""), "bob_email": quote(bob["email"], safe=""),
             "alice_email": alice["email"], "done_job": done_job, "file": file_id,
             "stack": stack, "nonce": "world"}
    # A pipeline with a parent, executions and errors; a quality check of the
    # file; a source (not running), a dataset and a load job; a webhook; a
    # service account; an external identity.
    names["parent"] = new_pipeline(names, "guard-parent")
    names["pipeline"] = new_pipeline(names, "guard-pipeline")
    status, _, dep = client.api("POST", "/pipelines/%s/dependencies" % names["pipeline"],
                                token=alice["token"], json={"parent_job_id": names["parent"]})
    assert status == 201, dep
    status, _, check = client.api("POST", "/data-quality/check", token=alice["token"],
                                  json={"entity_type": file_id})
    assert status in (200, 202), check
    names["quality"] = check["check_id"]
    names["source"] = new_source(names, "guard-source")
    status, _, ds = client.api("POST", "/datasets", token=alice["token"],
                               json={"name": "guard_sales", "record_key_field": "id",
                                     "schema": {"id": "integer", "city": "string"}})
    assert status == 201, ds
    names["dataset"], names["dataset_name"] = ds["id"], "guard_sales"
    names["schema"] = ds["schema_name"]
    # The dataset's own rows: a bulk too (its answers give their number).
    stack.sql("INSERT INTO `%s`.guard_sales SELECT seq, IF(seq %% 2, 'NY', 'LA') FROM seq_1_to_%d"
              % (ds["schema_name"], BULK))
    names["load_job"] = new_load_job(names, "guard-load")
    # A second subscription takes the redeliveries (sent again and again to a
    # port nobody listens on), so that the first one's list stays still.
    names["webhook"], names["retry_webhook"] = new_webhook(names), new_webhook(names)
    status, _, account = client.api("POST", "/clients/%s/service-accounts" % names["krn_q"],
                                    token=admin["token"], json={"name": "guard"})
    assert status == 201, account
    names["account"] = account
    names["identity_user"] = "00000000-0000-4000-8000-000000000007"
    names["execution"], names["error"] = str(uuid.uuid4()), str(uuid.uuid4())
    stack.quarry("sql", input=bulk_sql_more(alice["user"]["id"], {
        k: names[k] for k in ("execution", "error", "pipeline", "file", "webhook", "load_job",
                              "dataset", "schema")}))
    try:
        yield names
    finally:
        stack.quarry("sql", input=CLEANUP_SQL + CLEANUP_MORE_SQL
                     + "DELETE FROM jobs WHERE id = '%s';" % done_job)


@pytest.fixture(scope="module")
def counters(stack, world):
    c = Counters(stack)
    yield c
    c.close()


def items_in(body):
    """The items of an answer: a list, or the longest list of an envelope
    ({jobs:[…]}, {data:{errors:[…]}}, a dataset with its commits)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict):
        inner = body.get("data") if isinstance(body.get("data"), dict) else {}
        lists = [len(v) for v in list(body.values()) + list(inner.values()) if isinstance(v, list)]
        return max(lists + [1])
    return 1


def follow_link(headers):
    """The next page's path, which must be there."""
    path = next_link(headers)
    assert path, "no Link rel=next: %r" % headers.get("Link")
    return path


def run(call, world, names, client, path):
    if call.send is not None:
        return call.send(names, client)
    token = world[call.as_user]["token"] if call.as_user else None
    body = fill(call.body, names)
    return client.api(call.method, path, json=body, token=token)


@pytest.mark.parametrize("call", CALLS, ids=[str(c) for c in CALLS])
def test_call_reads_what_it_returns(world, counters, call):
    client = world["client"]
    reads, answers, disks = [], [], []
    for attempt in range(3):
        names = dict(world, nonce=uuid.uuid4().hex[:12])
        if call.prepare is not None:
            names.update(call.prepare(names))
        path = fill(call.path, names)
        if call.follow:
            token = world[call.as_user]["token"] if call.as_user else None
            status, headers, _ = client.api("GET", path, token=token)
            assert status == 200
            path = follow_link(headers)
        n, disk, (status, headers, body) = counters.reads_between(
            lambda: run(call, world, names, client, path))
        assert call.status is None or status == call.status, (status, body)
        returned = items_in(body) if call.method == "GET" else 1
        budget = FACTOR * max(returned, 1) + BASE + call.skip + (TASK_WAIT if call.task else 0)
        reads.append(n)
        answers.append(returned)
        disks.append(disk)
        if n <= budget and disk == 0:
            print("read-cost %-70s %5d rows for %4d items (budget %d)" % (call, n, returned, budget))
            return
    pytest.fail("%s read %s rows for %s items (budget %d) and made %s on-disk temporary tables:"
                " a statement reads beyond its answer or sorts it on disk"
                % (call, reads, answers, budget, disks))


def routes():
    text = (REPO / "fcgi-app" / "api" / "routes.c").read_text()
    return set("%s %s" % m for m in re.findall(r'\{"([A-Z]+)", "([^"]+)",', text))


def test_every_route_is_guarded():
    guarded = {c.route for c in CALLS}
    missing = sorted(routes() - guarded)
    assert not missing, "routes without a line in CALLS (%s): %s" % (__file__, missing)
    unknown = sorted(guarded - routes())
    assert not unknown, "lines for routes that do not exist: %s" % unknown


# ------------------------------------------------------------ cursors

def listed(body):
    """The items of a list's answer: the list, or the one of its envelope."""
    if isinstance(body, list):
        return body
    if "data" in body:
        return body["data"]["errors"]
    for key in ("errors", "executions", "checks"):
        if key in body:
            return body[key]
    raise AssertionError("no list in %r" % body)


def walk(client, token, path):
    """Every item of a list, page after page through Link rel=next."""
    return walk_pages(client, token, path, listed)


@pytest.mark.parametrize("path,key", [
    ("/jobs?limit=200", "id"),
    ("/jobs?status=FAILED&limit=100", "id"),
    ("/files?limit=300", "file_id"),
    ("/jobs/{done_job}/errors?limit=250", None),
    ("/clients/{krn_q}/progress?limit=400", "id"),
    ("/pipelines/{pipeline}/executions?limit=300", "execution_id"),
    ("/pipelines/{pipeline}/executions?status=FAILED&limit=100", "execution_id"),
    ("/webhooks/{webhook}/deliveries?limit=500", "id"),
    ("/errors/executions/{execution}/errors?limit=400", "error_id"),
    ("/errors/executions/{execution}/errors?severity=LOW&limit=100", "error_id"),
    ("/data-quality/checks?limit=300", "check_id"),
    ("/data-quality/checks?entity_id={file}&limit=200", "check_id"),
    ("/datasets?limit=400", "id"),
])
def test_cursor_walk_is_the_whole_list_in_order(world, path, key):
    """Following Link rel=next gives each item once, in the order skip gives."""
    client, token = world["client"], world["alice"]["token"]
    path = fill(path, world)
    items, pages, total = walk(client, token, path)
    assert len(items) == total and pages == -(-total // int(path.rsplit("=", 1)[1]))
    if key is not None:
        assert len({i[key] for i in items}) == total
    status, _, first = client.api("GET", path.replace("limit=", "skip=0&limit="), token=token)
    status, _, deep = client.api("GET", path.replace("limit=", "skip=%d&limit=" % (total - 3)),
                                 token=token)
    assert listed(first) == items[:len(listed(first))]
    assert listed(deep) == items[-3:]


def test_cursors_are_checked(world):
    client, token = world["client"], world["alice"]["token"]
    _, headers, _ = client.api("GET", "/jobs?limit=5", token=token)
    link = follow_link(headers)
    cursor = re.search(r"after=([^&]+)", link).group(1)
    for bad, why in (("nope", "not base64"), (cursor[:-2], "cut"), (cursor + "A", "longer"),
                     ("YQ", "one part"), ("MjAyNQpub3QtYW4taWQ", "bad parts")):
        status, _, body = client.api("GET", "/jobs?after=%s" % bad, token=token)
        assert status == 422, why
        assert body["error"]["field"] == "after"
    status, _, body = client.api("GET", "/jobs?after=%s&skip=5" % cursor, token=token)
    assert status == 422 and body["error"]["field"] == "after"
    # A jobs cursor is not a cursor of the clients list (a krn).
    status, _, body = client.api("GET", "/clients?after=%s" % cursor, token=token)
    assert status == 422 and body["error"]["field"] == "after"
    # The next page keeps the other query keys.
    assert "limit=5" in link and link.startswith("/api/v1/jobs?")


def test_totals_follow_every_change(world, stack):
    """X-Total-Count comes from kept counts: it moves with creates, state
    changes and deletes, as a COUNT would."""
    client, token = world["client"], world["alice"]["token"]

    def total(path):
        status, headers, _ = client.api("GET", path, token=token)
        assert status == 200
        return int(headers["X-Total-Count"])

    jobs, pending = total("/jobs?limit=1"), total("/jobs?status=PENDING&limit=1")
    cancelled = total("/jobs?status=CANCELLED&limit=1")
    job = fresh_job(world)["fresh_job"]
    assert total("/jobs?limit=1") == jobs + 1
    assert total("/jobs?status=PENDING&limit=1") == pending + 1
    status, _, _ = client.api("POST", "/jobs/%s/cancel" % job, json={}, token=token)
    assert status == 200
    assert total("/jobs?status=PENDING&limit=1") == pending
    assert total("/jobs?status=CANCELLED&limit=1") == cancelled + 1
    files = total("/files?limit=1")
    fid = upload_file(client, token)
    assert total("/files?limit=1") == files + 1
    status, _, _ = client.api("DELETE", "/files/%s" % fid, token=token)
    assert status == 204
    assert total("/files?limit=1") == files
    for list_, owner, part, n in stack.sql(
            "SELECT c.list, c.owner, c.part, c.n FROM list_counts c WHERE c.list = 'jobs'"
            " AND c.owner = '%s'" % world["alice"]["user"]["id"]):
        counted = stack.sql("SELECT COUNT(*) FROM jobs WHERE user_id = '%s' AND status = '%s'"
                            % (owner, part))[0][0]
        assert int(n) == int(counted), (list_, part)


def test_kept_totals_are_the_rows_counts(world, stack):
    """The totals migrations 009 and 011 keep by triggers (list_counts, pipeline
    error counts by execution and by day, load job totals) are what counting
    the rows gives, after the bulk loads and every call above (resolving an
    error, deleting a dataset, a pipeline, a webhook…) and after a resolve."""
    client, token = world["client"], world["alice"]["token"]
    status, _, _ = client.api("PATCH", "/errors/%s/resolve" % world["error"], json={},
                              token=token)
    assert status == 200
    delivery = finished_delivery(world)["fresh_delivery"]
    status, _, body = client.api("POST", "/webhooks/%s/deliveries/%s/redeliver"
                                 % (world["retry_webhook"], delivery), json={}, token=token)
    assert status == 202, body
    names = dict(world, alice=world["alice"]["user"]["id"])
    pairs = [
        ("SELECT part, n FROM list_counts WHERE list = 'executions' AND owner = '{pipeline}'"
         " AND n <> 0 ORDER BY part",
         "SELECT status, COUNT(*) FROM pipeline_executions WHERE pipeline_id = '{pipeline}'"
         " GROUP BY status ORDER BY status"),
        ("SELECT error_severity, error_type, is_resolved, n FROM pipeline_error_counts"
         " WHERE execution_id = '{execution}' AND n <> 0 ORDER BY 1, 2, 3",
         "SELECT error_severity, error_type, is_resolved, COUNT(*) FROM pipeline_errors"
         " WHERE execution_id = '{execution}' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        ("SELECT day, error_severity, error_type, is_resolved, n FROM pipeline_error_days"
         " WHERE user_id = '{alice}' AND n <> 0 ORDER BY 1, 2, 3, 4",
         "SELECT DATE(occurred_at), error_severity, error_type, is_resolved, COUNT(*)"
         " FROM pipeline_errors WHERE user_id = '{alice}' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"),
        ("SELECT n FROM list_counts WHERE list = 'quality_checks' AND owner = '{alice}'",
         "SELECT COUNT(*) FROM quality_checks WHERE user_id = '{alice}'"),
        ("SELECT n FROM list_counts WHERE list = 'quality_entity' AND owner = '{file}'"
         " AND part = '{alice}'",
         "SELECT COUNT(*) FROM quality_checks WHERE user_id = '{alice}' AND entity_id = '{file}'"),
        ("SELECT part, n FROM list_counts WHERE list = 'deliveries' AND owner = '{webhook}'"
         " AND n <> 0 ORDER BY part",
         "SELECT status, COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{webhook}'"
         " GROUP BY status ORDER BY status"),
        ("SELECT part, n FROM list_counts WHERE list = 'deliveries' AND owner = '{retry_webhook}'"
         " AND n <> 0 ORDER BY part",
         "SELECT status, COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{retry_webhook}'"
         " GROUP BY status ORDER BY status"),
        ("SELECT n FROM list_counts WHERE list = 'identities'",
         "SELECT COUNT(*) FROM external_identities"),
        ("SELECT n FROM list_counts WHERE list = 'dataset_commits' AND owner = '{dataset}'",
         "SELECT COUNT(*) FROM dataset_commits WHERE dataset_id = '{dataset}'"),
        ("SELECT n FROM list_counts WHERE list = 'dataset_rows' AND owner = '{dataset}'",
         "SELECT SUM(rows_inserted - rows_deleted) FROM dataset_commits"
         " WHERE dataset_id = '{dataset}'"),
        ("SELECT n FROM list_counts WHERE list = 'datasets' AND owner = '{alice}'",
         "SELECT COUNT(*) FROM datasets WHERE user_id = '{alice}'"),
        ("SELECT runs, succeeded, failed, timed_runs, duration_us, records FROM load_job_totals"
         " WHERE load_job_id = '{load_job}'",
         "SELECT COUNT(*), SUM(status = 'COMPLETED'), SUM(status = 'FAILED'),"
         " SUM(started_at IS NOT NULL AND finished_at IS NOT NULL),"
         " COALESCE(SUM(TIMESTAMPDIFF(MICROSECOND, started_at, finished_at)), 0),"
         " (SELECT SUM(rows_inserted + rows_updated + rows_unchanged) FROM dataset_commits"
         " WHERE load_job_id = '{load_job}') FROM jobs"
         " WHERE kind = 'dataset_load' AND subject_id = '{load_job}'"),
        ("SELECT part, n FROM list_counts WHERE list = 'bytes' AND owner = '{alice}' AND n <> 0"
         " ORDER BY part",
         "SELECT * FROM (SELECT 'files', SUM(file_size) AS n FROM files WHERE user_id = '{alice}'"
         " UNION ALL SELECT 'inputs', SUM(input_size_bytes) FROM jobs WHERE user_id = '{alice}'"
         " AND file_id IS NULL UNION ALL SELECT 'uploads', SUM(upload_length) FROM uploads"
         " WHERE user_id = '{alice}' AND status = 'UPLOADING') t WHERE n <> 0 ORDER BY 1"),
    ]
    for kept, counted in pairs:
        kept, counted = kept.format_map(names), counted.format_map(names)
        rows = stack.sql(counted)
        assert rows and rows[0][-1] not in ("0", "NULL"), counted
        assert stack.sql(kept) == rows, kept
