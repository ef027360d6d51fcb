"""Fixers: a checkout of the failing head and the analysis in, a `FixPlan` (or `CannotFix`) out.

Every fixer in `FIXERS` is wrapped by the guard (`guard.weakening`): a plan that makes CI pass by weakening
a check (continue-on-error, a skip marker, a lowered threshold, a deleted test or step...) is refused, with
the line that does it named."""

from __future__ import annotations

from collections.abc import Callable

from cicd_agent.fixers import command, deprecated_action, formatter, guard, lockfile, missing_dependency, timeout
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan

Fixer = Callable[[FixContext], FixPlan | CannotFix]


def guarded(fixer: Fixer) -> Fixer:
    """`fixer`, whose plans are refused when they weaken a check."""

    def run(ctx: FixContext) -> FixPlan | CannotFix:
        result = fixer(ctx)
        if isinstance(result, FixPlan):
            found = guard.weakening(result.changes)
            if found is not None:
                return CannotFix(result.fixer, f"the plan would weaken a check: {found}")
        return result

    run.__doc__ = fixer.__doc__
    return run


FIXERS: dict[str, Fixer] = {
    name: guarded(fixer)
    for name, fixer in {
        deprecated_action.NAME: deprecated_action.fix,
        missing_dependency.NAME: missing_dependency.fix,
        lockfile.NAME: lockfile.fix,
        formatter.NAME: formatter.fix,
        timeout.NAME: timeout.fix,
        command.NAME: command.fix,
    }.items()
}

__all__ = ["FIXERS", "CannotFix", "FileChange", "FixContext", "FixPlan", "Fixer", "guarded"]
