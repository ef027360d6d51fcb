"""A formatter check failed (ruff format, black, prettier; directly or as a pre-commit hook): run exactly the
version the project pins, on exactly the files the check named, then run the pinned check again.

The version comes from the pre-commit config, the project's dev dependencies or its lock (formatter_pins)
and runs in an isolated, cached environment (tool_envs). Files: those the log names (`Would reformat: x`,
`would reformat x`, `reformatted x`, `[warn] x`); when the log names none (the ruff-format hook prints only
a count), the pinned check itself is run on the files the hook would see, to find them. Excludes hold: the
tool reads the project's config (`--force-exclude` for ruff), and a pre-commit hook's `files`/`exclude`
filter the list. Nothing from the log is run: it only selects among files that exist in the checkout.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from cicd_agent.fixers import tool_envs
from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, changes_in, read, repo_path, run_tool
from cicd_agent.fixers.formatter_pins import HOOK_IDS, Pin, pinned
from cicd_agent.fixers.install_commands import commands_of_job

NAME = "formatter"
_HOOK = re.compile(r"^- hook id: (\S+)", re.MULTILINE)
_PREFIX = re.compile(r"^(?:\d{4}-\d\d-\d\dT[\d:.]+Z )?(?:##\[\w+\])?(?:Error: )?", re.MULTILINE)
_NAMED = {
    "ruff": re.compile(
        r"^Would reformat: (\S+)$|^unformatted: File would be reformatted\n\s*--> (\S+?):\d+:\d+$", re.MULTILINE
    ),
    "black": re.compile(r"^(?:would reformat|reformatted) (\S+)$", re.MULTILINE),
    "prettier": re.compile(r"^\[warn\] (\S+)$", re.MULTILINE),
}
SUFFIXES = {
    "ruff": (".py", ".pyi", ".ipynb"),
    "black": (".py", ".pyi"),
    "prettier": (
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".mjs",
        ".cjs",
        ".json",
        ".css",
        ".scss",
        ".less",
        ".md",
        ".mdx",
        ".yaml",
        ".yml",
        ".html",
        ".vue",
        ".graphql",
    ),
}


def which_formatter(evidence: str) -> tuple[str, bool] | None:
    """(formatter, whether it ran as a pre-commit hook) from the log."""
    failed = re.search(r"^(ruff[ -]format|black|black-jupyter|prettier)\.{3,}.*Failed\s*$", evidence, re.MULTILINE)
    if failed:  # pre-commit's summary line names the hook (its `name:`, e.g. "ruff format")
        return ("ruff" if failed.group(1).startswith("ruff") else failed.group(1).split("-")[0]), True
    for hook in _HOOK.findall(evidence):
        for name, ids in HOOK_IDS.items():
            if hook in ids:
                return name, True
    if "Oh no!" in evidence or "would be left unchanged" in evidence or re.search(r"^would reformat ", evidence, re.M):
        return "black", False
    if "Code style issues" in evidence or "Run Prettier" in evidence:
        return "prettier", False
    if "Would reformat" in evidence or "would be reformatted" in evidence or "already formatted" in evidence:
        return "ruff", False
    return None


def named_files(workspace: Path, name: str, text: str) -> list[str]:
    found = []
    for match in _NAMED[name].finditer(text):
        path = repo_path(workspace, next(g for g in match.groups() if g))
        if path and path not in found:
            found.append(path)
    return found


def _filtered(files: list[str], pin: Pin, name: str) -> list[str]:
    kept = [f for f in files if f.endswith(SUFFIXES[name])]
    if pin.files_regex:
        kept = [f for f in kept if re.search(pin.files_regex, f)]
    if pin.exclude_regex:
        kept = [f for f in kept if not re.search(pin.exclude_regex, f)]
    return kept


def _commands(name: str, prefix: list[str], files: list[str], extra: list[str]) -> tuple[list[str], list[str]]:
    """(format, check) argv for these files."""
    if name == "ruff":
        return [*prefix, "format", "--force-exclude", *extra, *files], [
            *prefix,
            "format",
            "--check",
            "--force-exclude",
            *extra,
            *files,
        ]
    if name == "black":
        return [*prefix, *extra, *files], [*prefix, "--check", *extra, *files]
    return [*prefix, "--write", *extra, *files], [*prefix, "--check", *extra, *files]


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = _PREFIX.sub("", "\n".join(part for part in (ctx.evidence(), ctx.log) if part))
    found = which_formatter(text)
    if found is None:
        return CannotFix(NAME, "the log does not say which formatter failed")
    name, via_pre_commit = found
    if not ctx.trusted:
        return CannotFix(NAME, "the failing head comes from a fork: no tool runs on it")
    pin = pinned(ctx.workspace, name, via_pre_commit=via_pre_commit)
    if pin.conflict:
        return CannotFix(NAME, f"the project installs {name} at several versions ({pin.conflict}): pin one")
    cache = ctx.tool_cache or tool_envs.default_cache()
    try:
        if name == "prettier":
            prefix, env = tool_envs.prettier(pin.version, cache)
            version = pin.version or ""
        else:
            prefix, version = tool_envs.python_tool(name, pin.version, cache, timeout=ctx.tool_timeout)
            env = {}
    except tool_envs.ToolUnavailable as exc:
        return CannotFix(NAME, str(exc))
    paths, options = check_command(ctx, name)
    extra = pin.args if via_pre_commit else options
    files = _filtered(named_files(ctx.workspace, name, text), pin, name)
    if not files:  # the log does not list them: the pinned check itself says which, on what CI checked
        scope = _filtered(_tracked(ctx.workspace), pin, name) if via_pre_commit else paths
        failing = _failing(ctx, name, prefix, extra, env, scope)
        if isinstance(failing, CannotFix):
            return failing
        files = _filtered(failing, pin, name)
    if not files:
        return CannotFix(NAME, f"the log names no file {name} would reformat")
    return _apply(ctx, name, pin, version, prefix, extra, env, files)


_VALUED = {
    "--config",
    "--line-length",
    "-l",
    "--target-version",
    "-t",
    "--exclude",
    "--extend-exclude",
    "--force-exclude",
    "--include",
    "--required-version",
    "--ignore-path",
    "--plugin",
    "--parser",
}


def check_command(ctx: FixContext, name: str) -> tuple[list[str], list[str]]:
    """(paths, options) of the failing job's own check command, read from its workflow (not from the log).

    Paths are kept only when they exist in the checkout (default `.`); options are what the check ran with
    (`--line-length 100`), minus the check/diff/quiet switches, so the fix formats as the check checks."""
    for script in commands_of_job(ctx.workspace, ctx.workflow_path, ctx.job_name):
        for line in script.splitlines():
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                continue
            if not any(Path(w).name == name for w in words) or not ({"--check", "--diff"} & set(words)):
                continue
            start = next(i for i, w in enumerate(words) if Path(w).name == name) + 1
            if name == "ruff" and words[start : start + 1] == ["format"]:
                start += 1
            paths, options, skip = [], [], False
            for word in words[start:]:
                if skip:
                    options.append(word)
                    skip = False
                elif word.startswith("-"):
                    if word not in ("--check", "--diff", "-q", "--quiet", "--list-different", "--verbose"):
                        options.append(word)
                        skip = word in _VALUED
                elif (ctx.workspace / word).exists() and ".." not in Path(word).parts and not Path(word).is_absolute():
                    paths.append(word)
            return paths or ["."], options
    return ["."], []


def _tracked(workspace: Path) -> list[str]:
    import git

    return [p for p in git.Repo(workspace).git.ls_files("-z").split("\0") if p]


def _run(ctx: FixContext, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str] | CannotFix:
    try:
        return run_tool(argv, ctx.workspace, ctx.tool_timeout, extra_env=env)
    except FileNotFoundError:
        return CannotFix(NAME, f"{argv[0]} cannot be started")
    except subprocess.TimeoutExpired:
        return CannotFix(NAME, f"the formatter did not finish within {ctx.tool_timeout:g}s")


def _failing(
    ctx: FixContext, name: str, prefix: list[str], extra: list[str], env: dict[str, str], candidates: list[str]
) -> list[str] | CannotFix:
    """The pinned check run on the hook's files, to learn which ones it would reformat."""
    if not candidates:
        return []
    _, check = _commands(name, prefix, candidates, extra)
    done = _run(ctx, check, env)
    if isinstance(done, CannotFix):
        return done
    return named_files(ctx.workspace, name, done.stdout + "\n" + done.stderr)


