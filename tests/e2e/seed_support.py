"""Helpers of the test_seed_*.py modules: each replays one of the API documents
Quarry grew from (its walkthrough, its exact request bodies, its own paths)
and compares every answer with the document's example answer.

    client = seed_client(stack)                  # paths as the document writes them
    status, _, body = client.api("GET", "/status/%s" % upload_id, token=token)
    assert_like(body, SEED_EXAMPLE, aside={"uploadId": UUID, "createdAt": ISO_TIME})

assert_like(answer, example) checks that every field of the example is in the
answer with the same value (recursively; lists element by element, same
length), except the fields named in aside, whose values (ids, timestamps)
only have to have the right form. Fields Quarry adds are allowed.
"""

import json
import re
import time

from quarry_client import QuarryClient, patiently  # noqa: F401 (the seed tests import it from here)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def UUID(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


def ISO_TIME(value):
    return isinstance(value, str) and bool(ISO_RE.match(value))


def ISO_TIME_OR_NULL(value):
    return value is None or ISO_TIME(value)


def TEXT(value):
    return isinstance(value, str) and value != ""


def INT(value):
    return isinstance(value, int) and not isinstance(value, bool)


class SeedClient(QuarryClient):
    """A QuarryClient whose paths are the site's paths as given (the
    documents' own, e.g. /jobs/{id}), never prefixed with /api/v1."""

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)


def seed_client(stack):
    return SeedClient(stack.base_url, stack.ssl_context)


def example(text):
    """A document's example answer, pasted as the document prints it."""
    return json.loads(text)


def assert_like(answer, expected, aside=None, where="answer"):
    aside = aside or {}
    if isinstance(expected, dict):
        assert isinstance(answer, dict), "%s: expected an object, got %r" % (where, answer)
        for key, value in expected.items():
            assert key in answer, "%s: no field %r in %r" % (where, key, answer)
            if key in aside:
                assert aside[key](answer[key]), "%s.%s: unexpected form %r" % (where, key, answer[key])
            else:
                assert_like(answer[key], value, aside, "%s.%s" % (where, key))
    elif isinstance(expected, list):
        assert isinstance(answer, list), "%s: expected a list, got %r" % (where, answer)
        assert len(answer) == len(expected), "%s: %d items, the document shows %d: %r" % (
            where, len(answer), len(expected), answer)
        for i, (a, e) in enumerate(zip(answer, expected)):
            assert_like(a, e, aside, "%s[%d]" % (where, i))
    else:
        same_kind = (isinstance(answer, bool) == isinstance(expected, bool) and
                     (isinstance(answer, (int, float)) == isinstance(expected, (int, float))))
        assert same_kind and answer == expected, \
            "%s: %r, the document shows %r" % (where, answer, expected)
