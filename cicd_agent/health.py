"""The verdict on a fix's CI from the check runs on its head commit (pure)."""

from __future__ import annotations

FAILED = {"failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"}
PASSED = {"success", "neutral", "skipped"}


def verdict(checks: list[tuple[str, str, str | None]]) -> str:
    """`success` when every check passed, `failure` as soon as one failed, `pending` otherwise (none yet)."""
    if any(status == "completed" and conclusion in FAILED for _, status, conclusion in checks):
        return "failure"
    if checks and all(status == "completed" and conclusion in PASSED for _, status, conclusion in checks):
        return "success"
    return "pending"
