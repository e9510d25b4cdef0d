"""Accounts: register, login (form and JSON), me, and every way a token or a
body can be wrong."""

import json
import time

from quarry_client import assert_error_shape, jwt_key, make_jwt, patiently, unique_email


def test_register_returns_the_user(client):
    email = unique_email()
    status, body = client.register(email, username="u" + email[5:17], full_name="Ada Lovelace")
    assert status == 201, body
    assert body["email"] == email
    assert body["full_name"] == "Ada Lovelace"
    assert body["is_active"] is True
    assert len(body["id"]) == 36 and body["id"] == body["id"].lower()
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 24
    assert "password" not in body and "password_hash" not in body


def test_register_refusals(client):
    email = unique_email()
    assert client.register(email)[0] == 201
    status, body = client.register(email)
    assert status == 400
    assert_error_shape(body, "EMAIL_ALREADY_REGISTERED")
    # The same address in other case is the same account.
    status, body = client.register(email.upper())
    assert status == 400
    status, body = client.register("not-an-email")
    assert status == 422
    assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "email"
    status, body = client.register(unique_email(), password="short")
    assert status == 422
    assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "password"
    status, _, body = client.auth("POST", "/auth/register", json={"password": "long-enough"})
    assert status == 422 and body["error"]["field"] == "email"
    status, _, body = client.auth("POST", "/auth/register", json={"email": 5, "password": "long-enough"})
    assert status == 422 and body["error"]["field"] == "email"


def test_extra_fields_are_ignored_and_never_grant_rights(client):
    status, body = client.register(unique_email(), is_superuser=True, is_active=False, id="x")
    assert status == 201
    assert body["is_superuser"] is False and body["is_active"] is True
    assert body["id"] != "x"


def test_malformed_bodies(client):
    for raw in (b"{", b"[1,2]", b"{\"email\": \"a@b.co\",}", b"\"text\"", b"{} trailing"):
        status, _, body = client.auth("POST", "/auth/register", raw=raw,
                                      headers={"Content-Type": "application/json"})
        assert status == 422, raw
        assert_error_shape(body, "VALIDATION_ERROR")
    status, _, body = client.auth("POST", "/auth/register", raw=b"email=a@b.co",
                                  headers={"Content-Type": "text/plain"})
    assert status == 415
    assert_error_shape(body, "UNSUPPORTED_MEDIA_TYPE")
    big = json.dumps({"email": unique_email(), "password": "x" * (2 << 20)}).encode()
    status, _, body = client.auth("POST", "/auth/register", raw=big,
                                  headers={"Content-Type": "application/json"})
    assert status == 413
    assert_error_shape(body, "PAYLOAD_TOO_LARGE")
    # Invalid UTF-8 inside a JSON string.
    status, _, body = client.auth("POST", "/auth/register",
                                  raw=b'{"email":"a\xff@b.co","password":"long-enough"}',
                                  headers={"Content-Type": "application/json"})
    assert status == 422


def test_login_form_and_json(client):
    email = unique_email()
    client.register(email, password="pass-word-1", username="name" + email[5:15])
    token = client.login(email, "pass-word-1")
    assert token.count(".") == 2
    status, _, body = client.auth("POST", "/auth/login",
                                  json={"email": email, "password": "pass-word-1"})
    assert status == 200, body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["user"]["email"] == email
    assert body["user_id"] == body["user"]["id"]  # the FastAPI ETL document's shape
    status, _, body = client.auth("POST", "/auth/login",
                                  form={"username": "name" + email[5:15], "password": "pass-word-1"})
    assert status == 200, body
    status, _, me = client.api("GET", "/users/me", token=body["access_token"])
    assert status == 200 and me["email"] == email
    status, _, me2 = client.api("GET", "/auth/me", token=body["access_token"])
    assert status == 200 and me2 == me


def test_login_refusals_look_the_same(client):
    email = unique_email()
    client.register(email, password="pass-word-1")
    answers = []
    for user, password in ((email, "wrong-password"), (unique_email(), "pass-word-1")):
        def timed_login():
            started = time.monotonic()
            status, _, body = client.api("POST", "/auth/login", form={"username": user, "password": password})
            return status, body, time.monotonic() - started
        status, body, took = patiently(timed_login)
        answers.append((status, body["error"]["code"], body["error"]["message"], took))
    assert answers[0][:3] == answers[1][:3]
    assert answers[0][0] == 400
    # Similar time: the unknown user also pays for one argon2id verification.
    slow, fast = max(answers[0][3], answers[1][3]), min(answers[0][3], answers[1][3])
    assert fast > slow / 5, answers
    status, _, body = client.auth("POST", "/auth/login", form={"username": email})
    assert status == 422 and body["error"]["field"] == "password"


def test_token_refusals(stack, client):
    user = client.register_and_login()
    key = jwt_key(stack)
    sub = user["user"]["id"]
    now = int(time.time())
    cases = {
        "garbage": ("not.a.token", "INVALID_TOKEN"),
        "alg none": (make_jwt({"alg": "none", "typ": "JWT"},
                              {"sub": sub, "exp": now + 600, "type": "access"}, None), "INVALID_TOKEN"),
        "other key": (make_jwt({"alg": "HS256", "typ": "JWT"},
                               {"sub": sub, "exp": now + 600, "type": "access"}, b"k" * 32), "INVALID_TOKEN"),
        "HS512 with our key": (make_jwt({"alg": "HS512", "typ": "JWT"},
                                        {"sub": sub, "exp": now + 600, "type": "access"}, key), "INVALID_TOKEN"),
        "no exp": (make_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": sub, "type": "access"}, key), "INVALID_TOKEN"),
        "expired": (make_jwt({"alg": "HS256", "typ": "JWT"},
                             {"sub": sub, "exp": now - 5, "type": "access"}, key), "TOKEN_EXPIRED"),
        "unknown user": (make_jwt({"alg": "HS256", "typ": "JWT"},
                                  {"sub": "00000000-0000-4000-8000-000000000000", "exp": now + 600,
                                   "type": "access"}, key), "INVALID_TOKEN"),
    }
    for name, (token, code) in cases.items():
        status, headers, body = client.api("GET", "/users/me", token=token)
        assert status == 401, name
        assert_error_shape(body, code)
    # A token we signed ourselves with the right key works: the forgeries failed for their reason.
    good = make_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": sub, "exp": now + 600, "type": "access"}, key)
    assert client.api("GET", "/users/me", token=good)[0] == 200
    status, _, body = client.api("GET", "/users/me")
    assert status == 401
    assert_error_shape(body, "UNAUTHORIZED")
    status, _, body = client.api("GET", "/users/me", headers={"Authorization": "Basic eDp5"})
    assert status == 401


def test_unknown_route_and_method(client):
    status, _, body = client.api("GET", "/no/such/thing")
    assert status == 404
    assert_error_shape(body, "NOT_FOUND")
    status, _, body = client.auth("DELETE", "/auth/login")
    assert status == 405
    assert_error_shape(body, "METHOD_NOT_ALLOWED")
