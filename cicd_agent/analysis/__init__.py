"""Failure analysis: a job log in, the failing step, an excerpt, a category and a signature out.

`analyze` and `Analysis` live in `core`; they are loaded on first use, so a command that never analyses
(`agent --help`) does not compile the catalogue and the evidence patterns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cicd_agent.analysis.core import Analysis, analyze
    from cicd_agent.analysis.excerpt import ExcerptLine

__all__ = ["DEFAULT_MAX_LINES", "Analysis", "ExcerptLine", "analyze"]

DEFAULT_MAX_LINES = 60  # the excerpt's line budget


def __getattr__(name: str) -> Any:
    if name in ("Analysis", "analyze"):
        from cicd_agent.analysis import core

        return getattr(core, name)
    if name == "ExcerptLine":
        from cicd_agent.analysis.excerpt import ExcerptLine

        return ExcerptLine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
