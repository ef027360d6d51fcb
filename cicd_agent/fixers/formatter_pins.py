"""Which version of a formatter a project pins, and the pre-commit hook that runs it.

Looked up in order: .pre-commit-config.yaml (`rev:` of the formatter's hook repository), exact pins in
pyproject.toml (optional-dependencies, dependency-groups, Poetry groups, uv dev-dependencies),
requirements files, then the lock files (uv.lock, poetry.lock, package-lock.json for prettier), then what runs
it (tox.ini, setup.cfg, noxfile.py, the Makefile, the workflows: `black==23.1.0`, `npx prettier@3.1.0`) when they
all name the same version.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from cicd_agent.fixers.dependency_files import pyproject_places, requirement_lines

HOOK_REPOS = {
    "ruff": ("astral-sh/ruff-pre-commit", "charliermarsh/ruff-pre-commit"),
    "black": ("psf/black", "psf/black-pre-commit-mirror"),
    "prettier": ("pre-commit/mirrors-prettier", "rbubley/mirrors-prettier"),
}
HOOK_IDS = {"ruff": ("ruff-format",), "black": ("black", "black-jupyter"), "prettier": ("prettier",)}


@dataclass(frozen=True)
class Pin:
    tool: str
    version: str | None  # None: the project pins no version
    source: str  # where the version was read, for the PR ("none" when not pinned)
    files_regex: str = ""  # the pre-commit hook's `files:`
    exclude_regex: str = ""  # the pre-commit hook's `exclude:` (and the config's top-level one)
    args: list[str] = field(default_factory=list)  # the hook's extra args
    conflict: str = ""  # the files that run the tool name several versions: which one CI used is unknown


def from_pre_commit(workspace: Path, tool: str) -> Pin | None:
    file = workspace / ".pre-commit-config.yaml"
    if not file.is_file():
        return None
    try:
        config = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    if not isinstance(config, dict):
        return None
    top_exclude = str(config.get("exclude") or "")
    for repo in config.get("repos") or []:
        if not isinstance(repo, dict) or not any(str(repo.get("repo", "")).endswith(r) for r in HOOK_REPOS[tool]):
            continue
        for hook in repo.get("hooks") or []:
            if isinstance(hook, dict) and hook.get("id") in HOOK_IDS[tool]:
                rev = str(repo.get("rev", ""))
                if re.fullmatch(r"[0-9a-f]{40}", rev):  # `pre-commit autoupdate --freeze`: the tag is in a comment
                    frozen = re.search(rf"{rev}\s*#\s*frozen:\s*(\S+)", file.read_text(encoding="utf-8"))
                    rev = frozen.group(1) if frozen else ""
                rev = rev.lstrip("v")
                excludes = "|".join(f"(?:{e})" for e in (top_exclude, str(hook.get("exclude") or "")) if e)
                return Pin(
                    tool,
                    rev or None,
                    ".pre-commit-config.yaml",
                    str(hook.get("files") or ""),
                    excludes,
                    [str(a) for a in hook.get("args") or []],
                )
    return None


def _exact(requirement: str, tool: str) -> str | None:
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    if parsed.name.lower() != tool:
        return None
    pins = [s.version for s in parsed.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return pins[0] if pins else None


def from_declarations(workspace: Path, tool: str) -> Pin | None:
    pyproject = workspace / "pyproject.toml"
    if pyproject.is_file():
        try:
            data: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            data = {}
        for place, entries in pyproject_places(data).items():
            for entry in entries:
                version = _exact(entry, tool)
                if version:
                    return Pin(tool, version, place.shown())
        poetry = data.get("tool", {}).get("poetry", {})
        tables = [poetry.get("dev-dependencies") or {}] + [
            g.get("dependencies") or {} for g in (poetry.get("group") or {}).values() if isinstance(g, dict)
        ]
        for table in tables:
            value = table.get(tool)
            if isinstance(value, str) and re.fullmatch(r"=?=?\d+(\.\d+)*", value):
                return Pin(tool, value.lstrip("="), "pyproject.toml Poetry group")
        dev = data.get("tool", {}).get("uv", {}).get("dev-dependencies") or []
        for entry in dev:
            version = _exact(str(entry), tool)
            if version:
                return Pin(tool, version, "pyproject.toml [tool.uv] dev-dependencies")
    for file in sorted([*workspace.glob("requirements*.txt"), *workspace.glob("requirements/*.txt")]):
        for line in requirement_lines(file.read_text(encoding="utf-8", errors="replace")):
            version = _exact(re.sub(r"\s--hash\S*", "", line), tool)
            if version:
                return Pin(tool, version, file.relative_to(workspace).as_posix())
    return None


def from_locks(workspace: Path, tool: str) -> Pin | None:
    for lock in ("uv.lock", "poetry.lock", "pdm.lock"):
        file = workspace / lock
        if not file.is_file():
            continue
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue
        for package in data.get("package") or []:
            if isinstance(package, dict) and str(package.get("name", "")).lower() == tool:
                return Pin(tool, str(package.get("version")), lock)
    if tool != "prettier":
        return None
    locked = (_json(workspace / "package-lock.json").get("packages", {}).get("node_modules/prettier") or {}).get(
        "version"
    )
    if locked:
        return Pin(tool, str(locked), "package-lock.json")
    manifest = _json(workspace / "package.json")
    wanted = {**(manifest.get("dependencies") or {}), **(manifest.get("devDependencies") or {})}.get("prettier", "")
    if re.fullmatch(r"\d+\.\d+\.\d+", str(wanted)):
        return Pin(tool, str(wanted), "package.json")
    return None


def _json(file: Path) -> dict[str, Any]:
    """A JSON object from a file; {} when it is missing or not a JSON object."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


