"""Failed runs and the decisions about them: a run is claimed for a lease, and handled once a decision that
settles it is recorded (in the same transaction), for good."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from cicd_agent.model import Claim, Decision, RunRef, settles
from cicd_agent.store.base import RUN_KEY, StoreBase, where_clause

MAX_HANDLING_ERRORS = 3


class FailureQueries(StoreBase):
    def claim_failure(self, run: RunRef, *, now: float, lease: float, workflow: str = "", head_sha: str = "") -> Claim:
        """Claim a listed failed run for `lease` seconds. A run is handled once: after a decision about it is
        recorded (`record_decision`) it is DECIDED for good (a duplicate counted); a claim whose lease ran out
        without a decision (a killed cycle) is TAKEN_OVER; a live lease of another cycle is HELD."""
        key = [run.repo, run.run_id, run.attempt]
        with self.transaction():
            new = self.sql.insert(
                "failures",
                {
                    "repo": run.repo,
                    "branch": run.branch,
                    "run_id": run.run_id,
                    "run_attempt": run.attempt,
                    "workflow": workflow,
                    "head_sha": head_sha,
                    "signature": "",
                    "category": "",
                    "seen_at": now,
                    "duplicates": 0,
                    "decided": 0,
                    "lease_until": now + lease,
                    "leased_by": self.owner,
                },
                ignore=True,
            )
            # a row another host is claiming right now is skipped (PostgreSQL), not waited for: it holds it
            row = None if new else self.sql.one(f"SELECT * FROM failures WHERE {RUN_KEY}{self.sql.skip_locked}", key)
            if new:
                claim = Claim.NEW
            elif row is None or (not row["decided"] and row["lease_until"] > now):
                claim = Claim.HELD
            elif row["decided"]:
                self.sql.execute("UPDATE failures SET duplicates = duplicates + 1 WHERE id = ?", [row["id"]])
                claim = Claim.DECIDED
            else:
                self.sql.update("failures", {"id": row["id"]}, {"lease_until": now + lease, "leased_by": self.owner})
                claim = Claim.TAKEN_OVER
        if claim is not Claim.HELD:
            self._wrote("store.failure", f"{run.repo} run {run.label}")
        return claim

    def _failure(self, run: RunRef) -> dict[str, Any] | None:
        return self.sql.one(f"SELECT * FROM failures WHERE {RUN_KEY}", [run.repo, run.run_id, run.attempt])

    def failure_seen(self, run: RunRef) -> bool:
        """Whether this run attempt was claimed (decided, or held: a read, claims nothing)."""
        row = self.sql.one(
            f"SELECT 1 AS seen FROM failures WHERE {RUN_KEY} AND (decided = 1 OR lease_until > 0)",
            [run.repo, run.run_id, run.attempt],
        )
        return row is not None

    def decided(self, run: RunRef) -> bool:
        row = self._failure(run)
        return bool(row and row["decided"])

    def mark_decided(self, run: RunRef, *, now: float) -> None:
        """A run known to be handled (the Action mode learns it from GitHub)."""
        with self.transaction():
            if self._failure(run) is None:
                self.claim_failure(run, now=now, lease=0)
            self.sql.execute(
                f"UPDATE failures SET decided = 1, lease_until = 0 WHERE {RUN_KEY}",
                [run.repo, run.run_id, run.attempt],
            )

    def stop_renewing(self, run: RunRef) -> None:
        """The work on a claimed failure stopped without a decision and without giving it back (an unexpected
        error): the heartbeat no longer renews its lease, so it runs out and a later cycle takes it over."""
        self.sql.execute(
            f"UPDATE failures SET leased_by = '' WHERE {RUN_KEY} AND decided = 0 AND leased_by = ?",
            [run.repo, run.run_id, run.attempt, self.owner],
        )

    def release_failure(self, run: RunRef, *, error: bool = False) -> int:
        """Give a claimed failure back so a later cycle handles it again (deferred, or its handling failed:
        `error` counts toward MAX_HANDLING_ERRORS). Its repository's ETag is dropped, so the next poll lists the
        run again even when nothing else changed. Returns how many handling errors it has had."""
        key = [run.repo, run.run_id, run.attempt]
        with self.transaction():
            self.sql.execute(
                f"UPDATE failures SET decided = 0, lease_until = 0, errors = errors + ? WHERE {RUN_KEY}",
                [int(error), *key],
            )
            self.sql.execute("UPDATE cursors SET etag = '' WHERE repo = ?", [run.repo])
            errors = self.sql.value(f"SELECT errors FROM failures WHERE {RUN_KEY}", key)
        self._wrote("store.failure_release", f"{run.repo} run {run.label}")
        return int(errors or 0)

    def forget_failures(self, *, before: float) -> None:
        """Drop the claims of runs seen before `before` (the start of the polling window): such runs are never
        listed again, so nothing can come back as new."""
        with self.transaction():
            gone = self.sql.execute("DELETE FROM failures WHERE seen_at < ?", [before])
        if gone:
            self._wrote("store.failure_forget", f"{gone} run(s)")

    def failure_counts(self) -> dict[str, int]:
        row = self.sql.one("SELECT COUNT(*) AS seen, COALESCE(SUM(duplicates), 0) AS duplicates FROM failures")
        assert row is not None
        return {"failures_seen": int(row["seen"]), "duplicates": int(row["duplicates"])}

    # -- decisions: the audit trail -----------------------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        row = dataclasses.asdict(decision)
        row.pop("id")
        row["detail"] = json.dumps(row["detail"], sort_keys=True, default=str)
        with self.transaction():
            self.sql.add("decisions", row)
            if decision.run_id and settles(decision.decision):  # the failure is handled: its claim ends here
                self.sql.execute(
                    f"UPDATE failures SET decided = 1, lease_until = 0 WHERE {RUN_KEY}",
                    [decision.repo, decision.run_id, decision.run_attempt],
                )
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
        where, args = where_clause(
            ("repo = ?", [repo]) if repo else None,
            ("at >= ?", [since]) if since is not None else None,
            ("decision = ?", [decision]) if decision else None,
            ("signature LIKE ? ESCAPE '\\'", [_like_prefix(signature.lower())]) if signature else None,
        )
        rows = self.sql.rows(f"SELECT * FROM decisions WHERE {where} ORDER BY at, id", args)
        return [
            Decision(**{**row, "rule": row["rule"] or "", "detail": json.loads(row["detail"] or "{}")}) for row in rows
        ]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
