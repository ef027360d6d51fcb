"""Fixers: a checkout of the failing head and the analysis in, a `FixPlan` (or `CannotFix`) out.

Every fixer in `FIXERS` is wrapped by the guard (`guard.weakening`): a plan that makes CI pass by weakening
a check (continue-on-error, a skip marker, a lowered threshold, a deleted test or step...) is refused, with
the line that does it named."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan

Fixer = Callable[[FixContext], FixPlan | CannotFix]


def guarded(fixer: Fixer) -> Fixer:
    """`fixer`, whose plans are refused when they weaken a check."""

    def run(ctx: FixContext) -> FixPlan | CannotFix:
        from cicd_agent.fixers import guard

        result = fixer(ctx)
        if isinstance(result, FixPlan):
            found = guard.weakening(result.changes)
            if found is not None:
                return CannotFix(result.fixer, f"the plan would weaken a check: {found}")
        return result

    run.__doc__ = fixer.__doc__
    return run


# fixer name -> its module in this package
_MODULES = {
    "deprecated-action": "deprecated_action",
    "missing-dependency": "missing_dependency",
    "lockfile": "lockfile",
    "formatter": "formatter",
    "timeout": "timeout",
    "command": "command",
}


class _Fixers(Mapping[str, Fixer]):
    """Fixer name -> its `fix` function (guarded), its module imported when it is first asked for: a cycle that
    fixes nothing loads no fixer, nor what fixers use (YAML and TOML editors, lockers, formatter environments)."""

    def __getitem__(self, name: str) -> Fixer:
        fix: Fixer = importlib.import_module(f"{__name__}.{_MODULES[name]}").fix
        return guarded(fix)

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


FIXERS: Mapping[str, Fixer] = _Fixers()

__all__ = ["FIXERS", "CannotFix", "FileChange", "FixContext", "FixPlan", "Fixer", "guarded"]
