"""Tenants (clients) and the progress their external workers report."""

import concurrent.futures
import urllib.parse
import uuid

import pytest

from quarry_client import assert_error_shape, unique_email

ADMIN_PASSWORD = "admin-password-123"


@pytest.fixture(scope="module")
def admin(stack):
    email = unique_email("admin")
    stack.create_admin(email, ADMIN_PASSWORD)
    return {"email": email, "token": stack.client().login(email, ADMIN_PASSWORD)}


def new_krn(prefix="client"):
    return "krn:acme-%s:client:%s" % (uuid.uuid4().hex[:8], prefix)


def make_client(client, admin, krn=None, name="A tenant"):
    krn = krn or new_krn()
    status, _, body = client.api("POST", "/clients", token=admin["token"],
                                 json={"krn": krn, "name": name})
    assert status == 201, body
    assert body["krn"] == krn and body["name"] == name
    return krn


def add_member(client, admin, krn, email, role=None):
    payload = {"email": email}
    if role:
        payload["role"] = role
    status, _, body = client.api("POST", "/clients/%s/members" % quote(krn), token=admin["token"],
                                 json=payload)
    assert status == 201, body
    return body


def quote(krn):
    return urllib.parse.quote(krn, safe="")


def post(client, token, krn, payload, encode=True):
    path = "/clients/%s/progress" % (quote(krn) if encode else krn)
    return client.api("POST", path, token=token, json=payload)


# ------------------------------------------------------------ clients

def test_clients_are_made_by_admins(client, admin):
    krn = make_client(client, admin)
    status, _, body = client.api("POST", "/clients", token=admin["token"],
                                 json={"krn": krn, "name": "again"})
    assert status == 409
    assert_error_shape(body, "CONFLICT")
    for bad in ("krn:acme:client", "krn:acme:user:1", "acme:client:1", "krn:a b:client:1",
                "krn:%s:client:1" % ("o" * 65), "krn:acme:client:x/y", ""):
        status, _, body = client.api("POST", "/clients", token=admin["token"],
                                     json={"krn": bad, "name": "x"})
        assert status == 422, bad
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "krn"
    status, _, body = client.api("POST", "/clients", token=admin["token"], json={"krn": new_krn()})
    assert status == 422
    assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "name"
    user = client.register_and_login()
    status, _, body = client.api("POST", "/clients", token=user["token"],
                                 json={"krn": new_krn(), "name": "x"})
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    status, _, body = client.api("POST", "/clients", json={"krn": new_krn(), "name": "x"})
    assert status == 401


def test_members_are_added_by_admins(client, admin):
    krn = make_client(client, admin)
    user = client.register_and_login()
    body = add_member(client, admin, krn, user["email"].upper(), role="uploader")
    assert body["email"] == user["email"] and body["role"] == "uploader"
    assert body["user_id"] == user["user"]["id"]
    status, _, body = client.api("POST", "/clients/%s/members" % quote(krn), token=admin["token"],
                                 json={"email": user["email"]})
    assert status == 409
    assert_error_shape(body, "CONFLICT")
    status, _, body = client.api("POST", "/clients/%s/members" % quote(krn), token=admin["token"],
                                 json={"email": unique_email("nobody")})
    assert status == 404
    assert_error_shape(body, "USER_NOT_FOUND")
    status, _, body = client.api("POST", "/clients/%s/members" % quote(new_krn()),
                                 token=admin["token"], json={"email": user["email"]})
    assert status == 404
    assert_error_shape(body, "CLIENT_NOT_FOUND")
    status, _, body = client.api("POST", "/clients/%s/members" % quote(krn), token=admin["token"],
                                 json={"email": "not-an-email"})
    assert status == 422
    status, _, body = client.api("POST", "/clients/%s/members" % quote(krn), token=user["token"],
                                 json={"email": user["email"]})
    assert status == 403


