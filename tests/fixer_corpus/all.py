"""Every corpus case, in one list."""

from __future__ import annotations

from fixer_corpus import (
    Case,
    deprecated_actions,
    formatters,
    install_paths,
    missing_dependencies,
    node_go,
    reached_actions,
    real_shapes,
    subprojects,
    timeouts,
)

CASES: list[Case] = [
    *deprecated_actions.CASES,
    *reached_actions.CASES,
    *missing_dependencies.CASES,
    *install_paths.CASES,
    *node_go.CASES,
    *formatters.CASES,
    *timeouts.CASES,
    *subprojects.CASES,
    *real_shapes.CASES,
]
