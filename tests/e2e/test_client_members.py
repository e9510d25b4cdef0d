"""A client's members for administrators: GET /clients/{krn}/members (oldest
first, paged by offset or cursor), PATCH /clients/{krn}/members/{userId}
(a member's role) and DELETE /clients/{krn}/members/{userId}."""

from quarry_client import next_link, unique_email

PASSWORD = "correct-horse-battery"


def test_list_page_and_remove_members(stack, client):
    stack.create_admin("members-admin@example.com", PASSWORD)
    admin = client.login("members-admin@example.com", PASSWORD)
    krn = "krn:members:client:one"
    assert client.api("POST", "/clients", json={"krn": krn, "name": "Members Ltd"}, token=admin)[0] == 201
    users = [client.register_and_login(unique_email("member%d" % i)) for i in range(5)]
    for i, u in enumerate(users):
        status, _, body = client.api("POST", "/clients/%s/members" % krn,
                                     json={"email": u["email"], "role": "analyst" if i == 0 else "member"}, token=admin)
        assert status == 201, body
    status, headers, body = client.api("GET", "/clients/%s/members" % krn, token=admin)
    assert status == 200 and headers["X-Total-Count"] == "5", (headers, body)
    assert [m["email"] for m in body] == [u["email"] for u in users], body
    assert body[0] == {"client_id": body[0]["client_id"], "krn": krn, "user_id": users[0]["user"]["id"],
                       "email": users[0]["email"], "role": "analyst", "created_at": body[0]["created_at"]}, body[0]
    # Pages of two: by cursor (Link rel="next") they walk all five once.
    seen, path = [], "/clients/%s/members?limit=2" % krn
    while path:
        status, headers, page = client.api("GET", path, token=admin)
        assert status == 200 and len(page) <= 2, page
        seen += [m["email"] for m in page]
        path = next_link(headers)
    assert seen == [u["email"] for u in users], seen
    status, _, page = client.api("GET", "/clients/%s/members?skip=3&limit=2" % krn, token=admin)
    assert [m["email"] for m in page] == [u["email"] for u in users[3:]], page
    # Remove one: gone from the list and from its clients; twice is a 404.
    gone = users[2]
    path = "/clients/%s/members/%s" % (krn, gone["user"]["id"])
    assert client.api("DELETE", path, token=admin)[0] == 204
    status, _, body = client.api("DELETE", path, token=admin)
    assert status == 404 and body["error"]["code"] == "MEMBER_NOT_FOUND", body
    assert client.api("GET", "/clients", token=gone["token"])[2] == []
    status, headers, body = client.api("GET", "/clients/%s/members" % krn, token=admin)
    assert headers["X-Total-Count"] == "4" and gone["email"] not in [m["email"] for m in body], body
    # Not an id, another client's krn, a member who is no administrator.
    assert client.api("DELETE", "/clients/%s/members/nope" % krn, token=admin)[0] == 404
    assert client.api("GET", "/clients/krn:members:client:none/members", token=admin)[0] == 404
    for method, p in (("GET", "/clients/%s/members" % krn), ("DELETE", "/clients/%s/members/%s" % (krn, users[0]["user"]["id"]))):
        status, _, body = client.api(method, p, token=users[1]["token"])
        assert status == 403, (method, p, body)


def test_change_a_members_role(stack, client):
    stack.create_admin("roles-admin@example.com", PASSWORD)
    admin = client.login("roles-admin@example.com", PASSWORD)
    krn = "krn:members:client:roles"
    other = "krn:members:client:roles-other"
    for k in (krn, other):
        assert client.api("POST", "/clients", json={"krn": k, "name": "Roles Ltd"}, token=admin)[0] == 201
    ada, bob, eve = (client.register_and_login(unique_email(n)) for n in ("ada", "bob", "eve"))
    for u in (ada, bob):
        assert client.api("POST", "/clients/%s/members" % krn, json={"email": u["email"]}, token=admin)[0] == 201
    path = "/clients/%s/members/%s" % (krn, ada["user"]["id"])
    # The answer is the member as the list shows it, with the new role.
    status, _, body = client.api("PATCH", path, json={"role": "analyst"}, token=admin)
    assert status == 200, body
    listed = client.api("GET", "/clients/%s/members" % krn, token=admin)[2]
    assert body == listed[0] and body["role"] == "analyst" and body["user_id"] == ada["user"]["id"], (body, listed)
    assert [m["role"] for m in listed] == ["analyst", "member"], listed
    # The member sees it on their client; the same role again changes nothing.
    assert [c["role"] for c in client.api("GET", "/clients", token=ada["token"])[2]] == ["analyst"]
    status, _, again = client.api("PATCH", path, json={"role": "analyst"}, token=admin)
    assert status == 200 and again == body, again
    # A bad body: the one error shape, naming the field.
    for bad in ({}, {"role": ""}, {"role": "x" * 33}, {"role": "no spaces"}, {"role": 7}):
        status, _, err = client.api("PATCH", path, json=bad, token=admin)
        assert status == 422 and err["error"]["field"] == "role", (bad, err)
    assert client.api("GET", "/clients/%s/members" % krn, token=admin)[2][0]["role"] == "analyst"
    # Not a member (of this client), not an id, no such client: 404s.
    for p, code in (("/clients/%s/members/%s" % (krn, eve["user"]["id"]), "MEMBER_NOT_FOUND"),
                    ("/clients/%s/members/%s" % (other, ada["user"]["id"]), "MEMBER_NOT_FOUND"),
                    ("/clients/%s/members/nope" % krn, "MEMBER_NOT_FOUND"),
                    ("/clients/krn:members:client:none/members/%s" % ada["user"]["id"], None)):
        status, _, err = client.api("PATCH", p, json={"role": "admin"}, token=admin)
        assert status == 404 and "error" in err and (code is None or err["error"]["code"] == code), (p, err)
    # Only administrators change roles: a member may not promote themself.
    for who in (ada, eve):
        status, _, err = client.api("PATCH", path, json={"role": "admin"}, token=who["token"])
        assert status == 403 and "error" in err, err
    status, _, err = client.api("PATCH", path, json={"role": "admin"})
    assert status == 401, err
    assert [m["role"] for m in client.api("GET", "/clients/%s/members" % krn, token=admin)[2]] == ["analyst", "member"]
