"""The PostgreSQL backend (psycopg 3): one database shared by every host of a fleet, named by a URL.

Work is claimed row by row with `SELECT ... FOR UPDATE SKIP LOCKED` (a row another host is claiming is skipped,
never waited for), read-modify-writes lock their row (`FOR UPDATE`), and work with no row to lock takes a
transaction-scoped advisory lock (`lock`). The leader of the once-per-fleet jobs holds a session-level advisory
lock on a connection of its own: a host that dies drops its connection, and with it the lead.

The URL's password is never printed: every message names `where`, the URL with its password replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from cicd_agent.errors import AgentError
from cicd_agent.store.backend import Backend, Column, Row, insert_sql
from cicd_agent.text import redact, remember_secrets, shown_url

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT = 10  # seconds
_TYPES = {int: "BIGINT", str: "TEXT", float: "DOUBLE PRECISION"}


def is_postgres_url(url: str) -> bool:
    return urllib.parse.urlsplit(url.strip()).scheme in SCHEMES


def redacted(url: str) -> str:
    """The URL as messages show it: its credentials (and any `password=` parameter) replaced by `***`."""
    return shown_url(url)


def password_of(url: str) -> str | None:
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    return parts.password or dict(urllib.parse.parse_qsl(parts.query)).get("password")


def refused(where: str, exc: Exception) -> AgentError:
    """One clear line for a server that cannot be used: unreachable, credentials refused, no such database."""
    message = redact(" ".join(str(exc).split()))
    lowered = message.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered or "role" in lowered:
        return AgentError(
            f"the state database at {where} refused the credentials ({message})",
            fix="check the user and password in the URL (or PGPASSWORD, ~/.pgpass) and the server's pg_hba.conf",
        )
    if "database" in lowered and "does not exist" in lowered:
        return AgentError(
            f"the state database at {where} does not exist ({message})",
            fix="create it (createdb NAME, owned by the agent's user) or fix the database name in the URL",
        )
    if "permission denied" in lowered:
        return AgentError(
            f"the state database at {where} refused the agent ({message})",
            fix="the URL's user must own the database (or may create tables in its schema)",
        )
    return AgentError(
        f"cannot reach the state database at {where} ({message})",
        fix="check that PostgreSQL runs and listens there, the host and port in the URL, and the network",
    )


def lock_key(scope: str, name: str) -> int:
    """A stable 64-bit advisory lock key for `name` within a schema (two fleets may share one database)."""
    return int.from_bytes(hashlib.sha256(f"cicd-agent:{scope}:{name}".encode()).digest()[:8], "big", signed=True)


def to_format(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (and a literal `%` doubled), outside quoted text."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        else:
            out.append("%s" if char == "?" else "%%" if char == "%" else char)
    return "".join(out)


class PostgresBackend(Backend):
    kind = "postgresql"
    shared = True
    skip_locked = " FOR UPDATE SKIP LOCKED"
    for_update = " FOR UPDATE"

    def __init__(self, url: str) -> None:
        self.url = url.strip()
        remember_secrets(password_of(self.url))  # never in a message or a log line, whatever prints it
        self.where = redacted(self.url)
        self._depth = 0
        self._leading: dict[str, int] = {}
        self._leader_conn: psycopg.Connection[Any] | None = None
        self.conn = self._connect()
        self.scope = str(self.value("SELECT current_schema()") or "public")

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self.url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="cicd-agent",
                keepalives_idle=10,  # a host cut off from the server loses its locks within about 30 s
                keepalives_interval=5,
                keepalives_count=3,
            )
        except psycopg.Error as exc:
            raise refused(self.where, exc) from None
        except Exception as exc:  # an unreadable URL (libpq's own parser refuses it)
            raise AgentError(
                f"the state URL {self.where} cannot be used ({type(exc).__name__})",
                fix="write it as postgresql://USER@HOST:PORT/DATABASE",
            ) from None

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.OperationalError as exc:
            if self.conn.closed or self.conn.broken:
                raise AgentError(
                    f"lost the state database at {self.where} ({redact(' '.join(str(exc).split()))})",
                    fix="check that PostgreSQL runs; the next cycle connects again",
                ) from None
            raise

    def _alive(self) -> None:
        """Connect again after a lost connection (a server restart), between transactions only."""
        if (self.conn.closed or self.conn.broken) and self._depth == 0:
            self.conn = self._connect()

    # -- statements ---------------------------------------------------------------------------------

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        self._alive()
        with self._errors():
            return self.conn.execute(to_format(sql), list(args)).rowcount

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        self._alive()
        with self._errors():
            return list(self.conn.execute(to_format(sql), list(args)).fetchall())

    def insert(self, table: str, row: Row, *, ignore: bool = False) -> int:
        return self.execute(insert_sql(table, row, ignore=ignore), list(row.values()))

    def add(self, table: str, row: Row) -> int:
        found = self.rows(insert_sql(table, row) + " RETURNING id", list(row.values()))
        return int(found[0]["id"])

    def upsert(self, table: str, rows: list[Row], pk: tuple[str, ...]) -> None:
        if not rows:
            return
        names = list(rows[0])
        updates = [n for n in names if n not in pk]
        action = f"DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in updates)}" if updates else "DO NOTHING"
        sql = to_format(f"{insert_sql(table, rows[0])} ON CONFLICT ({', '.join(pk)}) {action}")
        self._alive()
        with self._errors(), self.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(sql, [[row[n] for n in names] for row in rows])

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            yield
            return
        self._alive()
        with self._errors(), self.conn.transaction():
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0

    def lock(self, name: str) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", [lock_key(self.scope, name)])

    def close(self) -> None:
        self.conn.close()
        if self._leader_conn is not None:
            self._leader_conn.close()

    def reopen(self) -> Backend:
        return PostgresBackend(self.url)

    # -- DDL ----------------------------------------------------------------------------------------

    def create_table(self, name: str, columns: dict[str, Column], pk: str | tuple[str, ...]) -> None:
        keys = (pk,) if isinstance(pk, str) else pk
        defs = []
        for column, kind in columns.items():
            if keys == ("id",) and column == "id" and kind is int:
                defs.append("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            else:
                defs.append(f"{column} {_TYPES[kind]}")
        if keys != ("id",) or columns.get("id") is not int:
            defs.append(f"PRIMARY KEY ({', '.join(keys)})")
        self.execute(f"CREATE TABLE {name} ({', '.join(defs)})")

    def add_column(self, table: str, name: str, kind: Column, default: Any = None) -> None:
        sql = f"ALTER TABLE {table} ADD COLUMN {name} {_TYPES[kind]}"
        if default is not None:
            literal = "'" + default.replace("'", "''") + "'" if isinstance(default, str) else repr(default)
            sql += f" NOT NULL DEFAULT {literal}"
        self.execute(sql)

    def create_index(self, table: str, columns: list[str], *, unique: bool = False) -> None:
        name = f"idx_{table}_{'_'.join(columns)}"
        self.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {table} ({', '.join(columns)})")

    def tables(self) -> list[str]:
        found = self.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        return [str(r["tablename"]) for r in found]

    def columns(self, table: str) -> list[str]:
        found = self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
        return [str(r["column_name"]) for r in found]

    # -- leader -------------------------------------------------------------------------------------

    def lead(self, name: str) -> bool:
        try:
            if self._leader_conn is None or self._leader_conn.closed or self._leader_conn.broken:
                self._leading.clear()
                self._leader_conn = self._connect()
            if name in self._leading:
                self._leader_conn.execute("SELECT 1")  # still connected: still holding it
                return True
            key = lock_key(self.scope, name)
            row = self._leader_conn.execute("SELECT pg_try_advisory_lock(%s) AS got", [key]).fetchone()
        except (psycopg.Error, AgentError):
            self._leading.clear()  # the connection is gone, and the lock with it
            return False
        if row and row["got"]:
            self._leading[name] = key
            return True
        return False

    def resign(self, name: str) -> None:
        key = self._leading.pop(name, None)
        if key is not None and self._leader_conn is not None and not self._leader_conn.closed:
            with contextlib.suppress(psycopg.Error):
                self._leader_conn.execute("SELECT pg_advisory_unlock(%s)", [key])
