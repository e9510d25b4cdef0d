"""pytest harness for Quarry's end-to-end tests: one PRIVATE stack per session.

The `stack` fixture starts the whole stack with `tools/quarry start` in a
temporary QUARRY_HOME on free ports (sanitizer build by default), and stops
it at the end, also when tests fail. Tests talk to it over HTTPS, trusting
the stack's own certificate:

    def test_something(stack):
        client = stack.client()
        status, headers, body = client.api("GET", "/health")

Environment: QUARRY_BUILD (default asan), QUARRY_E2E_DIR (parent of the
temporary homes; default the system temp dir), QUARRY_E2E_KEEP=1 (keep the
home after the run), QUARRY_API_THREADS (threads per API worker; default 1,
the prefork pool), CI (skips the dependency check of start).
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quarry_client import REPO, QuarryClient, child_pids, pid_alive  # noqa: E402

QUARRY = REPO / "tools" / "quarry"
WORKERS = 3
# The login limit of the test stack: low enough that a burst trips it at
# once, high enough for tests that log in a few times in a row.
LOGIN_RATE = "5r/s"
LOGIN_BURST = 10
# The supervisor's longest pause: short, since tests kill parts often.
SUPERVISE_BACKOFF_MAX = 8

# Script settings passed through from the caller's environment; every other
# QUARRY_* variable is dropped so that a developer's shell cannot reconfigure
# the test stack by accident.
# QUARRY_API_THREADS > 1 runs the suites against threaded API workers.
PASS_THROUGH = ("QUARRY_BUILD", "QUARRY_BUILD_DIR", "QUARRY_SKIP_BUILD", "QUARRY_SKIP_DEPS",
                "QUARRY_API_THREADS")

_failed_tests = []
_summary_lines = []


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """A running private stack: where it is and how to poke it."""

    def __init__(self, home, env, https_port, http_port):
        self.home = Path(home)
        self.env = env
        self.https_port = https_port
        self.http_port = http_port
        self.workers = WORKERS
        self.login_rate = LOGIN_RATE
        self.login_burst = LOGIN_BURST
        self.base_url = "https://localhost:%d" % https_port
        self.http_url = "http://127.0.0.1:%d" % http_port
        self.run_dir = self.home / "run"
        self.log_dir = self.home / "log"
        self.storage_dir = self.home / "storage"
        self.secrets_dir = self.home / "secrets"
        self.config = self.home / "quarry.conf"
        self.cafile = self.home / "tls" / "cert.pem"
        self.logs = {
            "api": self.log_dir / "api.log",
            "jobd": self.log_dir / "jobd.log",
            "intake": self.log_dir / "intake.log",
            "rabbitmq": self.log_dir / "rabbitmq.log",
            "mariadb": self.log_dir / "mariadb.log",
            "nginx": self.log_dir / "nginx-error.log",
            "access": self.log_dir / "nginx-access.log",
            "supervisor": self.log_dir / "supervisor.log",
            "build": self.log_dir / "build.log",
        }
        self.sockets = {
            "api": self.run_dir / "api.sock",
            "db": self.run_dir / "mysqld.sock",
            "jobd": self.run_dir / "jobd.sock",
        }
        self._ssl = None
        self._config = None

    # ------------------------------------------------------------ clients

    @property
    def ssl_context(self):
        """Verifies the server against the stack's own certificate."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=str(self.cafile))
        return self._ssl

    def client(self):
        return QuarryClient(self.base_url, self.ssl_context)

    # ------------------------------------------------------------ the script

    def quarry(self, *args, check=True, input=None, timeout=300):
        """Runs tools/quarry with this stack's environment."""
        r = subprocess.run([str(QUARRY), *args], env=self.env, cwd=str(REPO), input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("tools/quarry %s failed (%d):\n%s%s"
                                 % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def create_admin(self, email, password, username=None):
        args = ["create-admin", email, password] + ([username] if username else [])
        return self.quarry(*args)

    def db_stop(self):
        self.quarry("db-stop")

    def db_start(self):
        self.quarry("db-start")

    def throttle_processes(self, ms):
        """Every quarry-process started from now on sleeps ms at each progress
        report (the test/ops knob process_throttle_ms, read from quarry.conf
        when a process starts), so that jobs last; 0 puts the file back."""
        if self._config is None:
            self._config = self.config.read_text()
        text = self._config + ("\nprocess_throttle_ms = %d\n" % ms if ms else "")
        self.config.write_text(text)

    def sql(self, query):
        """Rows of a query as the quarry user, each a list of strings."""
        out = self.quarry("sql", "-N", "-B", "-e", query).stdout
        return [line.split("\t") for line in out.splitlines()]

    def admin_sql(self, query):
        """The output of a query run as the private instance's administrator
        (unix_socket authentication as this OS user, as tools/quarry's
        db_root), stripped."""
        r = subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.sockets["db"],
                            "-u", pwd.getpwuid(os.geteuid()).pw_name, "-N", "-B", "-e", query],
                           capture_output=True, text=True, timeout=30, check=True)
        return r.stdout.strip()

    # ------------------------------------------------------------ processes

    def pid(self, name):
        """pid from run/<name>.pid: api (multiwatch), jobd, supervisor,
        nginx, mariadb; None when missing or not alive."""
        try:
            pid = int((self.run_dir / ("%s.pid" % name)).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid_alive(pid) else None

    def api_worker_pids(self):
        parent = self.pid("api")
        if parent is None:
            return []
        return sorted(child_pids(parent))

    def kill(self, pid, sig=signal.SIGKILL):
        os.kill(pid, sig)

    def give_to_service_user(self, *paths):
        """Started as root, the stack's programs run as the user quarry
        (docs/operations.md): what a test writes into the stack's storage as
        root is handed to that user, as the stack's own files are."""
        if os.geteuid() == 0:
            for path in paths:
                shutil.chown(path, "quarry", "quarry")

    def as_service_user(self, argv):
        """argv to run a program of the stack as its programs run: as the
        user quarry when the stack was started as root (setpriv)."""
        if os.geteuid() != 0:
            return list(argv)
        return ["setpriv", "--reuid=quarry", "--regid=quarry", "--init-groups", "--"] + list(argv)

    def open_log(self, name):
        """A log of the stack's log folder for a program a test starts
        itself, appended, not readable by others (as the stack's own)."""
        return os.open(self.log_dir / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)

    # ------------------------------------------------------------ logs

    def log_tail(self, name, lines=60):
        path = self.logs.get(name, self.log_dir / name)
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no %s)" % path

    def sanitizer_reports(self):
        return sorted(p for p in self.log_dir.glob("*san.*") if p.is_file())


