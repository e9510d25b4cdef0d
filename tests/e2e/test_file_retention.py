"""Direct uploads expire (docs/uploads-and-progress.md, "Pinning and
expiry"): on a stack of its own whose retention pass runs every second and
whose file_retention_hours is 1, files backdated with SQL past their
retention go with their jobs, their objects and their outputs, while a pinned
file, a file a pipeline names and a recent file stay, and every count kept
by the triggers (the list total, the quota bytes) stays exact.
PATCH /files/{id} pins and unpins, and refuses every bad body (422) and
someone else's file (403)."""

import datetime
import json
import uuid

import pytest

from conftest import private_stack
from quarry_client import (assert_error_shape, csv_rows, run_file, upload_ok, wait_for)

HOURS = 1


@pytest.fixture(scope="module")
def rstack():
    env = {"QUARRY_RETENTION_INTERVAL_SECONDS": "1", "QUARRY_FILE_RETENTION_HOURS": str(HOURS)}
    with private_stack(env, prefix="quarry-e2e-fileret-") as st:
        yield st


@pytest.fixture(scope="module")
def ruser(rstack):
    return rstack.client().register_and_login()


def sql1(stack, query):
    rows = stack.sql(query)
    return rows[0][0] if rows else None


def iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def backdate(stack, file_id, hours):
    stack.sql("UPDATE files SET retention_from = UTC_TIMESTAMP(3) - INTERVAL %d HOUR "
              "WHERE id = '%s'" % (hours, file_id))


def kept_counts(stack, user_id):
    """(files kept in list_counts, its real count, quota bytes kept, real bytes)."""
    return (
        sql1(stack, "SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE list = 'files' "
                    "AND owner = '%s'" % user_id),
        sql1(stack, "SELECT COUNT(*) FROM files WHERE user_id = '%s'" % user_id),
        sql1(stack, "SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE list = 'bytes' "
                    "AND owner = '%s' AND part = 'files'" % user_id),
        sql1(stack, "SELECT COALESCE(SUM(file_size), 0) FROM files WHERE user_id = '%s'"
                    % user_id),
    )


def test_a_file_shows_when_it_expires_and_pinning_clears_it(rstack, ruser):
    client, token = rstack.client(), ruser["token"]
    f = upload_ok(client, token, "soon.csv", csv_rows(3), "text/csv")
    assert f["pinned"] is False
    assert iso(f["expires_at"]) - iso(f["uploaded_at"]) == datetime.timedelta(hours=HOURS)
    status, _, got = client.api("GET", "/files/%s" % f["file_id"], token=token)
    assert status == 200 and got["expires_at"] == f["expires_at"] and got["pinned"] is False

    status, _, pinned = client.api("PATCH", "/files/%s" % f["file_id"], token=token,
                                   json={"pinned": True})
    assert status == 200, pinned
    assert pinned["pinned"] is True and pinned["expires_at"] is None
    status, _, page = client.api("GET", "/files", token=token)
    listed = [x for x in page if x["file_id"] == f["file_id"]]
    assert status == 200 and listed and listed[0]["pinned"] is True and listed[0]["expires_at"] is None

    # Unpinned, its retention starts again from the pin change.
    status, _, unpinned = client.api("PATCH", "/files/%s" % f["file_id"], token=token,
                                     json={"pinned": False})
    assert status == 200 and unpinned["pinned"] is False
    assert iso(unpinned["expires_at"]) > iso(f["expires_at"])


def test_patch_refuses_bad_bodies_and_other_users_files(rstack, ruser):
    client, token = rstack.client(), ruser["token"]
    f = upload_ok(client, token, "mine.csv", csv_rows(2), "text/csv")
    path = "/files/%s" % f["file_id"]
    for body in ({}, {"pinned": "yes"}, {"pinned": 1}, {"pinned": None}, [True]):
        status, _, err = client.api("PATCH", path, token=token, json=body)
        assert status == 422, (body, status, err)
        assert_error_shape(err)
    status, _, err = client.api("PATCH", path, token=token, raw=b"{not json",
                                headers={"Content-Type": "application/json"})
    assert status in (400, 422), err
    assert_error_shape(err)
    other = rstack.client().register_and_login()
    # Someone else's file is 403, as for every other file call (and for jobs).
    status, _, err = client.api("PATCH", path, token=other["token"], json={"pinned": True})
    assert status == 403, err
    assert_error_shape(err, "FORBIDDEN")
    status, _, err = client.api("PATCH", "/files/00000000-0000-4000-8000-000000000000",
                                token=token, json={"pinned": True})
    assert status == 404, err
    assert_error_shape(err, "FILE_NOT_FOUND")
    status, _, got = client.api("GET", path, token=token)
    assert status == 200 and got["pinned"] is False


