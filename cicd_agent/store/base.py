"""The store's plumbing over a backend (`store.backend`): migrations (refusing a schema newer than the code),
write transactions, the write observer, the `meta` key-value table, and the WHERE-clause helper every query
module uses."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cicd_agent.errors import AgentError
from cicd_agent.store.backend import Backend
from cicd_agent.store.schema import MIGRATIONS
from cicd_agent.store.sqlite import SqliteBackend

WriteObserver = Callable[[str, str], None]
RUN_KEY = "repo = ? AND run_id = ? AND run_attempt = ?"  # one attempt of one run
MIGRATION_LOCK = "migrations"


def newer_schema(backend: Backend, unknown: list[str]) -> AgentError:
    """A database a newer release migrated: this code does not know its tables, so it must not write to it."""
    numbers = [int(m.group(1)) for name in unknown if (m := re.match(r"(\d+)", name))]
    schema = max(numbers) if numbers else len(MIGRATIONS) + len(unknown)
    other = "--state-url" if backend.shared else "--state-dir"
    return AgentError(
        f"the state database {backend.where} was written by a newer cicd-agent (schema {schema}; this one knows "
        f"{len(MIGRATIONS)})",
        fix=f"upgrade cicd-agent, or point {other} at another state database",
    )


def new_owner() -> str:
    """Who holds a lease: this host and process, and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class StoreBase:
    """The backend and its transactions. Every write reports itself to `on_write`. `owner` names this process
    on the leases it takes (its heartbeat renews only those)."""

    def __init__(self, where: Path | str | Backend, *, on_write: WriteObserver | None = None, owner: str = "") -> None:
        """`where`: a backend, or the path of a SQLite file."""
        self.owner = owner or new_owner()
        self.sql: Backend = where if isinstance(where, Backend) else SqliteBackend(where)
        try:
            self._migrate()
        except BaseException:
            self.sql.close()
            raise
        self.on_write = on_write

    @property
    def shared(self) -> bool:
        """Other hosts may use this database at once (PostgreSQL)."""
        return self.sql.shared

    @property
    def where(self) -> str:
        """What messages name: the file, or the URL without its password."""
        return self.sql.where

    def close(self) -> None:
        self.sql.close()

    def reopen(self) -> Any:
        """The same store on a connection of its own (for another thread), of the same class and owner."""
        return type(self)(self.sql.reopen(), owner=self.owner)

    # -- plumbing ---------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Apply the migrations this database lacks, one host at a time; refuse one a newer release wrote."""
        with self.sql.transaction():
            self.sql.lock(MIGRATION_LOCK)
            if "_migrations" not in self.sql.tables():
                self.sql.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            done = [str(row["name"]) for row in self.sql.rows("SELECT name FROM _migrations")]
            unknown = sorted(set(done) - {name for name, _ in MIGRATIONS})
            if unknown:
                raise newer_schema(self.sql, unknown)
            for name, migrate in MIGRATIONS:
                if name not in done:
                    migrate(self.sql)
                    applied = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
                    self.sql.insert("_migrations", {"name": name, "applied_at": applied})

    def schema_version(self) -> list[str]:
        return [str(row["name"]) for row in self.sql.rows("SELECT name FROM _migrations ORDER BY name")]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction: what is read in it and written back loses no update (SQLite locks the file at
        once; on PostgreSQL the queries lock what they read and write)."""
        with self.sql.transaction():
            yield

    def _wrote(self, action: str, target: str) -> None:
        if self.on_write is not None:
            self.on_write(action, target)

    # -- meta: pause flag, last cycle ---------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        value = self.sql.value("SELECT value FROM meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.sql.execute("DELETE FROM meta WHERE key = ?", [key])
            else:
                self.sql.upsert("meta", [{"key": key, "value": value}], pk=("key",))
        self._wrote("store.meta", key)


def where_clause(*conditions: tuple[str, list[Any]] | None) -> tuple[str, list[Any]]:
    """A WHERE clause from the conditions that apply (None ones are left out)."""
    used = [c for c in conditions if c is not None]
    return " AND ".join(sql for sql, _ in used) or "1 = 1", [arg for _, args in used for arg in args]
