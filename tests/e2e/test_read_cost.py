"""The read-cost guard: every endpoint reads what its answer needs, whatever
the size of the tables around it.

Each endpoint is called with a background of bulk rows (BULK of the caller's
own jobs, line errors, files and progress records, OTHERS of other users'
jobs, all loaded with SQL), and MariaDB's handler counters (Handler_read_*:
each row or index entry any statement read) are taken around the call. A call
fails when it read more than

    FACTOR * max(items it returned, 1) + BASE  (+ skip, for a page by offset)

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
from quarry_client import multipart, unique_email

FACTOR = 4
BASE = 60
LIMIT = 10
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
    Call("GET /api/v1/files", "/files?limit=%d" % LIMIT),
    Call("GET /api/v1/files", "/files?limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/files/{id}", "/files/{file}"),
    Call("DELETE /api/v1/files/{id}", "/files/{fresh_file}", prepare=fresh_upload, status=204),
    Call("POST /api/v1/files/{id}/process", "/files/{fresh_file}/process", body={},
         prepare=fresh_upload, status=202),
    Call("GET /api/v1/files/{id}/schema", "/files/{file}/schema"),

    Call("POST /api/v1/clients", "/clients", as_user="admin", status=201,
         body={"krn": "krn:guard:client:{nonce}", "name": "guard"}),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT, as_user="admin"),
    Call("GET /api/v1/clients", "/clients?limit=%d" % LIMIT, as_user="admin", follow=True),
    Call("POST /api/v1/clients/{krn}/members", "/clients/{krn_q}/members", as_user="admin",
         body={"email": "{member_email}"}, prepare=lambda w: {"member_email": new_member(w)},
         status=201),
    Call("POST /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress",
         body={"filename": "guard-{nonce}.csv", "counts": {"done": 5}}, status=201),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?limit=%d" % LIMIT),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?limit=%d" % LIMIT,
         follow=True),
    Call("GET /api/v1/clients/{krn}/progress",
         "/clients/{krn_q}/progress?email={bob_email}&limit=%d" % LIMIT, follow=True),
    Call("GET /api/v1/clients/{krn}/progress", "/clients/{krn_q}/progress?filename=guard-bulk-7"),

    Call("GET /api/v1/metrics", "/metrics", as_user=None),
    Call("GET /api/v1/monitoring/system-status", "/monitoring/system-status", as_user="admin"),
    # nginx asks the API before it serves an object (here: none on disk).
    Call("GET /internal/object-auth", send=send_object("GET"), prepare=signed_url, status=None),
    Call("HEAD /internal/object-auth", send=send_object("HEAD"), prepare=signed_url, status=None),
    Call("PUT /internal/object-auth", send=send_put, prepare=fresh_job, status=None),
]


def new_member(world):
    return world["client"].register_and_login()["email"]


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
             "done_job": done_job, "file": file_id}
    try:
        yield names
    finally:
        stack.quarry("sql", input=CLEANUP_SQL + "DELETE FROM jobs WHERE id = '%s';" % done_job)


@pytest.fixture(scope="module")
def counters(stack, world):
    c = Counters(stack)
    yield c
    c.close()


def items_in(body):
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return len(body["errors"])
    return 1


def next_link(headers):
    m = re.search(r'<([^>]*)>\s*;\s*rel="next"', headers.get("Link") or "")
    assert m, "no Link rel=next: %r" % headers.get("Link")
    return m.group(1)


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
            path = next_link(headers)
        n, disk, (status, headers, body) = counters.reads_between(
            lambda: run(call, world, names, client, path))
        assert call.status is None or status == call.status, (status, body)
        returned = items_in(body) if call.method == "GET" else 1
        budget = FACTOR * max(returned, 1) + BASE + call.skip
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

def walk(client, token, path):
    """Every item of a list, page after page through Link rel=next."""
    items, pages = [], 0
    while path is not None:
        status, headers, body = client.api("GET", path, token=token)
        assert status == 200, body
        items += body if isinstance(body, list) else body["errors"]
        pages += 1
        m = re.search(r'<([^>]*)>\s*;\s*rel="next"', headers.get("Link") or "")
        path = m.group(1) if m else None
    return items, pages, int(headers["X-Total-Count"])


@pytest.mark.parametrize("path,key", [
    ("/jobs?limit=200", "id"),
    ("/jobs?status=FAILED&limit=100", "id"),
    ("/files?limit=300", "file_id"),
    ("/jobs/{done_job}/errors?limit=250", None),
    ("/clients/{krn_q}/progress?limit=400", "id"),
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
    as_list = lambda b: b if isinstance(b, list) else b["errors"]  # noqa: E731
    assert as_list(first) == items[:len(as_list(first))]
    assert as_list(deep) == items[-3:]


def test_cursors_are_checked(world):
    client, token = world["client"], world["alice"]["token"]
    _, headers, _ = client.api("GET", "/jobs?limit=5", token=token)
    link = next_link(headers)
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
