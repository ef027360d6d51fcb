"""Regenerate a project's lock file with its own locker after a manifest edit, then check it is consistent.

The locker runs on the edited checkout with the user's network settings (`base.network_env`: CA bundles,
proxies, index URLs and their credentials), never with anything from the log. A failure names the command
and its last output lines, credentials replaced by `***`. The checkout is restored whatever happens: the
plan carries the new contents, the workspace is left as it was.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, failure, read, run_tool, tool


@dataclass(frozen=True)
class Locker:
    lock: str  # the lock file, relative to the project
    argv: list[str]  # regenerates it
    check: list[str] = field(default_factory=list)  # then passes only when the lock matches the manifest
    env: dict[str, str] = field(default_factory=dict)
    others: tuple[str, ...] = ()  # further files the locker may rewrite (go.mod beside go.sum)
    then: tuple[tuple[str, ...], ...] = ()  # commands run after `argv`, before the check (`go mod tidy`)

    def shown(self) -> str:
        return " ".join(Path(self.argv[0]).name if i == 0 else a for i, a in enumerate(self.argv))


PYTHON_LOCKERS = {
    "uv.lock": (["uv", "lock"], ["uv", "lock", "--locked"]),
    "poetry.lock": (["poetry", "lock"], ["poetry", "check", "--lock"]),
    "pdm.lock": (["pdm", "lock", "--update-reuse"], ["pdm", "lock", "--check"]),
}


def python_locker(workspace: Path, directory: str = "") -> Locker | CannotFix | None:
    """The Python lock file beside pyproject.toml and how to regenerate it; None when there is none."""
    for name, (argv, check) in PYTHON_LOCKERS.items():
        lock = f"{directory}/{name}" if directory else name
        if (workspace / lock).is_file():
            binary = tool(argv[0])
            if binary is None:
                return CannotFix(
                    "", f"{lock} must be regenerated with `{' '.join(argv)}`, and {argv[0]} is not installed"
                )
            return Locker(lock, [binary, *argv[1:]], [binary, *check[1:]])
    return None


def relock(ctx: FixContext, fixer: str, changes: list[FileChange], locker: Locker) -> list[FileChange] | CannotFix:
    """The lock file's (and its companions') new contents after `changes`, checked; or why not."""
    if not ctx.trusted:
        return CannotFix(fixer, f"{locker.lock} must be regenerated, and the agent does not run tools on a fork's code")
    touched = [locker.lock, *locker.others, *(c.path for c in changes)]
    originals = {path: read(ctx.workspace, path) for path in dict.fromkeys(touched)}
    directory = ctx.workspace / str(Path(locker.lock).parent)
    try:
        for change in changes:
            (ctx.workspace / change.path).write_text(change.after or "", encoding="utf-8")
        problem = None
        for argv in (locker.argv, *(list(step) for step in locker.then), *([locker.check] if locker.check else [])):
            problem = problem or _run(ctx, argv, locker, directory)
        if problem:
            return CannotFix(fixer, f"{problem}; the lock is not regenerated")
        after = {path: read(ctx.workspace, path) for path in (locker.lock, *locker.others)}
    finally:
        for path, text in originals.items():
            if text is None:
                (ctx.workspace / path).unlink(missing_ok=True)
            else:
                (ctx.workspace / path).write_text(text, encoding="utf-8")
    return [FileChange(path, originals[path], text) for path, text in after.items() if text != originals[path]]


def _run(ctx: FixContext, argv: list[str], locker: Locker, directory: Path) -> str | None:
    shown = " ".join([Path(argv[0]).name, *argv[1:]])
    try:
        done = run_tool(argv, directory, ctx.tool_timeout, extra_env=locker.env, network=True)
    except FileNotFoundError:
        return f"`{shown}` cannot run: {Path(argv[0]).name} is not installed where the agent runs"
    except subprocess.TimeoutExpired:
        return f"`{shown}` did not finish within {ctx.tool_timeout:g}s"
    return failure(shown, done) if done.returncode != 0 else None
