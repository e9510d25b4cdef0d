"""Helpers of the pipeline tests (test_pipelines*.py): uploads, pipelines,
executions and waiting for them."""

import time

from quarry_client import multipart

FINISHED = ("SUCCESS", "FAILED", "CANCELLED")


def seed(client, path):
    """The URL of a path as the ETL document writes it: without /api/v1."""
    return client.base_url + path


def upload(client, token, filename, content):
    body, content_type = multipart(files={"file": (filename, content, "text/csv")})
    status, _, f = client.api("POST", "/files/upload", token=token, raw=body,
                              headers={"Content-Type": content_type})
    assert status == 201, f
    return f


def create(client, token, path="/pipelines", **fields):
    status, _, body = client.api("POST", path, json=fields, token=token)
    assert status == 201, body
    return body


def execute(client, token, pipeline_id, parameters=None, path="/pipelines"):
    payload = {} if parameters is None else {"parameters": parameters}
    status, _, body = client.api("POST", "%s/%s/execute" % (path, pipeline_id), json=payload,
                                 token=token)
    assert status == 202, body
    return body


def execution(client, token, pipeline_id, execution_id, path="/pipelines"):
    status, _, body = client.api("GET", "%s/%s/executions/%s" % (path, pipeline_id, execution_id),
                                 token=token)
    assert status == 200, body
    return body


def executions(client, token, pipeline_id, path="/pipelines", **query):
    q = "&".join("%s=%s" % kv for kv in query.items())
    status, _, body = client.api("GET", "%s/%s/executions%s" % (path, pipeline_id,
                                                                 "?" + q if q else ""),
                                 token=token)
    assert status == 200, body
    return body


def wait_execution(client, token, pipeline_id, execution_id, statuses=FINISHED, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        e = execution(client, token, pipeline_id, execution_id)
        if e["status"] in statuses:
            return e
        assert time.monotonic() < deadline, "execution %s still %s" % (execution_id, e["status"])
        time.sleep(0.1)


def wait_executions(client, token, pipeline_id, count, timeout=60, finished=True):
    """The pipeline's executions once there are count of them (all finished
    when finished is set), newest first."""
    deadline = time.monotonic() + timeout
    while True:
        body = executions(client, token, pipeline_id)
        done = [e for e in body["executions"] if not finished or e["status"] in FINISHED]
        if len(body["executions"]) >= count and len(done) == len(body["executions"]):
            return body["executions"]
        assert time.monotonic() < deadline, "pipeline %s: %r" % (pipeline_id, body)
        time.sleep(0.1)
