"""What is next and when, for `agent status` and the dashboard: the health checks due (when, which PR, what they
wait for) and the failed runs deferred (why, and when they are tried again). Plain values, read from the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cicd_agent.config.settings import Config
from cicd_agent.model import Decided, Lease, Remediation, RunRef, Strategy, Unsettled
from cicd_agent.store import MAX_HANDLING_ERRORS, Store


def awaited(rem: Remediation) -> str:
    """What a remediation's health check waits for (pure)."""
    if rem.strategy is Strategy.RERUN:
        return f"attempt {rem.run_attempt + 1} of run {rem.run_id} to complete"
    checks = rem.failed_workflow or "the failed workflow"
    jobs = f" ({', '.join(rem.failed_jobs)})" if rem.failed_jobs else ""
    where = f" on {rem.fix_branch}" if rem.fix_branch else ""
    return f"CI of {checks}{jobs}{where} to complete"


def health_checks(store: Store, now: float) -> list[dict[str, Any]]:
    """Every health check without a verdict, the first due first: when, for which PR, what it waits for."""
    found = []
    for check in store.pending_health_check_list():
        rem = store.remediation(check.remediation_id)
        if rem is None:
            continue
        found.append(
            {
                "remediation_id": rem.id,
                "repo": rem.repo,
                "branch": rem.branch,
                "strategy": str(rem.strategy),
                "state": str(rem.state),
                "pr_url": rem.pr_url,
                "pr_number": rem.pr_number,
                "due_at": check.due_at,
                "due_now": check.due_at <= now,
                "deadline": check.deadline,
                "measurements": check.attempts,
                "awaiting": awaited(rem),
            }
        )
    return found


def deferred(store: Store, left: list[RunRef], config: Config, now: float) -> list[dict[str, Any]]:
    """Failed runs waiting for a later cycle: why, and when they are tried again (`retry_at`, None for "the next
    cycle", which `waits_for` then says)."""
    found: list[dict[str, Any]] = []
    for item in store.unsettled_failures():
        last = item.last
        if item.lease_until > now and not held(item):
            continue  # being handled right now: a lease, listed with the leases
        if last is not None and last.decision == Decided.DEFERRED:
            retry = last.detail.get("retry_at")
            why = last.reason
            waits_for = str(last.detail.get("waits_for") or "") or (
                "the hourly PR bound" if retry else "an open fix PR of the agent's to end"
            )
        elif item.errors:
            retry, why = None, f"handling it ended in an error ({item.errors} of {MAX_HANDLING_ERRORS})"
            waits_for = "the next cycle"
        else:
            continue  # claimed and not decided: a killed cycle's, taken over when its lease ended
        found.append(_entry(item.run, why, retry, waits_for, last.signature if last else "", item.seen_at))
    limit = config.policy.max_failures_per_cycle
    for run in left:
        if not any(f["repo"] == run.repo and f["run_id"] == run.run_id for f in found):
            why = f"the cycle's budget (max_failures_per_cycle {limit}) was spent"
            found.append(_entry(run, why, None, "the next cycle", "", None))
    return found


def held(item: Unsettled) -> bool:
    """A failure held back until a time (a rate limit's wait): its lease is that time, not a cycle at work."""
    last = item.last
    return last is not None and last.decision == Decided.DEFERRED and bool(last.detail.get("waits_for"))


def leases(store: Store, now: float) -> list[Lease]:
    """The leases held past `now`, but not the failures held back until a time (listed as deferred)."""
    holds = {(u.run.repo, f"run {u.run.label}") for u in store.unsettled_failures() if held(u)}
    return [x for x in store.leases(now) if x.kind != "failure" or (x.repo, x.what) not in holds]


def _entry(run: RunRef, why: str, retry: object, waits_for: str, signature: str, seen: float | None) -> dict[str, Any]:
    return {
        "repo": run.repo,
        "branch": run.branch,
        "run_id": run.run_id,
        "run_attempt": run.attempt,
        "signature": signature,
        "reason": why,
        "retry_at": _epoch(retry),
        "waits_for": waits_for,
        "seen_at": seen,
    }


def _epoch(value: object) -> float | None:
    """A time kept in a decision's detail (ISO 8601) as epoch seconds."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None
