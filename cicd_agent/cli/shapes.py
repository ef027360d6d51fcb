"""The JSON every command prints with `--json`: one shape per thing, the same in every command.

Times are ISO 8601 in UTC (`2026-11-01T12:00:00Z`); what is missing is `null`, never `""` or `0`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cicd_agent.text import iso8601

if TYPE_CHECKING:
    from cicd_agent.analysis import Analysis
    from cicd_agent.model import BreakerEvent, Decision, FlakyTest, Snapshot
    from cicd_agent.remediation.breaker_service import BreakerView
    from cicd_agent.remediation.context import Report

Json = dict[str, Any]


iso = iso8601  # a time for --json: ISO 8601, UTC, to the second; None for "never"


def when(ts: float | None) -> str:
    """A time for people: UTC, to the minute ("-" for never)."""
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%MZ")


def nulls(value: Any) -> Any:
    """Empty strings (at any depth) become None: one way to say "missing"."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return {k: nulls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nulls(v) for v in value]
    return value


def decision(d: Decision) -> Json:
    by = d.detail.get("by")
    return {
        "at": iso(d.at),
        "repo": d.repo,
        "branch": d.branch or None,
        "run_id": d.run_id or None,
        "run_attempt": d.run_attempt or None,
        "signature": d.signature or None,
        "decision": str(d.decision),
        "rule": d.rule or None,
        "reason": d.reason or None,
        "by": str(by) if by else None,
        "detail": nulls({k: v for k, v in d.detail.items() if k != "by"}),
    }


def flaky_test(t: FlakyTest) -> Json:
    """One row of the flake ledger."""
    return {
        "repo": t.repo,
        "test": t.name,
        "flakes": t.flakes,
        "first_at": iso(t.first_at),
        "last_at": iso(t.last_at),
        "last_run_id": t.last_run_id or None,
        "last_signature": t.last_signature or None,
        "issue_url": t.issue_url or None,
    }


def pause(paused: dict[str, Any] | None) -> Json | None:
    """A pause (`operations.paused`): who, why, since when; null when not paused."""
    if not paused:
        return None
    return {"reason": paused.get("reason") or None, "by": paused.get("by") or None, "at": iso(paused.get("at"))}


def cycle_report(report: Report) -> Json:
    """A cycle's decisions; `paused` (null, or the pause it ran under) and `held` (the writes it held)."""
    return {
        "decisions": [decision(d) for d in report.decisions],
        "idle_repos": list(report.idle_repos),
        "deferred": report.deferred,
        "errors": list(report.errors),
        "paused": pause(report.paused),
        "held": report.held,
    }


def breaker_event(e: BreakerEvent) -> Json:
    return {
        "at": iso(e.at),
        "from_state": e.from_state,
        "to_state": e.to_state,
        "reason": e.reason or None,
        "by": e.actor or None,
        "remediation_id": e.remediation_id,
    }


def breaker(view: BreakerView, last: BreakerEvent | None = None) -> Json:
    return {
        "repo": view.repo,
        "branch": view.branch,
        "signature": view.signature,
        "state": view.state,
        "failures": view.failures,
        "opened_at": iso(view.opened_at),
        "half_open_at": iso(view.half_open_at),
        "last_failure_run": view.last_failure_run or None,
        "updated_at": iso(view.updated_at),
        "last_change": breaker_event(last) if last is not None else None,
    }


def snapshot(s: Snapshot, *, contents: bool = False) -> Json:
    shape: Json = {
        "id": s.id,
        "repo": s.repo,
        "branch": s.branch,
        "base_sha": s.base_sha,
        "created_at": iso(s.created_at),
        "files": sorted(s.files),
    }
    if contents:
        shape["contents"] = {path: s.files[path] for path in sorted(s.files)}  # null: the file did not exist
    return shape


def analysis(a: Analysis) -> Json:
    return {
        "failed": a.failed,
        "signature": a.signature or None,
        "category": a.category or None,
        "tool": a.tool or None,
        "failing_step": a.failing_step or None,
        "summary": a.summary,
        "exit_code": a.exit_code,
        "failed_tests": list(a.failed_tests),
        "rate_limited": a.rate_limited,
        "retry_after": a.retry_after,
        "template": a.template or None,
        "lines": a.lines,
        "excerpt": [{"line": e.line, "text": e.text} for e in a.excerpt],
    }


