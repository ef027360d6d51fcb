"""What waits, for `agent status`: health checks not yet judged, leases held, failed runs not yet settled."""

from __future__ import annotations

import json
from typing import Any

from cicd_agent.model import Decision, HealthCheck, Lease, RunRef, Unsettled
from cicd_agent.store.base import StoreBase
from cicd_agent.store.rows import health_check_of


class PendingQueries(StoreBase):
    def pending_health_check_list(self) -> list[HealthCheck]:
        """Every health check without a verdict, the first due first."""
        rows = self.sql.rows(
            "SELECT * FROM health_checks WHERE outcome IS NULL OR outcome = '' ORDER BY due_at, remediation_id"
        )
        return [health_check_of(r) for r in rows]

    def leases(self, now: float) -> list[Lease]:
        """The claims and remediation leases held past `now`, the first to end first."""
        claims = self.sql.rows(
            "SELECT repo, branch, run_id, run_attempt, lease_until FROM failures"
            " WHERE decided = 0 AND lease_until > ? ORDER BY lease_until",
            [now],
        )
        works = self.sql.rows(
            "SELECT repo, branch, id, state, lease_until FROM remediations WHERE lease_until > ? ORDER BY lease_until",
            [now],
        )
        leases = [
            Lease("failure", c["repo"], c["branch"], f"run {c['run_id']}#{c['run_attempt']}", c["lease_until"])
            for c in claims
        ]
        leases += [
            Lease("remediation", w["repo"], w["branch"], f"remediation {w['id']} ({w['state']})", w["lease_until"])
            for w in works
        ]
        return sorted(leases, key=lambda lease: lease.until)

    def unsettled_failures(self) -> list[Unsettled]:
        """Failed runs claimed and not settled, each with its latest decision, the first seen first."""
        rows = self.sql.rows(
            "SELECT f.repo, f.branch, f.run_id, f.run_attempt, f.seen_at, f.lease_until, f.errors,"
            " d.at, d.decision, d.reason, d.signature, d.rule, d.detail, d.id AS decision_id"
            " FROM failures f LEFT JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions"
            " WHERE repo = f.repo AND run_id = f.run_id AND run_attempt = f.run_attempt)"
            " WHERE f.decided = 0 ORDER BY f.seen_at, f.id"
        )
        return [_unsettled(tuple(row.values())) for row in rows]


def _unsettled(row: tuple[Any, ...]) -> Unsettled:
    repo, branch, run_id, attempt, seen_at, lease_until, errors, at, decision, reason, signature, rule, detail, id_ = (
        row
    )
    run = RunRef(repo, run_id, attempt, branch)
    last = None
    if decision is not None:
        last = Decision(
            at,
            repo,
            decision,
            reason,
            branch=branch,
            run_id=run_id,
            run_attempt=attempt,
            signature=signature or "",
            rule=rule or "",
            detail=json.loads(detail or "{}"),
            id=id_,
        )
    return Unsettled(run, seen_at, lease_until or 0.0, errors or 0, last)
