"""The Pebbles progress document ("Pebbles Multi-Tenant API Usage Examples"),
replayed against Quarry through its own paths (/clients/{krn}/progress, no
/api/v1), with its exact request bodies, each answer compared with the
document's example answer (ids and timestamps aside).

Where Quarry deliberately differs (docs/api.md, "Differences from the source
documents"), the test asserts Quarry's documented behaviour: its GETs need a
token, its errors are the one error object, lists are newest first. The
queue intake (SQS/Kafka examples) is a separate feature."""

import pytest

from quarry_client import assert_error_shape
from seed_support import ISO_TIME, UUID, assert_like, example, patiently, seed_client

ACME = "krn:acme:client:123"
WIDGETS = "krn:widgets:client:456"
PASSWORD = "pebbles-password-1"
PROGRESS = "/clients/krn:acme:client:123/progress"   # as the document's curl writes it
ASIDE = {"id": UUID, "createdAt": ISO_TIME, "updatedAt": ISO_TIME}

STEP1_BODY = example("""{
    "filename": "sales_data_2024.csv",
    "counts": {
      "done": 100,
      "warn": 0,
      "failed": 0
    },
    "total": 10000
  }""")
STEP1_ANSWER = example("""{
  "result": "created",
  "clientKrn": "krn:acme:client:123",
  "filename": "sales_data_2024.csv",
  "counts": {
    "done": 100,
    "warn": 0,
    "failed": 0
  },
  "total": 10000,
  "isCompleted": false
}""")

STEP2_BODY = example("""{
    "filename": "sales_data_2024.csv",
    "counts": {
      "done": 500,
      "warn": 10,
      "failed": 2
    }
  }""")
STEP2_ANSWER = example("""{
  "result": "updated",
  "clientKrn": "krn:acme:client:123",
  "filename": "sales_data_2024.csv",
  "counts": {
    "done": 600,
    "warn": 10,
    "failed": 2
  },
  "total": 10000,
  "isCompleted": false,
  "errors": [],
  "warnings": []
}""")

STEP2B_BODY = example("""{
    "filename": "sales_data_2024.csv",
    "counts": {
      "done": 300,
      "warn": 5,
      "failed": 3
    },
    "errors": [
      {
        "line": 150,
        "message": "Invalid date format: 2024-13-01"
      },
      {
        "line": 205,
        "message": "Missing required field: customer_id"
      },
      {
        "line": 312,
        "message": "Duplicate order ID: ORD-12345"
      }
    ],
    "warnings": [
      {
        "line": 88,
        "message": "Product code deprecated: PROD-OLD-123"
      },
      {
        "line": 195,
        "message": "Price exceeds normal range: $10,000"
      }
    ]
  }""")
STEP2B_ANSWER = example("""{
  "result": "updated",
  "clientKrn": "krn:acme:client:123",
  "filename": "sales_data_2024.csv",
  "counts": {
    "done": 900,
    "warn": 15,
    "failed": 5
  },
  "total": 10000,
  "isCompleted": false,
  "errors": [
    {
      "line": 150,
      "message": "Invalid date format: 2024-13-01"
    },
    {
      "line": 205,
      "message": "Missing required field: customer_id"
    },
    {
      "line": 312,
      "message": "Duplicate order ID: ORD-12345"
    }
  ],
  "warnings": [
    {
      "line": 88,
      "message": "Product code deprecated: PROD-OLD-123"
    },
    {
      "line": 195,
      "message": "Price exceeds normal range: $10,000"
    }
  ]
}""")

STEP3_BODY = example("""{
    "filename": "sales_data_2024.csv",
    "counts": {
      "done": 9088,
      "warn": 0,
      "failed": 0
    },
    "isLast": true
  }""")
STEP3_ANSWER = example("""{
  "result": "updated",
  "clientKrn": "krn:acme:client:123",
  "filename": "sales_data_2024.csv",
  "counts": {
    "done": 9988,
    "warn": 15,
    "failed": 5
  },
  "total": 10000,
  "isCompleted": true
}""")

# Step 4's answer as the document prints it, but for its errors and warnings:
# the document lists two errors (lines 4521, 7892) and a warning (3421) that
# its walkthrough never posts. Quarry answers the ones that were posted.
STEP4_ANSWER = example("""{
  "id": "507f1f77bcf86cd799439011",
  "clientKrn": "krn:acme:client:123",
  "filename": "sales_data_2024.csv",
  "email": "user@acme.com",
  "counts": {
    "done": 9988,
    "warn": 15,
    "failed": 5
  },
  "total": 10000,
  "isCompleted": true,
  "createdAt": "2024-01-01T10:00:00Z",
  "updatedAt": "2024-01-01T10:15:00Z"
}""")

