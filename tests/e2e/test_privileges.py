"""Privileges (issue 10, item 1): started as root, nothing of Quarry runs as
root but the nginx master and the stack script's supervisor (which restarts
the nginx master and starts MariaDB, whose mariadbd switches to the mysql
user itself); every other part runs as the service user quarry. Started as
another user, everything runs as that user.

Also: who owns the API socket, the storage, the secrets, the logs and an
output; and what quarry-process gives up before it reads its input (no new
privileges, rlimits from quarry.conf, a seccomp filter), read from
/proc/<pid> of a job held running with process_throttle_ms."""

import grp
import os
import pwd
import stat
from pathlib import Path

import pytest

from quarry_client import REPO, child_pids, run_job, wait_for, wait_job

AS_ROOT = os.geteuid() == 0
# The user and group the stack's programs run as.
SERVICE_USER = "quarry" if AS_ROOT else pwd.getpwuid(os.geteuid()).pw_name
DB_USER = "mysql" if AS_ROOT else SERVICE_USER

# Limits this module writes into quarry.conf (read by every quarry-process
# when it starts), to see that the configured values are the ones applied.
LIMIT_CPU = 1234
LIMIT_FSIZE = 5 * 1024 ** 3
LIMIT_AS = 3 * 1024 ** 3
THROTTLE_MS = 3000
ROWS = 3000
INPUT = ("id,name,city\n" + "".join("%d,name%d,city%d\n" % (i, i, i % 7) for i in range(ROWS))).encode()


def uid_of(name):
    return pwd.getpwnam(name).pw_uid


def gid_of(name):
    return grp.getgrnam(name).gr_gid


def proc_status(pid):
    """/proc/<pid>/status as a dict of its fields."""
    out = {}
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def proc_uids(pid):
    """Real, effective, saved and filesystem uids of a process."""
    return [int(u) for u in proc_status(pid)["Uid"].split()]


def proc_limits(pid):
    """/proc/<pid>/limits: {name: (soft, hard)}."""
    out = {}
    lines = Path("/proc/%d/limits" % pid).read_text().splitlines()[1:]
    for line in lines:
        name = line[:26].strip()
        soft, hard = line[26:].split()[:2]
        out[name] = (soft, hard)
    return out


def comm(pid):
    return Path("/proc/%d/comm" % pid).read_text().strip()


def stack_processes(stack):
    """{pid: (comm, uids, ppid, cmdline)} of every process of this stack:
    those whose environment names its QUARRY_HOME (everything the script
    starts) or whose command line names its home (the nginx master,
    mariadbd). Read in one pass: a process that ends meanwhile is left out."""
    home = str(stack.home)
    marker = ("QUARRY_HOME=%s" % home).encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            env = Path("/proc/%d/environ" % pid).read_bytes().split(b"\0")
            cmdline = Path("/proc/%d/cmdline" % pid).read_bytes()
            status = proc_status(pid)
            uids = [int(u) for u in status["Uid"].split()]
            name, state, ppid = status["Name"], status["State"], int(status["PPid"])
        except (OSError, KeyError, ValueError):
            continue
        if state.startswith("Z"):
            continue
        if marker in env or home.encode() in cmdline.replace(b"\0", b" "):
            found[pid] = (name, uids, ppid, cmdline.split(b"\0"))
    return found


def is_supervisor(procs, pid):
    """The stack script's supervisor loop, or one of its children (the sleep
    of its loop, a part start it is running)."""
    while pid in procs:
        _, _, ppid, args = procs[pid]
        if b"__supervise" in args:
            return True
        pid = ppid
    return False


@pytest.fixture(scope="module")
def limited(stack):
    """quarry.conf with this module's limits and throttle; put back after."""
    original = stack.config.read_text()
    stack.config.write_text(original + "\nprocess_limit_cpu_seconds = %d\nprocess_limit_fsize_bytes = %d\n"
                            "process_limit_as_bytes = %d\nprocess_throttle_ms = %d\n"
                            % (LIMIT_CPU, LIMIT_FSIZE, LIMIT_AS, THROTTLE_MS))
    try:
        yield stack
    finally:
        stack.config.write_text(original)


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


