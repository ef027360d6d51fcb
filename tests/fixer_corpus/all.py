"""Every corpus case, in one list."""

from __future__ import annotations

from fixer_corpus import Case, deprecated_actions, missing_dependencies

CASES: list[Case] = [*deprecated_actions.CASES, *missing_dependencies.CASES]
