"""The state store: one SQLite file through sqlite-utils. This package owns every SQL statement.

WAL mode and `BEGIN IMMEDIATE` transactions make it safe for several agent processes at once: a
read-modify-write (a breaker count, a claim, a lease) holds the write lock from its read to its commit.
Rows go in and come out as the model's dataclasses (`cicd_agent.model`), never as dicts. The plumbing is in
`base`, failed runs and decisions in `failures`, storms in `incidents`; the rest (remediations, intents, health
checks, snapshots, cursors, breakers) here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from cicd_agent.breaker import Breaker
from cicd_agent.errors import AgentError
from cicd_agent.model import (
    BreakerEvent,
    FailureKey,
    HealthCheck,
    HealthOutcome,
    Remediation,
    RemState,
    RunRef,
    Snapshot,
    Strategy,
)
from cicd_agent.store.base import RUN_KEY, WriteObserver, unusable, where_clause
from cicd_agent.store.failures import MAX_HANDLING_ERRORS, FailureQueries
from cicd_agent.store.incidents import IncidentQueries
from cicd_agent.store.pending import PendingQueries
from cicd_agent.store.responses import ResponseQueries
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

__all__ = ["MAX_HANDLING_ERRORS", "Store", "StoredBreaker", "WriteObserver", "unusable"]

BreakerChange = Callable[[Breaker], tuple[Breaker, list[BreakerEvent]]]


class Store(FailureQueries, PendingQueries, IncidentQueries, ResponseQueries):
    """Typed queries over the state database."""

    # -- remediations ------------------------------------------------------------------------------------

    def create_remediation(self, rem: Remediation, *, lease_until: float = 0.0) -> Remediation:
        """Insert a new remediation (leased to its creator until `lease_until`); returns it with its id."""
        record = remediation_row(dataclasses.asdict(rem))
        record.pop("id")
        record["updated_at"] = rem.created_at
        record["detail"] = "{}"
        record["lease_until"] = lease_until
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
        where, args = where_clause(
            ("repo = ?", [repo]) if repo else None,
            ("repo = ? AND branch = ? AND signature = ?", [key.repo, key.branch, key.signature]) if key else None,
            (f"state IN ({', '.join('?' for _ in states)})", [str(s) for s in states]) if states else None,
            ("strategy = ?", [str(strategy)]) if strategy else None,
            ("created_at >= ?", [since]) if since is not None else None,
        )
        rows = self.db.table("remediations").rows_where(where, args, order_by="id")
        return [remediation_of(r) for r in rows]

    def lease_remediation(self, remediation_id: int, *, now: float, lease: float) -> bool:
        """Take a remediation to work on it for `lease` seconds; False while another cycle's lease holds."""
        with self.transaction():
            taken = self.db.execute(
                "UPDATE remediations SET lease_until = ? WHERE id = ? AND lease_until <= ?",
                [now + lease, remediation_id, now],
            ).rowcount
        if taken:
            self._wrote("store.lease", f"#{remediation_id}")
        return bool(taken)

    def release_remediations(
        self, *, ids: list[int] | None = None, run: RunRef | None = None, since: float = 0.0
    ) -> None:
        """End the leases on some remediations (by id, or those of a run created since `since`) once the work on
        them stopped."""
        if not ids and not run:
            return
        where, args = where_clause(
            (f"id IN ({', '.join('?' for _ in ids)})", list(ids)) if ids else None,
            (f"{RUN_KEY} AND created_at >= ?", [run.repo, run.run_id, run.attempt, since]) if run else None,
        )
        with self.transaction():
            self.db.execute(f"UPDATE remediations SET lease_until = 0 WHERE {where}", args)

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

    def intent_pending(self, remediation_id: int, action: str) -> bool:
        """Was this write started and never finished (the process was killed while making it)?"""
        row = self.db.execute(
            "SELECT COUNT(*) FROM intents WHERE remediation_id = ? AND action = ? AND status = 'pending'",
            [remediation_id, action],
        ).fetchone()
        return bool(row[0])

    def finish_intent(self, intent_id: int, *, now: float, status: str = "done") -> None:
        """The write was made ("done"), or GitHub answered it with an error ("failed")."""
        with self.transaction():
            self.db.table("intents").update(intent_id, {"status": status, "at": now})
        self._wrote("store.intent", f"intent {intent_id} {status}")

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

    def update_breaker(
        self, key: FailureKey, change: BreakerChange, *, now: float, once_for: int | None = None
    ) -> Breaker | None:
        """Read-modify-write one breaker under the write lock: `change` gets the breaker (a new CLOSED one when
        there is none) and returns the moved breaker and the events to append. Concurrent processes lose no
        update. With `once_for` (a remediation id) the change is an outcome of that remediation, applied once
        whatever the number of agents and retries: None when it was already applied."""
        with self.transaction():
            if once_for is not None:
                first = self.db.execute(
                    "INSERT OR IGNORE INTO breaker_outcomes (remediation_id, repo, branch, signature, at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [once_for, key.repo, key.branch, key.signature, now],
                ).rowcount
                if not first:
                    return None
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
        where, args = where_clause(("lower(repo) = lower(?)", [repo]) if repo else None)
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