def test_list_shows_the_callers_clients(client, admin):
    a, b = make_client(client, admin), make_client(client, admin)
    user = client.register_and_login()
    add_member(client, admin, a, user["email"])
    status, headers, listed = client.api("GET", "/clients", token=user["token"])
    assert status == 200
    assert [c["krn"] for c in listed] == [a]
    assert listed[0]["role"] == "member"
    assert int(headers["X-Total-Count"]) == 1
    status, _, everything = client.api("GET", "/clients", token=admin["token"])
    assert status == 200
    assert {a, b} <= {c["krn"] for c in everything}
    status, _, _ = client.api("GET", "/clients")
    assert status == 401


# ------------------------------------------------------------ progress

@pytest.fixture(scope="module")
def tenant(stack, admin):
    """A client with two members."""
    client = stack.client()
    krn = make_client(client, admin, name="Progress tenant")
    worker, colleague = client.register_and_login(), client.register_and_login()
    add_member(client, admin, krn, worker["email"])
    add_member(client, admin, krn, colleague["email"])
    return {"krn": krn, "worker": worker, "colleague": colleague}


def test_progress_flow(client, tenant):
    krn, token = tenant["krn"], tenant["worker"]["token"]
    name = "customers-%s.csv" % uuid.uuid4().hex[:6]
    status, _, r = post(client, token, krn, {"filename": name, "counts": {"done": 100},
                                             "total": 9988})
    assert status == 201, r
    assert r["result"] == "created"
    assert r["counts"] == {"done": 100, "warn": 0, "failed": 0}
    assert r["total"] == 9988 and r["isCompleted"] is False
    assert r["errors"] == [] and r["warnings"] == []
    assert r["filename"] == name and r["clientKrn"] == krn

    status, _, r = post(client, token, krn, {
        "filename": name, "counts": {"done": 500, "failed": 2},
        "errors": [{"line": 150, "message": "bad email"}, {"line": 151, "message": "no id"}]})
    assert status == 200, r
    assert r["result"] == "updated"
    assert r["counts"] == {"done": 600, "warn": 0, "failed": 2}
    assert r["errors"] == [{"line": 150, "message": "bad email"}, {"line": 151, "message": "no id"}]

    status, _, r = post(client, token, krn, {
        "filename": name, "counts": {"done": 300, "warn": 1},
        "warnings": [{"line": 700, "message": "date guessed"}]})
    assert status == 200, r
    assert r["counts"] == {"done": 900, "warn": 1, "failed": 2}
    assert r["warnings"] == [{"line": 700, "message": "date guessed"}]
    assert len(r["errors"]) == 2

    status, _, r = post(client, token, krn, {"filename": name, "counts": {"done": 9088},
                                             "isLast": True})
    assert status == 200, r
    assert r["counts"]["done"] == 9988
    assert r["isCompleted"] is True and r["completedAt"]
    assert r["total"] == 9988
    assert r["errorCount"] == 2 and r["warningCount"] == 1

    # Not the creator: 403 (even a member of the client).
    status, _, body = post(client, tenant["colleague"]["token"], krn,
                           {"filename": name, "counts": {"done": 1}})
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    # Completed: 409.
    status, _, body = post(client, token, krn, {"filename": name, "counts": {"done": 1}})
    assert status == 409
    assert_error_shape(body, "CONFLICT")
    # No token: 401.
    status, _, body = post(client, None, krn, {"filename": name, "counts": {"done": 1}})
    assert status == 401

    status, _, r = client.api("GET", "/clients/%s/progress?filename=%s" % (quote(krn), quote(name)),
                              token=tenant["colleague"]["token"])
    assert status == 200, r
    assert r["counts"] == {"done": 9988, "warn": 1, "failed": 2}
    assert r["isCompleted"] is True
    assert [e["line"] for e in r["errors"]] == [150, 151]
    assert r["warnings"] == [{"line": 700, "message": "date guessed"}]