@pytest.fixture(scope="module")
def running_job(limited, user):
    """A job held RUNNING, and what /proc showed while it ran: its pid,
    status, limits and whether it is an AddressSanitizer build, and every
    process of the stack at that moment."""
    job_id = run_job(limited.client(), user["token"], INPUT)

    # The dispatcher writes worker_pid as soon as it has spawned the process,
    # before that process has read its configuration and entered its sandbox:
    # /proc is read once the run reports its first batch (stage
    # batch_processing), that is once it has begun to parse.
    def poll():
        rows = limited.sql("SELECT status, worker_pid, stage FROM jobs WHERE id = '%s'" % job_id)
        if rows and rows[0][0] == "RUNNING" and rows[0][1] != "NULL" and rows[0][2] == "batch_processing":
            pid = int(rows[0][1])
            try:
                return {"pid": pid, "status": proc_status(pid), "limits": proc_limits(pid),
                        "asan": "libasan" in Path("/proc/%d/maps" % pid).read_text(),
                        "procs": stack_processes(limited)}
            except OSError:
                return None
        return None
    seen = wait_for(poll, timeout=30, interval=0.1)
    assert seen, "job %s never ran" % job_id
    seen["job_id"] = job_id
    return seen


# ---------------------------------------------------------------- who runs as whom

def test_nginx_master_and_workers(stack):
    master = stack.pid("nginx")
    assert master, "nginx is not running"
    assert proc_uids(master)[0] == os.geteuid()
    workers = child_pids(master)
    assert workers, "nginx has no workers"
    for w in workers:
        assert set(proc_uids(w)) == {uid_of(SERVICE_USER)}, (w, comm(w), proc_uids(w))
        assert int(proc_status(w)["Gid"].split()[0]) == gid_of(SERVICE_USER)
    conf = (stack.home / "nginx" / "nginx.conf").read_text()
    if AS_ROOT:
        assert "\nuser %s %s;" % (SERVICE_USER, SERVICE_USER) in conf
        assert "user root" not in conf


def test_pool_dispatcher_and_database_users(stack):
    pool = stack.pid("api")
    assert pool and comm(pool) == "multiwatch"
    workers = stack.api_worker_pids()
    assert len(workers) == stack.workers
    for pid in [pool, stack.pid("jobd")] + workers:
        assert pid, "a part is not running"
        assert set(proc_uids(pid)) == {uid_of(SERVICE_USER)}, (pid, comm(pid), proc_uids(pid))
    db = stack.pid("mariadb")
    assert db and comm(db) == "mariadbd"
    assert set(proc_uids(db)) == {uid_of(DB_USER)}, proc_uids(db)


def test_only_the_nginx_master_and_the_supervisor_run_as_root(stack, running_job):
    """Every process of the stack, a running quarry-process included: the
    root ones are the nginx master and the supervisor only."""
    procs, process_pid = running_job["procs"], running_job["pid"]
    assert process_pid in procs and procs[process_pid][0] == "quarry-process", procs
    names = {p[0] for p in procs.values()}
    for want in ("nginx", "multiwatch", "quarry-api", "quarry-jobd", "mariadbd", "quarry-process"):
        assert want in names, "no %s among %s" % (want, procs)
    master = stack.pid("nginx")
    as_root = {pid: p for pid, p in procs.items() if 0 in p[1]}
    if not AS_ROOT:
        assert as_root == {}
        return
    for pid, p in as_root.items():
        assert pid == master or is_supervisor(procs, pid), "%s (pid %d) runs as root: %s" % (p[0], pid, p[3])
    service = uid_of(SERVICE_USER)
    checked = 0
    for pid, (name, uids, _, _) in procs.items():
        if name in ("quarry-api", "quarry-jobd", "quarry-process", "quarry-intake", "multiwatch") or \
                (name == "nginx" and pid != master):
            assert set(uids) == {service}, (pid, name, uids)
            checked += 1
    assert checked >= 3 + stack.workers, procs
    db = [uids for name, uids, _, _ in procs.values() if name == "mariadbd"]
    assert db == [[uid_of(DB_USER)] * 4], db


# ---------------------------------------------------------------- files

def test_socket_storage_secrets_and_logs(stack):
    sock = os.stat(stack.sockets["api"])
    assert stat.S_ISSOCK(sock.st_mode)
    assert stat.S_IMODE(sock.st_mode) == 0o660
    assert sock.st_uid == uid_of(SERVICE_USER) and sock.st_gid == gid_of(SERVICE_USER)

    storage = os.stat(stack.storage_dir)
    assert stat.S_IMODE(storage.st_mode) == 0o2770, oct(storage.st_mode)
    assert storage.st_uid == uid_of(SERVICE_USER) and storage.st_gid == gid_of(SERVICE_USER)

    secrets = os.stat(stack.secrets_dir)
    assert stat.S_IMODE(secrets.st_mode) == 0o700
    assert secrets.st_uid == uid_of(SERVICE_USER)
    keys = sorted(stack.secrets_dir.iterdir())
    assert any(p.name == "jwt.key" for p in keys) and any(p.name == "db.password" for p in keys)
    for path in keys:
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o600, (path, oct(st.st_mode))
        # client.cnf is the script's own (the mariadb client it runs).
        owner = os.geteuid() if path.name == "client.cnf" else uid_of(SERVICE_USER)
        assert st.st_uid == owner, (path, st.st_uid)

    for path in stack.log_dir.rglob("*"):
        if path.is_file():
            assert not os.stat(path).st_mode & stat.S_IROTH, "%s is world-readable" % path
    assert not os.stat(stack.config).st_mode & (stat.S_IROTH | stat.S_IWOTH)
    if AS_ROOT:
        home = os.stat(stack.home)
        assert home.st_uid == 0 and home.st_gid == gid_of(SERVICE_USER)
        # The service user cannot rewrite the configuration or the nginx setup
        # that the root master reads.
        assert os.stat(stack.config).st_uid == 0
        assert os.stat(stack.home / "nginx" / "nginx.conf").st_uid == 0


