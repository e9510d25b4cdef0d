"""Dependencies and schedules: the seed's "Example 2: ETL Job with
Dependencies" through its own paths, a three-level DAG triggered once per
level, a SUCCESS dependency on a failed parent, a refused cycle, two parents
ending together, and schedules fired by the dispatcher (interval, cron with
the scheduler's clock moved ahead, a missed slot after downtime, and two
dispatchers sharing the database)."""

import concurrent.futures
import os
import signal
import subprocess
import time
from datetime import datetime, timezone

import pytest

from pipeline_helpers import (create, execute, executions, seed, upload, wait_executions)
from quarry_client import assert_error_shape, wait_for

CUSTOMERS = (b"customer_name,email\n"
             b"ann,ann@example.com\n"
             b"bob,bob@example.com\n"
             b"cy,cy@example.com\n")


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


def file_pipeline(client, token, name, file_id, **extra):
    return create(client, token, job_name=name, source_type="FILE",
                  source_config={"file_id": file_id}, **extra)["job_id"]


def depend(client, token, child, parent, kind="SUCCESS", path="/pipelines"):
    status, _, body = client.api("POST", "%s/%s/dependencies" % (path, child), token=token,
                                 json={"parent_job_id": parent, "dependency_type": kind})
    assert status == 201, body
    return body


def settle(client, token, pipeline_ids, seconds=2.0):
    """Waits until no execution of the pipelines is pending or running and
    none was added for `seconds`; returns {id: executions}."""
    def snapshot():
        return {p: executions(client, token, p)["executions"] for p in pipeline_ids}
    last, since = None, time.monotonic()
    deadline = time.monotonic() + 90
    while True:
        now = snapshot()
        busy = any(e["status"] in ("PENDING", "RUNNING") for es in now.values() for e in es)
        counts = {p: len(es) for p, es in now.items()}
        if counts != last or busy:
            last, since = counts, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return now
        assert time.monotonic() < deadline, now
        time.sleep(0.2)


def test_seed_example_2_etl_job_with_dependencies(client, user):
    token = user["token"]
    f = upload(client, token, "customers.csv", CUSTOMERS)
    # 1. Create parent job (Extract): the seed's body names a DATABASE source
    # and no configuration; this user has no stored source to read (the
    # body on a stored source: test_pipelines_datasets.py), so it is refused
    # naming the field.
    seed_parent = {"job_name": "Extract Customer Data", "job_type": "EXTRACT",
                   "source_type": "DATABASE"}
    status, _, err = client.api("POST", seed(client, "/jobs"), json=seed_parent, token=token)
    assert status == 422 and err["error"]["field"] == "source_config.source_id", err
    # The same body reading an uploaded file instead.
    status, _, parent = client.api("POST", seed(client, "/jobs"), token=token, json=dict(
        seed_parent, source_type="FILE", source_config={"file_id": f["file_id"]}))
    assert status == 201, parent
    parent_id = parent["job_id"]
    # 2. Create child job (Transform): the seed's body; no source, so it reads its parent's output.
    status, _, child = client.api("POST", seed(client, "/jobs"), token=token, json={
        "job_name": "Transform Customer Data", "job_type": "TRANSFORM"})
    assert status == 201, child
    child_id = child["job_id"]
    # Before the parent ran: the seed's "not met" answer.
    status, _, check = client.api("POST", seed(client, "/jobs/%s/dependencies" % child_id), token=token,
                                  json={"parent_job_id": parent_id, "dependency_type": "SUCCESS"})
    # 3. Add dependency (the seed's body and answer)
    assert status == 201 and check["success"] is True, check
    assert check["message"] == "Dependency added successfully"
    data = check["data"]
    assert data["parent_job_id"] == parent_id and data["child_job_id"] == child_id
    assert data["parent_job_name"] == "Extract Customer Data"
    assert data["child_job_name"] == "Transform Customer Data"
    assert data["dependency_type"] == "SUCCESS" and data["dependency_id"]
    status, _, check = client.api("GET", seed(client, "/jobs/%s/dependencies/check" % child_id), token=token)
    assert status == 200 and check["message"] == "Some dependencies not met"
    assert check["data"] == {"dependencies_met": False, "total_dependencies": 1,
                             "met_dependencies": 0, "unmet_dependencies": [{
                                 "parent_job_id": parent_id,
                                 "parent_job_name": "Extract Customer Data",
                                 "dependency_type": "SUCCESS",
                                 "reason": "Parent job has never been executed",
                                 "latest_status": None}]}
    status, _, body = client.api("GET", seed(client, "/jobs/executable"), token=token)
    names = [j["job_name"] for j in body["data"]["executable_jobs"]]
    assert "Extract Customer Data" in names and "Transform Customer Data" not in names
    # 4. Execute parent job (no body, as the seed's curl)
    status, _, started = client.api("POST", seed(client, "/jobs/%s/execute" % parent_id), token=token)
    assert status == 202, started
    # 5. Child job will auto-trigger when parent completes! Check child job executions
    runs = wait_executions(client, token, child_id, 1)
    status, _, listed = client.api("GET", seed(client, "/jobs/%s/executions" % child_id), token=token)
    assert status == 200 and listed["total"] == 1, listed
    run = listed["executions"][0]
    assert run["status"] == "SUCCESS" and run["trigger"] == "dependency", runs
    assert run["records_processed"] == 3
    status, _, full = client.api("GET", seed(client, "/jobs/%s/executions/%s" % (child_id, run["execution_id"])),
                                 token=token)
    assert full["upstream_execution_id"] == started["execution_id"]
    status, _, check = client.api("GET", seed(client, "/jobs/%s/dependencies/check" % child_id), token=token)
    assert check["message"] == "All dependencies met" and check["data"]["met_dependencies"] == 1
    status, _, tree = client.api("GET", seed(client, "/jobs/%s/dependency-tree?max_depth=5" % child_id),
                                 token=token)
    assert status == 200 and tree["message"] == "Dependency tree retrieved successfully"
    assert tree["data"]["root_job_id"] == child_id and tree["data"]["total_jobs_in_tree"] == 2
    assert tree["data"]["tree"] == {
        "job_id": child_id, "job_name": "Transform Customer Data", "job_type": "TRANSFORM",
        "depth": 0, "parents": [{"dependency_type": "SUCCESS", "job_id": parent_id,
                                 "job_name": "Extract Customer Data", "job_type": "EXTRACT",
                                 "depth": 1, "parents": []}]}
    status, _, body = client.api("GET", seed(client, "/jobs/executable"), token=token)
    found = {j["job_name"]: j["total_dependencies"] for j in body["data"]["executable_jobs"]}
    assert found["Transform Customer Data"] == 1 and found["Extract Customer Data"] == 0
    assert body["data"]["total"] == len(body["data"]["executable_jobs"])
    assert body["message"] == "Found %d executable jobs" % body["data"]["total"]