SALES_LISTED = example("""{
    "id": "507f1f77bcf86cd799439011",
    "clientKrn": "krn:acme:client:123",
    "filename": "sales_data_2024.csv",
    "email": "user@acme.com",
    "counts": {
      "done": 9988,
      "warn": 15,
      "failed": 5
    },
    "total": 10000,
    "isCompleted": true,
    "createdAt": "2024-01-01T10:00:00Z",
    "updatedAt": "2024-01-01T10:15:00Z"
  }""")
INVENTORY_LISTED = example("""{
    "id": "507f1f77bcf86cd799439012",
    "clientKrn": "krn:acme:client:123",
    "filename": "inventory_update.csv",
    "email": "user@acme.com",
    "counts": {
      "done": 450,
      "warn": 0,
      "failed": 0
    },
    "total": 500,
    "isCompleted": false,
    "createdAt": "2024-01-01T11:00:00Z",
    "updatedAt": "2024-01-01T11:05:00Z"
  }""")
CUSTOMER_IMPORT_LISTED = example("""{
    "id": "507f1f77bcf86cd799439013",
    "clientKrn": "krn:acme:client:123",
    "filename": "customer_import.csv",
    "email": "etl-service@acme.com",
    "counts": {
      "done": 450,
      "warn": 0,
      "failed": 0
    },
    "total": 5000,
    "isCompleted": false,
    "createdAt": "2024-01-01T12:00:00Z",
    "updatedAt": "2024-01-01T12:30:00Z"
  }""")


@pytest.fixture(scope="module")
def pebbles(stack):
    """The tenants and members the document assumes: ACME with user@acme.com
    (YOUR_JWT_TOKEN, USER_A_JWT), a second member (USER_B_JWT) and
    etl-service@acme.com; Widgets with its own user (WIDGETS_USER_JWT)."""
    client = seed_client(stack)
    admin_email = "pebbles-admin@example.com"
    stack.create_admin(admin_email, PASSWORD)
    admin = client.login(admin_email, PASSWORD)
    tokens = {}
    for email in ("user@acme.com", "user-b@acme.com", "etl-service@acme.com",
                  "stream-processor@widgets.com"):
        status, body = client.register(email, PASSWORD)
        assert status == 201, body
        tokens[email] = client.login(email, PASSWORD)
    for krn, name, members in ((ACME, "ACME Corp", ("user@acme.com", "user-b@acme.com",
                                                     "etl-service@acme.com")),
                               (WIDGETS, "Widgets Inc", ("stream-processor@widgets.com",))):
        status, _, body = client.api("POST", "/clients", token=admin, json={"krn": krn, "name": name})
        assert status == 201, body
        for email in members:
            status, _, body = client.api("POST", "/clients/%s/members" % krn, token=admin,
                                         json={"email": email})
            assert status == 201, body
    return client, tokens


def post(client, token, path, body):
    return client.api("POST", path, token=token, json=body)


def test_processing_a_csv_file_for_a_client(pebbles):
    client, tokens = pebbles
    token = tokens["user@acme.com"]

    # 1. Start processing - first update with total
    status, _, body = post(client, token, PROGRESS, STEP1_BODY)
    assert status == 201, body
    assert_like(body, STEP1_ANSWER, ASIDE)

    # 2. Incremental update
    status, _, body = post(client, token, PROGRESS, STEP2_BODY)
    assert status == 200, body
    assert_like(body, STEP2_ANSWER, ASIDE)

    # 2b. Update with errors and warnings
    status, _, body = post(client, token, PROGRESS, STEP2B_BODY)
    assert status == 200, body
    assert_like(body, STEP2B_ANSWER, ASIDE)

    # 3. Complete processing
    status, _, body = post(client, token, PROGRESS, STEP3_BODY)
    assert status == 200, body
    assert_like(body, STEP3_ANSWER, ASIDE)

    # 4. Progress of one file. The document's GET carries no token; Quarry's
    # progress records are tenant data and need one (a difference).
    path = PROGRESS + "?filename=sales_data_2024.csv"
    status, _, body = client.api("GET", path)
    assert status == 401
    assert_error_shape(body, "UNAUTHORIZED")
    status, _, body = client.api("GET", path, token=token)
    assert status == 200, body
    assert_like(body, STEP4_ANSWER, ASIDE)
    assert body["errors"] == STEP2B_ANSWER["errors"]
    assert body["warnings"] == STEP2B_ANSWER["warnings"]