def test_post_answers_the_record_as_stored(client, tenant):
    """A post's answer is built from the locked row and the post, not read
    back: after each one (created, updated with and without a total,
    messages, completed) it is what GET ?filename= then reads, key by key."""
    krn, token = tenant["krn"], tenant["worker"]["token"]
    name = "as-stored-%s.csv" % uuid.uuid4().hex[:6]
    posts = [
        {"filename": name, "counts": {"done": 1}},
        {"filename": name, "counts": {"done": 2, "warn": 3}, "total": 50},
        {"filename": name, "counts": {"failed": 4},
         "errors": [{"line": 9, "message": "bad"}], "warnings": [{"message": "odd"}]},
        {"filename": name, "counts": {"done": 5}, "total": 60},
        {"filename": name, "counts": {"done": 6}, "isLast": True},
    ]
    for i, payload in enumerate(posts):
        status, _, answer = post(client, token, krn, payload)
        assert status == (201 if i == 0 else 200), answer
        assert answer.pop("result") == ("created" if i == 0 else "updated")
        status, _, stored = client.api(
            "GET", "/clients/%s/progress?filename=%s" % (quote(krn), quote(name)), token=token)
        assert status == 200, stored
        assert answer == stored, (payload, answer, stored)
    assert stored["counts"] == {"done": 14, "warn": 3, "failed": 4}
    assert stored["total"] == 60 and stored["isCompleted"] is True


def test_progress_queries(client, tenant):
    krn = tenant["krn"]
    worker, colleague = tenant["worker"], tenant["colleague"]
    tag = uuid.uuid4().hex[:6]
    for i in range(2):
        assert post(client, worker["token"], krn, {"filename": "w%d-%s" % (i, tag),
                                                   "counts": {"done": i}})[0] == 201
    assert post(client, colleague["token"], krn, {"filename": "c-%s" % tag,
                                                  "counts": {"warn": 3}})[0] == 201
    status, headers, mine = client.api(
        "GET", "/clients/%s/progress?email=%s" % (quote(krn), quote(colleague["email"])),
        token=worker["token"])
    assert status == 200
    assert [r["filename"] for r in mine] == ["c-%s" % tag]
    assert "errors" not in mine[0]
    status, headers, everything = client.api("GET", "/clients/%s/progress" % quote(krn),
                                             token=worker["token"])
    assert status == 200
    names = {r["filename"] for r in everything}
    assert {"w0-%s" % tag, "w1-%s" % tag, "c-%s" % tag} <= names
    assert int(headers["X-Total-Count"]) == len(everything)
    status, _, body = client.api("GET", "/clients/%s/progress?filename=missing-%s" % (quote(krn), tag),
                                 token=worker["token"])
    assert status == 404
    assert_error_shape(body, "PROGRESS_NOT_FOUND")
    status, _, none = client.api("GET", "/clients/%s/progress?email=%s" % (quote(krn), quote(unique_email())),
                                 token=worker["token"])
    assert status == 200 and none == []


def test_tenants_never_mix(client, admin):
    a, b = make_client(client, admin), make_client(client, admin)
    alice, bob = client.register_and_login(), client.register_and_login()
    add_member(client, admin, a, alice["email"])
    add_member(client, admin, b, bob["email"])
    name = "shared-name.csv"
    assert post(client, alice["token"], a, {"filename": name, "counts": {"done": 5}})[0] == 201
    status, _, r = post(client, bob["token"], b, {"filename": name, "counts": {"done": 7}})
    assert status == 201 and r["result"] == "created", r
    status, _, ra = client.api("GET", "/clients/%s/progress?filename=%s" % (quote(a), name),
                               token=alice["token"])
    status, _, rb = client.api("GET", "/clients/%s/progress?filename=%s" % (quote(b), name),
                               token=bob["token"])
    assert ra["counts"]["done"] == 5 and rb["counts"]["done"] == 7
    assert ra["id"] != rb["id"]
    # Non-members get 403 on both reading and writing.
    status, _, body = post(client, alice["token"], b, {"filename": name, "counts": {"done": 1}})
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    status, _, body = client.api("GET", "/clients/%s/progress" % quote(b), token=alice["token"])
    assert status == 403
    status, _, body = post(client, alice["token"], new_krn(), {"filename": name, "counts": {}})
    assert status == 404
    assert_error_shape(body, "CLIENT_NOT_FOUND")