def test_three_levels_trigger_once_and_failed_parent_blocks(client, stack):
    token = stack.client().register_and_login()["token"]
    f = upload(client, token, "dag.csv", CUSTOMERS)
    root = file_pipeline(client, token, "root", f["file_id"])
    a = create(client, token, job_name="a", job_type="TRANSFORM")["job_id"]
    b = file_pipeline(client, token, "b", f["file_id"])
    grandchild = create(client, token, job_name="grandchild", job_type="LOAD")["job_id"]
    depend(client, token, a, root, "SUCCESS")
    depend(client, token, b, root, "COMPLETION")
    depend(client, token, grandchild, a, "SUCCESS")
    depend(client, token, grandchild, b, "DATA_AVAILABILITY")
    # A SUCCESS child of a parent that fails must not run; a COMPLETION child does.
    failing = create(client, token, job_name="failing", source_type="FILE",
                     source_config={"file_pattern": "no-such-*.csv"})["job_id"]
    blocked = file_pipeline(client, token, "blocked", f["file_id"])
    after_any = file_pipeline(client, token, "after-any", f["file_id"])
    depend(client, token, blocked, failing, "SUCCESS")
    depend(client, token, after_any, failing, "COMPLETION")

    execute(client, token, root)
    execute(client, token, failing)
    runs = settle(client, token, [root, a, b, grandchild, failing, blocked, after_any])
    counts = {name: len(runs[p]) for name, p in (("root", root), ("a", a), ("b", b),
                                                  ("grandchild", grandchild),
                                                  ("failing", failing), ("blocked", blocked),
                                                  ("after_any", after_any))}
    assert counts == {"root": 1, "a": 1, "b": 1, "grandchild": 1, "failing": 1, "blocked": 0,
                      "after_any": 1}, counts
    assert runs[grandchild][0]["status"] == "SUCCESS" and runs[failing][0]["status"] == "FAILED"
    assert all(runs[p][0]["trigger"] == "dependency" for p in (a, b, grandchild, after_any))
    status, _, check = client.api("GET", "/pipelines/%s/dependencies/check" % blocked, token=token)
    assert check["data"]["unmet_dependencies"] == [{
        "parent_job_id": failing, "parent_job_name": "failing", "dependency_type": "SUCCESS",
        "reason": "Parent job's latest execution did not succeed", "latest_status": "FAILED"}]
    # The root again: every level once more.
    execute(client, token, root)
    runs = settle(client, token, [root, a, b, grandchild])
    assert [len(runs[p]) for p in (root, a, b, grandchild)] == [2, 2, 2, 2]


