"""What the agent may change and how fast: pure checks over a fix plan and counts."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from cicd_agent.config import PolicyConfig
from cicd_agent.fixers import FixPlan
from cicd_agent.model import APPROVAL_LABEL

WORKFLOWS = ".github/workflows/"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    draft: bool = False
    labels: list[str] = field(default_factory=list)


def _allowed_path(path: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, g) or (g.endswith("/**") and path.startswith(g[:-2])) for g in globs)


def check_plan(plan: FixPlan, policy: PolicyConfig) -> Verdict:
    paths = [c.path for c in plan.changes]
    outside = [p for p in paths if not _allowed_path(p, policy.allowed_paths)]
    if outside:
        return Verdict(False, f"policy: {', '.join(outside)} outside allowed_paths")
    if len(paths) > policy.max_files:
        return Verdict(False, f"policy: {len(paths)} files changed, max_files is {policy.max_files}")
    lines = plan.changed_lines()
    if lines > policy.max_changed_lines:
        return Verdict(False, f"policy: {lines} lines changed, max_changed_lines is {policy.max_changed_lines}")
    if any(p.startswith(WORKFLOWS) for p in paths) and not policy.allow_workflow_changes:
        return Verdict(
            False,
            "policy: the fix edits .github/workflows/, which needs allow_workflow_changes = true "
            "(and a token with the workflow scope)",
        )
    if policy.needs_approval:
        return Verdict(True, "needs approval: opened as a draft", draft=True, labels=[APPROVAL_LABEL])
    return Verdict(True)


def check_rate(open_prs: int, new_last_hour: int, policy: PolicyConfig) -> str | None:
    """Why a new PR must wait (None when it may be opened now)."""
    if open_prs >= policy.max_open_prs:
        return f"rate: {open_prs} agent PRs already open in this repository (max_open_prs {policy.max_open_prs})"
    if new_last_hour >= policy.max_new_prs_per_hour:
        limit = policy.max_new_prs_per_hour
        return f"rate: {new_last_hour} agent PRs opened in the last hour (max_new_prs_per_hour {limit})"
    return None