def pytest_configure(config):
    # Long suites run a short form by default (CI, tools/quarry test); an
    # environment variable runs the full one (docs/operations.md).
    config.addinivalue_line("markers", "faults: the fault-injection suite (test_faults.py; "
                            "QUARRY_FAULTS_FULL=1 for the full form)")
    config.addinivalue_line("markers", "soak: the sanitizer soak (test_soak.py; "
                            "QUARRY_SOAK_SECONDS=600 for the full form)")
    config.addinivalue_line("markers", "cluster: runs on a Galera cluster (test_cluster.py; "
                            "QUARRY_CLUSTER_FULL=1 for the full form)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _failed_tests.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _summary_lines:
        terminalreporter.section("quarry stack")
        for line in _summary_lines:
            terminalreporter.write_line(line)


def _stack_env(home, https_port, http_port):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QUARRY_") or k in PASS_THROUGH}
    log_dir = Path(home) / "log"
    env.update({
        "QUARRY_HOME": str(home),
        "QUARRY_BUILD": os.environ.get("QUARRY_BUILD", "asan"),
        "QUARRY_WORKERS": str(WORKERS),
        "QUARRY_HTTPS_PORT": str(https_port),
        "QUARRY_HTTP_PORT": str(http_port),
        "QUARRY_LISTEN": "127.0.0.1",
        "QUARRY_LOGIN_RATE": LOGIN_RATE,
        "QUARRY_LOGIN_BURST": str(LOGIN_BURST),
        "QUARRY_SUPERVISE_BACKOFF_MAX": str(SUPERVISE_BACKOFF_MAX),
        # Webhook receivers of the tests listen on 127.0.0.1; short retries
        # and time limits keep those tests short (docs/webhooks.md).
        "QUARRY_WEBHOOK_ALLOW": "loopback",
        "QUARRY_WEBHOOK_RETRY_BASE_MS": "1000",
        "QUARRY_WEBHOOK_TIMEOUT_SECONDS": "3",
        # Sanitizer reports go to files the harness checks at the end.
        "ASAN_OPTIONS": "log_path=%s/asan:detect_leaks=1:abort_on_error=0" % log_dir,
        "UBSAN_OPTIONS": "log_path=%s/ubsan:print_stacktrace=1:halt_on_error=1" % log_dir,
    })
    if os.environ.get("CI"):
        env["QUARRY_SKIP_DEPS"] = "1"
    return env


@contextlib.contextmanager
def private_stack(extra_env=None, prefix="quarry-e2e-"):
    """Starts a private stack (the settings of _stack_env plus extra_env) and
    stops it at the end; its home is kept when a test failed meanwhile."""
    parent = os.environ.get("QUARRY_E2E_DIR") or None
    if parent:
        os.makedirs(parent, exist_ok=True)
    home = tempfile.mkdtemp(prefix=prefix, dir=parent)
    https_port, http_port = free_port(), free_port()
    while http_port == https_port:
        http_port = free_port()
    env = _stack_env(home, https_port, http_port)
    env.update(extra_env(home) if callable(extra_env) else (extra_env or {}))
    st = Stack(home, env, https_port, http_port)
    failures_before = len(_failed_tests)
    started = st.quarry("start", check=False, timeout=1800)
    try:
        if started.returncode != 0:
            pytest.fail("tools/quarry start failed (%d):\n%s%s\n--- api.log\n%s\n--- build.log\n%s"
                        % (started.returncode, started.stdout, started.stderr,
                           st.log_tail("api"), st.log_tail("build", 30)), pytrace=False)
        yield st
    finally:
        stopped = st.quarry("stop", check=False, timeout=120)
        reports = st.sanitizer_reports()
        failed = len(_failed_tests) > failures_before or started.returncode != 0 or reports
        if failed:
            _summary_lines.append("stack home: %s (kept)" % home)
            for name in ("api", "jobd", "nginx", "mariadb", "supervisor"):
                _summary_lines.append("--- tail of %s" % st.logs[name])
                _summary_lines.extend(st.log_tail(name, 40).splitlines())
            if stopped.returncode != 0:
                _summary_lines.append("--- tools/quarry stop: %s%s" % (stopped.stdout, stopped.stderr))
        elif not os.environ.get("QUARRY_E2E_KEEP"):
            shutil.rmtree(home, ignore_errors=True)
        if reports:
            for path in reports:
                _summary_lines.append("--- sanitizer report %s" % path)
                _summary_lines.extend(path.read_text(errors="replace").splitlines()[:200])
            raise AssertionError("sanitizer reports in %s: %s"
                                 % (st.log_dir, ", ".join(p.name for p in reports)))


@pytest.fixture(scope="session")
def stack():
    with private_stack() as st:
        yield st


@pytest.fixture(scope="session")
def identity_stack():
    """A second private stack for identity, limits and intake: two test
    issuers (issuer_keys.py) in its issuers file, small per-user limits, and
    quarry-intake with its own RabbitMQ."""
    from issuer_keys import TestIssuers

    directory = tempfile.mkdtemp(prefix="quarry-issuers-", dir=os.environ.get("QUARRY_E2E_DIR"))
    issuers = TestIssuers(directory)
    amqp_ports = set()
    while len(amqp_ports) < 3:
        amqp_ports.add(free_port())
    amqp, dist, epmd = sorted(amqp_ports)
    env = {"QUARRY_ISSUERS_FILE": str(issuers.issuers_file),
           # quarry-intake and a private RabbitMQ (test_intake.py)
           "QUARRY_INTAKE": "amqp", "QUARRY_AMQP_PORT": str(amqp),
           "QUARRY_AMQP_DIST_PORT": str(dist), "QUARRY_AMQP_EPMD_PORT": str(epmd),
           "QUARRY_INTAKE_RESCAN_SECONDS": "1"}
    env.update(IDENTITY_STACK_LIMITS)
    try:
        with private_stack(env, prefix="quarry-e2e-identity-") as st:
            st.issuers = issuers
            st.amqp_port = amqp
            yield st
    finally:
        issuers.close()
        shutil.rmtree(directory, ignore_errors=True)


# The per-user limits of identity_stack: small windows, so that a test can
# hit a limit and see it recover.
IDENTITY_STACK_LIMITS = {
    "QUARRY_LIMIT_STATUS_POLLS": "5", "QUARRY_LIMIT_STATUS_POLLS_WINDOW_SECONDS": "3",
    "QUARRY_LIMIT_UPLOADS": "3", "QUARRY_LIMIT_UPLOADS_WINDOW_SECONDS": "4",
}


@pytest.fixture
def client(stack):
    return stack.client()
