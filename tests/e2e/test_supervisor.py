"""The stack's one supervisor (tools/quarry __supervise): every long-running
part that dies is started again, after a pause that doubles with each
failure in a row; a pool that multiwatch gave up on is reported degraded (GET
/health, tools/quarry status) and restarted; db-stop holds MariaDB down. It
writes what it sees to run/supervisor.state every second."""

import signal
import time

from conftest import SUPERVISE_BACKOFF_MAX
from quarry_client import wait_for


def parts(stack):
    """The supervisor's last lines: {part: {"state", "pid", "restarts", "detail"}}."""
    out = {}
    try:
        text = (stack.run_dir / "supervisor.state").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, state, pid, restarts, _since, *detail = line.split(" ")
            out[name] = {"state": state, "pid": pid, "restarts": int(restarts),
                         "detail": " ".join(detail)}
    return out


def part_is(stack, name, state):
    """The part's line once it is in that state, else None."""
    line = parts(stack).get(name)
    return line if line and line["state"] == state else None


def health(client):
    """(status, body) of GET /health; (None, error) while nothing answers."""
    try:
        status, _, body = client.api("GET", "/health")
        return status, body
    except OSError as e:
        return None, e


def all_up(stack):
    seen = parts(stack)
    return seen if seen and all(p["state"] == "up" for p in seen.values()) else None


def test_every_part_is_watched_and_healthy(stack, client):
    assert stack.pid("supervisor"), "the supervisor is not running"
    seen = wait_for(lambda: all_up(stack), timeout=30)
    assert seen, parts(stack)
    assert set(seen) == {"mariadb", "api", "jobd", "nginx"}
    assert seen["nginx"]["pid"] == str(stack.pid("nginx"))
    status, body = health(client)
    assert status == 200 and body["status"] == "healthy" and body["degraded"] == [], body


def test_killed_nginx_comes_back(stack, client):
    old = stack.pid("nginx")
    stack.kill(old, signal.SIGKILL)
    new = wait_for(lambda: stack.pid("nginx") not in (None, old) and stack.pid("nginx"), timeout=30)
    assert new, "nginx was not restarted"
    # Its old workers, which held the ports, are gone; the new master serves.
    assert wait_for(lambda: health(client)[0] == 200, timeout=30, interval=0.2), health(client)
    line = wait_for(lambda: part_is(stack, "nginx", "up"), timeout=10)
    assert line and line["pid"] == str(new) and line["restarts"] >= 1, parts(stack)


def test_a_part_that_keeps_dying_waits_longer_each_time(stack, client):
    """Killed as soon as it is back, jobd is restarted after a pause that
    doubles each time (1, 2, 4 s from a settled start), and /health names it
    while it is down."""
    delays = []
    for _ in range(4):
        # Up, as the supervisor sees it (its line is rewritten every second).
        up = wait_for(lambda: part_is(stack, "jobd", "up"), timeout=60)
        assert up and up["pid"] == str(stack.pid("jobd")), parts(stack)
        stack.kill(int(up["pid"]), signal.SIGKILL)
        line = wait_for(lambda: part_is(stack, "jobd", "backoff"), timeout=10, interval=0.05)
        assert line, parts(stack)
        delays.append(int(line["detail"].split()[2]))  # "restart in N s (failure K in a row)"
        if len(delays) == 4:
            break
        assert wait_for(lambda: stack.pid("jobd") not in (None, int(up["pid"])), timeout=60)
    assert delays == [min(SUPERVISE_BACKOFF_MAX, delays[0] * 2 ** i) for i in range(4)], delays
    # The longest pause: /health says what is down while it lasts.
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded" and body["degraded"] == ["jobd"], body
    assert wait_for(lambda: part_is(stack, "jobd", "up"), timeout=60), parts(stack)


def test_pool_that_multiwatch_gave_up_on_is_degraded_then_restarted(stack, client):
    assert wait_for(lambda: all_up(stack), timeout=30), parts(stack)
    pool = stack.pid("api")
    # One worker slot killed as soon as multiwatch replaces it: after 25
    # quick deaths multiwatch never forks that slot again.
    victim = stack.api_worker_pids()[0]
    for _ in range(100):
        before = set(stack.api_worker_pids())
        stack.kill(victim, signal.SIGKILL)
        fresh = wait_for(lambda: set(stack.api_worker_pids()) - before, timeout=1, interval=0.005)
        if not fresh:
            break
        victim = fresh.pop()
    assert stack.pid("api") == pool
    assert len(stack.api_worker_pids()) == stack.workers - 1, stack.api_worker_pids()

    # Reported, not silent: the state file, /health and status say so.
    line = wait_for(lambda: part_is(stack, "api", "degraded"), timeout=10, interval=0.2)
    assert line, parts(stack)
    assert line["detail"] == "%d of %d workers" % (stack.workers - 1, stack.workers), line
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded" and "api" in body["degraded"], body
    r = stack.quarry("status", check=False)
    assert r.returncode == 3, r.stdout
    assert any(line.startswith("api") and "degraded" in line for line in r.stdout.splitlines()), r.stdout

    # Then the pool is started again, whole.
    new = wait_for(lambda: stack.pid("api") not in (None, pool) and stack.pid("api"), timeout=30)
    assert new, "the pool was not restarted"
    assert wait_for(lambda: len(stack.api_worker_pids()) == stack.workers, timeout=30)
    assert wait_for(lambda: part_is(stack, "api", "up"), timeout=10), parts(stack)
    assert wait_for(lambda: health(client)[1].get("status") == "healthy", timeout=15), health(client)


def test_killed_mariadb_comes_back(stack, client):
    old = stack.pid("mariadb")
    stack.kill(old, signal.SIGKILL)
    new = wait_for(lambda: stack.pid("mariadb") not in (None, old) and stack.pid("mariadb"),
                   timeout=60)
    assert new, "MariaDB was not restarted"
    assert wait_for(lambda: health(client)[0] == 200, timeout=60, interval=0.5), health(client)
    status, body = client.register()
    assert status == 201, body


def test_db_stop_holds_mariadb_down_until_db_start(stack, client):
    stack.db_stop()
    try:
        line = wait_for(lambda: part_is(stack, "mariadb", "down"), timeout=10)
        assert line, parts(stack)
        time.sleep(3)
        assert stack.pid("mariadb") is None, "the supervisor started a MariaDB held down"
        status, body = health(client)
        assert status == 503 and "mariadb" in body["degraded"], body
    finally:
        stack.db_start()
    assert wait_for(lambda: part_is(stack, "mariadb", "up"), timeout=10), parts(stack)
    assert wait_for(lambda: health(client)[0] == 200, timeout=30, interval=0.5), health(client)
