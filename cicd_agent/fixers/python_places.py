"""Which dependency lists the failing job installs, and which of them a missing dependency goes into.

"Installed" is judged from the job's install commands as install_commands reads them (through make, scripts,
tox, nox, hatch, pdm, uv, pipenv): the requirements files (with their `-r` includes), the project's own
list when the project is installed, the extras, groups (uv's default groups, PDM's dev groups, included
groups), hatch environments and Pipfile sections named. A test-only import goes to an installed test list;
a runtime import to the project's runtime list (created in [project] when absent), else a runtime file.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from pathlib import Path
from typing import Any

from cicd_agent.fixers import dependency_files as deps
from cicd_agent.fixers.base import read
from cicd_agent.fixers.install_commands import Install

_TESTISH = re.compile(r"(^|[-_/.:])(tests?|testing|dev|ci|check)([-_/.:]|$)")
RUNTIME_KINDS = ("project", "setup.cfg", "setup.py")


def testish(name: str) -> bool:
    return bool(_TESTISH.search(name.lower()))


def _pyproject(workspace: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read(workspace, "pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return {}


def _groups(workspace: Path, plan: list[Install]) -> set[str]:
    """The dependency groups installed: named ones, uv's default groups, PDM's dev groups, and what they include."""
    data = _pyproject(workspace)
    named = {i.value for i in plan if i.kind in ("group", "poetry") and i.value != "main"}
    if ":default-groups" in named:
        named |= set(data.get("tool", {}).get("uv", {}).get("default-groups", []) or ["dev"])
    if ":pdm-dev" in named:
        named |= set(data.get("tool", {}).get("pdm", {}).get("dev-dependencies", {})) | set(
            data.get("dependency-groups", {})
        )
    table = data.get("dependency-groups", {})
    pending = list(named)
    while pending:
        for entry in table.get(pending.pop(), []) if isinstance(table, dict) else []:
            if isinstance(entry, dict) and entry.get("include-group") not in named:
                named.add(str(entry["include-group"]))
                pending.append(str(entry["include-group"]))
    return named


def _composed_groups(workspace: Path) -> set[str]:
    """The dependency groups that include other groups (`{include-group = ...}` entries)."""
    table = _pyproject(workspace).get("dependency-groups", {})
    if not isinstance(table, dict):
        return set()
    return {
        name
        for name, entries in table.items()
        if isinstance(entries, list) and any(isinstance(e, dict) and "include-group" in e for e in entries)
    }


def installed(
    workspace: Path, places: dict[deps.Place, list[str]], plan: list[Install]
) -> tuple[set[deps.Place], list[str]]:
    """(the places the job installs, the requirements files it installs in order)."""
    files: list[str] = []
    for install in plan:
        if install.kind == "requirements":
            files += [f for f in deps.requirements_includes(workspace, install.value) if f not in files]
    texts = {f: read(workspace, f) or "" for f in files}
    project = any(i.kind in ("project", "poetry") and i.value in ("", "main") for i in plan)
    project = project or any(deps.requirements_names(t)[1] for t in texts.values())
    extras = {i.value for i in plan if i.kind in ("extra", "poetry-extra")}
    extras |= {e for t in texts.values() for e in deps.requirements_names(t)[1] if e}
    groups = _groups(workspace, plan)
    hatch = {i.value for i in plan if i.kind == "hatch"}
    pipfile = {i.value for i in plan if i.kind == "pipfile"}
    found: set[deps.Place] = set()
    for place in places:
        kind, name = place.kind, place.name
        if (
            (kind == "requirements" and place.file in files)
            or (project and (kind in RUNTIME_KINDS or (kind == "poetry" and name == "main")))
            or (kind in ("extra", "setup.cfg-extra", "setup.py-extra") and (name in extras or "*" in extras))
            or (kind in ("group", "poetry", "pdm-dev") and name != "main" and (name in groups or "*" in groups))
            or (kind == "hatch" and name in hatch)
            or (kind == "pipfile" and name in pipfile)
        ):
            found.add(place)
    return found, files


def choose(workspace: Path, places: dict[deps.Place, list[str]], plan: list[Install], tests: bool) -> deps.Place | str:
    """Where the dependency goes, or why that cannot be told."""
    known = [i for i in plan if i.kind != "package"]
    chosen = _from_installs(workspace, places, known, tests) if known else _from_layout(workspace, places, tests)
    if chosen is None:
        kind = "test-only import (the traceback is in the tests)" if tests else "runtime import"
        seen = "; ".join(sorted(p.shown() for p in places)) or "none"
        how = (
            "the job installs " + ", ".join(f"{i.kind} {i.value}".strip() for i in known)
            if known
            else "no install command read"
        )
        return f"cannot tell where this {kind} belongs ({how}; dependency lists: {seen})"
    return chosen


def _from_installs(
    workspace: Path, places: dict[deps.Place, list[str]], plan: list[Install], tests: bool
) -> deps.Place | None:
    reached, files = installed(workspace, places, plan)
    project = any(p.kind in RUNTIME_KINDS or (p.kind == "poetry" and p.name == "main") for p in reached)
    project = project or any(i.kind in ("project", "poetry") and i.value in ("", "main") for i in plan)
    if tests:  # a list named for tests, or one that holds the test tools already
        options = [
            p
            for p in reached
            if p.kind not in RUNTIME_KINDS
            and not (p.kind == "poetry" and p.name == "main")
            and not (p.kind == "pipfile" and p.name == "packages")
            and (testish(p.name or p.file) or bool(deps.TEST_TOOLS & deps.names_of(p, places[p])))
        ]
        composed = _composed_groups(workspace)
        options.sort(
            key=lambda p: (
                not testish(p.name or p.file),
                p.kind == "group" and p.name in composed,  # a group of included groups: one it includes
                p.kind == "hatch" and "extra" not in p.name,
                p.shown(),
            )
        )
        return options[0] if options else None
    if project:
        for kind, name, file in (
            ("project", "", "pyproject.toml"),
            ("poetry", "main", "pyproject.toml"),
            ("setup.cfg", "", "setup.cfg"),
            ("setup.py", "", "setup.py"),
        ):
            if deps.Place(kind, file, name) in places:
                return deps.Place(kind, file, name)
        dynamic = deps.dynamic_requirements(workspace)
        if dynamic is not None:  # [tool.setuptools.dynamic] dependencies = {file = [...]}
            return deps.Place("requirements", dynamic)
        if deps.can_create_project_list(workspace):
            return deps.Place("project", "pyproject.toml")
    runtime = [f for f in files if not testish(f)]
    roots = {posixpath.normpath(i.value) for i in plan if i.kind == "requirements"}
    shared = [f for f in runtime if posixpath.normpath(f) not in roots]
    if shared:  # the file the installed one includes (`-r base.txt`) is the one production installs too
        return deps.Place("requirements", shared[0]) if len(shared) == 1 else None
    if runtime:
        return deps.Place("requirements", runtime[0])
    pipfile = deps.Place("pipfile", "Pipfile", "packages")
    if pipfile in reached:
        return pipfile
    return deps.Place("requirements", files[0]) if len(files) == 1 else None


def _from_layout(workspace: Path, places: dict[deps.Place, list[str]], tests: bool) -> deps.Place | None:
    """No install command could be read: only an unambiguous layout decides."""
    if tests:
        options = [p for p in places if p.kind not in RUNTIME_KINDS and testish(p.name or p.file)]
        options = [p for p in options if not (p.kind == "poetry" and p.name == "main")]
        return options[0] if len(options) == 1 else None
    runtime = [
        p
        for p in places
        if p.kind in RUNTIME_KINDS
        or (p.kind == "poetry" and p.name == "main")
        or (p.kind == "requirements" and not testish(p.file) and "/" not in p.file)
    ]
    if not runtime and deps.can_create_project_list(workspace):
        return deps.Place("project", "pyproject.toml")
    return runtime[0] if len(runtime) == 1 else None