def _apply(
    ctx: FixContext,
    name: str,
    pin: Pin,
    version: str,
    prefix: list[str],
    extra: list[str],
    env: dict[str, str],
    files: list[str],
) -> FixPlan | CannotFix:
    originals = {f: read(ctx.workspace, f) for f in files}
    write, check = _commands(name, prefix, files, extra)
    done = _run(ctx, write, env)
    if isinstance(done, CannotFix):
        return done
    if done.returncode != 0:
        return CannotFix(NAME, f"{name} {version} failed on the named files (exit code {done.returncode})")
    checked = _run(ctx, check, env)
    if isinstance(checked, CannotFix):
        return checked
    if checked.returncode != 0:
        return CannotFix(NAME, f"the pinned check ({name} {version} --check) still fails after formatting")
    changes = changes_in(ctx.workspace, originals)
    if not changes:
        return CannotFix(NAME, f"{name} {version} changed none of the files the check named")
    where = f"pinned in {pin.source}" if pin.version else "not pinned by the project: the agent's own"
    return FixPlan(
        NAME,
        f"Apply {name} formatting",
        f"The {name} formatting check failed. Ran {name} {version} ({where}) on the {len(files)} file(s) the "
        f"check named, with the project's configuration; it reformatted {len(changes)}. The same pinned check "
        "passes on them now.",
        changes,
    )
