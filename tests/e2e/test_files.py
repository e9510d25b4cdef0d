"""Direct uploads: POST /files/upload (multipart, streamed to disk), then
process, show, list, schema and delete; every malformed multipart body."""

import hashlib
import json
import re
import socket
import time
import uuid

import pytest

from quarry_client import assert_error_shape, download_output, process_file, upload_file, upload_ok

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

CSV_LATIN1 = ("id;name;city;amount\n"
              "1;José;Köln;10\n"
              "2;Zoë;Málaga;20\n"
              "3;Ana;Porto;30\n").encode("latin-1")

JSON_NESTED = json.dumps({
    "meta": {"count": 3},
    "data": {"customers": [
        {"id": 1, "name": "Ann", "address": {"city": "Paris"}},
        {"id": 2, "name": "Bob", "address": {"city": "Rome"}},
        {"id": 3, "name": "Cy", "address": {"city": "Oslo"}},
    ]},
}).encode()

XML_CUSTOMERS = b"""<?xml version="1.0" encoding="UTF-8"?>
<customers>
  <customer id="1" tier="gold"><name>Ann</name><city>Paris</city></customer>
  <customer id="2" tier="silver"><name>Bob</name><city>Rome</city></customer>
</customers>
"""

JSONL = b'{"id":1,"ok":true}\n{"id":2,"ok":false}\n{"id":3,"ok":true}\n{"id":4,"ok":true}\n'

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


@pytest.fixture(scope="module")
def other(stack):
    return stack.client().register_and_login()


