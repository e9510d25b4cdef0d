"""External issuers end to end: tokens of a Cognito-shaped issuer (JWKS over
https from a local server) and a Google-shaped one (JWKS in a file), signed
RS256 and ES256 by test keys; every refusal with its code; a key rotation
picked up without a restart; the Status API seed's calls made with a
Cognito access token; an admin linking an identity to an existing account."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest

from issuer_keys import REFRESH_SECONDS, pem_public
from quarry_client import assert_error_shape, unique_email, wait_for, walk_pages

ADMIN_PASSWORD = "admin-password-123"
STEPS = [{"type": "filter", "params": {"column": "city", "operator": "eq", "value": "NY"}}]


@pytest.fixture(scope="module")
def st(identity_stack):
    return identity_stack


@pytest.fixture(scope="module")
def issuers(st):
    return st.issuers


@pytest.fixture(scope="module")
def api(st):
    return st.client()


@pytest.fixture(scope="module")
def admin(st, api):
    email = unique_email("admin")
    st.create_admin(email, ADMIN_PASSWORD)
    return api.login(email, ADMIN_PASSWORD)


def me(api, token):
    return api.api("GET", "/users/me", token=token)


def refused(api, token, code):
    status, _, body = me(api, token)
    assert status == 401, body
    assert_error_shape(body, code)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header, payload, key=b""):
    """A JWS put together by hand: for what PyJWT will not sign."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    if header.get("alg") == "HS256":
        sig = b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())
    else:
        sig = ""
    return signing_input + "." + sig


def test_cognito_and_google_tokens_accepted(st, api, issuers):
    sub = str(uuid.uuid4())
    email = unique_email("cognito")
    status, _, user = me(api, issuers.cognito(sub, email=email))
    assert status == 200, user
    assert user["email"] == email and user["is_active"] is True
    # The same subject is the same user, whatever the token.
    status, _, again = me(api, issuers.cognito(sub, email=email))
    assert status == 200 and again["id"] == user["id"]
    rows = st.sql("SELECT user_id, email FROM external_identities WHERE subject = '%s'" % sub)
    assert rows == [[user["id"], email]]
    # Google's shape: aud and email, RS256 and ES256, JWKS from a file.
    gsub = "1098%d" % int(time.time() * 1000)
    gmail = unique_email("google")
    status, _, guser = me(api, issuers.google(gsub, gmail))
    assert status == 200 and guser["email"] == gmail, guser
    status, _, same = me(api, issuers.google(gsub, gmail, kid="ec-1"))
    assert status == 200 and same["id"] == guser["id"], same
    # aud may be a list that names us among others.
    status, _, _ = me(api, issuers.google(gsub, gmail, aud=["someone-else", "pebbles.apps.test"]))
    assert status == 200
    # A Cognito access token carries no email: the user gets a placeholder.
    bare = str(uuid.uuid4())
    status, _, user = me(api, issuers.cognito(bare))
    assert status == 200 and user["email"].endswith("@external.invalid"), user
    # An address the issuer has not verified is not taken either.
    status, _, user = me(api, issuers.google("unverified-%s" % bare, unique_email(),
                                             email_verified=False))
    assert status == 200 and user["email"].endswith("@external.invalid"), user


