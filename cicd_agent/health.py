"""The verdict on a fix's CI from the check runs on its head commit (pure)."""

from __future__ import annotations

from cicd_agent.model import HealthOutcome

FAILED = {"failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"}
PASSED = {"success", "neutral", "skipped"}


def verdict(checks: list[tuple[str, str, str | None]]) -> HealthOutcome:
    """SUCCESS when every check passed, FAILURE as soon as one failed, PENDING otherwise (none yet)."""
    if any(status == "completed" and conclusion in FAILED for _, status, conclusion in checks):
        return HealthOutcome.FAILURE
    if checks and all(status == "completed" and conclusion in PASSED for _, status, conclusion in checks):
        return HealthOutcome.SUCCESS
    return HealthOutcome.PENDING
