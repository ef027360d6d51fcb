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
    return _triggers(path, old, new) or _jobs(path, old, new, after or "")


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
