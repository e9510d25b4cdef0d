"""Real source databases for the end-to-end tests of sources, datasets and
loads: a PostgreSQL (Debian's postgresql package: initdb into a temporary
directory, served on a free loopback port with password authentication)
and a second MariaDB (mariadb-install-db, a free loopback port), both
started once per session and stopped at its end.

    from source_servers import pg_source, mariadb_source   # the fixtures

    def test_x(pg_source):
        pg_source.sql("CREATE TABLE t (id int primary key)")
        pg_source.uri()  -> "postgresql://quarry_src:...@127.0.0.1:<port>/shop"

As root, PostgreSQL runs as the user `nobody` (initdb refuses root);
MariaDB runs with --user=root, as the stack script runs its own.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

USER = "quarry_src"
PASSWORD = "src-Pass-123"
DATABASE = "shop"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, proc, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("%s exited with %s" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("%s did not listen on %d within %d s" % (what, port, timeout))


class Postgres:
    engine = "postgresql"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="quarry-pg-")
        self.port = free_port()
        self.proc = None
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise AssertionError("PostgreSQL is not installed: tools/quarry deps")
        self.bin = bins[-1]
        self.as_root = os.geteuid() == 0

    def _run_as(self):
        return {"user": "nobody", "group": "nogroup"} if self.as_root else {}

    def start(self):
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_root:
            shutil.chown(self.dir, "nobody", "nogroup")
            shutil.chown(pwfile, "nobody", "nogroup")
        subprocess.run([os.path.join(self.bin, "initdb"), "-D", data, "-U", USER,
                        "--pwfile", pwfile, "--auth=scram-sha-256", "-E", "UTF8",
                        "--locale=C.UTF-8"], check=True, capture_output=True,
                       cwd=self.dir, **self._run_as())
        self.log = open(os.path.join(self.dir, "postgres.log"), "w")
        if self.as_root:
            shutil.chown(self.log.name, "nobody", "nogroup")
        self.proc = subprocess.Popen(
            [os.path.join(self.bin, "postgres"), "-D", data, "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + self.dir,
             "-c", "fsync=off", "-c", "shared_buffers=64MB", "-c", "max_connections=50"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, **self._run_as())
        _wait_port(self.port, self.proc, "postgres")
        for _ in range(100):
            r = subprocess.run(self._psql("postgres") + ["-c", "SELECT 1"], capture_output=True,
                               env=self._env())
            if r.returncode == 0:
                break
            time.sleep(0.1)
        self.sql("CREATE DATABASE %s" % DATABASE, database="postgres")

    def _env(self):
        env = dict(os.environ)
        env["PGPASSWORD"] = PASSWORD
        return env

    def _psql(self, database):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                str(self.port), "-U", USER, "-d", database, "-A", "-t", "-F", "\t"]

    def sql(self, query, database=DATABASE):
        """Runs SQL as the superuser; rows as lists of strings."""
        r = subprocess.run(self._psql(database), input=query, capture_output=True, text=True,
                           env=self._env())
        if r.returncode != 0:
            raise AssertionError("psql: %s" % r.stderr)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def psql_args(self, database=DATABASE):
        return self._psql(database), self._env()

    def uri(self, password=PASSWORD, database=DATABASE):
        return "postgresql://%s:%s@127.0.0.1:%d/%s" % (USER, password, self.port, database)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class MariaDB:
    engine = "mariadb"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="quarry-srcdb-")
        self.port = free_port()
        self.sock = os.path.join(self.dir, "mysqld.sock")
        self.proc = None
        self.user_opt = ["--user=root"] if os.geteuid() == 0 else []

    def start(self):
        data = os.path.join(self.dir, "data")
        subprocess.run(["mariadb-install-db", "--no-defaults", *self.user_opt,
                        "--datadir=" + data, "--auth-root-authentication-method=socket",
                        "--skip-test-db"], check=True, capture_output=True)
        self.log = open(os.path.join(self.dir, "mariadb.log"), "w")
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", *self.user_opt, "--datadir=" + data,
             "--socket=" + self.sock, "--port=%d" % self.port, "--bind-address=127.0.0.1",
             "--pid-file=" + os.path.join(self.dir, "mariadb.pid"),
             "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=2",
             "--skip-log-bin", "--skip-name-resolve", "--character-set-server=utf8mb4"],
            stdout=self.log, stderr=subprocess.STDOUT)
        _wait_port(self.port, self.proc, "mariadbd")
        self.root_sql("CREATE DATABASE %s; CREATE USER '%s'@'%%' IDENTIFIED BY '%s';"
                      " GRANT ALL ON %s.* TO '%s'@'%%';"
                      % (DATABASE, USER, PASSWORD, DATABASE, USER))

    def root_sql(self, query):
        r = subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.sock, "-u",
                            "root" if os.geteuid() == 0 else os.environ.get("USER", "root"),
                            "-N", "-B"], input=query, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("mariadb: %s" % r.stderr)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def sql(self, query, database=DATABASE):
        return self.root_sql("USE %s;\n%s" % (database, query))

    def uri(self, password=PASSWORD, database=DATABASE):
        return "mariadb://%s:%s@127.0.0.1:%d/%s" % (USER, password, self.port, database)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_source():
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_source():
    server = MariaDB()
    try:
        server.start()
        yield server
    finally:
        server.stop()
