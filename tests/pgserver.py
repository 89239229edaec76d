"""A throw-away PostgreSQL server on loopback for the test session, or the developer's own server.

``FAZHAN_TEST_PG_URL`` (e.g. ``postgresql://user@host:5432/postgres``) names a server to use instead. Otherwise
the binaries are found (PATH, then ``/usr/lib/postgresql/*/bin``) or Debian's ``postgresql`` package is installed,
and a fresh cluster is created in a temporary directory: trust authentication, 127.0.0.1 and a free port only,
its unix socket inside the same directory. PostgreSQL refuses to run as root, so under root the cluster belongs
to the ``postgres`` OS user (created by the Debian package) and every server command runs as that user.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

URL_VARIABLE = "FAZHAN_TEST_PG_URL"
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"  # the OS user under root, and the superuser's name in a cluster made here
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}
APT_LOCK_WAIT = ("-o", "DPkg::Lock::Timeout=300")  # a new machine may be running its own apt at boot


class ServerError(RuntimeError):
    """PostgreSQL could not be found, installed, started or reached."""


class PostgresServer:
    """A server reachable as a superuser: URLs for its databases, and creating and dropping them."""

    def __init__(self, url: URL, cluster: _Cluster | None = None) -> None:
        self.base = url.set(drivername="postgresql+psycopg")
        self.cluster = cluster  # None: somebody else's server, left running
        self.started_in = 0.0  # seconds from asking for a server to its accepting connections

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection:
        admin = self.base.set(drivername="postgresql", database=self.base.database or "postgres")
        return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True, connect_timeout=10)

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop it even if a test left connections open (an engine not disposed, a killed worker)."""
        with self._admin() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


class _Cluster:
    """A cluster in a temporary directory: ``data/``, the server's ``log`` and its unix socket."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_server_user = os.geteuid() == 0
        # Under root the directory must be reachable by ``postgres``: /tmp, not a $TMPDIR inside /root.
        self.root = Path(tempfile.mkdtemp(prefix="fazhan-pg-", dir="/tmp" if self.as_server_user else None))
        self.data = self.root / "data"
        self.log = self.root / "log"
        self.port = 0

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.as_server_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServerError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                              f"{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return "\nserver log:\n" + self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self) -> None:
        if self.as_server_user:
            shutil.chown(self.root, SERVER_USER, SERVER_USER)
        self._run("initdb", "-D", str(self.data), "-U", SERVER_USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            # A test server holds nothing worth a crash-safe write: durability off makes it much faster.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# fazhan test server\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))

    def start(self, attempts: int = 3) -> None:
        """Start on a free port; another process may take the port between choosing and binding: retry."""
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", f"-p {self.port}",
                          "-w", "-t", "60", "start")
            except ServerError:
                if attempt == attempts or "could not bind" not in self._log_tail():
                    raise
                continue
            return

    def stop(self) -> None:
        """Fast shutdown (rolls back open sessions), then the directory goes. Safe to call twice."""
        try:
            if (self.data / "postmaster.pid").exists():  # running, or a start that failed half-way
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _major(bindir: str) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` → (15,): the newest installed version wins, numerically (15 > 9.6)."""
    version = Path(bindir).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` of one version, or None."""
    on_path = shutil.which("initdb")
    if on_path:  # /usr/local/bin/initdb may be a link into /usr/lib/postgresql/N/bin: take pg_ctl from there
        bindir = Path(on_path).resolve().parent
        if (bindir / "pg_ctl").exists():
            return bindir
    for bindir in sorted(glob(DEBIAN_BINARIES), key=_major, reverse=True):
        if (Path(bindir) / "initdb").exists() and (Path(bindir) / "pg_ctl").exists():
            return Path(bindir)
    return None


def _apt_get(*args: str) -> None:
    command = ["apt-get", *APT_LOCK_WAIT, *args]
    done = subprocess.run(command, env={**os.environ, **APT_ENV}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def install_postgresql() -> Path:
    """Debian's ``postgresql`` package (server binaries and the ``postgres`` OS user). Needs root."""
    if os.geteuid() != 0:
        raise ServerError("PostgreSQL is not installed and only root can install it: install Debian's "
                          f"`postgresql` package, or set {URL_VARIABLE} to a server of your own.")
    _apt_get("update", "-qq")
    _apt_get("install", "-y", "-qq", "postgresql")
    bindir = find_binaries()
    if bindir is None:
        raise ServerError(f"installed `postgresql` but found no initdb/pg_ctl on PATH or in {DEBIAN_BINARIES}")
    return bindir


def start() -> PostgresServer:
    """The developer's server if ``FAZHAN_TEST_PG_URL`` is set, else a new private cluster (installed if need be)."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        server = PostgresServer(make_url(given))
        try:
            server._admin().close()
        except psycopg.Error as error:
            raise ServerError(f"{URL_VARIABLE}={given}: cannot connect: {error}") from error
        return server
    cluster = _Cluster(find_binaries() or install_postgresql())
    atexit.register(cluster.stop)  # even if the session is torn down without its fixtures' finalisers
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        with contextlib.suppress(ServerError):  # keep the first error, not the cleanup's
            cluster.stop()
        raise
    url = URL.create("postgresql+psycopg", username=SERVER_USER, host="127.0.0.1", port=cluster.port,
                     database="postgres")
    return PostgresServer(url, cluster)


_session: PostgresServer | None = None


def server() -> PostgresServer:
    """The session's server, started on first use."""
    global _session
    if _session is None:
        began = time.monotonic()
        _session = start()
        _session.started_in = time.monotonic() - began
    return _session


def stop() -> None:
    global _session
    if _session is not None:
        _session.stop()
        _session = None


def create_database(name: str) -> str:
    """A new, empty database on the session's server; returns its SQLAlchemy URL."""
    return server().create_database(name)


def drop_database(name: str) -> None:
    server().drop_database(name)
