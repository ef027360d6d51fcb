"""The state store: one SQLite file through sqlite-utils. This module owns every SQL statement.

WAL mode and `BEGIN IMMEDIATE` transactions make it safe for several agent processes at once: a
read-modify-write (a breaker count, a dedup claim) holds the write lock from its read to its commit.
A dry run opens a scratch copy (see `open_store`): the same code runs, the real file is never written.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from cicd_agent.errors import AgentError

WriteObserver = Callable[[str, str], None]
STATE_FILE = "state.db"


def _m1_initial(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("failures").create(
        {
            "id": int,
            "repo": str,
            "branch": str,
            "run_id": int,
            "run_attempt": int,
            "workflow": str,
            "head_sha": str,
            "signature": str,
            "category": str,
            "seen_at": float,
            "duplicates": int,
        },
        pk="id",
    )
    db.table("failures").create_index(["repo", "run_id", "run_attempt"], unique=True)
    db.table("decisions").create(
        {
            "id": int,
            "at": float,
            "repo": str,
            "branch": str,
            "run_id": int,
            "run_attempt": int,
            "signature": str,
            "decision": str,
            "reason": str,
            "rule": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("decisions").create_index(["repo", "at"])
    db.table("breakers").create(
        {
            "repo": str,
            "branch": str,
            "signature": str,
            "state": str,
            "failures": int,
            "opened_at": float,
            "updated_at": float,
            "last_failure_run": str,
            "trial_in_flight": int,
        },
        pk=("repo", "branch", "signature"),
    )
    db.table("breaker_events").create(
        {
            "id": int,
            "at": float,
            "repo": str,
            "branch": str,
            "signature": str,
            "from_state": str,
            "to_state": str,
            "reason": str,
            "actor": str,
            "remediation_id": int,
        },
        pk="id",
    )
    db.table("breaker_events").create_index(["repo", "branch", "signature"])


def _m2_remediations(db: sqlite_utils.Database) -> None:
    db.table("remediations").create(
        {
            "id": int,
            "repo": str,
            "branch": str,
            "signature": str,
            "strategy": str,
            "rule": str,
            "state": str,
            "run_id": int,
            "run_attempt": int,
            "fix_branch": str,
            "pr_number": int,
            "pr_url": str,
            "head_sha": str,
            "snapshot_id": str,
            "created_at": float,
            "updated_at": float,
            "detail": str,
        },
        pk="id",
    )
    db.table("remediations").create_index(["repo", "branch", "signature"])
    db.table("intents").create(
        {"id": int, "remediation_id": int, "action": str, "target": str, "status": str, "at": float},
        pk="id",
    )
    db.table("health_checks").create(
        {
            "remediation_id": int,
            "due_at": float,
            "deadline": float,
            "attempts": int,
            "outcome": str,
            "updated_at": float,
        },
        pk="remediation_id",
    )
    db.table("snapshots").create(
        {"id": str, "repo": str, "branch": str, "base_sha": str, "created_at": float, "files": str},
        pk="id",
    )
    db.table("cursors").create({"repo": str, "etag": str, "since": str, "updated_at": float}, pk="repo")


def _m3_handling_errors(db: sqlite_utils.Database) -> None:
    failures = db.table("failures")
    failures.add_column("released", int, not_null_default=0)  # claimed, then given back after an error
    failures.add_column("errors", int, not_null_default=0)  # how many times handling it ended in an error


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", _m1_initial),
    ("0002_remediations", _m2_remediations),
    ("0003_handling_errors", _m3_handling_errors),
]
MAX_HANDLING_ERRORS = 3


BreakerKey = tuple[str, str, str]  # (repo, branch, signature)
BreakerChange = Callable[[dict[str, Any] | None], tuple[dict[str, Any], list[dict[str, Any]]]]


class Store:
    """Typed queries over the state database. Every write reports itself to `on_write`."""

    def __init__(self, path: Path | str, *, on_write: WriteObserver | None = None) -> None:
        self.path = Path(path)
        try:
            # one thread at a time (the watcher runs its jobs on a single worker), but not always the same one
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA busy_timeout = 30000")
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise AgentError(
                f"state database {self.path} cannot be used: {exc}",
                fix="move it aside to start fresh, or point --state-dir elsewhere",
            ) from None
        self.on_write = on_write

    def close(self) -> None:
        self.db.close()

    # -- plumbing ---------------------------------------------------------------------------------

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
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

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

    # -- failures: dedup ----------------------------------------------------------------------------

    def claim_failure(self, record: dict[str, Any], *, now: float, ttl: float) -> bool:
        """Record a failed run once. False (and a duplicate counted) when seen within `ttl`."""
        key = [record["repo"], record["run_id"], record["run_attempt"]]
        with self.transaction():
            rows = list(self.db.table("failures").rows_where("repo = ? AND run_id = ? AND run_attempt = ?", key))
            if rows and rows[0]["released"] and rows[0]["errors"] < MAX_HANDLING_ERRORS:
                self.db.execute("UPDATE failures SET released = 0, seen_at = ? WHERE id = ?", [now, rows[0]["id"]])
                fresh = True  # given back after an error: try again
            elif rows and (rows[0]["released"] or now - rows[0]["seen_at"] < ttl):
                self.db.execute("UPDATE failures SET duplicates = duplicates + 1 WHERE id = ?", [rows[0]["id"]])
                fresh = False
            else:
                if rows:
                    self.db.execute("DELETE FROM failures WHERE id = ?", [rows[0]["id"]])
                self.db.table("failures").insert({**record, "seen_at": now, "duplicates": 0})
                fresh = True
        self._wrote("store.failure", f"{record['repo']} run {record['run_id']}#{record['run_attempt']}")
        return fresh

    def failure_counts(self) -> dict[str, int]:
        row = self.db.execute("SELECT COUNT(*), COALESCE(SUM(duplicates), 0) FROM failures").fetchone()
        return {"failures_seen": int(row[0]), "duplicates": int(row[1])}

    # -- decisions: the audit trail -----------------------------------------------------------------

    def record_decision(self, decision: dict[str, Any]) -> None:
        row = {"detail": "{}", "rule": "", "run_id": 0, "run_attempt": 0, **decision}
        if not isinstance(row["detail"], str):
            row["detail"] = json.dumps(row["detail"], sort_keys=True)
        with self.transaction():
            self.db.table("decisions").insert(row)
        self._wrote("store.decision", f"{row['repo']} {row['decision']}")

    def decisions(self, *, repo: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        where, args = _where(
            ("repo = ?", [repo]) if repo else None, ("at >= ?", [since]) if since is not None else None
        )
        rows = self.db.table("decisions").rows_where(where, args, order_by="at, id")
        return [{**row, "detail": json.loads(row["detail"] or "{}")} for row in rows]

    def release_failure(self, repo: str, run_id: int, run_attempt: int, *, error: bool = False) -> int:
        """Give a claimed failure back so a later cycle handles it again: a deferred one is simply
        forgotten; one whose handling failed (`error`) is retried until MAX_HANDLING_ERRORS, then left.
        Returns how many handling errors it has had."""
        key = [repo, run_id, run_attempt]
        where = "repo = ? AND run_id = ? AND run_attempt = ?"
        with self.transaction():
            if error:
                self.db.execute(f"UPDATE failures SET released = 1, errors = errors + 1 WHERE {where}", key)
                row = self.db.execute(f"SELECT errors FROM failures WHERE {where}", key).fetchone()
            else:
                self.db.execute(f"DELETE FROM failures WHERE {where}", key)
                row = None
        self._wrote("store.failure_release", f"{repo} run {run_id}#{run_attempt}")
        return int(row[0]) if row else 0

    # -- remediations ------------------------------------------------------------------------------------

    def create_remediation(self, row: dict[str, Any]) -> int:
        record = {
            "detail": "{}",
            "pr_number": 0,
            "pr_url": "",
            "head_sha": "",
            "snapshot_id": "",
            "fix_branch": "",
            "rule": "",
            **row,
        }
        record["detail"] = record["detail"] if isinstance(record["detail"], str) else json.dumps(record["detail"])
        record["updated_at"] = record["created_at"]
        with self.transaction():
            table = self.db.table("remediations")
            table.insert(record)
            new_id = int(table.last_pk or 0)
        self._wrote("store.remediation", f"{row['repo']} {row['strategy']} -> {row['state']}")
        return new_id

    def update_remediation(
        self, remediation_id: int, *, now: float, detail: dict[str, Any] | None = None, **fields: Any
    ) -> None:
        with self.transaction():
            if detail is not None:
                current = self.remediation(remediation_id)
                merged = {**(current or {}).get("detail", {}), **detail}
                fields["detail"] = json.dumps(merged, sort_keys=True)
            self.db.table("remediations").update(remediation_id, {**fields, "updated_at": now})
        self._wrote("store.remediation", f"#{remediation_id} {fields.get('state', '')}".strip())

    def remediation(self, remediation_id: int) -> dict[str, Any] | None:
        rows = list(self.db.table("remediations").rows_where("id = ?", [remediation_id]))
        return _remediation(rows[0]) if rows else None

    def remediations(
        self,
        *,
        repo: str | None = None,
        states: tuple[str, ...] = (),
        key: tuple[str, str, str] | None = None,
        strategy: str | None = None,
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        where, args = _where(
            ("repo = ?", [repo]) if repo else None,
            ("repo = ? AND branch = ? AND signature = ?", list(key)) if key else None,
            (f"state IN ({', '.join('?' for _ in states)})", list(states)) if states else None,
            ("strategy = ?", [strategy]) if strategy else None,
            ("created_at >= ?", [since]) if since is not None else None,
        )
        rows = self.db.table("remediations").rows_where(where, args, order_by="id")
        return [_remediation(r) for r in rows]

    def add_intent(self, remediation_id: int, action: str, target: str, *, now: float) -> int:
        """Recorded before a write; `finish_intent` after it. A crash leaves the intent pending."""
        with self.transaction():
            table = self.db.table("intents")
            table.insert(
                {"remediation_id": remediation_id, "action": action, "target": target, "status": "pending", "at": now}
            )
            intent_id = int(table.last_pk or 0)
        self._wrote("store.intent", f"#{remediation_id} {action} {target}")
        return intent_id

    def finish_intent(self, intent_id: int, *, now: float) -> None:
        with self.transaction():
            self.db.table("intents").update(intent_id, {"status": "done", "at": now})
        self._wrote("store.intent", f"intent {intent_id} done")

    def intents(self, remediation_id: int) -> list[dict[str, Any]]:
        return list(self.db.table("intents").rows_where("remediation_id = ?", [remediation_id], order_by="id"))

    # -- health checks -----------------------------------------------------------------------------------

    def schedule_health_check(self, remediation_id: int, *, due_at: float, deadline: float, now: float) -> None:
        with self.transaction():
            self.db.table("health_checks").upsert(
                {
                    "remediation_id": remediation_id,
                    "due_at": due_at,
                    "deadline": deadline,
                    "attempts": 0,
                    "outcome": "",
                    "updated_at": now,
                },
                pk="remediation_id",
            )
        self._wrote("store.health_check", f"#{remediation_id} due {due_at:.0f}")

    def due_health_checks(self, now: float) -> list[dict[str, Any]]:
        return list(
            self.db.table("health_checks").rows_where(
                "(outcome IS NULL OR outcome = '') AND due_at <= ?", [now], order_by="due_at"
            )
        )

    def health_check(self, remediation_id: int) -> dict[str, Any] | None:
        rows = list(self.db.table("health_checks").rows_where("remediation_id = ?", [remediation_id]))
        return rows[0] if rows else None

    def update_health_check(self, remediation_id: int, *, now: float, **fields: Any) -> None:
        with self.transaction():
            self.db.table("health_checks").update(remediation_id, {**fields, "updated_at": now})
        self._wrote("store.health_check", f"#{remediation_id} {fields.get('outcome', '')}".strip())

    # -- snapshots and cursors ---------------------------------------------------------------------------

    def save_snapshot(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("snapshots").upsert({**row, "files": json.dumps(row["files"], sort_keys=True)}, pk="id")
        self._wrote("store.snapshot", f"{row['id']} {row['repo']}")

    def snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        rows = list(self.db.table("snapshots").rows_where("id = ?", [snapshot_id]))
        return {**rows[0], "files": json.loads(rows[0]["files"])} if rows else None

    def snapshots(self) -> list[dict[str, Any]]:
        return [
            {**r, "files": json.loads(r["files"])} for r in self.db.table("snapshots").rows_where(order_by="created_at")
        ]

    def delete_snapshot(self, snapshot_id: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM snapshots WHERE id = ?", [snapshot_id])
        self._wrote("store.snapshot_delete", snapshot_id)

    def cursor(self, repo: str) -> dict[str, Any] | None:
        rows = list(self.db.table("cursors").rows_where("repo = ?", [repo]))
        return rows[0] if rows else None

    def set_cursor(self, repo: str, *, etag: str, since: str, now: float) -> None:
        with self.transaction():
            self.db.table("cursors").upsert({"repo": repo, "etag": etag, "since": since, "updated_at": now}, pk="repo")
        self._wrote("store.cursor", repo)

    # -- remediations and health checks (counts for `agent status`) --------------------------------------

    def remediation_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM remediations GROUP BY state ORDER BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def pending_health_checks(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM health_checks WHERE outcome IS NULL OR outcome = ''").fetchone()
        return int(row[0])

    # -- breakers -----------------------------------------------------------------------------------

    def update_breaker(self, key: BreakerKey, change: BreakerChange, *, now: float) -> dict[str, Any]:
        """Read-modify-write one breaker under the write lock: `change` gets the row (None when new) and
        returns the new row and the events to append. Concurrent processes lose no update."""
        repo, branch, signature = key
        with self.transaction():
            row = self.get_breaker(key)
            new, events = change(row)
            record = {**new, "repo": repo, "branch": branch, "signature": signature, "updated_at": now}
            self.db.table("breakers").upsert(record, pk=("repo", "branch", "signature"))
            for event in events:
                self.db.table("breaker_events").insert(
                    {
                        "remediation_id": None,
                        "actor": "",
                        **event,
                        "repo": repo,
                        "branch": branch,
                        "signature": signature,
                        "at": now,
                    }
                )
        self._wrote("store.breaker", f"{repo} {branch} {signature[:12]} -> {record['state']}")
        return record

    def get_breaker(self, key: BreakerKey) -> dict[str, Any] | None:
        rows = list(self.db.table("breakers").rows_where("repo = ? AND branch = ? AND signature = ?", list(key)))
        return rows[0] if rows else None

    def breakers(self, *, repo: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        where, args = _where(
            ("lower(repo) = lower(?)", [repo]) if repo else None, ("state = ?", [state]) if state else None
        )
        return list(self.db.table("breakers").rows_where(where, args, order_by="repo, branch, signature"))

    def breaker_events(self, key: BreakerKey) -> list[dict[str, Any]]:
        return list(
            self.db.table("breaker_events").rows_where(
                "repo = ? AND branch = ? AND signature = ?", list(key), order_by="at, id"
            )
        )


def _where(*conditions: tuple[str, list[Any]] | None) -> tuple[str, list[Any]]:
    """A WHERE clause from the conditions that apply (None ones are left out)."""
    used = [c for c in conditions if c is not None]
    return " AND ".join(sql for sql, _ in used) or "1 = 1", [arg for _, args in used for arg in args]


def _remediation(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "detail": json.loads(row["detail"] or "{}")}


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
