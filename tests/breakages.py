"""The real CiDiff breakages (fail.log, pass.log, groundtruth), read from the team's shared datasets.

They are not redistributed with the project: tests and benchmarks read them from ../shared/datasets/
ci-breakages (or $CICD_AGENT_BREAKAGES) and skip, saying why, when they are not there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CICD_AGENT_BREAKAGES") or ROOT.parent / "shared" / "datasets" / "ci-breakages")
MISSING = f"the CiDiff breakages are not at {DATA} (set CICD_AGENT_BREAKAGES to their folder)"


@dataclass(frozen=True)
class Case:
    name: str
    fail: Path
    passed: Path
    blocks: list[set[int]]  # the groundtruth's error blocks (1-based line numbers)


def groundtruth(path: Path) -> list[set[int]]:
    blocks = []
    for row in path.read_text().split("\n")[1:]:
        row = row.strip()
        if row.startswith("E "):
            first, _, last = row[2:].partition("-")
            blocks.append(set(range(int(first), int(last or first) + 1)))
    return blocks


def load_cases() -> list[Case]:
    if not DATA.is_dir():
        return []
    return [
        Case(folder.name, folder / "fail.log", folder / "pass.log", groundtruth(folder / "groundtruth"))
        for folder in sorted(p for p in DATA.iterdir() if (p / "groundtruth").is_file())
    ]


CASES = load_cases()
needs_cases = pytest.mark.skipif(not CASES, reason=MISSING)


def each_case() -> list[object]:
    """Parameters for a test per case: one skipped parameter (with the reason) when there are none."""
    if not CASES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="no-dataset")]
    return [pytest.param(case, id=case.name) for case in CASES]


def case(name: str) -> Case:
    found = [c for c in CASES if c.name == name]
    if not found:
        pytest.skip(MISSING if not CASES else f"case {name} is not in {DATA}")
    return found[0]
