"""Service accounts: an admin makes one in a client, its secret shown once;
the OAuth2 client-credentials grant gives a short token that reports and
reads progress in that client only, on behalf of a member named by email;
revoking it stops its next request."""

import base64
import urllib.parse
import uuid

import pytest

from quarry_client import assert_error_shape, unique_email, walk_pages

ADMIN_PASSWORD = "admin-password-123"


@pytest.fixture(scope="module")
def admin(stack):
    email = unique_email("admin")
    stack.create_admin(email, ADMIN_PASSWORD)
    return stack.client().login(email, ADMIN_PASSWORD)


def quote(krn):
    return urllib.parse.quote(krn, safe="")


def make_client(client, admin):
    krn = "krn:sa-%s:client:1" % uuid.uuid4().hex[:8]
    status, _, body = client.api("POST", "/clients", token=admin, json={"krn": krn, "name": "t"})
    assert status == 201, body
    return krn


def new_account(client, admin, krn, name="etl-worker"):
    status, _, body = client.api("POST", "/clients/%s/service-accounts" % quote(krn),
                                 token=admin, json={"name": name})
    assert status == 201, body
    assert body["client_secret"].startswith("qsa_") and body["clientKrn"] == krn
    return body


def grant(client, account, basic=False):
    if basic:
        creds = base64.b64encode(("%s:%s" % (account["client_id"],
                                             account["client_secret"])).encode()).decode()
        return client.api("POST", "/auth/token", form={"grant_type": "client_credentials"},
                          headers={"Authorization": "Basic " + creds})
    return client.api("POST", "/auth/token",
                      form={"grant_type": "client_credentials", "client_id": account["client_id"],
                            "client_secret": account["client_secret"]})


def progress(client, token, krn, **payload):
    body = {"filename": "f.csv", "counts": {"done": 1, "warn": 0, "failed": 0}}
    body.update(payload)
    return client.api("POST", "/clients/%s/progress" % quote(krn), token=token, json=body)


def test_service_account_reports_for_a_member(stack, client, admin):
    krn = make_client(client, admin)
    member = client.register_and_login()
    status, _, _ = client.api("POST", "/clients/%s/members" % quote(krn), token=admin,
                              json={"email": member["email"]})
    assert status == 201
    account = new_account(client, admin, krn)
    # The secret is shown once: only its hash is kept, never listed.
    status, headers, listed = client.api("GET", "/clients/%s/service-accounts" % quote(krn),
                                         token=admin)
    assert status == 200 and headers["X-Total-Count"] == "1"
    assert listed[0]["id"] == account["id"] and "client_secret" not in listed[0]
    stored = stack.sql("SELECT secret_hash FROM service_accounts WHERE id = '%s'" % account["id"])
    assert stored[0][0] != account["client_secret"] and len(stored[0][0]) == 64
    for basic in (False, True):
        status, headers, tok = grant(client, account, basic=basic)
        assert status == 200, tok
        assert tok["token_type"] == "bearer" and tok["expires_in"] > 0
        assert headers["Cache-Control"] == "no-store"
    token = tok["access_token"]
    # On behalf of the member: the record is the member's.
    status, _, rec = progress(client, token, krn, filename="for-member.csv",
                              email=member["email"].upper())
    assert status == 201, rec
    assert rec["email"] == member["email"] and rec["createdBy"] == member["user"]["id"]
    status, _, rec = progress(client, token, krn, filename="for-member.csv", email=member["email"],
                              counts={"done": 4}, isLast=True)
    assert status == 200 and rec["counts"]["done"] == 5 and rec["isCompleted"], rec
    status, _, mine = client.api("GET", "/clients/%s/progress?email=%s"
                                 % (quote(krn), urllib.parse.quote(member["email"])),
                                 token=member["token"])
    assert status == 200 and [r["filename"] for r in mine] == ["for-member.csv"]
    # Without email the account reports as itself.
    status, _, rec = progress(client, token, krn, filename="own.csv")
    assert status == 201 and rec["email"].endswith("@service.invalid"), rec
    status, _, read = client.api("GET", "/clients/%s/progress?filename=own.csv" % quote(krn),
                                 token=token)
    assert status == 200 and read["filename"] == "own.csv"
    # A stranger is no member; a user cannot report for someone else.
    status, _, body = progress(client, token, krn, email=unique_email())
    assert status == 403
    assert assert_error_shape(body, "FORBIDDEN")["field"] == "email"
    status, _, body = progress(client, member["token"], krn, email=unique_email())
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")


