"""A formatter check failed (ruff format, black, prettier --check): run the formatter the log names.

The command is fixed per formatter (never built from log text) and runs only on trusted checkouts.
"""

from __future__ import annotations

from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, run_and_collect, tool

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
    argv = COMMANDS[name]
    binary = tool(argv[0])
    if binary is None:
        return CannotFix(NAME, f"{argv[0]} is not installed where the agent runs")
    shown = " ".join(argv)
    changes = run_and_collect(ctx, NAME, [binary, *argv[1:]], shown)
    if isinstance(changes, CannotFix):
        return changes
    return FixPlan(
        NAME,
        f"Apply {name} formatting",
        f"The {name} formatting check failed. Ran `{' '.join(argv)}` on the failing commit; it "
        f"reformatted {len(changes)} file(s).",
        changes,
    )