def wait_processed(client, token, file_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = client.api("GET", "/files/%s" % file_id, token=token)
        assert status == 200, body
        if body["processing_status"] in ("COMPLETED", "FAILED"):
            return body
        assert time.monotonic() < deadline, "file still %s" % body["processing_status"]
        time.sleep(0.2)


def tmp_files(stack):
    tmp = stack.storage_dir / "files" / ".tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


# ------------------------------------------------------------ upload and process

def test_upload_answers_the_file(stack, client, user):
    body = upload_ok(client, user["token"], "customers;semi.csv", CSV_LATIN1, "text/csv")
    assert re.fullmatch(r"[0-9a-f-]{36}", body["file_id"])
    assert body["filename"] == "customers;semi.csv"
    assert body["file_type"] == "csv"
    assert body["mime_type"].startswith("text/")
    assert body["file_size"] == len(CSV_LATIN1)
    assert body["sha256"] == hashlib.sha256(CSV_LATIN1).hexdigest()
    assert body["processing_status"] == "PENDING"
    assert ISO_MS.match(body["uploaded_at"])
    # The object is on disk under its sanitized name, byte for byte; no temp file is left.
    stored = list((stack.storage_dir / "files" / body["file_id"]).iterdir())
    assert [p.name for p in stored] == ["customers_semi.csv"]
    assert stored[0].read_bytes() == CSV_LATIN1
    assert tmp_files(stack) == []


def test_process_semicolon_latin1_csv(client, user):
    f = upload_ok(client, user["token"], "latin1.csv", CSV_LATIN1, "text/csv")
    job = process_file(client, user["token"], f["file_id"],
                  {"processing_config": {"delimiter": ";", "encoding": "latin-1"}})
    status, _, shown = client.api("GET", "/files/%s" % f["file_id"], token=user["token"])
    assert status == 200 and shown["processing_status"] in ("PROCESSING", "COMPLETED")
    done = wait_processed(client, user["token"], f["file_id"])
    assert done["processing_status"] == "COMPLETED", done
    assert done["records_processed"] == 3
    assert done["records_successful"] == 3
    assert done["records_failed"] == 0
    assert ISO_MS.match(done["processed_at"])
    meta = done["processing_metadata"]
    assert meta["delimiter_used"] == ";"
    assert meta["encoding_detected"].lower() in ("latin-1", "iso-8859-1")
    assert meta["rows_total"] == 3
    assert meta["columns_count"] == 4
    assert meta["header_row"] == ["id", "name", "city", "amount"]
    assert meta["data_types"]["id"] == "integer"
    assert meta["data_types"]["amount"] == "integer"
    assert meta["data_types"]["name"] == "string"
    # The job it queued finished too, and its output is the re-encoded table.
    status, _, j = client.api("GET", "/jobs/%s" % job["id"], token=user["token"])
    assert status == 200 and j["status"] == "COMPLETED", j
    assert j["input_object_key"].startswith("files/%s/" % f["file_id"])
    _, data = download_output(client, user["token"], job["id"])
    assert "José" in data.decode("utf-8") and "Köln" in data.decode("utf-8")


def test_process_json_with_array_path(client, user):
    f = upload_ok(client, user["token"], "customers.json", JSON_NESTED, "application/json")
    assert f["file_type"] == "json"
    process_file(client, user["token"], f["file_id"],
            {"processing_config": {"array_path": "data.customers"}, "output_format": "jsonl"})
    done = wait_processed(client, user["token"], f["file_id"])
    assert done["processing_status"] == "COMPLETED", done
    assert done["records_processed"] == 3
    meta = done["processing_metadata"]
    assert meta["array_path"] == "data.customers"
    assert meta["rows_total"] == 3
    assert set(meta["data_types"]) == {"id", "name", "address_city"}
    assert meta["data_types"]["id"] == "integer"


def test_process_xml_with_record_element_and_attributes(client, user):
    f = upload_ok(client, user["token"], "customers.xml", XML_CUSTOMERS, "application/xml")
    assert f["file_type"] == "xml"
    process_file(client, user["token"], f["file_id"],
            {"processing_config": {"record_element": "customer", "flatten_attributes": True}})
    done = wait_processed(client, user["token"], f["file_id"])
    assert done["processing_status"] == "COMPLETED", done
    assert done["records_processed"] == 2
    meta = done["processing_metadata"]
    assert meta["record_element"] == "customer"
    assert meta["rows_total"] == 2
    assert {"id", "tier", "name", "city"} <= set(meta["data_types"])


def test_process_jsonl_with_steps(client, user):
    f = upload_ok(client, user["token"], "rows.jsonl", JSONL, "application/x-ndjson")
    assert f["file_type"] == "jsonl"
    process_file(client, user["token"], f["file_id"], {
        "processing_config": {"format": "jsonlines"},
        "processing_steps": [{"type": "rename", "params": {"mapping": {"ok": "is_ok"}}}],
        "output_format": "json"})
    done = wait_processed(client, user["token"], f["file_id"])
    assert done["processing_status"] == "COMPLETED", done
    assert done["records_processed"] == 4
    assert done["processing_metadata"]["rows_total"] == 4


def test_process_refuses_bad_requests_and_a_second_run_at_once(client, user, other):
    f = upload_ok(client, user["token"], "again.csv", b"a,b\n1,2\n", "text/csv")
    url = "/files/%s/process" % f["file_id"]
    for payload, field in [({"processing_steps": [{"type": "nope", "params": {}}]}, "processing_steps"),
                           ({"processing_config": "x"}, "processing_config"),
                           ({"output_format": "pdf"}, "output_format")]:
        status, _, body = client.api("POST", url, token=user["token"], json=payload)
        assert status == 422, body
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"].startswith(field)
    status, _, body = client.api("POST", url, token=other["token"], json={})
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    status, _, body = client.api("POST", "/files/%s/process" % uuid.uuid4(), token=user["token"], json={})
    assert status == 404
    assert_error_shape(body, "FILE_NOT_FOUND")
    process_file(client, user["token"], f["file_id"], {})
    # While it is PROCESSING a second run is refused; after it ends, it may run again.
    status, _, body = client.api("POST", url, token=user["token"], json={})
    if status != 202:
        assert status == 400, body
        assert_error_shape(body, "INVALID_STATE")
    wait_processed(client, user["token"], f["file_id"])
    process_file(client, user["token"], f["file_id"], {"output_format": "json"})
    done = wait_processed(client, user["token"], f["file_id"])
    assert done["processing_status"] == "COMPLETED" and done["records_processed"] == 1


# ------------------------------------------------------------ show, list, delete

def test_show_list_and_ownership(client, user):
    other = client.register_and_login()
    mine = [upload_ok(client, other["token"], "l%d.csv" % i, b"x\n%d\n" % i, "text/csv")
            for i in range(3)]
    status, headers, listed = client.api("GET", "/files?limit=2", token=other["token"])
    assert status == 200
    assert int(headers["X-Total-Count"]) == 3
    assert [f["file_id"] for f in listed] == [mine[2]["file_id"], mine[1]["file_id"]]
    status, _, rest = client.api("GET", "/files?skip=2&limit=2", token=other["token"])
    assert [f["file_id"] for f in rest] == [mine[0]["file_id"]]
    status, _, body = client.api("GET", "/files?limit=0", token=other["token"])
    assert status == 422
    status, _, shown = client.api("GET", "/files/%s" % mine[0]["file_id"], token=other["token"])
    assert status == 200
    for key in ("file_id", "filename", "file_type", "mime_type", "file_size", "sha256",
                "processing_status", "records_processed", "records_successful", "records_failed",
                "uploaded_at", "processed_at", "processing_metadata"):
        assert key in shown, key
    status, _, body = client.api("GET", "/files/%s" % mine[0]["file_id"], token=user["token"])
    assert status == 403
    assert_error_shape(body, "FORBIDDEN")
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        status, _, body = client.api("GET", "/files/%s" % bad, token=user["token"])
        assert status == 404
        assert_error_shape(body, "FILE_NOT_FOUND")
    status, _, body = client.api("GET", "/files")
    assert status == 401


def test_delete_removes_object_rows_and_outputs(stack, client, user, other):
    f = upload_ok(client, user["token"], "gone.csv", b"a,b\n1,2\n3,4\n", "text/csv")
    job = process_file(client, user["token"], f["file_id"], {})
    wait_processed(client, user["token"], f["file_id"])
    status, _, j = client.api("GET", "/jobs/%s" % job["id"], token=user["token"])
    output = stack.storage_dir / j["output_object_key"]
    assert output.exists()
    status, _, body = client.api("DELETE", "/files/%s" % f["file_id"], token=other["token"])
    assert status == 403
    status, _, body = client.api("DELETE", "/files/%s" % f["file_id"], token=user["token"])
    assert status == 204, body
    assert not (stack.storage_dir / "files" / f["file_id"]).exists()
    assert not output.exists()
    status, _, body = client.api("GET", "/files/%s" % f["file_id"], token=user["token"])
    assert status == 404
    assert_error_shape(body, "FILE_NOT_FOUND")
    status, _, body = client.api("DELETE", "/files/%s" % f["file_id"], token=user["token"])
    assert status == 404
    status, _, body = client.api("GET", "/jobs/%s" % job["id"], token=user["token"])
    assert status == 404
    assert stack.sql("SELECT COUNT(*) FROM jobs WHERE file_id = '%s'" % f["file_id"]) == [["0"]]


# ------------------------------------------------------------ schema

def test_schema_of_a_file(client, user):
    f = upload_ok(client, user["token"], "schema.csv",
                  b"id,name,score,joined\n1,Ann,1.5,2024-01-02\n2,,2.5,2024-02-03\n3,Cy,,2024-03-04\n",
                  "text/csv")
    status, _, body = client.api("GET", "/files/%s/schema?sample_size=2" % f["file_id"],
                                 token=user["token"])
    assert status == 200, body
    schema = body["schema"]
    assert set(schema) == {"id", "name", "score", "joined"}
    assert schema["id"]["type"] == "integer"
    assert schema["score"]["type"] == "number"
    for field in schema.values():
        assert {"type", "nullable"} <= set(field)
    assert body["sample_info"]["rows_analyzed"] == 2
    assert body["summary"]["total_fields"] == 4
    status, _, full = client.api("GET", "/files/%s/schema" % f["file_id"], token=user["token"])
    assert status == 200 and full["sample_info"]["rows_analyzed"] == 3
    assert full["schema"]["name"]["nullable"] is True
    assert full["schema"]["id"]["nullable"] is False
    for bad in ("0", "100001", "x"):
        status, _, body = client.api("GET", "/files/%s/schema?sample_size=%s" % (f["file_id"], bad),
                                     token=user["token"])
        assert status == 422
        assert assert_error_shape(body, "VALIDATION_ERROR")["field"] == "sample_size"


def test_schema_with_a_reading_configuration(client, user):
    f = upload_ok(client, user["token"], "nested.json", JSON_NESTED, "application/json")
    config = json.dumps({"array_path": "data.customers"})
    status, _, body = client.api(
        "GET", "/files/%s/schema?processing_config=%s" % (f["file_id"], config.replace(" ", "")),
        token=user["token"])
    assert status == 200, body
    assert body["sample_info"]["rows_analyzed"] == 3
    assert "id" in body["schema"]


# ------------------------------------------------------------ refusals

def test_unsupported_type_is_415_and_leaves_nothing(stack, client, user):
    status, _, body = upload_file(client, user["token"], "picture.png", PNG, "image/png")
    assert status == 415, body
    assert_error_shape(body, "UNSUPPORTED_MEDIA_TYPE")
    assert tmp_files(stack) == []


def test_upload_needs_a_token(client):
    status, _, body = upload_file(client, None, "a.csv", b"a\n1\n")
    assert status == 401


def test_over_the_cap_is_413(stack):
    """A declared body over client_max_body_size is refused by nginx at once,
    in the API's error shape, before a byte of it is read."""
    ctx = stack.ssl_context
    with socket.create_connection(("127.0.0.1", stack.https_port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: multipart/form-data; boundary=x\r\n"
                      b"Content-Length: 1099511627776\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"413", head
    assert_error_shape(json.loads(payload), "PAYLOAD_TOO_LARGE")


BOUNDARY = "quarryTESTboundary"
DISPOSITION = 'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n'


def part(body, name="file", filename="a.csv"):
    return ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
            'Content-Type: text/csv\r\n\r\n' % (BOUNDARY, name, filename)).encode() + body + b"\r\n"


END = ("--%s--\r\n" % BOUNDARY).encode()
GOOD_CT = "multipart/form-data; boundary=" + BOUNDARY

MALFORMED = {
    "no content type": (None, part(b"a\n1\n") + END),
    "not multipart": ("text/csv", b"a\n1\n"),
    "missing boundary": ("multipart/form-data", part(b"a\n1\n") + END),
    "empty boundary": ("multipart/form-data; boundary=", part(b"a\n1\n") + END),
    "boundary too long": ("multipart/form-data; boundary=" + "b" * 71, b"--" + b"b" * 71 + b"--\r\n"),
    "other boundary in body": ("multipart/form-data; boundary=different", part(b"a\n1\n") + END),
    "truncated part": (GOOD_CT, part(b"a\n1\n")[:-10]),
    "missing final boundary": (GOOD_CT, part(b"a\n1\n")),
    "no file part": (GOOD_CT, part(b"x", name="comment", filename="c.txt") + END),
    "two file parts": (GOOD_CT, part(b"a\n1\n") + part(b"b\n2\n", filename="b.csv") + END),
    "garbage after delimiter": (GOOD_CT, part(b"a\n1\n") + ("--%sXX\r\n" % BOUNDARY).encode()),
    "no content-disposition": (GOOD_CT, ("--%s\r\nContent-Type: text/csv\r\n\r\na\r\n" % BOUNDARY).encode() + END),
    "header without colon": (GOOD_CT, ("--%s\r\n%sbroken header\r\n\r\na\r\n" % (BOUNDARY, DISPOSITION)).encode() + END),
    "huge header": (GOOD_CT, ("--%s\r\n%sX-Big: %s\r\n\r\na\r\n" % (BOUNDARY, DISPOSITION, "h" * 20000)).encode() + END),
    "empty body": (GOOD_CT, b""),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_multipart_is_400(stack, client, user, case):
    ctype, body = MALFORMED[case]
    headers = {"Content-Type": ctype} if ctype else {}
    status, _, answer = client.api("POST", "/files/upload", token=user["token"], raw=body,
                                   headers=headers)
    assert status == 400, (case, answer)
    err = assert_error_shape(answer, "INVALID_MULTIPART")
    assert err["message"]
    assert tmp_files(stack) == []


def test_lenient_forms_are_accepted(client, user):
    """Bare LF line ends, a preamble, transport padding and an epilogue."""
    body = ("preamble text\n--%s  \n"
            'Content-Disposition: form-data; name="note"\n\nhello\n'
            "--%s\n"
            'Content-Disposition: form-data; name="file"; filename="lf.csv"\n'
            "Content-Type: text/csv\n\n"
            "a,b\n1,2\n"
            "--%s--\nepilogue" % (BOUNDARY, BOUNDARY, BOUNDARY)).encode()
    status, _, answer = client.api("POST", "/files/upload", token=user["token"], raw=body,
                                   headers={"Content-Type": GOOD_CT})
    assert status == 201, answer
    assert answer["file_size"] == len(b"a,b\n1,2")
    assert answer["filename"] == "lf.csv"


def test_large_upload_is_streamed_and_hashed(stack, client, user):
    """Several MiB in one part: size and hash match, across many read chunks."""
    row = b"".join(b"%d,%s,%d\r\n" % (i, b"x" * (i % 50), i * 7) for i in range(2000))
    content = b"id,text,n\r\n" + row * 40
    f = upload_ok(client, user["token"], "big.csv", content, "text/csv")
    assert f["file_size"] == len(content)
    assert f["sha256"] == hashlib.sha256(content).hexdigest()
    stored = stack.storage_dir / "files" / f["file_id"] / "big.csv"
    assert stored.stat().st_size == len(content)
