"""The store's plumbing: the connection (WAL, a busy timeout), migrations, write transactions, the write
observer, the `meta` key-value table, and the WHERE-clause helper every query module uses."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from cicd_agent.errors import AgentError
from cicd_agent.store.schema import MIGRATIONS

WriteObserver = Callable[[str, str], None]
RUN_KEY = "repo = ? AND run_id = ? AND run_attempt = ?"  # one attempt of one run
BUSY_TIMEOUT = 30.0  # seconds to wait for another agent process's write lock


def unusable(path: Path, exc: sqlite3.Error) -> AgentError:
    """One clear line for a state database SQLite refuses; moving it aside is advised only when it is damaged."""
    message = str(exc)
    if "locked" in message or "busy" in message:
        return AgentError(
            f"state database {path} is locked by another process ({message})",
            fix=f"another agent run holds it for more than {BUSY_TIMEOUT:g} s: wait for it to finish, or stop it",
        )
    if "readonly" in message or "read-only" in message:
        return AgentError(
            f"state database {path} is read-only ({message})",
            fix="make the file and its directory writable, or pass --state-dir with a writable directory",
        )
    if "unable to open" in message:
        return AgentError(
            f"cannot open state database {path} ({message})",
            fix="check that its directory exists and is writable, or pass --state-dir",
        )
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return AgentError(
            f"state database {path} is damaged ({message})",
            fix="move it aside to start fresh (what is on GitHub is found again), or point --state-dir elsewhere",
        )
    return AgentError(f"state database {path} cannot be used ({message})", fix="check the disk and the file")


class StoreBase:
    """The connection and its transactions. Every write reports itself to `on_write`."""

    def __init__(
        self, path: Path | str, *, on_write: WriteObserver | None = None, conn: sqlite3.Connection | None = None
    ) -> None:
        """`conn`: an open connection to use instead of opening `path` (an in-memory copy of it)."""
        self.path = Path(path)
        try:
            # one thread at a time (the watcher runs its jobs on a single worker), but not always the same one
            conn = conn or sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self._enable_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise unusable(self.path, exc) from None
        self.on_write = on_write

    def close(self) -> None:
        self.db.close()

    # -- plumbing ---------------------------------------------------------------------------------

    def _enable_wal(self) -> None:
        """Switch to WAL, waiting out other processes opening the same new file: SQLite answers that switch
        with "database is locked" at once rather than calling the busy handler, so it is retried here."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        pause = 0.01
        while True:
            try:
                if self.db.journal_mode != "wal":
                    self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _migrate(self) -> None:
        with self.transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            done = {row[0] for row in self.db.execute("SELECT name FROM _migrations").fetchall()}
            for name, migrate in MIGRATIONS:
                if name not in done:
                    migrate(self.db)
                    self.db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))", [name])

    def schema_version(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes the lock at once, so read-modify-write loses no update."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise unusable(self.path, exc) from None
        try:
            yield
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise unusable(self.path, exc) from None
        except BaseException:
            conn.rollback()
            raise
        try:
            conn.commit()
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise unusable(self.path, exc) from None

    def _wrote(self, action: str, target: str) -> None:
        if self.on_write is not None:
            self.on_write(action, target)

    # -- meta: pause flag, last cycle ---------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = list(self.db.table("meta").rows_where("key = ?", [key]))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", [key])
            else:
                self.db.table("meta").upsert({"key": key, "value": value}, pk="key")
        self._wrote("store.meta", key)


def where_clause(*conditions: tuple[str, list[Any]] | None) -> tuple[str, list[Any]]:
    """A WHERE clause from the conditions that apply (None ones are left out)."""
    used = [c for c in conditions if c is not None]
    return " AND ".join(sql for sql, _ in used) or "1 = 1", [arg for _, args in used for arg in args]
