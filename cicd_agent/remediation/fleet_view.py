"""What the dashboards show, as plain values read from the store: the fleet (its repositories, open
remediations, breakers by state, health checks due, storms, flaky tests) and, for one remediation, its timeline
(the failure, the decisions, the pull request or issue, the health checks, the outcome, each with its link).
The page (`modes/dashboard`) and the dashboard issue on GitHub (`remediation/dashboard_issue`) render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cicd_agent.breaker import State
from cicd_agent.model import ACTIVE, HealthCheck, Incident, Remediation, RemState, Strategy
from cicd_agent.remediation import operations, outlook
from cicd_agent.remediation.breaker_service import Breakers, BreakerView
from cicd_agent.store import Store

OPEN_STATES = (State.OPEN, State.HALF_OPEN, State.FORCED_OPEN)
RECENT = 20  # ended remediations shown


@dataclass(frozen=True)
class RepoRow:
    repo: str
    branches: tuple[str, ...]
    open_remediations: int
    open_breakers: int
    health_checks: int
    last_failure: float | None


@dataclass(frozen=True)
class Fleet:
    at: float
    repos: list[RepoRow]
    open_remediations: list[Remediation]
    recent: list[Remediation]  # ended ones, newest first
    breakers: dict[str, int]  # every state, zeros too
    open_breakers: list[BreakerView]
    health_checks: list[dict[str, Any]]  # `outlook.health_checks`
    storms: list[Incident]
    paused: dict[str, Any] | None
    held_writes: int
    last_cycle: dict[str, Any] | None
    flaky: list[dict[str, Any]] = field(default_factory=list)  # the flake ledger's (issue 22) when it keeps one


def fleet(breakers: Breakers, now: float, *, repo: str | None = None) -> Fleet:
    """The fleet as of `now` (one repository's part of it with `repo`)."""
    store, config = breakers.store, breakers.config
    status = operations.status(breakers, now)
    mine = (lambda name: name.lower() == repo.lower()) if repo else (lambda name: True)
    rems = [r for r in store.remediations() if mine(r.repo)]
    views = [v for v in breakers.views(now) if mine(v.repo)]
    checks = [h for h in status["health_checks"] if mine(h["repo"])]
    names = sorted({r.name for r in config.repos if mine(r.name)} | {r.repo for r in rems} | {v.repo for v in views})
    seen = _last_failures(store)
    rows = [
        RepoRow(
            name,
            tuple(config.repo(name).branches),
            sum(1 for r in rems if r.repo == name and r.state in ACTIVE),
            sum(1 for v in views if v.repo == name and v.state in OPEN_STATES),
            sum(1 for h in checks if h["repo"] == name),
            seen.get(name.lower()),
        )
        for name in names
    ]
    ended = sorted((r for r in rems if r.state not in ACTIVE), key=lambda r: r.updated_at, reverse=True)
    return Fleet(
        at=now,
        repos=rows,
        open_remediations=[r for r in rems if r.state in ACTIVE],
        recent=ended[:RECENT],
        breakers={str(s): sum(1 for v in views if v.state == s) for s in State},
        open_breakers=[v for v in views if v.state in OPEN_STATES],
        health_checks=checks,
        storms=[i for i in store.incidents(active=True) if repo is None or any(mine(r) for r in i.repos)],
        paused=status["paused"],
        held_writes=len(status["held"]["writes"]),
        last_cycle=status["last_cycle"],
    )


def _last_failures(store: Store) -> dict[str, float]:
    return {d.repo.lower(): d.at for d in store.decisions() if d.run_id}


@dataclass(frozen=True)
class Event:
    """One moment of a remediation's life."""

    at: float
    kind: str  # failure, decision, pull_request, issue, health_check, outcome
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class Timeline:
    remediation: Remediation
    events: list[Event]
    health: HealthCheck | None


def web_url(api_url: str) -> str:
    """Where people browse the repositories the API at `api_url` serves (github.com, GHES, the sandbox)."""
    base = api_url.rstrip("/")
    if base == "https://api.github.com":
        return "https://github.com"
    return base.removesuffix("/api/v3")


def run_url(web: str, rem: Remediation) -> str:
    return f"{web}/{rem.repo}/actions/runs/{rem.run_id}/attempts/{rem.run_attempt}"


def timeline(store: Store, remediation_id: int, web: str) -> Timeline | None:
    """Remediation `remediation_id`'s timeline, oldest first; None when there is no such remediation."""
    rem = store.remediation(remediation_id)
    if rem is None:
        return None
    decisions = [
        d for d in store.decisions(repo=rem.repo) if (d.run_id, d.run_attempt) == (rem.run_id, rem.run_attempt)
    ]
    category = next((str(d.detail["category"]) for d in decisions if d.detail.get("category")), "")
    failed_at = min([rem.created_at, *(d.at for d in decisions)])
    what = " ".join(x for x in (category, rem.signature[:12]) if x)
    events = [Event(failed_at, "failure", f"run {rem.run.label} failed on {rem.branch}", what, run_url(web, rem))]
    for d in decisions:
        link = str(d.detail.get("pr") or d.detail.get("issue") or "")
        events.append(Event(d.at, "decision", str(d.decision), d.reason, link))
    if rem.pr_number and rem.pr_url:
        kind = "pull_request" if rem.strategy is Strategy.FIX else "issue"
        noun = "pull request" if kind == "pull_request" else "issue"
        draft = " (a draft, waiting for approval)" if rem.draft else ""
        events.append(Event(rem.created_at, kind, f"{noun} #{rem.pr_number} opened{draft}", rem.title, rem.pr_url))
    check = store.health_check(rem.id)
    if check is not None:
        measured = f"{check.attempts} measurement(s), {check.failures} failed, {check.inconclusives} inconclusive"
        events.append(
            Event(check.due_at, "health_check", "health check due", f"{measured}; waits for {outlook.awaited(rem)}")
        )
        if check.outcome is not None:
            events.append(Event(check.updated_at, "health_check", f"health check: {check.outcome}", measured))
    if rem.state not in ACTIVE:
        detail = rem.rollback_reason or rem.error
        events.append(
            Event(rem.updated_at, "outcome", _OUTCOMES.get(rem.state, str(rem.state)), detail, rem.revert_url)
        )
    return Timeline(rem, sorted(events, key=lambda e: e.at), check)


_OUTCOMES = {
    RemState.HEALTHY: "healthy: the fix's CI passed",
    RemState.MERGED: "merged",
    RemState.ROLLED_BACK: "rolled back",
    RemState.REJECTED: "rejected by a person",
    RemState.INCONCLUSIVE: "inconclusive: no verdict within max_wait",
    RemState.REPORTED: "reported to people",
}