def test_service_token_is_limited_to_its_client(client, admin):
    krn, other = make_client(client, admin), make_client(client, admin)
    account = new_account(client, admin, krn)
    token = grant(client, account)[2]["access_token"]
    status, _, body = progress(client, token, other)
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    for method, path in (("GET", "/users/me"), ("GET", "/jobs"), ("GET", "/clients"),
                         ("POST", "/clients/%s/service-accounts" % quote(krn))):
        status, _, body = client.api(method, path, token=token, json={} if method == "POST" else None)
        assert status == 403, (path, body)
        assert_error_shape(body, "FORBIDDEN")


def test_bad_grants_and_revocation(client, admin):
    krn = make_client(client, admin)
    account = new_account(client, admin, krn)
    user = client.register_and_login()
    status, _, body = client.api("POST", "/clients/%s/service-accounts" % quote(krn),
                                 token=user["token"], json={"name": "x"})
    assert status == 403
    status, _, body = client.api("POST", "/clients/%s/service-accounts" % quote(krn),
                                 token=admin, json={})
    assert status == 422 and assert_error_shape(body)["field"] == "name"
    status, _, body = client.api("POST", "/auth/token",
                                 form={"grant_type": "password", "client_id": account["client_id"],
                                       "client_secret": account["client_secret"]})
    assert status == 400
    assert_error_shape(body, "UNSUPPORTED_GRANT_TYPE")
    for wrong in (dict(account, client_secret=account["client_secret"][:-1] + "x"),
                  dict(account, client_id=str(uuid.uuid4())),
                  dict(account, client_id="not-a-uuid")):
        status, headers, body = grant(client, wrong)
        assert status == 401, body
        assert_error_shape(body, "INVALID_CLIENT")
    token = grant(client, account)[2]["access_token"]
    assert progress(client, token, krn)[0] == 201
    status, _, body = client.api("POST", "/clients/%s/service-accounts/%s/revoke"
                                 % (quote(krn), account["id"]), token=admin)
    assert status == 200 and body["revoked_at"] and body["is_active"] is False, body
    # The very next request with the token it already had is refused.
    status, _, body = progress(client, token, krn)
    assert status == 401
    assert_error_shape(body, "INVALID_TOKEN")
    status, _, body = grant(client, account)
    assert status == 401
    status, _, body = client.api("DELETE", "/clients/%s/service-accounts/%s"
                                 % (quote(krn), uuid.uuid4()), token=admin)
    assert status == 404
    assert_error_shape(body, "SERVICE_ACCOUNT_NOT_FOUND")


def test_service_accounts_page_by_cursor(stack, client, admin):
    """Following Link rel=next lists each account once, oldest first as
    skip gives them, ties of created_at included."""
    krn = make_client(client, admin)
    made = [new_account(client, admin, krn, name="walk-%d" % i)["id"] for i in range(5)]
    stack.sql("UPDATE service_accounts SET created_at = '2026-01-01 00:00:00.000'"
              " WHERE id IN (%s)" % ",".join("'%s'" % i for i in made[1:4]))
    base = "/clients/%s/service-accounts" % quote(krn)
    items, pages, _ = walk_pages(client, admin, base + "?limit=2",
                                 lambda b: [a["id"] for a in b], total=5)
    assert pages == 3 and len(items) == 5 and set(items) == set(made)
    by_skip = []
    for skip in (0, 2, 4):
        status, _, body = client.api("GET", base + "?skip=%d&limit=2" % skip, token=admin)
        assert status == 200, body
        by_skip += [a["id"] for a in body]
    assert by_skip == items
    status, _, err = client.api("GET", base + "?after=bm9wZQ", token=admin)
    assert status == 422 and err["error"]["field"] == "after"