def test_old_unpinned_files_go_and_the_others_stay(rstack, ruser):
    client, token, user_id = rstack.client(), ruser["token"], ruser["user"]["id"]
    old = upload_ok(client, token, "old.csv", csv_rows(4), "text/csv")
    used = upload_ok(client, token, "processed.csv", csv_rows(5), "text/csv")
    job, _, _ = run_file(client, token, used["file_id"], {"output_format": "json"})
    pinned = upload_ok(client, token, "pinned.csv", csv_rows(6), "text/csv")
    status, _, body = client.api("PATCH", "/files/%s" % pinned["file_id"], token=token,
                                 json={"pinned": True})
    assert status == 200, body
    named = upload_ok(client, token, "named.csv", csv_rows(7), "text/csv")
    status, _, pipeline = client.api("POST", "/pipelines", token=token,
                                     json={"job_name": "keeps-named", "source_type": "FILE",
                                           "source_config": {"file_id": named["file_id"]}})
    assert status == 201, pipeline
    recent = upload_ok(client, token, "recent.csv", csv_rows(8), "text/csv")
    assert rstack.sql("SELECT COUNT(*) FROM jobs WHERE file_id = '%s'" % used["file_id"]) == [["1"]]
    # A pipeline execution of the file's job, with an error: both go with
    # the job, by the same statements as a purged job's, and the error's
    # kept count follows.
    execution = str(uuid.uuid4())
    rstack.sql("INSERT INTO pipeline_executions (id, pipeline_id, user_id, job_id, status, "
               "trigger_type, parameters, created_at) VALUES ('%s', '%s', '%s', '%s', 'COMPLETED', "
               "'manual', '{}', UTC_TIMESTAMP(3))" % (execution, uuid.uuid4(), user_id, job["id"]))
    rstack.sql("INSERT INTO pipeline_errors (id, execution_id, pipeline_id, user_id, error_type, "
               "error_severity, error_code, error_message, occurred_at) VALUES ('%s', '%s', '%s', "
               "'%s', 'validation', 'error', 'E1', 'test', UTC_TIMESTAMP(3))"
               % (uuid.uuid4(), execution, uuid.uuid4(), user_id))
    assert (rstack.storage_dir / "output" / job["id"]).exists()
    files_before = kept_counts(rstack, user_id)
    assert files_before[0] == files_before[1] and files_before[2] == files_before[3]

    for f in (old, used, pinned, named):
        backdate(rstack, f["file_id"], HOURS + 1)
    gone = (old, used)
    assert wait_for(lambda: sql1(rstack, "SELECT COUNT(*) FROM files WHERE id IN ('%s', '%s')"
                                 % tuple(f["file_id"] for f in gone)) == "0",
                    timeout=20), rstack.log_tail("jobd")

    for f in gone:
        status, _, err = client.api("GET", "/files/%s" % f["file_id"], token=token)
        assert status == 404, err
        assert not (rstack.storage_dir / "files" / f["file_id"]).exists()
    assert sql1(rstack, "SELECT COUNT(*) FROM jobs WHERE file_id = '%s'" % used["file_id"]) == "0"
    assert sql1(rstack, "SELECT COUNT(*) FROM job_errors WHERE job_id = '%s'" % job["id"]) == "0"
    assert sql1(rstack, "SELECT COUNT(*) FROM pipeline_executions WHERE id = '%s'"
                % execution) == "0"
    assert sql1(rstack, "SELECT COUNT(*) FROM pipeline_errors WHERE execution_id = '%s'"
                % execution) == "0"
    assert sql1(rstack, "SELECT COALESCE(SUM(n), 0) FROM pipeline_error_counts "
                "WHERE execution_id = '%s'" % execution) == "0"
    assert not (rstack.storage_dir / "output" / job["id"]).exists()
    assert client.api("GET", "/jobs/%s" % job["id"], token=token)[0] == 404

    for f in (pinned, named, recent):
        status, _, got = client.api("GET", "/files/%s" % f["file_id"], token=token)
        assert status == 200, (f["filename"], got)
        assert (rstack.storage_dir / "files" / f["file_id"]).exists()

    kept, real, kept_bytes, real_bytes = kept_counts(rstack, user_id)
    assert kept == real and kept_bytes == real_bytes
    assert int(real) == int(files_before[1]) - 2
    assert int(real_bytes) == int(files_before[3]) - old["file_size"] - used["file_size"]
    status, headers, page = client.api("GET", "/files", token=token)
    assert status == 200
    text = json.dumps(page)
    assert old["file_id"] not in text and used["file_id"] not in text
    assert all(f["file_id"] in text for f in (pinned, named, recent))
    total = {k.lower(): v for k, v in headers.items()}["x-total-count"]
    assert int(total) == int(real) == len(page)
    assert "retention: file %s removed" % old["file_id"] in rstack.log_tail("jobd", 400)

    # The pipeline deleted, the file it named is no longer kept.
    status, _, body = client.api("DELETE", "/pipelines/%s" % pipeline["id"], token=token)
    assert status in (200, 204), body
    assert wait_for(lambda: client.api("GET", "/files/%s" % named["file_id"],
                                       token=token)[0] == 404, timeout=20)
    assert not (rstack.storage_dir / "files" / named["file_id"]).exists()
    assert client.api("GET", "/files/%s" % pinned["file_id"], token=token)[0] == 200
    kept, real, kept_bytes, real_bytes = kept_counts(rstack, user_id)
    assert kept == real and kept_bytes == real_bytes


