"""A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` package, a cluster made with
`initdb` in a temporary directory and started with `pg_ctl` on a free loopback port. initdb refuses to run
as root, so as root the cluster is made and run as the `postgres` user (`runuser -u postgres --`).

`Server.database()` makes a new empty database from the template (fast) and returns its URL. A test that needs
PostgreSQL skips only when the server cannot be found or started (`unavailable` says why): `.ci/run` installs
the package when it is missing, so CI runs them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)  # Debian: the newest version first
PASSWORD = "test-S3cret-pw"  # the test role's password: tests check that it is never printed


def _tool(name: str) -> str | None:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One cluster on loopback, with a password-protected superuser `agent`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.user = "agent"
        self._names = itertools.count(1)
        self._lock = threading.Lock()
        self._as_postgres = os.geteuid() == 0
        initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL's initdb and pg_ctl are not installed (apt-get install -y postgresql)")
        self.pg_ctl = pg_ctl
        root.mkdir(parents=True, exist_ok=True)
        secret = root / "pwfile"
        secret.write_text(PASSWORD + "\n")
        if self._as_postgres:
            shutil.chown(root, "postgres")
            shutil.chown(secret, "postgres")
        init = [initdb, "-D", str(self.data), "-U", self.user, "--pwfile", str(secret), "-A", "scram-sha-256"]
        self._run([*init, "--no-sync", "-E", "UTF8", "--locale", "C"])
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{root}'",
            "fsync": "off",  # a test server: speed over durability
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run([pg_ctl, "-D", str(self.data), "-l", str(root / "server.log"), "-w", "-t", "60", "start"])

    def _run(self, command: list[str]) -> None:
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode:
            raise RuntimeError(f"{Path(command[-1]).name}: {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str = "postgres", *, password: str = PASSWORD) -> str:
        return f"postgresql://{self.user}:{password}@127.0.0.1:{self.port}/{database}"

    def _name(self) -> str:
        with self._lock:
            return f"test_{os.getpid()}_{next(self._names)}"

    def database(self) -> str:
        """A new, empty database (about a second: PostgreSQL copies the template and syncs); its URL."""
        import psycopg

        name = self._name()
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def schema(self) -> str:
        """A new, empty schema in the shared database (a millisecond): the URL's `search_path` makes it the
        agent's, so each test has tables, rows and advisory locks of its own."""
        import psycopg

        name = self._name()
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return self.url() + f"?options=-csearch_path%3D{name}"

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def start(root: Path | None = None) -> Server:
    """A running server in `root` (a new temporary directory by default)."""
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="cicd-agent-pg-"))
        os.chmod(root, 0o755)
    return Server(root)


def unavailable() -> str | None:
    """Why PostgreSQL tests cannot run here, or None."""
    if not _tool("initdb") or not _tool("pg_ctl"):
        return "PostgreSQL is not installed (apt-get install -y postgresql; .ci/run installs it)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed in this environment"
    return None
