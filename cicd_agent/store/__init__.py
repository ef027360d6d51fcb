"""The state store: SQLite through sqlite-utils (`queries.Store`), its schema (`schema`), and where it lives.

A dry run opens a scratch copy (see `open_store`): the same code runs, the real file is never written.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from cicd_agent.errors import AgentError
from cicd_agent.store.queries import MAX_HANDLING_ERRORS, Store, StoredBreaker, WriteObserver
from cicd_agent.store.schema import MIGRATIONS

STATE_FILE = "state.db"

__all__ = ["MAX_HANDLING_ERRORS", "MIGRATIONS", "STATE_FILE", "Store", "StoredBreaker", "open_store"]


def open_store(state_dir: Path | str, *, dry_run: bool, on_write: WriteObserver | None = None) -> Store:
    """The real store, or for a dry run a scratch copy in a temp dir (the real file is only read)."""
    state_dir = Path(state_dir)
    path = state_dir / STATE_FILE
    if not dry_run:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AgentError(f"cannot create state directory {state_dir}: {exc}", fix="pass --state-dir") from None
        return Store(path, on_write=on_write)
    scratch = Path(tempfile.mkdtemp(prefix="cicd-agent-dry-run-")) / STATE_FILE
    if path.exists():
        _copy_readonly(path, scratch)
    return Store(scratch, on_write=on_write)


def _copy_readonly(source: Path, target: Path) -> None:
    """Copy a database without writing to it: SQLite's backup from a read-only connection."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(str(target))
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    except sqlite3.DatabaseError:
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
