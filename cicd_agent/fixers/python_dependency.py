"""A missing Python dependency (`ModuleNotFoundError`): declare it where the failing job installs from.

Steps, each of which may refuse with its reason: read the module from the log; refuse the standard
library, the project's own code and names that look like typos of well-known ones; find a distribution
the package index confirms ships that module (mapping first, then the name itself: never an unverified
name); refuse when it is already declared anywhere; read which files the job installs (`pip install -r`,
`.[extra]`, `uv sync --group`, `poetry install --with`); put a test-only import (the traceback is in the
tests) in the test extra/group/file and anything else in the runtime list; edit with packaging/tomlkit,
re-parse; regenerate a lock file with the project's locker, or refuse when it cannot.
"""

from __future__ import annotations

import posixpath
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from cicd_agent.fixers import dependency_files as deps
from cicd_agent.fixers import python_declare, python_places
from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, read, repo_path
from cicd_agent.fixers.conditional_imports import condition, failing_import
from cicd_agent.fixers.import_names import SHIPPED_AS, candidates, looks_like_typo
from cicd_agent.fixers.install_commands import Install, Run, commands_in_log, installs, job_runs, split_cd
from cicd_agent.fixers.package_index import Distribution, IndexUnavailable, PackageIndex, canonical
from cicd_agent.fixers.python_versions import ci_python, stdlib

NAME = "missing-dependency"  # the fixer this module serves
_MISSING = re.compile(r"No module named ['\"]?([A-Za-z_][\w.]*)['\"]?")
_FRAME = re.compile(r"(?:File \"(?P<a>[^\"]+\.py)\", line \d+|(?P<b>[^\s:\"']+\.py):\d+: in )")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z ", re.MULTILINE)
MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg")
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".tox", ".nox", "build", "dist", "site-packages"}


def missing_module(evidence: str) -> str | None:
    match = _MISSING.search(evidence)
    return match.group(1) if match else None


def own_code(workspace: Path, top: str) -> str | None:
    """Where the project itself defines `top` (a package or module), if it does."""
    for depth in ("", "*/", "*/*/"):
        for pattern in (f"{depth}{top}/__init__.py", f"{depth}{top}.py", f"{depth}{top}/*.py"):
            for hit in workspace.glob(pattern):
                if not SKIP_DIRS & set(hit.relative_to(workspace).parts):
                    return hit.relative_to(workspace).as_posix()
    return None


def is_test_path(path: str) -> bool:
    parts = Path(path).parts
    name = Path(path).name
    return (
        bool({"tests", "test", "testing"} & set(parts))
        or name.startswith("test_")
        or name.endswith(("_test.py", "conftest.py"))
    )


def importing_file(workspace: Path, text: str) -> str | None:
    """The repository file whose import failed: the last traceback frame before the error inside the repo."""
    text = _TIMESTAMP.sub("", text)
    error = _MISSING.search(text)
    if error is None:
        return None
    last = None
    for match in _FRAME.finditer(text[: error.start()]):
        path = match.group("a") or match.group("b")
        relative = repo_path(workspace, path)
        if relative:
            last = relative
    return last


def importers(workspace: Path, top: str) -> list[str]:
    """Repository files that import `top` (when the log has no traceback to tell)."""
    pattern = re.compile(rf"^\s*(?:import|from)\s+{re.escape(top)}\b", re.MULTILINE)
    found = []
    for file in workspace.rglob("*.py"):
        relative = file.relative_to(workspace)
        if SKIP_DIRS & set(relative.parts):
            continue
        try:
            if pattern.search(file.read_text(encoding="utf-8", errors="replace")):
                found.append(relative.as_posix())
        except OSError:
            continue
    return found


def test_only(workspace: Path, text: str, top: str) -> bool:
    where = importing_file(workspace, text)
    if where is not None:
        return is_test_path(where)
    users = importers(workspace, top)
    return bool(users) and all(is_test_path(u) for u in users)


