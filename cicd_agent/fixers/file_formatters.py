"""After an edit to a manifest (pyproject.toml, package.json), run the formatter the project pins for that
file, so its own hook passes on the fix: pyproject-fmt, taplo, toml-sort, tombi, prettier, as pre-commit
hooks at their `rev:`.

The formatter runs at the pinned version (tool_envs) on the edited file only, with the hook's args. When
it would also change the original file (the project's hook does not pass as it is), its result is not
taken: the plan keeps the plain edit, so the diff stays the fix.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from cicd_agent.fixers import tool_envs
from cicd_agent.fixers.base import FixContext, read, run_tool

# hook id -> (repositories that publish it, the package that runs it, its argv before the file, file pattern)
HOOKS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], str]] = {
    "pyproject-fmt": (("tox-dev/pyproject-fmt",), "pyproject-fmt", ("pyproject-fmt",), r"(^|/)pyproject\.toml$"),
    "taplo-format": (("ComPWA/taplo-pre-commit", "tamasfe/taplo"), "taplo", ("taplo", "format"), r"\.toml$"),
    "toml-sort-fix": (("pappasam/toml-sort",), "toml-sort", ("toml-sort", "--in-place"), r"\.toml$"),
    "toml-sort": (("pappasam/toml-sort",), "toml-sort", ("toml-sort", "--in-place"), r"\.toml$"),
    "tombi-format": (("tombi-toml/tombi-pre-commit",), "tombi", ("tombi", "format"), r"\.toml$"),
    "prettier": (("pre-commit/mirrors-prettier", "rbubley/mirrors-prettier"), "prettier", (), r"\.(json|ya?ml)$"),
}


@dataclass(frozen=True)
class Hook:
    id: str
    version: str
    args: tuple[str, ...]
    files: str
    exclude: str


def hooks_for(workspace: Path, path: str) -> list[Hook]:
    """The pinned formatter hooks of .pre-commit-config.yaml that would run on `path`."""
    text = read(workspace, ".pre-commit-config.yaml")
    try:
        config = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return []
    if not isinstance(config, dict):
        return []
    found = []
    for repo in config.get("repos") or []:
        if not isinstance(repo, dict):
            continue
        for hook in repo.get("hooks") or []:
            spec = HOOKS.get(str(hook.get("id"))) if isinstance(hook, dict) else None
            if spec is None or not any(str(repo.get("repo", "")).rstrip("/").endswith(r) for r in spec[0]):
                continue
            files, exclude = str(hook.get("files") or spec[3]), str(hook.get("exclude") or config.get("exclude") or "")
            if not re.search(files, path) or (exclude and re.search(exclude, path)):
                continue
            version = str(repo.get("rev", "")).lstrip("v")
            args = tuple(str(a) for a in hook.get("args") or [])
            found.append(Hook(str(hook["id"]), version, args, files, exclude))
    return found


def formatted(ctx: FixContext, path: str, before: str, after: str) -> tuple[str, str]:
    """(the text to commit, a note for the rationale): `after` run through the project's pinned formatters."""
    hooks = hooks_for(ctx.workspace, path)
    if not hooks or not ctx.trusted:
        return after, ""
    notes = []
    for hook in hooks:
        ran = _run(ctx, hook, path, before)
        if ran is None:
            notes.append(f"{hook.id} {hook.version} could not run here: the edit is written as the file lays it out")
            continue
        if ran != before:
            notes.append(f"{hook.id} {hook.version} would also change lines this fix does not touch: not applied")
            continue
        result = _run(ctx, hook, path, after)
        if result is None:
            continue
        after = result
        notes.append(f"ran {hook.id} {hook.version} (pinned in .pre-commit-config.yaml) on {path}")
    return after, "; ".join(notes)


def _run(ctx: FixContext, hook: Hook, path: str, text: str) -> str | None:
    """`text` as the hook formats it, or None when the pinned formatter cannot run here."""
    _, package, argv, _ = HOOKS[hook.id]
    cache = ctx.tool_cache or tool_envs.default_cache()
    file = ctx.workspace / path
    original = file.read_text(encoding="utf-8") if file.is_file() else None
    try:
        if package == "prettier":
            prefix, env = tool_envs.prettier(hook.version or None, cache)
            command = [*prefix, "--write", *hook.args, path]
        else:
            prefix, _ = tool_envs.python_tool(package, hook.version or None, cache, timeout=ctx.tool_timeout)
            env = {}
            command = [*prefix, *argv[1:], *hook.args, path]
        file.write_text(text, encoding="utf-8")
        done = run_tool(command, ctx.workspace, ctx.tool_timeout, extra_env=env, network=True)
        result = file.read_text(encoding="utf-8")
    except (tool_envs.ToolUnavailable, OSError, subprocess.TimeoutExpired):
        return None
    finally:
        if original is not None:
            file.write_text(original, encoding="utf-8")
    return result if done.returncode in (0, 1) else None
