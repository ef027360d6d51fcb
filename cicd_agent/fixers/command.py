"""A user-configured command for a matching rule (e.g. `make fmt`), run on trusted checkouts only."""

from __future__ import annotations

import subprocess

from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, git_changes, run_tool

NAME = "command"


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    if not ctx.command:
        return CannotFix(NAME, "the rule names no command")
    if not ctx.trusted:
        return CannotFix(NAME, "the failing head comes from a fork: no command runs on it")
    shown = " ".join(ctx.command)
    try:
        done = run_tool(list(ctx.command), ctx.workspace, ctx.tool_timeout)
    except FileNotFoundError:
        return CannotFix(NAME, f"{ctx.command[0]} is not installed where the agent runs")
    except subprocess.TimeoutExpired:
        return CannotFix(NAME, f"`{shown}` did not finish within {ctx.tool_timeout:g}s")
    if done.returncode != 0:
        return CannotFix(NAME, f"`{shown}` failed with exit code {done.returncode}")
    changes = git_changes(ctx.workspace)
    if not changes:
        return CannotFix(NAME, f"`{shown}` changed nothing")
    return FixPlan(
        NAME,
        f"Run `{shown}`",
        f"Ran the configured command `{shown}` on the failing commit; it changed {len(changes)} file(s).",
        changes,
    )
