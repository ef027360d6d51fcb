"""The state store: SQLite through sqlite-utils (`queries.Store`), its schema (`schema`), and where it lives.

Only a real run writes the file. A dry run and the read commands work on an in-memory copy (see
`open_store`, `read_store`): the same code runs, and the state directory is left exactly as it was: no
scratch file, no `-wal`/`-shm` beside the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cicd_agent.errors import AgentError
from cicd_agent.store.queries import MAX_HANDLING_ERRORS, Store, StoredBreaker, WriteObserver, unusable
from cicd_agent.store.schema import MIGRATIONS

STATE_FILE = "state.db"

__all__ = [
    "MAX_HANDLING_ERRORS",
    "MIGRATIONS",
    "STATE_FILE",
    "NoState",
    "Store",
    "StoredBreaker",
    "open_store",
    "read_store",
    "scratch_copy",
]


class NoState(AgentError):
    """A read command pointed at a state directory without a database: nothing has run there."""


def open_store(state_dir: Path | str, *, dry_run: bool, on_write: WriteObserver | None = None) -> Store:
    """The real store (created when missing), or for a dry run an in-memory copy of it (the file is only read;
    without a file, an empty in-memory store)."""
    state_dir = Path(state_dir)
    path = state_dir / STATE_FILE
    if not dry_run:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AgentError(f"cannot create state directory {state_dir}: {exc}", fix="pass --state-dir") from None
        return Store(path, on_write=on_write)
    return Store(path, on_write=on_write, conn=memory_copy(path))


def read_store(state_dir: Path | str) -> Store:
    """For the read commands: an in-memory copy of an existing database; never creates one."""
    path = Path(state_dir) / STATE_FILE
    if not path.is_file():
        raise NoState(
            f"no state yet: {path} does not exist (nothing has run with this state directory)",
            fix="point --state-dir or --config at the agent's state, or run `agent run` first",
        )
    return Store(path, conn=memory_copy(path))


def scratch_copy(store: Store) -> Store:
    """An in-memory copy of an open store, for work whose bookkeeping must not last (a paused cycle: it
    decides as usual, and nothing of it is kept, so the next cycle after resume decides again)."""
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        store.db.conn.backup(memory)
    except sqlite3.DatabaseError as exc:
        memory.close()
        raise unusable(store.path, exc) from None
    return Store(store.path, conn=memory)


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
