"""The state store: one SQLite file through sqlite-utils. This package owns every SQL statement.

WAL mode and `BEGIN IMMEDIATE` transactions make it safe for several agent processes at once: a
read-modify-write (a breaker count, a dedup claim) holds the write lock from its read to its commit.
Rows go in and come out as the model's dataclasses (`cicd_agent.model`), never as dicts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from cicd_agent.breaker import Breaker
from cicd_agent.errors import AgentError
from cicd_agent.model import (
    BreakerEvent,
    Decision,
    FailureKey,
    HealthCheck,
    HealthOutcome,
    Remediation,
    RemState,
    RunRef,
    Snapshot,
    Strategy,
)
from cicd_agent.store.incidents import IncidentQueries
from cicd_agent.store.rows import (
    REMEDIATION_FIELDS,
    StoredBreaker,
    breaker_of,
    health_check_of,
    key_columns,
    remediation_of,
    remediation_row,
    snapshot_of,
)
from cicd_agent.store.schema import MIGRATIONS

WriteObserver = Callable[[str, str], None]
MAX_HANDLING_ERRORS = 3
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


BreakerChange = Callable[[Breaker], tuple[Breaker, list[BreakerEvent]]]


class Store(IncidentQueries):
    """Typed queries over the state database. Every write reports itself to `on_write`."""

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
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise unusable(self.path, exc) from None
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

    # -- failures: dedup ----------------------------------------------------------------------------

    def claim_failure(
        self, run: RunRef, *, now: float, ttl: float, workflow: str = "", head_sha: str = "", signature: str = ""
    ) -> bool:
        """Record a failed run once. False (and a duplicate counted) when seen within `ttl`."""
        key = [run.repo, run.run_id, run.attempt]
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
                self.db.table("failures").insert(
                    {
                        "repo": run.repo,
                        "branch": run.branch,
                        "run_id": run.run_id,
                        "run_attempt": run.attempt,
                        "workflow": workflow,
                        "head_sha": head_sha,
                        "signature": signature,
                        "category": "",
                        "seen_at": now,
                        "duplicates": 0,
                    }
                )
                fresh = True
        self._wrote("store.failure", f"{run.repo} run {run.label}")
        return fresh

    def failure_seen(self, run: RunRef) -> bool:
        """Whether this run attempt was claimed and not given back (a read: claims nothing)."""
        row = self.db.execute(
            "SELECT 1 FROM failures WHERE repo = ? AND run_id = ? AND run_attempt = ? AND released = 0",
            [run.repo, run.run_id, run.attempt],
        ).fetchone()
        return row is not None

    def release_failure(self, run: RunRef, *, error: bool = False) -> int:
        """Give a claimed failure back so a later cycle handles it again: a deferred one is simply
        forgotten; one whose handling failed (`error`) is retried until MAX_HANDLING_ERRORS, then left.
        Returns how many handling errors it has had."""
        key = [run.repo, run.run_id, run.attempt]
        where = "repo = ? AND run_id = ? AND run_attempt = ?"
        with self.transaction():
            if error:
                self.db.execute(f"UPDATE failures SET released = 1, errors = errors + 1 WHERE {where}", key)
                row = self.db.execute(f"SELECT errors FROM failures WHERE {where}", key).fetchone()
            else:
                self.db.execute(f"DELETE FROM failures WHERE {where}", key)
                row = None
        self._wrote("store.failure_release", f"{run.repo} run {run.label}")
        return int(row[0]) if row else 0

    def failure_counts(self) -> dict[str, int]:
        row = self.db.execute("SELECT COUNT(*), COALESCE(SUM(duplicates), 0) FROM failures").fetchone()
        return {"failures_seen": int(row[0]), "duplicates": int(row[1])}

    # -- decisions: the audit trail -----------------------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        row = dataclasses.asdict(decision)
        row.pop("id")
        row["detail"] = json.dumps(row["detail"], sort_keys=True, default=str)
        with self.transaction():
            self.db.table("decisions").insert(row)
        self._wrote("store.decision", f"{decision.repo} {decision.decision}")

    def decisions(
        self,
        *,
        repo: str | None = None,
        since: float | None = None,
        decision: str | None = None,
        signature: str | None = None,
    ) -> list[Decision]:
        """The audit trail, oldest first; `signature` may be a prefix."""
        where, args = _where(
            ("repo = ?", [repo]) if repo else None,
            ("at >= ?", [since]) if since is not None else None,
            ("decision = ?", [decision]) if decision else None,
            ("signature LIKE ? ESCAPE '\\'", [_like_prefix(signature.lower())]) if signature else None,
        )
        rows = self.db.table("decisions").rows_where(where, args, order_by="at, id")
        return [
            Decision(**{**row, "rule": row["rule"] or "", "detail": json.loads(row["detail"] or "{}")}) for row in rows
        ]

    # -- remediations ------------------------------------------------------------------------------------

    def create_remediation(self, rem: Remediation) -> Remediation:
        """Insert a new remediation; returns it with its id."""
        record = remediation_row(dataclasses.asdict(rem))
        record.pop("id")
        record["updated_at"] = rem.created_at
        record["detail"] = "{}"
        with self.transaction():
            table = self.db.table("remediations")
            table.insert(record)
            new_id = int(table.last_pk or 0)
        self._wrote("store.remediation", f"{rem.repo} {rem.strategy} -> {rem.state}")
        return dataclasses.replace(rem, id=new_id, updated_at=rem.created_at)

    def update_remediation(self, remediation_id: int, *, now: float, **fields: Any) -> Remediation:
        """Change some fields (names of `Remediation` fields; a typo raises). Returns the new row."""
        unknown = set(fields) - REMEDIATION_FIELDS
        if unknown:
            raise TypeError(f"not remediation fields: {', '.join(sorted(unknown))}")
        with self.transaction():
            self.db.table("remediations").update(remediation_id, {**remediation_row(fields), "updated_at": now})
            updated = self.remediation(remediation_id)
        if updated is None:
            raise AgentError(f"remediation {remediation_id} is not in the state database")
        self._wrote("store.remediation", f"#{remediation_id} {fields.get('state', '')}".strip())
        return updated

    def remediation(self, remediation_id: int) -> Remediation | None:
        rows = list(self.db.table("remediations").rows_where("id = ?", [remediation_id]))
        return remediation_of(rows[0]) if rows else None

    def remediations(
        self,
        *,
        repo: str | None = None,
        states: tuple[RemState, ...] = (),
        key: FailureKey | None = None,
        strategy: Strategy | None = None,
        since: float | None = None,
    ) -> list[Remediation]:
        where, args = _where(
            ("repo = ?", [repo]) if repo else None,
            ("repo = ? AND branch = ? AND signature = ?", [key.repo, key.branch, key.signature]) if key else None,
            (f"state IN ({', '.join('?' for _ in states)})", [str(s) for s in states]) if states else None,
            ("strategy = ?", [str(strategy)]) if strategy else None,
            ("created_at >= ?", [since]) if since is not None else None,
        )
        rows = self.db.table("remediations").rows_where(where, args, order_by="id")
        return [remediation_of(r) for r in rows]

    def remediation_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM remediations GROUP BY state ORDER BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

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
                    "failures": 0,
                    "inconclusives": 0,
                    "errors": 0,
                },
                pk="remediation_id",
            )
        self._wrote("store.health_check", f"#{remediation_id} due {due_at:.0f}")

    def due_health_checks(self, now: float) -> list[HealthCheck]:
        rows = self.db.table("health_checks").rows_where(
            "(outcome IS NULL OR outcome = '') AND due_at <= ?", [now], order_by="due_at"
        )
        return [health_check_of(r) for r in rows]

    def health_check(self, remediation_id: int) -> HealthCheck | None:
        rows = list(self.db.table("health_checks").rows_where("remediation_id = ?", [remediation_id]))
        return health_check_of(rows[0]) if rows else None

    def update_health_check(
        self,
        remediation_id: int,
        *,
        now: float,
        outcome: HealthOutcome | None = None,
        due_at: float | None = None,
        attempts: int | None = None,
        failures: int | None = None,
        inconclusives: int | None = None,
        errors: int | None = None,
    ) -> None:
        changes = {
            "outcome": outcome,
            "due_at": due_at,
            "attempts": attempts,
            "failures": failures,
            "inconclusives": inconclusives,
            "errors": errors,
        }
        with self.transaction():
            self.db.table("health_checks").update(
                remediation_id, {**{k: v for k, v in changes.items() if v is not None}, "updated_at": now}
            )
        self._wrote("store.health_check", f"#{remediation_id} {outcome or ''}".strip())

    def pending_health_checks(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM health_checks WHERE outcome IS NULL OR outcome = ''").fetchone()
        return int(row[0])

    # -- snapshots and cursors ---------------------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot) -> None:
        row = {**dataclasses.asdict(snapshot), "files": json.dumps(snapshot.files, sort_keys=True)}
        with self.transaction():
            self.db.table("snapshots").upsert(row, pk="id")
        self._wrote("store.snapshot", f"{snapshot.id} {snapshot.repo}")

    def snapshot(self, snapshot_id: str) -> Snapshot | None:
        rows = list(self.db.table("snapshots").rows_where("id = ?", [snapshot_id]))
        return snapshot_of(rows[0]) if rows else None

    def snapshots(self) -> list[Snapshot]:
        return [snapshot_of(r) for r in self.db.table("snapshots").rows_where(order_by="created_at")]

    def delete_snapshot(self, snapshot_id: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM snapshots WHERE id = ?", [snapshot_id])
        self._wrote("store.snapshot_delete", snapshot_id)

    def cursors(self) -> dict[str, tuple[str, str]]:
        """Every repository's (etag, since) of its last complete poll, in one read."""
        return {r["repo"]: (r["etag"], r["since"]) for r in self.db.table("cursors").rows}

    def set_cursors(self, cursors: list[tuple[str, str, str]], *, now: float) -> None:
        """(repo, etag, since) of every repository polled completely this cycle: one transaction (one sync to
        disk) for the whole fleet, not one per repository."""
        if not cursors:
            return
        rows = [{"repo": repo, "etag": etag, "since": since, "updated_at": now} for repo, etag, since in cursors]
        with self.transaction():
            self.db.table("cursors").upsert_all(rows, pk="repo")
        self._wrote(
            "store.cursor", ", ".join(repo for repo, _, _ in cursors[:3]) + (" ..." if len(cursors) > 3 else "")
        )

    # -- breakers -----------------------------------------------------------------------------------

    def update_breaker(self, key: FailureKey, change: BreakerChange, *, now: float) -> Breaker:
        """Read-modify-write one breaker under the write lock: `change` gets the breaker (a new CLOSED one when
        there is none) and returns the moved breaker and the events to append. Concurrent processes lose no
        update."""
        with self.transaction():
            current = self.get_breaker(key)
            moved, events = change(current.breaker if current else Breaker())
            record = {
                "state": str(moved.state),
                "failures": moved.failures,
                "opened_at": moved.opened_at,
                "last_failure_run": moved.last_failure_run,
                "trial_in_flight": int(moved.trial_in_flight),
                **key_columns(key),
                "updated_at": now,
            }
            self.db.table("breakers").upsert(record, pk=("repo", "branch", "signature"))
            for event in events:
                self.db.table("breaker_events").insert({**dataclasses.asdict(event), **key_columns(key), "at": now})
        self._wrote("store.breaker", f"{key.short()} -> {moved.state}")
        return moved

    def get_breaker(self, key: FailureKey) -> StoredBreaker | None:
        rows = list(
            self.db.table("breakers").rows_where(
                "repo = ? AND branch = ? AND signature = ?", [key.repo, key.branch, key.signature]
            )
        )
        return breaker_of(rows[0]) if rows else None

    def breakers(self, *, repo: str | None = None) -> list[StoredBreaker]:
        where, args = _where(("lower(repo) = lower(?)", [repo]) if repo else None)
        return [
            breaker_of(r) for r in self.db.table("breakers").rows_where(where, args, order_by="repo, branch, signature")
        ]

    def unannounced_openings(self) -> list[StoredBreaker]:
        """OPEN breakers whose current opening nobody was told of on GitHub yet."""
        rows = self.db.table("breakers").rows_where(
            "state = 'OPEN' AND opened_at IS NOT NULL AND (announced_at IS NULL OR announced_at != opened_at)",
            order_by="repo, branch, signature",
        )
        return [breaker_of(r) for r in rows]

    def mark_announced(self, key: FailureKey, opened_at: float) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE breakers SET announced_at = ? WHERE repo = ? AND branch = ? AND signature = ?",
                [opened_at, key.repo, key.branch, key.signature],
            )
        self._wrote("store.breaker", f"{key.short()} opening announced")

    def breaker_events(self, key: FailureKey) -> list[BreakerEvent]:
        rows = self.db.table("breaker_events").rows_where(
            "repo = ? AND branch = ? AND signature = ?", [key.repo, key.branch, key.signature], order_by="at, id"
        )
        return [
            BreakerEvent(r["at"], r["from_state"], r["to_state"], r["reason"], r["actor"] or "", r["remediation_id"])
            for r in rows
        ]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(*conditions: tuple[str, list[Any]] | None) -> tuple[str, list[Any]]:
    """A WHERE clause from the conditions that apply (None ones are left out)."""
    used = [c for c in conditions if c is not None]
    return " AND ".join(sql for sql, _ in used) or "1 = 1", [arg for _, args in used for arg in args]
