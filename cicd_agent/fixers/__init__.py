"""Fixers: a checkout of the failing head and the analysis in, a `FixPlan` (or `CannotFix`) out."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan

Fixer = Callable[[FixContext], FixPlan | CannotFix]

# fixer name -> its module in this package
_MODULES = {
    "deprecated-action": "deprecated_action",
    "missing-dependency": "missing_dependency",
    "formatter": "formatter",
    "timeout": "timeout",
    "command": "command",
}


class _Fixers(Mapping[str, Fixer]):
    """Fixer name -> its `fix` function, its module imported when it is first asked for: a cycle that fixes
    nothing loads no fixer, nor what fixers use (YAML and TOML editors, lockers, formatter environments)."""

    def __getitem__(self, name: str) -> Fixer:
        fix: Fixer = importlib.import_module(f"{__name__}.{_MODULES[name]}").fix
        return fix

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


FIXERS: Mapping[str, Fixer] = _Fixers()

__all__ = ["FIXERS", "CannotFix", "FileChange", "FixContext", "FixPlan", "Fixer"]
