"""Fixers: a checkout of the failing head and the analysis in, a `FixPlan` (or `CannotFix`) out."""

from __future__ import annotations

from collections.abc import Callable

from cicd_agent.fixers import command, deprecated_action, formatter, missing_dependency, timeout
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan

Fixer = Callable[[FixContext], FixPlan | CannotFix]

FIXERS: dict[str, Fixer] = {
    deprecated_action.NAME: deprecated_action.fix,
    missing_dependency.NAME: missing_dependency.fix,
    formatter.NAME: formatter.fix,
    timeout.NAME: timeout.fix,
    command.NAME: command.fix,
}

__all__ = ["FIXERS", "CannotFix", "FileChange", "FixContext", "FixPlan", "Fixer"]
