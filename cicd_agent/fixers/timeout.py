"""A job hit its time limit: raise that job's `timeout-minutes` by a bounded factor, with a cap.

The job is found under `jobs:` by the name GitHub shows (rendered matrix names, names with expressions,
`caller / job`), so a same-named key elsewhere (a `workflow_dispatch` input, a step) is never touched. One
scalar is edited (or one line added to the job) and the file is re-parsed to check the new value landed.
"""

from __future__ import annotations

import math
import re

import yaml
from yaml.nodes import MappingNode, ScalarNode

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read
from cicd_agent.fixers.job_names import find_job
from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.step_timeout import STEP_LIMIT, raise_step
from cicd_agent.fixers.workflow_yaml import compose, get, scalar

NAME = "timeout"
FACTOR = 2.0
CAP_MINUTES = 360  # GitHub-hosted runners stop jobs at 6 hours anyway
_LIMIT = re.compile(r"exceeded the maximum execution time of (\d+) minutes")


def raise_limit(text: str, job: MappingNode, minutes: int) -> str | None:
    """Set the job's `timeout-minutes` to `minutes`, editing only that value (or adding it as the job's first
    key); None when the job's mapping cannot be edited line by line (a flow mapping, an expression)."""
    edits = LineEdits(text)
    if job.flow_style or not job.value:
        return None
    for key, value in job.value:
        if isinstance(key, ScalarNode) and key.value == "timeout-minutes":
            if (
                not isinstance(value, ScalarNode)
                or "${{" in value.value
                or value.start_mark.line != value.end_mark.line
            ):
                return None
            edits.replace(value.start_mark.line, value.start_mark.column, value.end_mark.column, str(minutes))
            return edits.apply()
    first = job.value[0][0]
    edits.insert_after(first.start_mark.line - 1, " " * first.start_mark.column + f"timeout-minutes: {minutes}")
    return edits.apply()


def _only_limit_changed(before: str, after: str, job_id: str, minutes: int) -> bool:
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    try:
        if new["jobs"][job_id].pop("timeout-minutes") != minutes:
            return False
        old["jobs"][job_id].pop("timeout-minutes", None)
    except (KeyError, TypeError, AttributeError):
        return False
    return bool(old == new)


def locate_job(ctx: FixContext, path: str, shown: str, depth: int = 0) -> tuple[str, str, str, MappingNode] | CannotFix:
    """(file, its text, job id, job node) of the job GitHub shows as `shown`, following `caller / job` into
    the local workflow the caller calls; refused for a job that runs in another repository's workflow."""
    text = read(ctx.workspace, path) if path else None
    if text is None:
        return CannotFix(NAME, f"cannot read the workflow file {path or '(unknown)'}")
    root = compose(text)
    if root is None:
        return CannotFix(NAME, f"{path} is not valid YAML")
    found = find_job(root, shown)
    if found is None:
        return CannotFix(NAME, f"no job under `jobs:` in {path} is shown as {shown!r}")
    if isinstance(found, str):
        return CannotFix(NAME, found)
    job_id, job = found
    called = scalar(get(job, "uses"))
    if called is None:
        return path, text, job_id, job
    if " / " not in shown or depth >= 4:
        return CannotFix(NAME, f"job `{job_id}` in {path} calls {called}: the time limit is set in the called jobs")
    if not called.startswith("./"):
        return CannotFix(
            NAME,
            f"{shown!r} runs in {called}, another repository's workflow that job `{job_id}` of {path} calls: "
            "its time limit is set there",
        )
    return locate_job(ctx, called[2:], shown.split(" / ", 1)[1], depth + 1)


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    match = _LIMIT.search(ctx.evidence()) or _LIMIT.search(ctx.log)
    step = STEP_LIMIT.search(ctx.evidence()) or STEP_LIMIT.search(ctx.log)
    if not match and step:
        located = locate_job(ctx, ctx.workflow_path, ctx.job_name)
        if isinstance(located, CannotFix):
            return located
        path, text, job_id, job = located
        return raise_step(path, text, job_id, job, step["step"], int(step["minutes"]), FACTOR, CAP_MINUTES)
    if not match:
        return CannotFix(NAME, "the log does not say which time limit was exceeded")
    current = int(match.group(1))
    target = min(math.ceil(current * FACTOR), CAP_MINUTES)
    if target <= current:
        return CannotFix(NAME, f"the job already has {current} minutes, the cap is {CAP_MINUTES}: make it faster")
    located = locate_job(ctx, ctx.workflow_path, ctx.job_name)
    if isinstance(located, CannotFix):
        return located
    path, text, job_id, job = located
    after = raise_limit(text, job, target)
    if after is None:
        return CannotFix(NAME, f"job `{job_id}` in {path} sets its time limit in a way this fixer does not edit")
    if not _only_limit_changed(text, after, job_id, target):
        return CannotFix(NAME, f"re-reading {path} did not find exactly the new limit on job `{job_id}`")
    return FixPlan(
        NAME,
        f"Raise the time limit of job {ctx.job_name} to {target} minutes",
        f"The job exceeded its {current}-minute limit. Raised `timeout-minutes` of `{job_id}` in {path} "
        f"to {target} (x{FACTOR:g}, capped at {CAP_MINUTES}); re-parsed to check only that job changed.",
        [FileChange(path, text, after)],
    )