def test_krn_in_path_raw_or_percent_encoded(client, tenant):
    krn, token = tenant["krn"], tenant["worker"]["token"]
    name = "enc-%s" % uuid.uuid4().hex[:6]
    assert post(client, token, krn, {"filename": name, "counts": {"done": 1}}, encode=False)[0] == 201
    status, _, r = post(client, token, krn, {"filename": name, "counts": {"done": 1}})
    assert status == 200 and r["counts"]["done"] == 2


def test_progress_validation(client, tenant):
    krn, token = tenant["krn"], tenant["worker"]["token"]
    cases = [
        ({"counts": {"done": 1}}, "filename"),
        ({"filename": "", "counts": {}}, "filename"),
        ({"filename": "v"}, "counts"),
        ({"filename": "v", "counts": {"done": -1}}, "counts.done"),
        ({"filename": "v", "counts": {"warn": "3"}}, "counts.warn"),
        ({"filename": "v", "counts": {}, "total": -5}, "total"),
        ({"filename": "v", "counts": {}, "isLast": "yes"}, "isLast"),
        ({"filename": "v", "counts": {}, "errors": [{"line": 1}]}, "errors[0].message"),
        ({"filename": "v", "counts": {}, "warnings": [{"message": "ok"}, 5]}, "warnings[1]"),
        ({"filename": "v", "counts": {}, "errors": "bad"}, "errors"),
    ]
    for payload, field in cases:
        status, _, body = post(client, token, krn, payload)
        assert status == 422, (payload, body)
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == field, (payload, body)
    status, _, body = client.api("GET", "/clients/%s/progress?filename=v" % quote(krn), token=token)
    assert status == 404  # nothing was written by the refused posts


def test_messages_are_bounded_and_counts_exact(client, tenant):
    krn, token = tenant["krn"], tenant["worker"]["token"]
    name = "bounded-%s" % uuid.uuid4().hex[:6]
    errors = [{"line": i, "message": "e%d" % i} for i in range(700)]
    assert post(client, token, krn, {"filename": name, "counts": {"failed": 700},
                                     "errors": errors, "warnings": ["plain text warning"]})[0] == 201
    errors = [{"line": 700 + i, "message": "e%d" % (700 + i)} for i in range(600)]
    status, _, r = post(client, token, krn, {"filename": name, "counts": {"failed": 600},
                                             "errors": errors})
    assert status == 200
    assert r["errorCount"] == 1300 and r["counts"]["failed"] == 1300
    assert len(r["errors"]) == 1000
    assert r["errors"][0] == {"line": 0, "message": "e0"}
    assert r["errors"][-1] == {"line": 999, "message": "e999"}
    assert r["warnings"] == [{"line": None, "message": "plain text warning"}]


def test_parallel_posts_never_lose_a_count(client, tenant):
    krn, token = tenant["krn"], tenant["worker"]["token"]
    name = "parallel-%s.csv" % uuid.uuid4().hex[:6]
    threads, posts = 32, 20

    def worker(n):
        statuses = []
        c = client.__class__(client.base_url, client.ssl_context)
        for i in range(posts):
            payload = {"filename": name, "counts": {"done": 3, "warn": 1, "failed": (n + i) % 2}}
            if i % 5 == 0:
                payload["errors"] = [{"line": n * 1000 + i, "message": "x"}]
            status, _, _ = post(c, token, krn, payload)
            statuses.append(status)
        return statuses

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(worker, range(threads)))
    flat = [s for r in results for s in r]
    assert flat.count(201) == 1, sorted(set(flat))
    assert flat.count(200) == threads * posts - 1, sorted(set(flat))
    status, _, r = client.api("GET", "/clients/%s/progress?filename=%s" % (quote(krn), name),
                              token=token)
    assert status == 200
    total = threads * posts
    assert r["counts"] == {"done": 3 * total, "warn": total,
                           "failed": sum((n + i) % 2 for n in range(threads) for i in range(posts))}
    assert r["errorCount"] == threads * (posts // 5)
    assert len(r["errors"]) == threads * (posts // 5)
