"""A table whose trigger the server fails to parse (seen on Galera nodes for
a second or two after a member left): the statement is tried again, and
when every try fails the answer is 503 in the error shape, nothing is
written, and the next request after the table heals succeeds."""

import contextlib

from quarry_client import assert_error_shape, unique_email


@contextlib.contextmanager
def broken_jobs_trigger(stack):
    """jobs.TRG with the last END of its last trigger cut, and the table
    flushed so that the server parses its triggers again; put back after."""
    trg = stack.home / "mysql" / "quarry" / "jobs.TRG"
    original = trg.read_text()
    cut = original.rindex("END")
    with open(trg, "w") as f:  # in place: the file keeps its owner
        f.write(original[:cut] + original[cut + 3:])
    stack.admin_sql("FLUSH LOCAL TABLES quarry.jobs")
    try:
        yield
    finally:
        with open(trg, "w") as f:
            f.write(original)
        stack.admin_sql("FLUSH LOCAL TABLES quarry.jobs")


def job_count(stack, user_id):
    return int(stack.sql("SELECT COUNT(*) FROM jobs WHERE user_id = '%s'" % user_id)[0][0])


def test_a_trigger_that_fails_to_parse_is_a_503_and_writes_nothing(stack, client):
    user = client.register_and_login(unique_email("trigger"))
    token, user_id = user["token"], user["user"]["id"]
    body = {"file_name": "t.csv", "processing_steps": [], "original_file_size_bytes": 10}
    with broken_jobs_trigger(stack):
        status, _, answer = client.api("POST", "/jobs", json=body, token=token)
        assert status == 503, answer
        assert_error_shape(answer, "SERVICE_UNAVAILABLE")
        assert job_count(stack, user_id) == 0
        # Reads of the table fire no trigger and still answer.
        status, _, listed = client.api("GET", "/jobs", token=token)
        assert status == 200 and listed == [], listed
    log = stack.logs["api"].read_text(errors="replace")
    assert "met a trigger the server failed to parse" in log
    status, _, created = client.api("POST", "/jobs", json=body, token=token)
    assert status == 201, created
    assert job_count(stack, user_id) == 1
