"""What the agent may change and how fast: pure checks over a fix plan and counts."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from cicd_agent.config.settings import PolicyConfig, toml_value
from cicd_agent.fixers import FixPlan
from cicd_agent.model import APPROVAL_LABEL

WORKFLOWS = ".github/workflows/"


@dataclass(frozen=True)
class Setting:
    """The config setting that would let a refused plan through (for the message and the dry-run report)."""

    key: str  # dotted: "policy.allow_workflow_changes"
    value: object

    def toml(self) -> str:
        section, name = self.key.split(".", 1)
        return f"[{section}] {name} = {toml_value(self.value)}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    draft: bool = False
    labels: list[str] = field(default_factory=list)
    setting: Setting | None = None

    def detail(self) -> dict[str, Any]:
        """What a refusal records beside its reason: the setting that would allow the plan."""
        return {"setting": {"key": self.setting.key, "value": self.setting.value}} if self.setting else {}


def _allowed_path(path: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, g) or (g.endswith("/**") and path.startswith(g[:-2])) for g in globs)


def _refused(why: str, setting: Setting, extra: str = "") -> Verdict:
    return Verdict(False, f"policy: {why}; to allow it, set {setting.toml()} in the config{extra}", setting=setting)


def check_plan(plan: FixPlan, policy: PolicyConfig) -> Verdict:
    paths = [c.path for c in plan.changes]
    outside = [p for p in paths if not _allowed_path(p, policy.allowed_paths)]
    if outside:
        wider = Setting("policy.allowed_paths", [*policy.allowed_paths, *outside])
        return _refused(f"{', '.join(outside)} outside allowed_paths", wider)
    if len(paths) > policy.max_files:
        return _refused(
            f"{len(paths)} files changed, max_files is {policy.max_files}", Setting("policy.max_files", len(paths))
        )
    lines = plan.changed_lines()
    if lines > policy.max_changed_lines:
        return _refused(
            f"{lines} lines changed, max_changed_lines is {policy.max_changed_lines}",
            Setting("policy.max_changed_lines", lines),
        )
    if any(p.startswith(WORKFLOWS) for p in paths) and not policy.allow_workflow_changes:
        return _refused(
            "the fix edits .github/workflows/",
            Setting("policy.allow_workflow_changes", True),
            " (and give the agent a token with the workflow scope)",
        )
    if policy.needs_approval:
        return Verdict(True, "needs approval: opened as a draft", draft=True, labels=[APPROVAL_LABEL])
    return Verdict(True)


@dataclass(frozen=True)
class PullCounts:
    """The agent's fix PRs: open now and opened in the last hour, in one repository and across the fleet."""

    open: int = 0
    new_last_hour: int = 0
    fleet_open: int = 0
    fleet_new_last_hour: int = 0
    opened: tuple[float, ...] = ()  # when this repository's PRs of the last hour were opened, oldest first
    fleet_opened: tuple[float, ...] = ()  # the same across the fleet


def hour_frees_at(opened: tuple[float, ...], limit: int) -> float | None:
    """When fewer than `limit` of these PRs (opened within the last hour, oldest first) are an hour old or less,
    so the hourly bound lets one more through; None when it already does."""
    over = len(opened) - limit
    return None if over < 0 else opened[over] + 3600


def retry_at(counts: PullCounts, policy: PolicyConfig) -> float | None:
    """When a failure the PR rate limits deferred can have its PR: the time the hourly bounds allow one more, if
    they are what holds it; None when only the open-PR bounds hold it (it waits for an open fix to end)."""
    if (policy.fleet_max_open_prs and counts.fleet_open >= policy.fleet_max_open_prs) or (
        counts.open >= policy.max_open_prs
    ):
        return None
    times = [
        hour_frees_at(counts.fleet_opened, policy.fleet_max_new_prs_per_hour)
        if policy.fleet_max_new_prs_per_hour
        else None,
        hour_frees_at(counts.opened, policy.max_new_prs_per_hour),
    ]
    return max((t for t in times if t is not None), default=None)


def check_rate(counts: PullCounts, policy: PolicyConfig) -> str | None:
    """Why a new PR must wait (None when it may be opened now): the fleet's bounds, then the repository's."""
    if policy.fleet_max_open_prs and counts.fleet_open >= policy.fleet_max_open_prs:
        limit = policy.fleet_max_open_prs
        return f"rate: {counts.fleet_open} agent PRs already open across the fleet (fleet_max_open_prs {limit})"
    if policy.fleet_max_new_prs_per_hour and counts.fleet_new_last_hour >= policy.fleet_max_new_prs_per_hour:
        limit = policy.fleet_max_new_prs_per_hour
        return (
            f"rate: {counts.fleet_new_last_hour} agent PRs opened across the fleet in the last hour "
            f"(fleet_max_new_prs_per_hour {limit})"
        )
    if counts.open >= policy.max_open_prs:
        return f"rate: {counts.open} agent PRs already open in this repository (max_open_prs {policy.max_open_prs})"
    if counts.new_last_hour >= policy.max_new_prs_per_hour:
        limit = policy.max_new_prs_per_hour
        return f"rate: {counts.new_last_hour} agent PRs opened in the last hour (max_new_prs_per_hour {limit})"
    return None
