"""Which job under `jobs:` a name from the GitHub API means.

GitHub shows a job by its rendered name: `name:` with its expressions evaluated, or the job id; a matrix
job gets its leg's values appended in parentheses when its name does not use the matrix
(`build (3.10, ubuntu-latest)`); a job of a called workflow is shown as `caller / job`. Expressions other
than `matrix.*` (inputs, github context) match any text.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node

from cicd_agent.fixers.matrix import Leg, MatrixUnknown, matrix_legs
from cicd_agent.fixers.workflow_yaml import get, jobs, scalar

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
ANY = "\0"  # a value this file cannot know (an expression)


def _variants(value: str | None) -> list[str]:
    """How GitHub may print a matrix value: as written, or as the number YAML reads (3.10 -> 3.1)."""
    if value is None:
        return [ANY]
    shown = [value]
    try:
        loaded = yaml.safe_load(value)
    except yaml.YAMLError:
        loaded = value
    if isinstance(loaded, bool):
        shown.append(str(loaded).lower())
    elif isinstance(loaded, int | float):
        shown.append(repr(loaded) if isinstance(loaded, float) else str(loaded))
    return list(dict.fromkeys(shown))


def _alternatives(value: str | None) -> str:
    return "(?:" + "|".join(".+?" if v == ANY else re.escape(v) for v in _variants(value)) + ")"


def _expression(expression: str, leg: Leg | None) -> str:
    """A regex for one `${{ }}`: `matrix.k`, a 'literal', or `a || b || ...` of those, from the leg; else any."""
    for part in (p.strip() for p in expression.split("||")):
        literal = re.fullmatch(r"'([^']*)'", part)
        if literal:
            return re.escape(literal.group(1)) if literal.group(1) else ".+?"
        key = re.fullmatch(r"matrix\.([A-Za-z0-9_-]+)", part)
        if not key or leg is None:
            return ".+?"
        if key.group(1) in leg:  # a key this leg has (a missing one is empty: `||` goes on to the next)
            return _alternatives(leg[key.group(1)])
    return ".+?"


def _pattern(template: str, leg: Leg | None) -> str:
    """A regex for `template` with its expressions filled from `leg` (unknown ones match anything)."""
    out, last = [], 0
    for match in _EXPR.finditer(template):
        out.append(re.escape(template[last : match.start()]))
        out.append(_expression(match.group(1), leg))
        last = match.end()
    out.append(re.escape(template[last:]))
    return "".join(out)


def _patterns(job_id: str, job: Node) -> list[str]:
    template = scalar(get(job, "name")) or job_id
    if get(get(job, "strategy"), "matrix") is None:
        return [_pattern(template, None)]
    try:
        legs: list[Leg] | None = matrix_legs(job_id, job)
    except MatrixUnknown:
        legs = None
    uses_matrix = "matrix." in template
    if legs is None:
        return [_pattern(template, None) + ("" if uses_matrix else r"(?: \(.*\))?")]
    found = []
    for leg in legs:
        pattern = _pattern(template, leg)
        if not uses_matrix and leg:
            values = [_alternatives(value) for value in leg.values()]
            pattern += re.escape(" (") + re.escape(", ").join(values) + re.escape(")")
        found.append(pattern)
    return found


def find_job(root: Node | None, shown: str) -> tuple[str, MappingNode] | str | None:
    """(job id, node) of the one job GitHub shows as `shown`; None when none; a reason when several.

    `caller / job` names a job of the workflow that the job `caller` calls (`uses:`): that caller job is
    returned, never a job of this file that only shares the called job's name. The bare `job` is looked up
    only in a file that calls no workflow (the called workflow's own file)."""
    found = _one_job(jobs(root), shown, shown)
    if found is not None or " / " not in shown:
        return found
    caller, called = shown.split(" / ", 1)
    callers = [(job_id, job) for job_id, job in jobs(root) if get(job, "uses") is not None]
    if callers:
        return _one_job(callers, caller, shown)
    return _one_job(jobs(root), called, shown)


def _one_job(candidates: list[tuple[str, MappingNode]], name: str, shown: str) -> tuple[str, MappingNode] | str | None:
    matches = [(job_id, job) for job_id, job in candidates if _shown_as(job_id, job, name)]
    exact = [(job_id, job) for job_id, job in matches if _shown_as(job_id, job, name, exact=True)]
    if len(exact) == 1:  # a job whose name matches without guessing beats one whose expression could be anything
        return exact[0]
    if len(matches) > 1:
        return f"{len(matches)} jobs could be shown as {shown!r}: {', '.join(j for j, _ in matches)}"
    return matches[0] if matches else None


def _shown_as(job_id: str, job: Node, name: str, *, exact: bool = False) -> bool:
    if name == job_id and scalar(get(job, "name")) is None:
        return True
    patterns = [p for p in _patterns(job_id, job) if not exact or ".+?" not in p]
    return any(re.fullmatch(p, name, re.DOTALL) for p in patterns)
