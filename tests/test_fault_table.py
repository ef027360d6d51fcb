"""docs/faults.md: every row of its tables names a test, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _defined_tests() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        names = set(re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.MULTILINE))
        found[path.relative_to(ROOT / "tests").as_posix()] = names
    return found


def test_every_row_of_the_fault_table_is_tested() -> None:
    defined = _defined_tests()
    everywhere = set().union(*defined.values())
    rows = [
        line
        for line in (ROOT / "docs" / "faults.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith(("| fault ", "| input ", "| where "))
    ]
    tested = [row for row in rows if row.count("|") == 5]  # fault, where, what, test
    assert len(tested) >= 25
    for row in tested:
        cell = row.rstrip(" |").rsplit("|", 1)[1]
        names = re.findall(r"`([\w/.]+::)?(test_\w+)`", cell)
        assert names, f"a row without a test: {row[:80]}"
        for file, name in names:
            if file:
                assert name in defined.get(file.rstrip(":"), set()), f"{file}{name} does not exist"
            else:
                assert name in everywhere, f"{name} does not exist"