def test_output_is_not_world_readable(stack, user):
    client = stack.client()
    job_id = run_job(client, user["token"], INPUT[:2000])
    wait_job(client, user["token"], job_id, ("COMPLETED",), timeout=60)
    rows = stack.sql("SELECT input_object_key, output_object_key FROM jobs WHERE id = '%s'" % job_id)
    input_key, output_key = rows[0]
    for key in (input_key, output_key):
        assert key and key != "NULL"
        st = os.stat(stack.storage_dir / key)
        assert not st.st_mode & (stat.S_IROTH | stat.S_IWOTH), (key, oct(st.st_mode))
        assert st.st_uid == uid_of(SERVICE_USER), (key, st.st_uid)


def test_workers_spool_large_bodies(stack, user):
    """A body past nginx's in-memory buffer (16 KB) is spooled by a worker
    (the service user) into nginx/client_body: the worker must reach it."""
    body = {"file_name": "big.csv", "original_file_size_bytes": 10,
            "processing_steps": [], "padding": "x" * 200_000}
    status, _, answer = stack.client().api("POST", "/jobs", json=body, token=user["token"])
    assert status < 500, (status, answer)


def test_the_service_user_reaches_nothing_of_the_checkout(stack):
    """Started as root, the programs and the web page run from copies in the
    stack's home (the checkout may be under a directory only root can read)."""
    if not AS_ROOT:
        assert stack.pid("jobd")
        return
    for pid in [stack.pid("jobd"), stack.pid("api")] + stack.api_worker_pids():
        exe = os.readlink("/proc/%d/exe" % pid)
        if comm(pid) == "multiwatch":
            continue
        assert exe.startswith(str(stack.home / "bin") + "/"), exe
    conf = (stack.home / "nginx" / "nginx.conf").read_text()
    assert "root %s;" % (stack.home / "web") in conf
    assert str(REPO) + "/web" not in conf


# ---------------------------------------------------------------- quarry-process

def test_process_gives_up_privileges_before_parsing(running_job):
    status = running_job["status"]
    assert status["NoNewPrivs"] == "1", status
    # 2: a seccomp filter is installed (SECCOMP_MODE_FILTER).
    assert status["Seccomp"] == "2", status
    assert [int(u) for u in status["Uid"].split()] == [uid_of(SERVICE_USER)] * 4, status
    if AS_ROOT:
        assert (int(status["CapEff"], 16), int(status["CapPrm"], 16)) == (0, 0), status


def test_process_rlimits_come_from_the_config(running_job):
    limits = running_job["limits"]
    assert limits["Max cpu time"] == (str(LIMIT_CPU), str(LIMIT_CPU + 10)), limits
    assert limits["Max file size"] == (str(LIMIT_FSIZE), str(LIMIT_FSIZE)), limits
    # AddressSanitizer reserves terabytes of shadow memory: its build skips
    # the address-space limit (process/sandbox.c).
    want = ("unlimited", "unlimited") if running_job["asan"] else (str(LIMIT_AS), str(LIMIT_AS))
    assert limits["Max address space"] == want, (running_job["asan"], limits)


def test_limited_job_still_completes(limited, user, running_job):
    """The job held running under the limits and the filter finishes well."""
    job_id = running_job["job_id"]
    job = wait_job(limited.client(), user["token"], job_id, ("COMPLETED", "FAILED"), timeout=120)
    assert job["status"] == "COMPLETED", job


# ---------------------------------------------------------------- production units

@pytest.mark.parametrize("unit", ["quarry-api.service", "quarry-jobd.service", "quarry-intake.service"])
def test_systemd_units_drop_privileges(unit):
    text = (REPO / "systemd" / unit).read_text()
    lines = {line.strip() for line in text.splitlines()}
    for want in ("User=quarry", "Group=quarry", "UMask=0027", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "PrivateTmp=yes"):
        assert want in lines, "%s lacks %s" % (unit, want)