RUNNER_FILES = ("tox.ini", "setup.cfg", "noxfile.py", "Makefile", "pyproject.toml", ".github/workflows/*.y*ml")


def from_runners(workspace: Path, tool: str) -> Pin | None:
    """The version the files that run the tool install it at (a tox or nox environment's deps, a workflow's
    `pip install`), when every one of them that names a version names the same; None when none does; with
    several versions, a pin without a version that says which (the fixer refuses: which one CI ran is not the
    agent's guess)."""
    spelled = re.escape(tool)
    pattern = re.compile(
        rf"(?<![\w.-]){spelled}\s*===?\s*(\d[\w.+!-]*)"
        + (rf"|(?<![\w./-]){spelled}@(\d[\w.+-]*)" if tool == "prettier" else ""),
        re.IGNORECASE,
    )
    found: dict[str, str] = {}
    for glob in RUNNER_FILES:
        for file in sorted(workspace.glob(glob)):
            if not file.is_file():
                continue
            text = file.read_text(encoding="utf-8", errors="replace")
            for match in pattern.finditer(text):
                if text[match.end() : match.end() + 1] == "*":
                    continue  # `ruff==0.4.*`: not one version
                version = (match.group(1) or match.group(2) or "").rstrip(".-")
                found.setdefault(version, file.relative_to(workspace).as_posix())
    if len(found) > 1:
        return Pin(tool, None, "none", conflict=", ".join(f"{v} in {f}" for v, f in found.items()))
    return next((Pin(tool, version, source) for version, source in found.items()), None)


def pinned(workspace: Path, tool: str, *, via_pre_commit: bool) -> Pin:
    """The version CI runs: the pre-commit hook's when the failure came from pre-commit, else the project's pin."""
    hook = from_pre_commit(workspace, tool)
    if via_pre_commit and hook is not None:
        return hook
    found = from_declarations(workspace, tool) or from_locks(workspace, tool) or from_runners(workspace, tool)
    if found is not None:
        return found
    return hook if hook is not None else Pin(tool, None, "none")
