"""The guard's look at workflows and composite actions: a job, a step, a trigger or a step's command removed.

Steps are matched by their `name`, `id`, `uses` (without the ref) or `run` text, so a bumped action or a
rewritten command is the same step; a step whose `run:` turns into a no-op (`true`, `:`, `exit 0`, only
`echo`) counts as emptied. A package.json script that loses its command likewise.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import PurePosixPath
from typing import Any

import yaml

Found = tuple[str, int, str, str]
_NOOP = re.compile(r"\s*(?:true|:|exit 0|(?:echo|printf)\b[^\n;&|>`$]*)?\s*")


def _is_workflow(path: str) -> bool:
    return (path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))) or PurePosixPath(path).name in (
        "action.yml",
        "action.yaml",
    )


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # strings only: `on` stays a key, never True
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _steps(owner: Any) -> list[dict[str, Any]]:
    steps = owner.get("steps") if isinstance(owner, dict) else None
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _step_key(step: dict[str, Any]) -> str:
    for field in ("id", "name"):
        if isinstance(step.get(field), str):
            return f"{field}:{step[field]}"
    uses = step.get("uses")
    if isinstance(uses, str):
        return "uses:" + uses.split("@")[0]
    return "run:" + str(step.get("run", "")).strip()


def _line(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle and needle in line:
            return number
    return 0


def workflow_weakening(path: str, before: str | None, after: str | None) -> Found | None:
    if PurePosixPath(path).name == "package.json":
        return _scripts(path, before, after)
    if not _is_workflow(path):
        return None
    old, new = _load(before), _load(after)
    if old is None:
        return None
    if new is None:
        return path, 0, "deletes or empties the workflow", ""
    return (
        _triggers(path, old, new)
        or _filters(path, old, new)
        or _jobs(path, old, new, after or "")
        or _narrowed(path, old, new, after or "")
    )


def _triggers(path: str, old: dict[str, Any], new: dict[str, Any]) -> Found | None:
    def names(data: dict[str, Any]) -> set[str]:
        on = data.get("on")
        if isinstance(on, str):
            return {on}
        return set(on) if isinstance(on, (dict, list)) else set()

    lost = names(old) - names(new)
    if lost:
        return path, 0, f"stops the workflow running on {', '.join(sorted(lost))}", ""
    return None


def _jobs(path: str, old: dict[str, Any], new: dict[str, Any], after: str) -> Found | None:
    old_jobs = _mapping(old.get("jobs"))
    new_jobs = _mapping(new.get("jobs"))
    owners = [(f"job `{name}`", job, new_jobs.get(name)) for name, job in old_jobs.items()]
    if isinstance(old.get("runs"), dict):
        owners.append(("the action", old["runs"], new.get("runs") if isinstance(new.get("runs"), dict) else {}))
    for name in old_jobs:
        if name not in new_jobs:
            return path, 0, f"removes the job `{name}`", ""
    for label, old_owner, new_owner in owners:
        now = _steps(new_owner)
        kept = {_step_key(s): s for s in now}
        for index, step in enumerate(_steps(old_owner)):
            key = _step_key(step)
            match = kept.get(key)
            if match is None and len(now) >= len(_steps(old_owner)):
                match = now[index]  # the same place: a step whose command the fix rewrote
            if match is None:
                return path, 0, f"deletes a step of {label} ({key.split(':', 1)[1][:80]})", ""
            run_before, run_after = step.get("run"), match.get("run")
            emptied = not isinstance(run_after, str) or _NOOP.fullmatch(run_after)
            if isinstance(run_before, str) and not _NOOP.fullmatch(run_before) and emptied:
                shown = str(run_after or "").strip().splitlines()[:1]
                return path, _line(after, shown[0] if shown else ""), f"empties a step of {label}", str(run_after or "")
    return None


def _scripts(path: str, before: str | None, after: str | None) -> Found | None:
    old: Any = None
    new: Any = None
    with contextlib.suppress(ValueError, TypeError):
        old, new = json.loads(before or "null"), json.loads(after or "null")
    if not isinstance(old, dict):
        return None
    old_scripts = _mapping(old.get("scripts"))
    new_scripts = _mapping(new.get("scripts")) if isinstance(new, dict) else {}
    for name, command in old_scripts.items():
        if not isinstance(command, str) or _NOOP.fullmatch(command):
            continue
        now = new_scripts.get(name)
        if not isinstance(now, str) or _NOOP.fullmatch(now):
            return path, _line(after or "", f'"{name}"'), f"removes or empties the script `{name}`", ""
    return None


_WIDENING_IF = re.compile(
    r"^\s*(?:\$\{\{\s*)?(?:always\(\)|!\s*cancelled\(\)|failure\(\)|success\(\)\s*\|\|\s*failure\(\))"
)
_FILTERS = ("branches", "branches-ignore", "paths", "paths-ignore", "tags", "tags-ignore", "types")


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if isinstance(value, str) else []


def _filters(path: str, old: dict[str, Any], new: dict[str, Any]) -> Found | None:
    """A trigger that now runs on fewer events: a `branches`/`paths`/`tags`/`types` filter added or
    shortened, or a `*-ignore` list grown."""
    old_on, new_on = old.get("on"), new.get("on")
    if not isinstance(new_on, dict):
        return None
    for event, spec in new_on.items():
        before = _mapping(old_on.get(event)) if isinstance(old_on, dict) else {}
        after = _mapping(spec)
        for key in (k for k in _FILTERS if k in after):
            had, has = set(_as_list(before.get(key))), set(_as_list(after.get(key)))
            ignore = key.endswith("-ignore")
            narrower = bool(has - had) if ignore else key not in before or bool(had - has)
            if narrower:
                return path, 0, f"runs the workflow on fewer `{event}` events (its `{key}` filter)", ""
    return None


def _matrix_dims(job: Any) -> dict[str, Any]:
    matrix = _mapping(job).get("strategy")
    return _mapping(_mapping(matrix).get("matrix"))


def _narrowed(path: str, old: dict[str, Any], new: dict[str, Any], after: str) -> Found | None:
    """A job or step that now runs less: matrix values or `include` entries dropped, `exclude` entries
    added, a new or changed `if:` (other than `always()`, `!cancelled()`, `failure()`)."""
    new_jobs = _mapping(new.get("jobs"))
    for name, job in _mapping(old.get("jobs")).items():
        now = new_jobs.get(name)
        before, after_dims = _matrix_dims(job), _matrix_dims(now)
        for key, values in before.items():
            if key == "exclude":
                continue
            kept = after_dims.get(key)
            if isinstance(values, list) and (not isinstance(kept, list) or [v for v in values if v not in kept]):
                return path, 0, f"tests fewer matrix combinations in job `{name}` (`{key}` lost entries)", ""
        if [e for e in _as_list_of(after_dims.get("exclude")) if e not in _as_list_of(before.get("exclude"))]:
            return path, 0, f"tests fewer matrix combinations in job `{name}` (`exclude` grew)", ""
        owners = [(f"job `{name}`", _mapping(job), _mapping(now))]
        new_steps = {_step_key(step): step for step in _steps(now)}
        owners += [(f"a step of job `{name}`", step, new_steps.get(_step_key(step), {})) for step in _steps(job)]
        for label, was, is_now in owners:
            condition = is_now.get("if")
            if condition is not None and condition != was.get("if") and not _WIDENING_IF.match(str(condition)):
                return (
                    path,
                    _line(after, f"if: {condition}"),
                    f"adds a condition to {label}, which may stop it running",
                    str(condition),
                )
    return None


def _as_list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
