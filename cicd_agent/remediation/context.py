"""What every stage of the loop is handed: the ports (config, GitHub, effects, store, git workspaces, clock),
the cycle's report, and the few writes every stage makes the same way (a decision, a health check, a
breaker outcome)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cicd_agent.config.settings import Config
from cicd_agent.effects.gateway import Effects
from cicd_agent.errors import AgentError
from cicd_agent.fixers.action_versions import ActionVersions
from cicd_agent.fixers.package_index import PackageIndex
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.gitops import Workspaces
from cicd_agent.github.pool import Pool
from cicd_agent.model import Decided, Decision, HealthOutcome, Remediation, RemState, RunRef, Strategy
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.remediation.explain import Explained
from cicd_agent.store import Store
from cicd_agent.text import read_metadata


@dataclass
class Ports:
    config: Config
    github: GitHubClient
    effects: Effects
    store: Store
    workspaces: Workspaces
    snapshot_dir: Path
    now: Callable[[], float]
    echo: Callable[[str], None] = lambda message: None
    stopping: Callable[[], bool] = lambda: False  # a watcher asked to stop: finish the current failure, then end
    versions: ActionVersions | None = None  # latest action releases for the deprecated-action fixer
    index: PackageIndex | None = None  # verifies distribution names for the missing-dependency fixer
    sleep: Callable[[float], None] = time.sleep

    @functools.cached_property
    def breakers(self) -> Breakers:
        return Breakers(self.store, self.config, self.effects)

    @functools.cached_property
    def pool(self) -> Pool:
        """The polling pool; it lives as long as the ports, so a size shrunk by GitHub carries to later cycles."""
        return Pool(self.config.github.poll_concurrency)

    @property
    def lease(self) -> float:
        """How long a claim holds (`state.lease`) before another cycle may take the work over."""
        return float(self.config.state.lease)


@dataclass
class Report:
    """What one cycle did, for the CLI and `--json`."""

    decisions: list[Decision] = field(default_factory=list)
    idle_repos: list[str] = field(default_factory=list)
    deferred: int = 0
    left: list[RunRef] = field(default_factory=list)  # failures left for the next cycle by its budget
    errors: list[str] = field(default_factory=list)
    paused: dict[str, Any] | None = None  # the pause this cycle ran under (its writes were held)
    held: int = 0  # the writes it held
    explained: dict[int, Explained] = field(default_factory=dict)  # run id -> its analysis, for summaries
    surveyed: dict[RunRef, Explained] = field(default_factory=dict)  # explained before deciding (storms.survey)
    unexplained: dict[RunRef, AgentError] = field(default_factory=dict)  # why the survey could not (not asked again)

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": [d.to_json() for d in self.decisions],
            "idle_repos": self.idle_repos,
            "deferred": self.deferred,
            "errors": self.errors,
            "paused": self.paused,
            "held": self.held,
        }

    def error(self, p: Ports, message: str) -> None:
        """An error of this cycle: kept for the report, which prints it (once) when the cycle ends."""
        self.errors.append(message)


def record(
    p: Ports,
    report: Report,
    run: RunRef,
    decision: Decided,
    reason: str,
    *,
    signature: str = "",
    rule: str = "",
    **detail: Any,
) -> None:
    """One decision: into the audit trail, the cycle's report, and the log. A failure explained without its log
    says so in the decision's detail."""
    explained = report.explained.get(run.run_id)
    if explained is not None and explained.log_missing:
        detail.setdefault("log", f"unavailable: {explained.log_note}")
    entry = Decision(
        p.now(),
        run.repo,
        decision,
        reason,
        branch=run.branch,
        run_id=run.run_id,
        run_attempt=run.attempt,
        signature=signature,
        rule=rule,
        detail=detail,
    )
    p.store.record_decision(entry)
    report.decisions.append(entry)
    p.echo(f"{run.repo} run {run.label} ({run.branch}): {decision}{f' [{rule}]' if rule else ''}: {reason}")


def record_for(p: Ports, report: Report, rem: Remediation, decision: Decided, reason: str) -> None:
    """A decision about a remediation (its health, its rollback, its recovery)."""
    link = {"pr" if rem.strategy is Strategy.FIX else "issue": rem.pr_url} if rem.pr_url else {}
    record(p, report, rem.run, decision, reason, signature=rem.signature, rule=rem.rule, **link)


def schedule_health_check(p: Ports, remediation_id: int) -> None:
    now = p.now()
    p.store.schedule_health_check(
        remediation_id, due_at=now + p.config.health.delay, deadline=now + p.config.health.max_wait, now=now
    )


def conclude(
    p: Ports,
    rem: Remediation,
    state: RemState,
    *,
    outcome: HealthOutcome | None,
    success: bool | None,
    decision: tuple[Report, Decided, str] | None = None,
    **fields: Any,
) -> Remediation:
    """A remediation's end in one transaction: its state, its health check's outcome, its breaker outcome and the
    decision, so a kill never leaves one without the others and a second agent on the same state counts nothing
    twice. Breaker openings are announced after the commit."""
    now = p.now()
    with p.store.transaction():
        done = p.store.update_remediation(rem.id, state=state, now=now, **fields)
        check = p.store.health_check(rem.id)
        if outcome is not None and check is not None and check.outcome is None:  # a judged one keeps its verdict
            p.store.update_health_check(rem.id, outcome=outcome, now=now)
        transitions = p.breakers.outcome(
            rem.key, success=success, now=now, run=rem.run.label if success is False else "", remediation_id=rem.id
        )
        if decision is not None:
            report, decided, reason = decision
            record_for(p, report, rem, decided, reason)
    p.breakers.announce(rem.key, transitions or [])
    return done


@contextlib.contextmanager
def working_on(p: Ports, rem: Remediation, states: tuple[RemState, ...]) -> Iterator[Remediation | None]:
    """Lease a remediation while a stage works on it: yields it as it is now, or None when another cycle holds it
    or has moved it out of `states` meanwhile. The lease ends with the work; when the process is killed it runs
    out instead, and a later cycle takes the remediation over."""
    if not p.store.lease_remediation(rem.id, now=p.now(), lease=p.lease):
        yield None
        return
    try:
        current = p.store.remediation(rem.id)
        yield current if current is not None and current.state in states else None
    finally:
        p.store.release_remediations(ids=[rem.id])


def start_remediation(
    p: Ports, run: RunRef, signature: str, rule: str, strategy: Strategy, **fields: Any
) -> Remediation:
    """Record a remediation as planned, before anything of it reaches GitHub; leased to this cycle, so no other
    one recovers it while it is being made."""
    return p.store.create_remediation(
        Remediation(
            repo=run.repo,
            branch=run.branch,
            signature=signature,
            strategy=strategy,
            state=RemState.PLANNED,
            run_id=run.run_id,
            run_attempt=run.attempt,
            created_at=p.now(),
            rule=rule,
            **fields,
        ),
        lease_until=p.now() + p.lease,
    )


def said_before(p: Ports, rem: Remediation, kind: str, **same: Any) -> bool:
    """Did the agent already comment this kind of thing on the PR (with these metadata values)? A retry after a
    crash must not say it twice."""
    said = (c for c in p.github.comments(rem.repo, rem.pr_number) if p.github.wrote(c.author))
    for comment in said:
        meta = read_metadata(comment.body) or {}
        if meta.get("kind") == kind and all(meta.get(k) == v for k, v in same.items()):
            return True
    return False