def test_cycle_is_refused_naming_it(client, user):
    token = user["token"]
    x = create(client, token, job_name="cycle-x")["job_id"]
    y = create(client, token, job_name="cycle-y")["job_id"]
    z = create(client, token, job_name="cycle-z")["job_id"]
    depend(client, token, y, x)
    depend(client, token, z, y)
    status, _, err = client.api("POST", "/pipelines/%s/dependencies" % x, token=token,
                                json={"parent_job_id": z})
    assert status == 422, err
    assert_error_shape(err, "VALIDATION_ERROR")
    assert err["error"]["field"] == "parent_job_id"
    assert "cycle-x → cycle-y → cycle-z → cycle-x" in err["error"]["message"], err
    status, _, err = client.api("POST", "/pipelines/%s/dependencies" % x, token=token,
                                json={"parent_job_id": x})
    assert status == 422 and "cycle" in err["error"]["message"]
    status, _, err = client.api("POST", "/pipelines/%s/dependencies" % y, token=token,
                                json={"parent_job_id": x})
    assert status == 409
    status, _, err = client.api("POST", "/pipelines/%s/dependencies" % y, token=token,
                                json={"parent_job_id": x, "dependency_type": "SOMETIMES"})
    assert status == 422 and err["error"]["field"] == "dependency_type"
    # A parent with children is not deleted without force; removing the edge frees it.
    status, _, err = client.api("DELETE", "/pipelines/%s" % y, token=token)
    assert status == 409
    assert_error_shape(err, "CONFLICT")
    status, _, body = client.api("DELETE", "/pipelines/%s/dependencies/%s" % (z, y), token=token)
    assert status == 200 and body["message"] == "Dependency removed successfully"
    status, _, _ = client.api("DELETE", "/pipelines/%s" % y, token=token)
    assert status == 204
    status, _, body = client.api("GET", "/pipelines/%s/dependencies" % z, token=token)
    assert body["data"]["total"] == 0


def test_two_parents_ending_together_trigger_the_child_once(client, stack):
    token = stack.client().register_and_login()["token"]
    f = upload(client, token, "pair.csv", CUSTOMERS)
    left = file_pipeline(client, token, "left", f["file_id"])
    right = file_pipeline(client, token, "right", f["file_id"])
    join = file_pipeline(client, token, "join", f["file_id"])
    depend(client, token, join, left)
    depend(client, token, join, right)
    rounds = 3
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(1, rounds + 1):
            list(pool.map(lambda p: execute(stack.client(), token, p), [left, right]))
            runs = settle(client, token, [left, right, join], seconds=1.5)
            assert [len(runs[p]) for p in (left, right, join)] == [n, n, n], runs


# ---------------------------------------------------------------- schedules

def test_interval_schedule_fires_every_slot_once(client, user):
    token = user["token"]
    f = upload(client, token, "tick.csv", CUSTOMERS)
    p = file_pipeline(client, token, "ticker", f["file_id"],
                      schedule={"type": "interval", "interval_seconds": 1})
    runs = wait_executions(client, token, p, 3, timeout=30, finished=False)
    status, _, body = client.api("POST", "/pipelines/%s/deactivate" % p, token=token, json={})
    assert status == 200
    runs = settle(client, token, [p])[p]
    slots = sorted(e["scheduled_for"] for e in map(
        lambda e: client.api("GET", "/pipelines/%s/executions/%s" % (p, e["execution_id"]),
                             token=token)[2], runs))
    assert len(slots) == len(set(slots)) >= 3
    assert all(e["trigger"] == "schedule" for e in runs)


