"""A user-configured command for a matching rule (e.g. `make fmt`), run on trusted checkouts only."""

from __future__ import annotations

from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, run_and_collect

NAME = "command"


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    if not ctx.command:
        return CannotFix(NAME, "the rule names no command")
    shown = " ".join(ctx.command)
    changes = run_and_collect(ctx, NAME, list(ctx.command), shown)
    if isinstance(changes, CannotFix):
        return changes
    return FixPlan(
        NAME,
        f"Run `{shown}`",
        f"Ran the configured command `{shown}` on the failing commit; it changed {len(changes)} file(s).",
        changes,
    )
