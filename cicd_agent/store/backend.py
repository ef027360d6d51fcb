"""The one interface the store's queries use, whatever the database: SQLite (`store.sqlite`, the embedded
default) or PostgreSQL (`store.postgres`, several hosts on one database).

Queries are written once, in the SQL both understand, with `?` placeholders. What differs lives behind this
interface: how rows go in (`insert`, `add`, `upsert`), transactions, the DDL the migrations ask for (`create_table`,
`add_column`, `create_index`), row locks (`skip_locked`: PostgreSQL's `FOR UPDATE SKIP LOCKED`; SQLite needs none,
its write transactions are exclusive), named locks for work with no row to lock, and the fleet's leader.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Sequence
from typing import Any, ClassVar

Row = dict[str, Any]
Column = type  # int, str or float: the migrations' column types


class Backend(abc.ABC):
    """A connection to the state database. One thread at a time uses it (the heartbeat has its own)."""

    kind: ClassVar[str]  # "sqlite" or "postgresql"
    shared: ClassVar[bool]  # other hosts may use the same database (leases and a leader matter)
    skip_locked: ClassVar[str]  # appended to a SELECT that claims rows: rows another host holds are skipped
    for_update: ClassVar[str]  # appended to a SELECT that is read, then written back: waits for the holder

    where: str  # what messages name: the file, or the URL without its password

    # -- statements ---------------------------------------------------------------------------------

    @abc.abstractmethod
    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed. Outside a transaction it commits at once."""

    @abc.abstractmethod
    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """The rows a query returns, as dicts by column name."""

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        found = self.rows(sql, args)
        return found[0] if found else None

    def value(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        row = self.one(sql, args)
        return next(iter(row.values())) if row else None

    @abc.abstractmethod
    def insert(self, table: str, row: Row, *, ignore: bool = False) -> int:
        """Insert one row; `ignore`: a row whose key is taken is left out. Returns how many rows went in."""

    @abc.abstractmethod
    def add(self, table: str, row: Row) -> int:
        """Insert one row into a table keyed by a generated `id`; returns the new id."""

    @abc.abstractmethod
    def upsert(self, table: str, rows: list[Row], pk: tuple[str, ...]) -> None:
        """Insert rows, or update the given columns of those whose key `pk` exists (other columns kept)."""

    def update(self, table: str, key: Row, values: Row) -> int:
        """Set `values` on the rows matching every column of `key`."""
        if not values:
            return 0
        sets = ", ".join(f"{name} = ?" for name in values)
        where = " AND ".join(f"{name} = ?" for name in key)
        return self.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *key.values()])

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A write transaction (joined when one is open already): all of it or nothing."""

    @property
    @abc.abstractmethod
    def in_transaction(self) -> bool: ...

    @abc.abstractmethod
    def lock(self, name: str) -> None:
        """Within a transaction: hold the lock `name` until it ends (work with no row to lock, such as counting
        the fleet's pull requests before opening one). SQLite's write transactions hold the whole file already."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def reopen(self) -> Backend:
        """Another connection to the same database (for another thread)."""

    # -- the migrations' DDL ------------------------------------------------------------------------

    @abc.abstractmethod
    def create_table(self, name: str, columns: dict[str, Column], pk: str | tuple[str, ...]) -> None:
        """A table; a single integer `pk` named `id` is generated on insert (see `add`)."""

    @abc.abstractmethod
    def add_column(self, table: str, name: str, kind: Column, default: Any = None) -> None:
        """A new column; with a `default`, NOT NULL and that default for the rows already there."""

    @abc.abstractmethod
    def create_index(self, table: str, columns: list[str], *, unique: bool = False) -> None: ...

    @abc.abstractmethod
    def tables(self) -> list[str]: ...

    @abc.abstractmethod
    def columns(self, table: str) -> list[str]: ...

    # -- the fleet's leader -------------------------------------------------------------------------

    @abc.abstractmethod
    def lead(self, name: str) -> bool:
        """Try to become (or stay) the one leader for `name`: True while this connection holds it. A host that
        dies loses it with its connection, and another host's next try takes it."""

    @abc.abstractmethod
    def resign(self, name: str) -> None: ...


def insert_sql(table: str, row: Row, *, ignore: bool = False) -> str:
    """`INSERT` of one row's columns (`ignore`: a row whose key is taken is left out, in both dialects)."""
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})" + (" ON CONFLICT DO NOTHING" if ignore else "")
