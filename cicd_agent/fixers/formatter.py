"""A formatter check failed (ruff format, black, prettier --check): run the formatter the log names.

The command is fixed per formatter (never built from log text) and runs only on trusted checkouts.
"""

from __future__ import annotations

import subprocess

from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, git_changes, run_tool, tool

NAME = "formatter"
COMMANDS: dict[str, list[str]] = {
    "ruff": ["ruff", "format", "."],
    "black": ["black", "."],
    "prettier": ["prettier", "--write", "."],
}


def which_formatter(evidence: str) -> str | None:
    if "Oh no!" in evidence or "would be left unchanged" in evidence or "would reformat /" in evidence:
        return "black"
    if "Code style issues" in evidence or "prettier" in evidence:
        return "prettier"
    if "Would reformat" in evidence or "would be reformatted" in evidence or "already formatted" in evidence:
        return "ruff"
    return None


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    name = which_formatter(ctx.evidence())
    if name is None:
        return CannotFix(NAME, "the log does not say which formatter failed")
    if not ctx.trusted:
        return CannotFix(NAME, "the failing head comes from a fork: no tool runs on it")
    argv = COMMANDS[name]
    binary = tool(argv[0])
    if binary is None:
        return CannotFix(NAME, f"{argv[0]} is not installed where the agent runs")
    try:
        done = run_tool([binary, *argv[1:]], ctx.workspace, ctx.tool_timeout)
    except subprocess.TimeoutExpired:
        return CannotFix(NAME, f"{' '.join(argv)} did not finish within {ctx.tool_timeout:g}s")
    if done.returncode != 0:
        return CannotFix(NAME, f"{' '.join(argv)} failed with exit code {done.returncode}")
    changes = git_changes(ctx.workspace)
    if not changes:
        return CannotFix(NAME, f"{' '.join(argv)} changed nothing: the check fails for another reason")
    return FixPlan(
        NAME,
        f"Apply {name} formatting",
        f"The {name} formatting check failed. Ran `{' '.join(argv)}` on the failing commit; it "
        f"reformatted {len(changes)} file(s).",
        changes,
    )