def test_refusals_have_the_status_api_codes(api, issuers):
    sub = str(uuid.uuid4())
    status, _, body = me(api, None)
    assert status == 401
    assert_error_shape(body, "UNAUTHORIZED")
    refused(api, issuers.cognito(sub, lifetime=-120), "TOKEN_EXPIRED")
    refused(api, issuers.cognito(sub, iss="https://cognito-idp.test.example/other-pool"),
            "INVALID_TOKEN")
    refused(api, issuers.google(sub, "a@example.com", aud="another-app"), "INVALID_TOKEN")
    refused(api, issuers.cognito(sub, client_id="another-client"), "INVALID_TOKEN")
    refused(api, issuers.cognito(sub, token_use="id"), "INVALID_TOKEN")
    refused(api, issuers.cognito(sub, nbf=int(time.time()) + 600), "INVALID_TOKEN")
    refused(api, issuers.cognito(sub, kid="no-such-kid"), "INVALID_TOKEN")
    # A key the issuer never published, under a kid it did.
    payload = {"iss": issuers.google_iss, "sub": sub, "aud": issuers.google_aud,
               "exp": int(time.time()) + 600}
    refused(api, issuers.sign(payload, "rsa-1", key=issuers.stranger), "INVALID_TOKEN")
    # The classic confusion: HS256 with the issuer's public key as the secret.
    confused = hand_made({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, payload,
                         pem_public(issuers.rsa))
    refused(api, confused, "INVALID_TOKEN")
    refused(api, hand_made({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, payload),
            "INVALID_TOKEN")
    # A tampered payload: another subject under the original signature.
    good = issuers.google(sub, "a@example.com")
    head, _, sig = good.split(".")
    payload["sub"] = "someone-else"
    payload["email"] = "a@example.com"
    refused(api, head + "." + b64(json.dumps(payload).encode()) + "." + sig, "INVALID_TOKEN")
    refused(api, "not.a.token", "INVALID_TOKEN")


def test_key_rotation_without_restart(st, api, issuers):
    sub = str(uuid.uuid4())
    rotated = issuers.cognito(sub, kid="rsa-2")
    before = issuers.server.requests
    refused(api, rotated, "INVALID_TOKEN")
    # Many requests with an unknown kid: each worker reads the JWKS at most
    # once per refresh interval, never once per request.
    for _ in range(12):
        refused(api, rotated, "INVALID_TOKEN")
    assert issuers.server.requests - before <= st.workers
    issuers.set_cognito_keys(["rsa-1", "rsa-2"])
    time.sleep(REFRESH_SECONDS + 0.5)
    assert wait_for(lambda: me(api, rotated)[0] == 200, timeout=REFRESH_SECONDS * 3)
    # The file-backed issuer too; the old key can be withdrawn.
    gsub = str(uuid.uuid4())
    new_token = issuers.google(gsub, unique_email(), kid="rsa-2")
    issuers.set_google_keys(["rsa-2", "ec-1"])
    time.sleep(REFRESH_SECONDS + 0.5)
    assert wait_for(lambda: me(api, new_token)[0] == 200, timeout=REFRESH_SECONDS * 3)
    issuers.set_google_keys(["rsa-1", "ec-1"])


def test_status_api_with_a_cognito_token(api, issuers):
    """The Status API seed's calls, authenticated as its front end is: a
    Cognito access token in the Authorization header."""
    token = issuers.cognito(str(uuid.uuid4()), email=unique_email("status"))
    status, _, job = api.api("POST", "/jobs", token=token,
                             json={"file_name": "leads.xlsx", "original_file_size_bytes": 1024,
                                   "processing_steps": STEPS})
    assert status == 201, job
    status, _, view = api.request("GET", "/api/v1/status/%s" % job["id"],
                                  headers={"Authorization": "Bearer " + token,
                                           "Content-Type": "application/json"})
    assert status == 200
    view = json.loads(view)
    assert view["uploadId"] == job["id"] and view["status"] == "uploading"
    assert view["stage"] == "file_upload" and isinstance(view["ttl"], int)
    status, _, body = api.api("POST", "/status/%s/cancel" % job["id"], token=token)
    assert status == 200 and body["status"] == "cancelled", body
    status, _, body = api.api("POST", "/status/%s/cancel" % job["id"], token=token)
    assert status == 400
    assert_error_shape(body, "CANNOT_CANCEL")
    other = issuers.cognito(str(uuid.uuid4()))
    status, _, body = api.api("GET", "/status/%s" % job["id"], token=other)
    assert status == 404
    assert_error_shape(body, "UPLOAD_NOT_FOUND")
    status, _, body = api.api("GET", "/status/not-an-id", token=token)
    assert status == 400
    assert_error_shape(body, "INVALID_UPLOAD_ID")
    status, _, body = api.api("GET", "/status/%s" % job["id"],
                              token=issuers.cognito(str(uuid.uuid4()), lifetime=-100))
    assert status == 401
    assert_error_shape(body, "TOKEN_EXPIRED")


def test_admin_links_an_identity_to_an_account(st, api, issuers, admin):
    local = api.register_and_login()
    gsub = "link-%s" % uuid.uuid4().hex
    # The token claims the local account's address: no takeover, a new user.
    status, _, fresh = me(api, issuers.google(gsub, local["email"]))
    assert status == 200
    assert fresh["id"] != local["user"]["id"] and fresh["email"].endswith("@external.invalid")
    status, headers, listed = api.api("GET", "/identities?user_id=%s" % fresh["id"], token=admin)
    assert status == 200 and headers["X-Total-Count"] == "1", listed
    assert listed[0]["subject"] == gsub and listed[0]["email"] == local["email"]
    # Only admins link.
    status, _, body = api.api("POST", "/identities/link", token=local["token"],
                              json={"issuer": "google", "subject": gsub, "email": local["email"]})
    assert status == 403
    for bad, code, field in (({"issuer": "nobody", "subject": gsub}, 422, "issuer"),
                             ({"issuer": "google", "subject": "never-seen"}, 404, "subject")):
        bad["email"] = local["email"]
        status, _, body = api.api("POST", "/identities/link", token=admin, json=bad)
        assert status == code, body
        assert assert_error_shape(body)["field"] == field
    status, _, body = api.api("POST", "/identities/link", token=admin,
                              json={"issuer": "google", "subject": gsub, "email": local["email"]})
    assert status == 200 and body["user"]["id"] == local["user"]["id"], body
    status, _, now = me(api, issuers.google(gsub, local["email"]))
    assert status == 200 and now["id"] == local["user"]["id"]
    # A token never signs in with a password: the external user has none.
    status, _, body = api.api("POST", "/auth/login",
                              form={"username": fresh["email"], "password": "anything-at-all"})
    assert status == 400


def walk(api, token, path):
    """Every identity of a list, page after page through Link rel=next."""
    return walk_pages(api, token, path, lambda b: [(i["issuer"], i["subject"]) for i in b])


def test_identities_page_by_cursor(st, api, issuers, admin):
    """Following Link rel=next lists each identity once, in skip's order,
    ties of created_at included, everyone's and one user's."""
    local = api.register_and_login()
    subs = ["walk-%d-%s" % (i, uuid.uuid4().hex) for i in range(5)]
    for sub in subs:
        status, _, _ = me(api, issuers.google(sub, unique_email()))
        assert status == 200
        status, _, body = api.api("POST", "/identities/link", token=admin,
                                  json={"issuer": "google", "subject": sub,
                                        "email": local["email"]})
        assert status == 200, body
    st.sql("UPDATE external_identities SET created_at = '2026-01-01 00:00:00.000'"
           " WHERE subject IN (%s)" % ",".join("'%s'" % s for s in subs[1:4]))
    for path, limit in (("/identities?user_id=%s&limit=2" % local["user"]["id"], 2),
                        ("/identities?limit=3", 3)):
        items, pages, total = walk(api, admin, path)
        assert len(items) == total and len(set(items)) == total, path
        assert pages == -(-total // limit)
        by_skip = []
        for skip in range(0, total, limit):
            status, _, body = api.api("GET", path.replace("limit=", "skip=%d&limit=" % skip),
                                      token=admin)
            assert status == 200, body
            by_skip += [(i["issuer"], i["subject"]) for i in body]
        assert by_skip == items, path
        assert {s for _, s in items} >= set(subs)
    status, _, err = api.api("GET", "/identities?after=bm9wZQ", token=admin)
    assert status == 422 and err["error"]["field"] == "after"
