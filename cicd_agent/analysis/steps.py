"""Which step failed: from the `gh run view --log` step column, or the `##[group]Run ...` headers."""

from __future__ import annotations

import bisect

from cicd_agent.analysis.logtext import Scan


def failing_step(log: Scan, index: int | None) -> str | None:
    """The step that holds line `index` (the decisive evidence line); None for a plain log."""
    if index is None:
        return None
    if index in log.step_of:
        return log.step_of[index]
    runs = [(at, title) for at, title in log.groups if title.startswith("Run ")] or log.groups
    position = bisect.bisect_right([at for at, _ in runs], index) - 1
    if position < 0 and not log.stamped:
        return None
    if position < 0:
        return "Set up job"  # GitHub prints no group before a step starts: set-up failed (e.g. a rejected action)
    return runs[position][1]
