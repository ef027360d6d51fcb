"""A step hit its own time limit (`The action '<step>' has timed out after N minutes`): raise that step's
`timeout-minutes`, never past the job's own limit (the job's 360-minute default when it sets none).

The step is found in the failing job by the name GitHub shows (`name:`, else `Run <first line>` / `Run
<uses>`); exactly one step must match and hold exactly that limit as a plain number, else the fix refuses.
"""

from __future__ import annotations

import math
import re

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from cicd_agent.fixers.base import CannotFix, FileChange, FixPlan
from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.workflow_yaml import get, scalar

NAME = "timeout"
STEP_LIMIT = re.compile(r"The action '(?P<step>[^'\n]+)' has timed out after (?P<minutes>\d+) minutes")


def shown_name(step: MappingNode) -> str | None:
    """The name GitHub shows for a step."""
    named = scalar(get(step, "name"))
    if named is not None:
        return named
    run, uses = scalar(get(step, "run")), scalar(get(step, "uses"))
    if run is not None:
        return "Run " + (run.strip().splitlines() or [""])[0]
    return f"Run {uses}" if uses is not None else None


def _limit(node: object) -> int | None:
    if isinstance(node, ScalarNode) and node.value.isdigit() and node.start_mark.line == node.end_mark.line:
        return int(node.value)
    return None


def raise_step(
    path: str, text: str, job_id: str, job: MappingNode, step_name: str, current: int, factor: float, cap: int
) -> FixPlan | CannotFix:
    steps = get(job, "steps")
    matches = [
        s
        for s in (steps.value if isinstance(steps, SequenceNode) else [])
        if isinstance(s, MappingNode) and shown_name(s) == step_name
    ]
    if len(matches) != 1:
        return CannotFix(NAME, f"{len(matches)} steps of job `{job_id}` in {path} are shown as {step_name!r}")
    value = get(matches[0], "timeout-minutes")
    if _limit(value) != current or not isinstance(value, ScalarNode):
        return CannotFix(
            NAME, f"step {step_name!r} of job `{job_id}` in {path} does not set a plain {current}-minute limit"
        )
    job_value = get(job, "timeout-minutes")
    ceiling = _limit(job_value) if job_value is not None else cap
    if ceiling is None:
        return CannotFix(
            NAME, f"job `{job_id}` in {path} sets its own limit with an expression: cannot bound the step's"
        )
    target = min(math.ceil(current * factor), ceiling)
    if target <= current:
        return CannotFix(
            NAME,
            f"step {step_name!r} already has {current} minutes and job `{job_id}` allows {ceiling}: "
            "raise the job's limit by hand or make the step faster",
        )
    edits = LineEdits(text)
    edits.replace(value.start_mark.line, value.start_mark.column, value.end_mark.column, str(target))
    after = edits.apply()
    if not _only_step_changed(text, after, job_id, target):
        return CannotFix(NAME, f"re-reading {path} did not find exactly the new limit on step {step_name!r}")
    return FixPlan(
        NAME,
        f"Raise the time limit of step {step_name} to {target} minutes",
        f"The step {step_name!r} of job `{job_id}` exceeded its {current}-minute limit. Raised its "
        f"`timeout-minutes` in {path} to {target} (x{factor:g}, within the job's {ceiling}); re-parsed to check "
        "only that step changed.",
        [FileChange(path, text, after)],
    )


def _only_step_changed(before: str, after: str, job_id: str, minutes: int) -> bool:
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    try:
        changed = [
            i
            for i, (a, b) in enumerate(zip(old["jobs"][job_id]["steps"], new["jobs"][job_id]["steps"], strict=True))
            if a != b
        ]
        if len(changed) != 1 or new["jobs"][job_id]["steps"][changed[0]].pop("timeout-minutes") != minutes:
            return False
        old["jobs"][job_id]["steps"][changed[0]].pop("timeout-minutes")
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):
        return False
    return bool(old == new)