def iso_ms(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def restart_jobd(stack):
    """Restarts quarry-jobd (its supervisor starts it again) so that it
    reads quarry.conf again."""
    old = stack.pid("jobd")
    os.kill(old, signal.SIGTERM)
    new = wait_for(lambda: (lambda p: p if p and p != old else None)(stack.pid("jobd")), timeout=20)
    assert new, "quarry-jobd was not restarted"
    return new


@pytest.fixture
def scheduler_ahead(stack):
    """The dispatcher's scheduler reads its clock a minute ahead (the test
    knob scheduler_clock_offset_seconds), so a slot a minute away is due now."""
    original = stack.config.read_text()
    stack.config.write_text(original + "\nscheduler_clock_offset_seconds = 61\n")
    try:
        restart_jobd(stack)
        yield stack
    finally:
        stack.config.write_text(original)
        restart_jobd(stack)


def test_cron_schedule_fired_by_the_dispatcher(client, scheduler_ahead):
    token = scheduler_ahead.client().register_and_login()["token"]
    f = upload(client, token, "cron.csv", CUSTOMERS)
    created = create(client, token, job_name="every-minute", source_type="FILE",
                     source_config={"file_id": f["file_id"]}, schedule="* * * * *")
    p = created["job_id"]
    slot = created["next_run_at"]
    assert slot.endswith(":00.000Z") and 0 < iso_ms(slot) - time.time() <= 61
    runs = wait_executions(client, token, p, 1, timeout=20)
    status, _, e = client.api("GET", "/pipelines/%s/executions/%s" % (p, runs[0]["execution_id"]),
                              token=token)
    assert e["trigger"] == "schedule" and e["scheduled_for"] == slot and e["status"] == "SUCCESS"
    status, _, got = client.api("GET", "/pipelines/%s" % p, token=token)
    ahead = iso_ms(got["next_run_at"]) - iso_ms(slot)
    assert ahead > 0 and ahead % 60 == 0, got["next_run_at"]
    client.api("POST", "/pipelines/%s/deactivate" % p, token=token, json={})


def test_missed_slots_fire_once_after_downtime(client, stack, user):
    token = user["token"]
    f = upload(client, token, "missed.csv", CUSTOMERS)
    p = file_pipeline(client, token, "missed", f["file_id"], schedule="*/5 * * * *")
    # As if the dispatchers had been down for an hour: twelve slots passed.
    stack.sql("UPDATE pipelines SET next_fire_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR"
              " - INTERVAL SECOND(UTC_TIMESTAMP()) SECOND WHERE id = '%s'" % p)
    runs = wait_executions(client, token, p, 1, timeout=20)
    time.sleep(2.5)
    runs = settle(client, token, [p])[p]
    assert len(runs) == 1, runs
    status, _, got = client.api("GET", "/pipelines/%s" % p, token=token)
    assert iso_ms(got["next_run_at"]) > time.time()
    client.api("POST", "/pipelines/%s/deactivate" % p, token=token, json={})


def test_two_dispatchers_fire_each_slot_once(client, stack):
    token = stack.client().register_and_login()["token"]
    f = upload(client, token, "shared.csv", CUSTOMERS)
    jobd = os.path.join(os.path.dirname(stack.config.read_text().split("process_bin = ")[1]
                                        .splitlines()[0]), "quarry-jobd")
    env = dict(stack.env, QUARRY_CONFIG=str(stack.config), QUARRY_HOST_NAME="second-dispatcher",
               QUARRY_JOBD_SOCKET=str(stack.run_dir / "jobd-second.sock"))
    log = stack.open_log("jobd-second.log")
    second = subprocess.Popen(stack.as_service_user([jobd]), env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=log)
    os.close(log)
    try:
        ids = [file_pipeline(client, token, "shared-%d" % i, f["file_id"],
                             schedule={"type": "interval", "interval_seconds": 1})
               for i in range(4)]
        time.sleep(6)
        for p in ids:
            client.api("POST", "/pipelines/%s/deactivate" % p, token=token, json={})
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    fired_by = {}
    for p in ids:
        rows = stack.sql("SELECT scheduled_for, fired_by FROM pipeline_executions"
                         " WHERE pipeline_id = '%s' ORDER BY scheduled_for" % p)
        slots = [r[0] for r in rows]
        assert len(slots) == len(set(slots)) >= 4, rows
        steps = {round((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds(), 3)
                 for a, b in zip(slots, slots[1:])}
        # Slots of one phase, none twice (a late pass skips slots, never repeats one).
        assert all(step >= 1.0 and step == int(step) for step in steps), steps
        for _, host in rows:
            fired_by[host] = fired_by.get(host, 0) + 1
    assert "second-dispatcher" in fired_by and len(fired_by) == 2, fired_by
    settle(client, token, ids)