def verified(index: PackageIndex, module: str) -> Distribution | CannotFix:
    asked = []
    for name in candidates(module):
        try:
            dist = index.lookup(name)
        except IndexUnavailable as exc:
            return CannotFix(NAME, f"could not verify a distribution for `{module}`: {exc}")
        asked.append(name)
        if dist is None:
            continue
        if not dist.has_wheel:
            return CannotFix(NAME, f"{dist.name} has no wheel on the index: cannot verify that it ships `{module}`")
        if dist.ships(module) or dist.ships(SHIPPED_AS.get(module.split(".")[0], "\0")):
            return dist
    return CannotFix(
        NAME,
        f"no distribution on the package index ships `{module}` (asked: {', '.join(asked)}): nothing unverified is "
        "written",
    )


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    module = missing_module(text)
    if module is None:
        return CannotFix(NAME, "the log names no missing module")
    top = module.split(".")[0]
    version = ci_python(text)
    if top in (stdlib(version) if version else sys.stdlib_module_names):
        shown = f" of Python {version[0]}.{version[1]}, which CI runs" if version else ""
        return CannotFix(
            NAME, f"{top} is in the standard library{shown}: the Python version, not a dependency, is wrong"
        )
    where = own_code(ctx.workspace, top)
    if where is not None:
        return CannotFix(NAME, f"{top} is the project's own code ({where}): an import path problem, not a dependency")
    typo = looks_like_typo(module)
    if typo is not None:
        return CannotFix(NAME, f"`{module}` looks like a misspelling of `{typo}`: fix the import, no dependency added")
    frame = failing_import(ctx.workspace, _TIMESTAMP.sub("", text))
    why = condition(ctx.workspace, *frame) if frame else None
    if frame and why:
        return CannotFix(
            NAME,
            f"the import at {frame[0]}:{frame[1]} is conditional ({why}): its declaration needs an environment "
            "marker a person should choose",
        )
    if ctx.index is None:
        return CannotFix(NAME, f"no package index is configured to verify a distribution for `{module}`")
    dist = verified(ctx.index, module)
    if isinstance(dist, CannotFix):
        return dist
    runs = _runs(ctx)
    base = project_directory(ctx.workspace, text, runs)
    if isinstance(base, CannotFix):
        return base
    root = ctx.workspace / base
    scripts = [run.script for run in runs if run.directory == base]
    project = _project(root)
    if project is not None and canonical(dist.name) == project:
        return CannotFix(NAME, f"{dist.name} is this project itself: an install problem, not a missing dependency")
    plan = installs(scripts, root)
    places = _all_places(root, plan)
    declared = [p for p, entries in places.items() if canonical(dist.name) in deps.names_of(p, entries)]
    by_name = {canonical(n) for i in plan if i.kind == "package" and (n := deps.requirement_name(i.value) or "")}
    reached, _ = python_places.installed(root, places, plan)
    known = any(i.kind != "package" for i in plan)
    if canonical(dist.name) in by_name or [p for p in declared if p in reached or not known]:
        where = next(
            (_at(base, p).shown() for p in declared if p in reached or not known), "the job's own install command"
        )
        return CannotFix(NAME, f"{dist.name} is already declared in {where}: {_installed_note(plan)}")
    via = through_extras(
        ctx.index, {_at(base, p): e for p, e in places.items() if p in reached or not known}, canonical(dist.name)
    )
    if via is not None:
        return CannotFix(NAME, f"{dist.name} is already declared through {via}: {_installed_note(plan)}")
    tests = test_only(root, text, top)
    chosen = python_places.choose(root, places, plan, tests)
    if isinstance(chosen, str):
        if declared:
            shown = ", ".join(_at(base, p).shown() for p in declared)
            return CannotFix(
                NAME,
                f"{dist.name} is already declared in {shown}, which the job does not install: {_installed_note(plan)}",
            )
        return CannotFix(NAME, chosen)
    note = (
        f" (also declared in {', '.join(_at(base, p).shown() for p in declared)}, which the job does not install)"
        if declared
        else ""
    )
    return python_declare.write(ctx, _at(base, chosen), dist, module, tests, note)


