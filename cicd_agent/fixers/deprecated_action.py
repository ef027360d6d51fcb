"""Deprecated or removed action versions in workflow files: bump them, keep every comment and the layout.

Only tag references (`@v3`, `@v3.1.0`) are changed; a SHA pin is left to the humans who pinned it. The
result is checked with actionlint when it is installed (new errors refuse the fix), else parsed as YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read, run_tool, tool

NAME = "deprecated-action"
# action -> {deprecated major: replacement}
REPLACEMENTS: dict[str, dict[str, str]] = {
    "actions/upload-artifact": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/download-artifact": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/cache": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/checkout": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/setup-python": {"v1": "v5", "v2": "v5", "v3": "v5", "v4": "v5"},
    "actions/setup-node": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/setup-java": {"v1": "v4", "v2": "v4", "v3": "v4"},
    "actions/setup-go": {"v1": "v5", "v2": "v5", "v3": "v5", "v4": "v5"},
}
_USES = re.compile(
    r"(?P<lead>\buses:\s*['\"]?)(?P<action>[\w.-]+/[\w.-]+)@(?P<major>v\d+)(?P<rest>(?:\.\d+)*)(?=['\"\s#]|$)"
)
_NAMED = re.compile(r"([\w.-]+/[\w.-]+)(?::\s*|@)(v\d+)")


def named_in(evidence: str) -> set[tuple[str, str]]:
    """(action, major) pairs the log names, e.g. "`actions/upload-artifact: v3`" or "actions/checkout@v3"."""
    return {(action, major) for action, major in _NAMED.findall(evidence) if major in REPLACEMENTS.get(action, {})}


def bump(text: str, wanted: set[tuple[str, str]] | None) -> str:
    def replace(match: re.Match[str]) -> str:
        action, major = match.group("action"), match.group("major")
        target = REPLACEMENTS.get(action, {}).get(major)
        if target is None or (wanted is not None and (action, major) not in wanted):
            return match.group(0)
        return f"{match.group('lead')}{action}@{target}"

    return _USES.sub(replace, text)


def workflow_files(workspace: Path) -> list[str]:
    folder = workspace / ".github" / "workflows"
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(workspace)) for p in folder.iterdir() if p.suffix in (".yml", ".yaml"))


def lint_errors(workspace: Path, paths: list[str], timeout: float) -> int | None:
    """How many problems actionlint reports in these files (None when actionlint is not installed)."""
    binary = tool("actionlint")
    if binary is None:
        return None
    done = run_tool([binary, "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *paths], workspace, timeout)
    return len([line for line in done.stdout.splitlines() if line.strip()])


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    wanted = named_in(ctx.evidence()) or None
    changes = []
    for path in workflow_files(ctx.workspace):
        before = read(ctx.workspace, path)
        if before is None:
            continue
        after = bump(before, wanted)
        if after != before:
            changes.append(FileChange(path, before, after))
    if not changes:
        return CannotFix(
            NAME, "no workflow file uses a deprecated action version this fixer knows (SHA pins are left alone)"
        )
    return _validated(ctx, changes)


def _validated(ctx: FixContext, changes: list[FileChange]) -> FixPlan | CannotFix:
    paths = [c.path for c in changes]
    for change in changes:
        try:
            yaml.safe_load(change.after or "")
        except yaml.YAMLError as exc:
            return CannotFix(NAME, f"the edited {change.path} is not valid YAML: {exc}")
    before = lint_errors(ctx.workspace, paths, ctx.tool_timeout)
    note = "validated with actionlint"
    if before is None:
        note = "actionlint is not installed: checked as YAML only"
    else:
        originals = {c.path: c.before for c in changes}
        try:
            for change in changes:
                (ctx.workspace / change.path).write_text(change.after or "", encoding="utf-8")
            after = lint_errors(ctx.workspace, paths, ctx.tool_timeout) or 0
        finally:
            for path, text in originals.items():
                (ctx.workspace / path).write_text(text or "", encoding="utf-8")
        if after > before:
            return CannotFix(NAME, f"actionlint reports {after - before} new problem(s) after the update")
    bumped = sorted(
        {
            f"{m.group('action')}@{m.group('major')}"
            for c in changes
            for m in _USES.finditer(c.before or "")
            if REPLACEMENTS.get(m.group("action"), {}).get(m.group("major"))
        }
    )
    return FixPlan(
        NAME,
        f"Update deprecated GitHub Actions ({', '.join(bumped)})",
        f"GitHub rejects these action versions. Updated {', '.join(bumped)} to supported majors in "
        f"{', '.join(paths)}, keeping comments and layout; {note}.",
        changes,
    )
