"""GET /pipelines/schedule-preview: the next runs of a schedule as the
scheduler reads it (the page's "next runs" beside the schedule field)."""

import datetime
import urllib.parse


def preview(client, token, **query):
    return client.api("GET", "/pipelines/schedule-preview?" + urllib.parse.urlencode(query), token=token)


def parse(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def test_next_runs_of_a_cron_in_a_zone(client):
    user = client.register_and_login()
    status, _, body = preview(client, user["token"], cron="30 2 * * 1-5", timezone="Europe/Berlin", count=7)
    assert status == 200, body
    assert body["schedule"] == {"type": "cron", "expression": "30 2 * * 1-5", "timezone": "Europe/Berlin"}, body
    runs = [parse(s) for s in body["next_runs"]]
    assert len(runs) == 7 and runs == sorted(runs) and len(set(runs)) == 7, runs
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now < runs[0] < now + datetime.timedelta(days=4), runs
    for r in runs:
        # 02:30 in Berlin is 00:30 or 01:30 UTC (summer or winter time), on a weekday there.
        local = r + datetime.timedelta(hours=1 if r.hour == 1 else 2)
        assert r.minute == 30 and r.hour in (0, 1) and local.weekday() < 5, r
    # The default count is 5; the service's zone when none is given.
    status, _, body = preview(client, user["token"], cron="@hourly")
    assert status == 200 and len(body["next_runs"]) == 5, body
    gaps = {(parse(b) - parse(a)).total_seconds() for a, b in zip(body["next_runs"], body["next_runs"][1:])}
    assert gaps == {3600.0}, gaps


def test_next_runs_of_an_interval(client):
    user = client.register_and_login()
    status, _, body = preview(client, user["token"], interval_seconds=900, count=3)
    assert status == 200, body
    assert body["schedule"] == {"type": "interval", "interval_seconds": 900}, body
    a, b, c = (parse(s) for s in body["next_runs"])
    assert (b - a).total_seconds() == 900 and (c - b).total_seconds() == 900


def test_a_bad_schedule_is_a_422_at_its_key(client):
    user = client.register_and_login()
    for query, field in (({"cron": "61 * * * *"}, "cron"),
                         ({"cron": "0 0 30 2 *"}, "cron"),
                         ({"cron": "0 2 * * *", "timezone": "Mars/Olympus"}, "timezone"),
                         ({"cron": "0 2 * * *", "interval_seconds": 60}, "cron"),
                         ({"cron": "0 2 * * *", "count": 21}, "count"),
                         ({"cron": "0 2 * * *", "nope": 1}, "nope")):
        status, _, body = preview(client, user["token"], **query)
        assert status == 422, (query, body)
        assert body["error"]["field"] == field, (query, body)
    status, _, body = preview(client, user["token"], cron="61 * * * *")
    assert body["error"]["message"].startswith("cron: "), body
    # No schedule: no run.
    status, _, body = preview(client, user["token"])
    assert status == 200 and body == {"schedule": None, "next_runs": []}, body
    # Signed-in users only.
    status, _, _ = client.api("GET", "/pipelines/schedule-preview?cron=%40daily")
    assert status == 401


def test_the_preview_is_in_the_openapi_document(client):
    status, _, doc = client.api("GET", "/openapi.json")
    assert status == 200
    op = doc["paths"]["/pipelines/schedule-preview"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"cron", "timezone", "interval_seconds", "count"}, op
