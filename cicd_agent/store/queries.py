"""The state store's typed queries, written once for both backends (`store.backend`). This package owns every
SQL statement.

A read-modify-write (a breaker count, a claim, a lease) is one transaction: SQLite locks the file for it, and
on PostgreSQL it locks the rows it reads (`FOR UPDATE`; claims skip rows another host holds). Rows go in and
come out as the model's dataclasses (`cicd_agent.model`), never as dicts. The plumbing is in `base`, failed
runs and decisions in `failures`, storms in `incidents`, the flake ledger in `flakes`; the rest (remediations,
intents, health checks, snapshots, cursors, breakers) here.
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
from cicd_agent.store.base import RUN_KEY, WriteObserver, where_clause
from cicd_agent.store.deliveries import DeliveryQueries
from cicd_agent.store.failures import MAX_HANDLING_ERRORS, FailureQueries
from cicd_agent.store.flakes import FlakeQueries
from cicd_agent.store.fleet import FleetQueries
from cicd_agent.store.incidents import IncidentQueries
from cicd_agent.store.pending import PendingQueries
from cicd_agent.store.responses import ResponseQueries
from cicd_agent.store.rows import (
    REMEDIATION_FIELDS,
    StoredBreaker,
    breaker_of,
    health_check_of,
    key_columns,
    key_values,
    remediation_of,
    remediation_row,
    snapshot_of,
)

__all__ = ["MAX_HANDLING_ERRORS", "Store", "StoredBreaker", "WriteObserver"]

BREAKER_KEY = "repo = ? AND branch = ? AND signature = ?"
BreakerChange = Callable[[Breaker], tuple[Breaker, list[BreakerEvent]]]


class Store(
    FailureQueries, PendingQueries, DeliveryQueries, IncidentQueries, ResponseQueries, FleetQueries, FlakeQueries
):
    """Typed queries over the state database."""

    # -- remediations ------------------------------------------------------------------------------------

    def create_remediation(self, rem: Remediation, *, lease_until: float = 0.0) -> Remediation:
        """Insert a new remediation (leased to its creator until `lease_until`); returns it with its id."""
        record = remediation_row(dataclasses.asdict(rem))
        record.pop("id")
        record["updated_at"] = rem.created_at
        record["detail"] = "{}"
        record["lease_until"] = lease_until
        record["leased_by"] = self.owner if lease_until else ""
        with self.transaction():
            new_id = self.sql.add("remediations", record)
        self._wrote("store.remediation", f"{rem.repo} {rem.strategy} -> {rem.state}")
        return dataclasses.replace(rem, id=new_id, updated_at=rem.created_at)

    def update_remediation(self, remediation_id: int, *, now: float, **fields: Any) -> Remediation:
        """Change some fields (names of `Remediation` fields; a typo raises). Returns the new row."""
        unknown = set(fields) - REMEDIATION_FIELDS
        if unknown:
            raise TypeError(f"not remediation fields: {', '.join(sorted(unknown))}")
        with self.transaction():
            self.sql.update("remediations", {"id": remediation_id}, {**remediation_row(fields), "updated_at": now})
            updated = self.remediation(remediation_id)
        if updated is None:
            raise AgentError(f"remediation {remediation_id} is not in the state database")
        self._wrote("store.remediation", f"#{remediation_id} {fields.get('state', '')}".strip())
        return updated

    def remediation(self, remediation_id: int) -> Remediation | None:
        row = self.sql.one("SELECT * FROM remediations WHERE id = ?", [remediation_id])
        return remediation_of(row) if row else None

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
        return [remediation_of(r) for r in self.sql.rows(f"SELECT * FROM remediations WHERE {where} ORDER BY id", args)]

    def lease_remediation(self, remediation_id: int, *, now: float, lease: float) -> bool:
        """Take a remediation to work on it for `lease` seconds; False while another cycle's lease holds (or
        another host is taking it right now: its row is skipped, not waited for)."""
        with self.transaction():
            free = self.sql.one(
                f"SELECT id FROM remediations WHERE id = ? AND lease_until <= ?{self.sql.skip_locked}",
                [remediation_id, now],
            )
            taken = free is not None and self.sql.update(
                "remediations", {"id": remediation_id}, {"lease_until": now + lease, "leased_by": self.owner}
            )
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
            self.sql.execute(f"UPDATE remediations SET lease_until = 0 WHERE {where}", args)

    def remediation_counts(self) -> dict[str, int]:
        rows = self.sql.rows("SELECT state, COUNT(*) AS n FROM remediations GROUP BY state ORDER BY state")
        return {str(row["state"]): int(row["n"]) for row in rows}

    def add_intent(self, remediation_id: int, action: str, target: str, *, now: float) -> int:
        """Recorded before a write; `finish_intent` after it. A crash leaves the intent pending."""
        with self.transaction():
            intent_id = self.sql.add(
                "intents",
                {"remediation_id": remediation_id, "action": action, "target": target, "status": "pending", "at": now},
            )
        self._wrote("store.intent", f"#{remediation_id} {action} {target}")
        return intent_id

    def intent_pending(self, remediation_id: int, action: str) -> bool:
        """Was this write started and never finished (the process was killed while making it)?"""
        pending = self.sql.value(
            "SELECT COUNT(*) AS n FROM intents WHERE remediation_id = ? AND action = ? AND status = 'pending'",
            [remediation_id, action],
        )
        return bool(pending)

    def finish_intent(self, intent_id: int, *, now: float, status: str = "done") -> None:
        """The write was made ("done"), or GitHub answered it with an error ("failed")."""
        with self.transaction():
            self.sql.update("intents", {"id": intent_id}, {"status": status, "at": now})
        self._wrote("store.intent", f"intent {intent_id} {status}")

    # -- health checks -----------------------------------------------------------------------------------

    def schedule_health_check(self, remediation_id: int, *, due_at: float, deadline: float, now: float) -> None:
        with self.transaction():
            self.sql.upsert(
                "health_checks",
                [
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
                    }
                ],
                pk=("remediation_id",),
            )
        self._wrote("store.health_check", f"#{remediation_id} due {due_at:.0f}")

    def due_health_checks(self, now: float) -> list[HealthCheck]:
        rows = self.sql.rows(
            "SELECT * FROM health_checks WHERE (outcome IS NULL OR outcome = '') AND due_at <= ?"
            " ORDER BY due_at, remediation_id",
            [now],
        )
        return [health_check_of(r) for r in rows]

    def health_check(self, remediation_id: int) -> HealthCheck | None:
        row = self.sql.one("SELECT * FROM health_checks WHERE remediation_id = ?", [remediation_id])
        return health_check_of(row) if row else None

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
            self.sql.update(
                "health_checks",
                {"remediation_id": remediation_id},
                {**{k: v for k, v in changes.items() if v is not None}, "updated_at": now},
            )
        self._wrote("store.health_check", f"#{remediation_id} {outcome or ''}".strip())

    def pending_health_checks(self) -> int:
        return int(self.sql.value("SELECT COUNT(*) AS n FROM health_checks WHERE outcome IS NULL OR outcome = ''"))

    # -- snapshots and cursors ---------------------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot) -> None:
        row = {**dataclasses.asdict(snapshot), "files": json.dumps(snapshot.files, sort_keys=True)}
        with self.transaction():
            self.sql.upsert("snapshots", [row], pk=("id",))
        self._wrote("store.snapshot", f"{snapshot.id} {snapshot.repo}")

    def snapshot(self, snapshot_id: str) -> Snapshot | None:
        row = self.sql.one("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])
        return snapshot_of(row) if row else None

    def snapshots(self) -> list[Snapshot]:
        return [snapshot_of(r) for r in self.sql.rows("SELECT * FROM snapshots ORDER BY created_at, id")]

    def delete_snapshot(self, snapshot_id: str) -> None:
        with self.transaction():
            self.sql.execute("DELETE FROM snapshots WHERE id = ?", [snapshot_id])
        self._wrote("store.snapshot_delete", snapshot_id)

    def cursors(self) -> dict[str, tuple[str, str]]:
        """Every repository's (etag, since) of its last complete poll, in one read."""
        return {r["repo"]: (r["etag"], r["since"]) for r in self.sql.rows("SELECT repo, etag, since FROM cursors")}

    def set_cursors(self, cursors: list[tuple[str, str, str]], *, now: float) -> None:
        """(repo, etag, since) of every repository polled completely this cycle: one transaction (one sync to
        disk) for the whole fleet, not one per repository."""
        if not cursors:
            return
        rows = [{"repo": repo, "etag": etag, "since": since, "updated_at": now} for repo, etag, since in cursors]
        with self.transaction():
            self.sql.upsert("cursors", rows, pk=("repo",))
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
                outcome = {"remediation_id": once_for, **key_columns(key), "at": now}
                if not self.sql.insert("breaker_outcomes", outcome, ignore=True):
                    return None
            current = self._locked_breaker(key)
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
            self.sql.upsert("breakers", [record], pk=("repo", "branch", "signature"))
            for event in events:
                self.sql.add("breaker_events", {**dataclasses.asdict(event), **key_columns(key), "at": now})
        self._wrote("store.breaker", f"{key.short()} -> {moved.state}")
        return moved

    def _locked_breaker(self, key: FailureKey) -> StoredBreaker | None:
        """The breaker, its row locked until the transaction ends (a new one is made first, CLOSED, so that two
        hosts changing the same new breaker take turns; the transaction always writes it back)."""
        if self.sql.shared:
            self.sql.insert("breakers", {**key_columns(key), "state": "CLOSED", "failures": 0}, ignore=True)
        row = self.sql.one(f"SELECT * FROM breakers WHERE {BREAKER_KEY}{self.sql.for_update}", key_values(key))
        return breaker_of(row) if row and row["updated_at"] is not None else None

    def get_breaker(self, key: FailureKey) -> StoredBreaker | None:
        row = self.sql.one(f"SELECT * FROM breakers WHERE {BREAKER_KEY}", key_values(key))
        return breaker_of(row) if row else None

    def breakers(self, *, repo: str | None = None) -> list[StoredBreaker]:
        where, args = where_clause(("lower(repo) = lower(?)", [repo]) if repo else None)
        rows = self.sql.rows(f"SELECT * FROM breakers WHERE {where} ORDER BY repo, branch, signature", args)
        return [breaker_of(r) for r in rows]

    def unannounced_openings(self) -> list[StoredBreaker]:
        """OPEN breakers whose current opening nobody was told of on GitHub yet."""
        rows = self.sql.rows(
            "SELECT * FROM breakers WHERE state = 'OPEN' AND opened_at IS NOT NULL"
            " AND (announced_at IS NULL OR announced_at != opened_at) ORDER BY repo, branch, signature"
        )
        return [breaker_of(r) for r in rows]

    def mark_announced(self, key: FailureKey, opened_at: float) -> None:
        with self.transaction():
            self.sql.execute(f"UPDATE breakers SET announced_at = ? WHERE {BREAKER_KEY}", [opened_at, *key_values(key)])
        self._wrote("store.breaker", f"{key.short()} opening announced")

    def breaker_events(self, key: FailureKey) -> list[BreakerEvent]:
        rows = self.sql.rows(f"SELECT * FROM breaker_events WHERE {BREAKER_KEY} ORDER BY at, id", key_values(key))
        return [
            BreakerEvent(r["at"], r["from_state"], r["to_state"], r["reason"], r["actor"] or "", r["remediation_id"])
            for r in rows
        ]