def storm(incident: dict[str, Any]) -> Json:
    """A storm incident (`operations.status`'s dict of a `model.Incident`)."""
    return {
        "signature": incident["signature"],
        "category": incident["category"] or None,
        "repos": list(incident["repos"]),
        "started_at": iso(incident["started_at"]),
        "last_seen_at": iso(incident["last_seen"]),
        "ended_at": iso(incident["ended_at"]),
        "issue_url": incident["issue_url"] or None,
    }


def _view(fields: dict[str, Any]) -> BreakerView:
    from cicd_agent.remediation.breaker_service import BreakerView

    return BreakerView(**fields)


def health_check_due(h: dict[str, Any]) -> Json:
    """A health check without a verdict (`outlook.health_checks`): when, which PR, what it waits for."""
    return {
        "remediation_id": h["remediation_id"],
        "repo": h["repo"],
        "branch": h["branch"],
        "strategy": h["strategy"],
        "state": h["state"],
        "pr_url": h["pr_url"] or None,
        "due_at": iso(h["due_at"]),
        "due_now": h["due_now"],
        "deadline": iso(h["deadline"]),
        "measurements": h["measurements"],
        "awaiting": h["awaiting"],
    }


def lease(held_lease: dict[str, Any]) -> Json:
    """Work a cycle holds (`model.Lease`)."""
    return {
        "kind": held_lease["kind"],
        "repo": held_lease["repo"],
        "branch": held_lease["branch"] or None,
        "what": held_lease["what"],
        "until": iso(held_lease["until"]),
    }


def deferred(d: dict[str, Any]) -> Json:
    """A failed run left for a later cycle (`outlook.deferred`); `retry_at` null means the next cycle."""
    return {
        "repo": d["repo"],
        "branch": d["branch"] or None,
        "run_id": d["run_id"],
        "run_attempt": d["run_attempt"],
        "signature": d["signature"] or None,
        "reason": d["reason"],
        "retry_at": iso(d["retry_at"]),
        "waits_for": d["waits_for"],
        "seen_at": iso(d["seen_at"]),
    }


def held(data: dict[str, Any]) -> Json:
    """What a pause held (`operations.held`): the writes, and the decisions they came from."""
    from cicd_agent.model import Decision

    return {
        "writes": [
            {
                "kind": w["kind"],
                "target": w["target"],
                "detail": w.get("detail") or None,
                "first_at": iso(w.get("first_at")),
                "last_at": iso(w.get("last_at")),
                "times": w.get("times", 1),
            }
            for w in data["writes"]
        ],
        "decisions": [decision(Decision(**d)) for d in data["decisions"]],
    }


def status(data: dict[str, Any], *, state_db: str) -> Json:
    """`operations.status` as JSON: epoch times become ISO, the pause and the last cycle become objects or null.
    The same shape with zeros and empty lists when there is no state yet."""
    paused = data["paused"]
    last = data["last_cycle"]
    found = data.get("discovery")
    return {
        "state_db": state_db,
        "paused": pause(paused),
        "held": held(data["held"]),
        "failures_seen": data["failures_seen"],
        "duplicates": data["duplicates"],
        "remediations": data["remediations"],
        "breakers": data["breakers"],
        "open_breakers": [breaker(_view(b)) for b in data["open_breakers"]],
        "pending_health_checks": data["pending_health_checks"],
        "health_checks": [health_check_due(h) for h in data["health_checks"]],
        "leases": [lease(x) for x in data["leases"]],
        "deferred": [deferred(d) for d in data["deferred"]],
        "storms": [storm(i) for i in data["storms"]],
        "storms_ended": data["storms_ended"],
        "hosts": [
            {
                "id": h["id"],
                "hostname": h["hostname"],
                "pid": h["pid"],
                "started_at": iso(h["started_at"]),
                "seen_at": iso(h["seen_at"]),
            }
            for h in data["hosts"]
        ],
        "budget": list(data["budget"]),
        "flaky_tests": [flaky_test(t) for t in data["flaky_tests"]],
        "last_cycle": None
        if not last
        else {
            "at": iso(last.get("at")),
            "duration_seconds": round(float(last.get("duration", 0.0)), 3),
            "decisions": last.get("decisions"),
            "errors": last.get("errors"),
            "health_only": bool(last.get("health_only")),
        },
        "discovery": None
        if not found
        else {
            "at": iso(found.get("at")),
            "source": found.get("source"),
            "listed": found.get("listed"),
            "watched": found.get("watched"),
            "skipped": found.get("skipped") or {},
        },
    }
