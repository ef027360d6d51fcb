"""A job hit its time limit: raise that job's `timeout-minutes` by a bounded factor, with a cap."""

from __future__ import annotations

import math
import re

import yaml

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read

NAME = "timeout"
FACTOR = 2.0
CAP_MINUTES = 360  # GitHub-hosted runners stop jobs at 6 hours anyway
_LIMIT = re.compile(r"exceeded the maximum execution time of (\d+) minutes")


def _job_key(data: dict[str, object], job_name: str) -> str | None:
    jobs = data.get("jobs")
    if not isinstance(jobs, dict):
        return None
    for key, spec in jobs.items():
        name = spec.get("name") if isinstance(spec, dict) else None
        if job_name in (key, name):
            return str(key)
    return None


def raise_limit(text: str, job: str, minutes: int) -> str | None:
    """Set `timeout-minutes` of job `job` to `minutes`, editing only that line (or adding one)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"^(\s+){re.escape(job)}:\s*(#.*)?$", line)), None)
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    body_indent = None
    for i in range(start + 1, end):
        stripped = lines[i].lstrip()
        if not stripped.strip() or stripped.startswith("#"):
            continue
        current = len(lines[i]) - len(stripped)
        body_indent = current if body_indent is None else body_indent
        if current == body_indent and stripped.startswith("timeout-minutes:"):
            lines[i] = re.sub(r"(timeout-minutes:\s*)\S+", rf"\g<1>{minutes}", lines[i], count=1)
            return "".join(lines)
    if body_indent is None:
        return None
    lines.insert(start + 1, " " * body_indent + f"timeout-minutes: {minutes}\n")
    return "".join(lines)


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    match = _LIMIT.search(ctx.evidence())
    if not match:
        return CannotFix(NAME, "the log does not say which time limit was exceeded")
    current = int(match.group(1))
    target = min(math.ceil(current * FACTOR), CAP_MINUTES)
    if target <= current:
        return CannotFix(NAME, f"the job already has {current} minutes, the cap is {CAP_MINUTES}: make it faster")
    path = ctx.workflow_path
    text = read(ctx.workspace, path) if path else None
    if text is None:
        return CannotFix(NAME, f"cannot read the workflow file {path or '(unknown)'}")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return CannotFix(NAME, f"{path} is not valid YAML: {exc}")
    job = _job_key(data if isinstance(data, dict) else {}, ctx.job_name)
    after = raise_limit(text, job, target) if job else None
    if after is None:
        return CannotFix(NAME, f"cannot find job {ctx.job_name!r} in {path}")
    return FixPlan(
        NAME,
        f"Raise the time limit of job {ctx.job_name} to {target} minutes",
        f"The job exceeded its {current}-minute limit. Raised `timeout-minutes` of `{job}` in {path} "
        f"to {target} (x{FACTOR:g}, capped at {CAP_MINUTES}).",
        [FileChange(path, text, after)],
    )
