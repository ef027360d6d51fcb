"""The failing tests a log names, whatever order the runner printed them in: what a test failure's
signature is made of (the set, sorted, not the assertions kept in order).

Found in the same one pass, without a Python loop over every line: the scan hands over each line it weighs
that holds an ASCII marker (every such line passes its prefilter, and a line holding `FAIL` never goes by in a
saturated block's fast path nor is taken for inert), and the few markers that are not ASCII (`●`, `×`) are
searched in the whole chunk (one automaton; skipped for ASCII chunks, which cannot hold them). Only those
lines are matched against the
runners' own shapes. At most MAX_NAMES distinct names are kept (beyond them the set would depend on order, so
`overflowed` says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cicd_agent.analysis.logtext import Prefilter, strip_prefix

MAX_NAMES = 500
# every shape below holds one of these (tests/analysis/test_failing.py checks the samples)
LINE_MARKERS = ("FAIL", "Failed ", "ERROR ")  # looked for in the lines the scan weighs
CHUNK_MARKERS = ("●", "✕", "×", "›")  # looked for in each chunk
_HOLDING_A_MARKER = Prefilter(CHUNK_MARKERS)

# One pattern per runner; group 1 (and 2, when the runner splits it) names the test.
_SHAPES = [
    re.compile(r"^(?:\[gw\d+\] )?(?:\[ *\d+%\] )?(?:FAILED|ERROR) (\S+::\S+?)(?: - .*)?$"),  # pytest
    re.compile(r"^(?:\[gw\d+\] )?(\S+::\S+) (?:FAILED|ERROR)\b"),  # pytest -v
    re.compile(r"^\s*--- FAIL: (\S+)"),  # go test
    re.compile(r"^test (\S+) \.\.\. FAILED$"),  # cargo test
    re.compile(r"^\s*● (?!Test suite failed to run)(.+?)\s*$"),  # jest
    re.compile(r"^\s*(?:FAIL|×|✕)\s+(\S+ > .+?)(?: [\d.]+ ?m?s)?\s*$"),  # vitest
    re.compile(r"^(\S+ > .+?) FAILED$"),  # gradle
    re.compile(r"^\[ERROR\] (\S+?) -- Time elapsed: .*<<< (?:FAILURE|ERROR)!"),  # surefire 3
    re.compile(r"^(\w+)\((\S+)\)\s+Time elapsed: .*<<< (?:FAILURE|ERROR)!"),  # surefire 2, JUnit 4
    re.compile(r"^\s*Failed (\S+) \[[\d.]+ ?\w+\]\s*$"),  # dotnet test
    re.compile(r"^\s*\d+\) \[([\w -]+)\] › (.+?)\s*─*$"),  # playwright
    re.compile(r"^FAIL: (\w+) \((\S+)\)"),  # unittest
]


@dataclass
class FailingTests:
    """The names of failing tests seen so far, each with the line it was first seen on."""

    first_seen: dict[str, int] = field(default_factory=dict)
    overflowed: bool = False

    def add(self, index: int, text: str) -> None:
        """Line `index` (prefix-stripped), handed over by the scan when it holds a LINE_MARKER."""
        if not self.overflowed and (name := named_test(text)) is not None and name not in self.first_seen:
            self._keep(name, index)

    def _keep(self, name: str, index: int) -> None:
        if len(self.first_seen) >= MAX_NAMES:
            self.overflowed = True
        else:
            self.first_seen[name] = index

    def feed(self, chunk: str | bytes, base: int) -> None:
        """Look for the CHUNK_MARKERS in one chunk of whole lines whose first line is line `base` (0-based)."""
        data = chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else chunk
        if self.overflowed or data.isascii():
            return
        index = last = 0
        for start, end in zip(*_HOLDING_A_MARKER.spans(data), strict=True):
            index += data.count(b"\n", last, start)
            last = start
            line = data[start:end].decode("utf-8", "replace")
            name = named_test(strip_prefix(line))
            if name is not None and name not in self.first_seen:
                self._keep(name, base + index)

    def between(self, first: int, last: int) -> list[str]:
        """The names first seen on lines first..last, sorted."""
        return sorted(name for name, line in self.first_seen.items() if first <= line <= last)


def named_test(text: str) -> str | None:
    """The failing test one line names, or None."""
    for shape in _SHAPES:
        match = shape.match(text)
        if match is not None:
            return " ".join(part for part in match.groups() if part)
    return None
