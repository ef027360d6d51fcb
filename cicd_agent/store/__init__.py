"""The state store: one interface (`Store`, typed queries in `queries`) over two backends (`backend`): SQLite
through sqlite-utils (`sqlite`, a file in the state directory: the default, nothing to install) and PostgreSQL
through psycopg (`postgres`, named by a URL: several hosts on one database).

Only a real run writes. A dry run and the read commands work on an in-memory SQLite copy (see `open_store`,
`read_store`): the same code runs, and the state is left exactly as it was: no scratch file, no `-wal`/`-shm`
beside a SQLite file, no row or lock taken on a PostgreSQL server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cicd_agent.errors import AgentError
from cicd_agent.store.backend import Backend
from cicd_agent.store.queries import MAX_HANDLING_ERRORS, Store, StoredBreaker, WriteObserver
from cicd_agent.store.schema import MIGRATIONS
from cicd_agent.store.sqlite import SqliteBackend, memory_copy, unusable

STATE_FILE = "state.db"

__all__ = [
    "MAX_HANDLING_ERRORS",
    "MIGRATIONS",
    "STATE_FILE",
    "NoState",
    "Store",
    "StoredBreaker",
    "WriteObserver",
    "check_url",
    "open_store",
    "read_store",
    "scratch_copy",
    "state_exists",
]


class NoState(AgentError):
    """A read command pointed at a state without a database: nothing has run there."""


def check_url(url: str, *, where: str) -> str:
    """A state URL the agent can use (PostgreSQL's), or a clear error naming where it came from."""
    from cicd_agent.config.urls import UNCLEAR_CREDENTIALS, unclear_credentials
    from cicd_agent.store.postgres import is_postgres_url, redacted

    if unclear_credentials(url):
        raise AgentError(f"the state URL {redacted(url)!r} {UNCLEAR_CREDENTIALS}", where=where)
    if not is_postgres_url(url):
        raise AgentError(
            f"the state URL {redacted(url)!r} is not a PostgreSQL URL",
            where=where,
            fix="write postgresql://USER@HOST:PORT/DATABASE, or leave it empty for the SQLite file in the state dir",
        )
    return url.strip()


def _postgres(url: str) -> Backend:
    from cicd_agent.store.postgres import PostgresBackend

    return PostgresBackend(url)


def open_store(state_dir: Path | str, *, dry_run: bool, on_write: WriteObserver | None = None, url: str = "") -> Store:
    """The real store (created when missing: the file in `state_dir`, or the tables in the database at `url`),
    or for a dry run an in-memory copy of it (only read; without a database, an empty in-memory store)."""
    if url:
        if dry_run:
            return Store(_copy_of_postgres(url), on_write=on_write)
        return Store(_postgres(url), on_write=on_write)
    state_dir = Path(state_dir)
    path = state_dir / STATE_FILE
    if not dry_run:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AgentError(f"cannot create state directory {state_dir}: {exc}", fix="pass --state-dir") from None
        return Store(path, on_write=on_write)
    return Store(SqliteBackend(path, conn=memory_copy(path)), on_write=on_write)


def read_store(state_dir: Path | str, *, url: str = "") -> Store:
    """For the read commands: an in-memory copy of an existing database; never creates one."""
    if url:
        if not state_exists(state_dir, url=url):
            from cicd_agent.store.postgres import redacted

            raise NoState(
                f"no state yet: the database at {redacted(url)} has no agent tables (nothing has run with it)",
                fix="point --state-url or --config at the agent's state, or run `agent run` first",
            )
        return Store(_copy_of_postgres(url))
    path = Path(state_dir) / STATE_FILE
    if not path.is_file():
        raise NoState(
            f"no state yet: {path} does not exist (nothing has run with this state directory)",
            fix="point --state-dir or --config at the agent's state, or run `agent run` first",
        )
    return Store(SqliteBackend(path, conn=memory_copy(path)))


def state_exists(state_dir: Path | str, *, url: str = "") -> bool:
    """Whether a database is there already (a read; creates nothing)."""
    if not url:
        return (Path(state_dir) / STATE_FILE).is_file()
    server = _postgres(url)
    try:
        return "_migrations" in server.tables()
    finally:
        server.close()


def _copy_of_postgres(url: str) -> SqliteBackend:
    """An in-memory SQLite copy of the PostgreSQL state (the same migrations make the same tables on both):
    read in one snapshot, nothing written there."""
    from cicd_agent.store.copy import copy_into_memory

    server = _postgres(url)
    try:
        return copy_into_memory(server)
    finally:
        server.close()


def scratch_copy(store: Store) -> Store:
    """An in-memory copy of an open store, for work whose bookkeeping must not last (a paused cycle: it
    decides as usual, and nothing of it is kept, so the next cycle after resume decides again). A SQLite store is
    backed up from its own connection (what it wrote so far included), a PostgreSQL one copied from a snapshot
    read on a connection of its own."""
    if isinstance(store.sql, SqliteBackend):
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            store.sql.db.conn.backup(memory)
        except sqlite3.DatabaseError as exc:
            memory.close()
            raise unusable(store.sql.path, exc) from None
        return Store(SqliteBackend(store.sql.path, conn=memory, where=store.where), owner=store.owner)
    from cicd_agent.store.copy import copy_into_memory

    server = store.sql.reopen()
    try:
        return Store(copy_into_memory(server), owner=store.owner)
    finally:
        server.close()