def test_progress_lists_of_a_user_and_of_a_client(pebbles):
    client, tokens = pebbles
    user, etl = tokens["user@acme.com"], tokens["etl-service@acme.com"]
    # The other records the document's lists show.
    status, _, body = post(client, user, PROGRESS, {"filename": "inventory_update.csv",
                                                    "counts": {"done": 450, "warn": 0, "failed": 0},
                                                    "total": 500})
    assert status == 201, body
    status, _, body = post(client, etl, PROGRESS, {"filename": "customer_import.csv",
                                                   "counts": {"done": 450, "warn": 0, "failed": 0},
                                                   "total": 5000})
    assert status == 201, body

    # 5. All progress of a user within a client: newest first in Quarry (the
    # document shows the oldest first), without messages.
    status, headers, body = client.api("GET", PROGRESS + "?email=user@acme.com", token=user)
    assert status == 200, body
    assert_like(body, [INVENTORY_LISTED, SALES_LISTED], ASIDE)
    assert int(headers["X-Total-Count"]) == 2
    assert all("errors" not in r for r in body)

    # 6. All progress of a client (the three records of this module).
    status, headers, body = client.api("GET", PROGRESS, token=user)
    assert status == 200, body
    assert_like(body, [CUSTOMER_IMPORT_LISTED, INVENTORY_LISTED, SALES_LISTED], ASIDE)
    assert int(headers["X-Total-Count"]) == 3
    # The lists page with skip/limit, and offset as skip's other name.
    status, _, page = client.api("GET", PROGRESS + "?limit=1&offset=1", token=user)
    assert status == 200 and [r["filename"] for r in page] == ["inventory_update.csv"]


def test_different_clients_processing_the_same_filename(pebbles):
    client, tokens = pebbles
    acme, widgets = tokens["user@acme.com"], tokens["stream-processor@widgets.com"]
    # Client 1: ACME Corp
    status, _, a = post(client, acme, "/clients/krn:acme:client:123/progress", {
        "filename": "common_data.csv",
        "counts": {"done": 100, "warn": 0, "failed": 0}})
    assert status == 201, a
    # Client 2: Widgets Inc (same filename, different client)
    status, _, w = post(client, widgets, "/clients/krn:widgets:client:456/progress", {
        "filename": "common_data.csv",
        "counts": {"done": 200, "warn": 5, "failed": 1}})
    assert status == 201, w
    # Each client's progress is isolated.
    assert a["id"] != w["id"]
    assert (a["clientKrn"], a["counts"]) == (ACME, {"done": 100, "warn": 0, "failed": 0})
    assert (w["clientKrn"], w["counts"]) == (WIDGETS, {"done": 200, "warn": 5, "failed": 1})
    status, _, body = client.api("GET", "/clients/krn:widgets:client:456/progress?filename=common_data.csv",
                                 token=acme)
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")


def test_error_examples(pebbles):
    client, tokens = pebbles
    user_a, user_b = tokens["user@acme.com"], tokens["user-b@acme.com"]

    # Attempting to update another user's file. The document answers
    # {"error": "<message>"}; Quarry answers 403 with the same message in its
    # error object (a difference of shape, not of meaning).
    status, _, body = post(client, user_a, PROGRESS, {
        "filename": "protected_file.csv",
        "counts": {"done": 100, "warn": 0, "failed": 0}})
    assert status == 201, body
    status, _, body = post(client, user_b, PROGRESS, {
        "filename": "protected_file.csv",
        "counts": {"done": 50, "warn": 0, "failed": 0}})
    assert status == 403
    err = assert_error_shape(body, "FORBIDDEN")
    assert err["message"] == "Only the original creator can update this file's progress"

    # Attempting to update completed progress.
    status, _, body = post(client, user_a, PROGRESS, {
        "filename": "completed_file.csv",
        "counts": {"done": 10, "warn": 0, "failed": 0}, "isLast": True})
    assert status == 201, body
    status, _, body = post(client, user_a, PROGRESS, {
        "filename": "completed_file.csv",
        "counts": {"done": 10, "warn": 0, "failed": 0}})
    assert status == 409
    err = assert_error_shape(body, "CONFLICT")
    assert err["message"] == "This file processing has already been completed"

    # Missing authorization: 401, as the document says, in the error object.
    status, _, body = client.api("POST", PROGRESS, json={
        "filename": "test.csv",
        "counts": {"done": 10, "warn": 0, "failed": 0}})
    assert status == 401
    assert_error_shape(body, "UNAUTHORIZED")
    # Nothing was written by the refused posts.
    status, _, body = client.api("GET", PROGRESS + "?filename=test.csv", token=user_a)
    assert status == 404
    status, _, body = client.api("GET", PROGRESS + "?filename=protected_file.csv", token=user_a)
    assert body["counts"] == {"done": 100, "warn": 0, "failed": 0}