def _at(base: str, place: deps.Place) -> deps.Place:
    """`place` (found in the project at `base`) with its file as a repository path."""
    return place if base == "." else deps.Place(place.kind, f"{base}/{place.file}", place.name)


def _runs(ctx: FixContext) -> list[Run]:
    """The job's scripts with their directories, and the `Run` lines of its log the workflow does not show
    (a composite action's steps), which run at the root."""
    runs = job_runs(ctx.workspace, ctx.workflow_path, ctx.job_name)
    shown = {line.strip() for run in runs for line in run.script.splitlines()}
    return runs + [
        piece for script in commands_in_log(ctx.log) if script.strip() not in shown for piece in split_cd(".", script)
    ]


def owning_project(workspace: Path, path: str) -> str | None:
    """The directory of the nearest pyproject.toml, setup.py or setup.cfg above `path`; None when none."""
    folder = Path(path).parent
    while True:
        if any((workspace / folder / name).is_file() for name in MANIFESTS):
            return folder.as_posix()
        if folder == Path("."):
            return None
        folder = folder.parent


def project_directory(workspace: Path, text: str, runs: list[Run]) -> str | CannotFix:
    """The directory of the Python project the failing import belongs to: where the job installs (its
    `working-directory`, a `cd`), which must be the project that holds the importing file."""
    installing = list(
        dict.fromkeys(
            r.directory for r in runs if installs([r.script], workspace / r.directory if r.directory else None)
        )
    )
    if "" in installing:
        return CannotFix(
            NAME, "the job installs in a directory its workflow computes: cannot tell which project to edit"
        )
    importer = next(
        (
            posixpath.normpath(f"{d}/{found}")
            for d in [*installing, "."]
            if (found := importing_file(workspace / d, text))
        ),
        None,
    )
    owner = owning_project(workspace, importer) if importer else None
    if not installing:
        return owner or "."
    if owner is not None and owner in installing:
        return owner
    if len(installing) > 1:
        return CannotFix(
            NAME,
            f"the job installs in several directories ({', '.join(installing)}): cannot tell which project to edit",
        )
    if owner is not None and owner != installing[0]:
        return CannotFix(
            NAME,
            f"{importer} belongs to the project in {owner}, and the job installs in {installing[0]}: "
            "declare it by hand where that project's CI installs from",
        )
    return installing[0]


def through_extras(index: PackageIndex, places: dict[deps.Place, list[str]], wanted: str) -> str | None:
    """A declared `other[extra]` (and where) whose extra brings `wanted` in, per the index's metadata."""
    for place, entries in places.items():
        for entry in entries:
            try:
                requirement = Requirement(entry)
            except InvalidRequirement:
                continue
            for extra in sorted(requirement.extras):
                try:
                    other = index.lookup(requirement.name)
                except IndexUnavailable:
                    continue
                if other is not None and wanted in other.through_extra(extra):
                    return f"{requirement.name}[{extra}] in {place.shown()}"
    return None


def _project(workspace: Path) -> str | None:
    text = read(workspace, "pyproject.toml")
    try:
        return deps.project_name(tomllib.loads(text)) if text else None
    except tomllib.TOMLDecodeError:
        return None


def _installed_note(plan: list[Install]) -> str:
    if not plan:
        return "the job's install commands could not be read; check that CI installs that list"
    shown = ", ".join(f"{i.kind} {i.value}".strip() for i in plan)
    return f"the job installs {shown}; install the list that declares it, or check why installing it fails"


def _all_places(workspace: Path, plan: list[Install]) -> dict[deps.Place, list[str]]:
    places = deps.places_in(workspace)
    files = {i.value for i in plan if i.kind == "requirements"}
    files |= {p.relative_to(workspace).as_posix() for p in workspace.glob("requirements*.txt")}
    files |= {p.relative_to(workspace).as_posix() for p in workspace.glob("requirements/*.txt")}
    for name in sorted(files):
        for included in deps.requirements_includes(workspace, name):
            text = read(workspace, included) or ""
            places[deps.Place("requirements", included)] = deps.requirement_lines(text)
    return places
