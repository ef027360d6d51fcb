from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "ci-breakages"


@dataclass(frozen=True)
class Case:
    name: str
    fail: bytes
    passed: bytes
    blocks: list[set[int]]


def load_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        blocks = []
        for row in (folder / "groundtruth").read_text().split("\n")[1:]:
            row = row.strip()
            if row.startswith("E "):
                first, _, last = row[2:].partition("-")
                blocks.append(set(range(int(first), int(last or first) + 1)))
        cases.append(
            Case(
                folder.name,
                gzip.decompress((folder / "fail.log.gz").read_bytes()),
                gzip.decompress((folder / "pass.log.gz").read_bytes()),
                blocks,
            )
        )
    return cases


CASES = load_cases()
