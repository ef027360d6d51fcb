"""The SQLite backend (through sqlite-utils): one file in the state directory, nothing to install.

WAL mode and `BEGIN IMMEDIATE` transactions make it safe for several agent processes on one machine: a
read-modify-write holds the write lock from its read to its commit, so row locks and named locks are not
needed, and the one host there is always the leader. A dry run and the read commands use an in-memory copy
(`memory_copy`), so nothing is written beside the file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from cicd_agent.errors import AgentError
from cicd_agent.store.backend import Backend, Column, Row, insert_sql

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


class SqliteBackend(Backend):
    kind = "sqlite"
    shared = False
    skip_locked = ""
    for_update = ""

    def __init__(self, path: Path | str, *, conn: sqlite3.Connection | None = None, where: str = "") -> None:
        """`conn`: an open connection to use instead of opening `path` (an in-memory copy of it); `where`: what
        messages name when it is not the path (the server a copy was made from)."""
        self.path = Path(path)
        self.where = where or str(self.path)
        self.copy = conn is not None
        self.again: Callable[[], Backend] | None = None  # a copy made again, for `reopen`
        try:
            # one thread at a time (the watcher runs its jobs on a single worker), but not always the same one
            conn = conn or sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self._enable_wal()
        except sqlite3.DatabaseError as exc:
            raise unusable(self.path, exc) from None

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

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise unusable(self.path, exc) from None

    # -- statements ---------------------------------------------------------------------------------

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        with self._errors():
            count = self.db.execute(sql, list(args)).rowcount
            if not self.db.conn.in_transaction:
                return count
            if not self._explicit:
                self.db.conn.commit()  # Python's sqlite3 opened one for this statement alone
            return count

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._errors():
            return list(self.db.query(sql, list(args)))

    def insert(self, table: str, row: Row, *, ignore: bool = False) -> int:
        with self._errors(), self.transaction():
            return int(self.db.execute(insert_sql(table, row, ignore=ignore), list(row.values())).rowcount)

    def add(self, table: str, row: Row) -> int:
        with self._errors(), self.transaction():
            t = self.db.table(table)
            t.insert(row)
            return int(t.last_pk or 0)

    def upsert(self, table: str, rows: list[Row], pk: tuple[str, ...]) -> None:
        with self._errors(), self.transaction():
            self.db.table(table).upsert_all(rows, pk=pk[0] if len(pk) == 1 else pk)

    _explicit = False  # inside `transaction()`

    @property
    def in_transaction(self) -> bool:
        return self._explicit

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes the lock at once, so read-modify-write loses no update."""
        if self._explicit:
            yield
            return
        conn = self.db.conn
        if conn.in_transaction:  # one Python's sqlite3 opened on its own: ends before ours
            conn.commit()
        with self._errors():
            conn.execute("BEGIN IMMEDIATE")
        self._explicit = True
        try:
            yield
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise unusable(self.path, exc) from None
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._explicit = False
        try:
            conn.commit()
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise unusable(self.path, exc) from None

    def lock(self, name: str) -> None:
        """The write transaction already holds the whole file."""

    def close(self) -> None:
        self.db.close()

    def reopen(self) -> Backend:
        if self.again is not None:
            return self.again()
        if self.copy:
            return SqliteBackend(self.path, conn=memory_copy(self.path))
        return SqliteBackend(self.path)

    # -- DDL ----------------------------------------------------------------------------------------

    def create_table(self, name: str, columns: dict[str, Column], pk: str | tuple[str, ...]) -> None:
        self.db.table(name).create(columns, pk=pk)

    def add_column(self, table: str, name: str, kind: Column, default: Any = None) -> None:
        self.db.table(table).add_column(name, kind, not_null_default=default)

    def create_index(self, table: str, columns: list[str], *, unique: bool = False) -> None:
        self.db.table(table).create_index(columns, unique=unique)

    def tables(self) -> list[str]:
        return list(self.db.table_names())

    def columns(self, table: str) -> list[str]:
        return [c.name for c in self.db.table(table).columns]

    # -- leader -------------------------------------------------------------------------------------

    def lead(self, name: str) -> bool:
        """One machine: every process on it shares the leases; the once-per-fleet jobs are idempotent there."""
        return True

    def resign(self, name: str) -> None:
        pass


def memory_copy(path: Path) -> sqlite3.Connection:
    """An in-memory database holding a copy of `path` (empty when it does not exist), read without writing
    anything beside it: SQLite's backup from a read-only connection. Without a `-wal` file (no writer is
    active) the file is opened `immutable`, so SQLite creates no `-wal`/`-shm` files either."""
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    if not path.exists():
        return memory
    live = path.with_name(path.name + "-wal").exists()
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if live else "&immutable=1")
    try:
        source = sqlite3.connect(uri, uri=True)
        try:
            source.backup(memory)
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        memory.close()
        raise unusable(path, exc) from None
    return memory