def test_the_pass_reads_only_the_expired_range(rstack):
    """The purge's list query goes by files_expiry (pinned, retention_from):
    a range of the unpinned rows past their retention, already in order.
    (How the optimizer runs the NOT EXISTS checks on tables this small says
    nothing of a large one, so only the files row's access is asserted.)"""
    # purge_list_files's statement (fcgi-app/common/purge_store.c), as it is.
    plan = rstack.sql(
        "EXPLAIN SELECT f.id FROM files f WHERE f.pinned = 0 AND f.retention_from < "
        "UTC_TIMESTAMP(3) - INTERVAL 1 HOUR AND NOT EXISTS (SELECT 1 FROM jobs j WHERE "
        "j.file_id = f.id AND j.status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')) AND NOT "
        "EXISTS (SELECT 1 FROM quality_checks q WHERE q.user_id = f.user_id AND q.entity_id = "
        "f.id AND q.status = 'running') AND NOT EXISTS (SELECT 1 FROM pipelines p WHERE "
        "p.user_id = f.user_id AND p.source_type = 'FILE' AND "
        "JSON_VALUE(p.source_config, '$.file_id') = f.id) ORDER BY f.retention_from LIMIT 200")
    by_table = {row[2]: row for row in plan}
    assert by_table["f"][5] == "files_expiry", plan
    assert "filesort" not in by_table["f"][-1].lower(), plan


def test_a_row_inserted_without_retention_from_starts_at_its_upload(rstack, ruser):
    """Rows written by other means (tools, tests) need no retention_from."""
    file_id = "00000000-0000-4000-8000-%012d" % 15
    rstack.sql(
        "INSERT INTO files (id, user_id, filename, object_key, file_type, mime_type, file_size, "
        "sha256, uploaded_at) VALUES ('%s', '%s', 'seeded.csv', 'files/none/seeded.csv', 'csv', "
        "'text/csv', 1, REPEAT('0', 64), UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE)"
        % (file_id, ruser["user"]["id"]))
    assert rstack.sql("SELECT retention_from = uploaded_at, pinned FROM files WHERE id = '%s'"
                      % file_id) == [["1", "0"]]
