"""A shared database copied into memory, for a dry run or a read command: the same code then runs on SQLite,
and nothing is written to the server (one read-only snapshot, no row or lock kept)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cicd_agent.store.backend import Backend
from cicd_agent.store.base import newer_schema
from cicd_agent.store.schema import MIGRATIONS
from cicd_agent.store.sqlite import SqliteBackend


def copy_into_memory(server: Backend) -> SqliteBackend:
    """An in-memory SQLite database at the server's schema version, holding its rows. The migrations the
    server lacks are left for the `Store` on the copy to apply (to the copy only)."""
    memory = SqliteBackend(
        Path(":memory:"), conn=sqlite3.connect(":memory:", check_same_thread=False), where=server.where
    )
    memory.again = lambda: _reload(server)
    with server.transaction():
        server.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if "_migrations" not in server.tables():
            return memory
        done = [str(row["name"]) for row in server.rows("SELECT name FROM _migrations")]
        unknown = sorted(set(done) - {name for name, _ in MIGRATIONS})
        if unknown:
            raise newer_schema(server, unknown)
        with memory.transaction():
            memory.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            for name, migrate in MIGRATIONS:
                if name in done:
                    migrate(memory)
            for table in memory.tables():
                rows = server.rows(f"SELECT * FROM {table}")
                if rows:
                    names = list(rows[0])
                    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
                    memory.db.conn.executemany(sql, [[row[n] for n in names] for row in rows])
    return memory


def _reload(server: Backend) -> SqliteBackend:
    again = server.reopen()
    try:
        return copy_into_memory(again)
    finally:
        again.close()
