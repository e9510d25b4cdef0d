"""pytest plugin: one TAP line per test on the descriptor QUARRY_TAP_FD, for
automake's TAP driver (tests/e2e/run.sh loads it with -p tap_report).

A test is "ok" when each of its phases passed; a failure or error in setup,
call or teardown makes it "not ok" (a teardown error after a passed call is
one more "not ok", as pytest counts it). Skips are "# SKIP" and xfails
"# TODO", which the stack script counts as failures: the project allows
neither. The plan comes last, when the count is known."""

import os

_out = None
_count = 0


def _emit(ok, name, directive=""):
    global _count
    _count += 1
    line = "%s %d - %s" % ("ok" if ok else "not ok", _count, name.replace("#", "\\#"))
    if directive:
        line += " # " + directive
    _out.write(line + "\n")


def pytest_configure(config):
    global _out
    fd = os.environ.get("QUARRY_TAP_FD")
    if fd:
        _out = os.fdopen(int(fd), "w", buffering=1)


def pytest_collectreport(report):
    if _out and report.failed:
        _emit(False, "collecting %s" % (report.nodeid or "tests"))


def pytest_runtest_logreport(report):
    if not _out:
        return
    if hasattr(report, "wasxfail"):
        if report.when == "call" or report.skipped:
            _emit(False, report.nodeid, "TODO xfail: %s" % report.wasxfail)
    elif report.when == "call":
        _emit(report.passed, report.nodeid)
    elif report.failed:
        _emit(False, "%s (%s)" % (report.nodeid, report.when))
    elif report.skipped:
        _emit(True, report.nodeid, "SKIP %s" % (report.longrepr[2] if report.longrepr else ""))


def pytest_sessionfinish(session):
    if _out:
        _out.write("1..%d\n" % _count)
        _out.flush()
