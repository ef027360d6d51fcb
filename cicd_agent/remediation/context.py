"""What every stage of the loop is handed: the ports (config, GitHub, effects, store, git workspaces, clock),
the cycle's report, and the few writes every stage makes the same way (a decision, a health check, a
breaker outcome)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cicd_agent.action_versions import ActionVersions
from cicd_agent.breakers import Breakers
from cicd_agent.config import Config
from cicd_agent.effects import Effects
from cicd_agent.failures import Explained
from cicd_agent.github import GitHubClient
from cicd_agent.gitops import Workspaces
from cicd_agent.model import Decided, Decision, Remediation, RemState, RunRef, Strategy
from cicd_agent.package_index import PackageIndex
from cicd_agent.pool import Pool
from cicd_agent.store import Store


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


@dataclass
class Report:
    """What one cycle did, for the CLI and `--json`."""

    decisions: list[Decision] = field(default_factory=list)
    idle_repos: list[str] = field(default_factory=list)
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    explained: dict[int, Explained] = field(default_factory=dict)  # run id -> its analysis, for summaries
    surveyed: dict[RunRef, Explained] = field(default_factory=dict)  # explained before deciding (storms.survey)

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": [d.to_json() for d in self.decisions],
            "idle_repos": self.idle_repos,
            "deferred": self.deferred,
            "errors": self.errors,
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
    record(p, report, rem.run, decision, reason, signature=rem.signature, rule=rem.rule)


def schedule_health_check(p: Ports, remediation_id: int) -> None:
    now = p.now()
    p.store.schedule_health_check(
        remediation_id, due_at=now + p.config.health.delay, deadline=now + p.config.health.max_wait, now=now
    )


def count_outcome(p: Ports, rem: Remediation, success: bool | None) -> None:
    """The remediation's verdict, for its breaker."""
    p.breakers.record(
        rem.key,
        success=success,
        now=p.now(),
        run=rem.run.label if success is False else "",
        remediation_id=rem.id,
    )


def start_remediation(
    p: Ports, run: RunRef, signature: str, rule: str, strategy: Strategy, **fields: Any
) -> Remediation:
    """Record a remediation as planned, before anything of it reaches GitHub."""
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
        )
    )
