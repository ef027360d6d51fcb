"""The failure signature: a stable hash of the normalised evidence of the final failure, and its template.

It is computed from the failing log alone (not the baseline), so that it stays the same when the last
green run used as a baseline changes. What is hashed, with the category:

- a format check: the formatter only (one signature per branch and formatter, whatever files it names);
- failing tests the failing step names: the set of their names (sorted), with the failing step: the same
  tests failing in another order, with other durations, workers or assertion values, are the same failure;
- a recognised failure: the lines of the final failure that the deciding catalogue row matches, and the
  strongest evidence of the failing step that no row of another category explains (a network retry the
  job survived is not part of its compile error), with the failing step;
- anything else: the failing step's own last output lines and the final failure's strongest evidence
  (never the runner's exit-code line while there is anything else), with the failing step.

Lines are normalised, de-duplicated and sorted, and where there are more than are hashed, the first in
that sorted order are kept (never the newest: parallel output reorders them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from cicd_agent.analysis.catalogue import compiled_rows
from cicd_agent.analysis.classify import Decision
from cicd_agent.analysis.evidence import line_weight
from cicd_agent.analysis.normalize import normalize
from cicd_agent.analysis.stream import RUNNER_ERROR, Scan

MAX_EVIDENCE = 8  # lines hashed of each kind, the first in sorted order
MAX_TESTS = 100  # failing test names hashed, the first in sorted order
TAIL_SIGNED = 5  # of the failing step's last output lines


def digest(category: str, lines: Iterable[str]) -> tuple[str, str]:
    """(hex signature, template) of a category and lines."""
    templates = sorted({normalize(text) for text in lines} - {""})
    template = "\n".join([f"category: {category}", *templates])
    return hashlib.sha256(template.encode("utf-8")).hexdigest(), template


def signature(category: str, evidence: list[tuple[int, int, str]]) -> tuple[str, str]:
    """(hex signature, template) from (weight, line index, text) evidence: the strongest, newest lines."""
    strongest = max((weight for weight, _, _ in evidence), default=0)
    chosen = sorted((e for e in evidence if e[0] == strongest), key=lambda e: -e[1])[:MAX_EVIDENCE]
    return digest(category, [text for _, _, text in chosen])


def signed_lines(scan: Scan, decision: Decision, parts: Sequence[Sequence[str]]) -> list[str]:
    """What the signature of this failure hashes (see the module docstring)."""
    if decision.category == "format.check":
        return [f"tool: {decision.tool}"]
    step = [f"step: {scan.step}"] if scan.step else []
    if decision.category.startswith("test.") and scan.failed_tests:
        names = sorted({normalize(name) for name in scan.failed_tests})[:MAX_TESTS]
        return [*(f"test: {name}" for name in names), *step]
    region = [text for block in scan.region for i, text in sorted(block.lines.items()) if i in block.weights]
    if decision.compiled is not None:
        pattern = decision.compiled.pattern
        matched = [text for part in reversed(parts) for text in part if pattern.search(text)]
        # evidence another kind of failure explains (a network retry the job survived) is not this failure
        own = [text for text in region if not _other_kind(text, decision.category)]
        return [*_first(matched), *_strongest(own), *step]
    tail = [text for _, text in scan.tail if not RUNNER_ERROR.match(text)][-TAIL_SIGNED:]
    lines = [*tail, *_strongest(region)]
    if not lines and scan.error is not None:
        lines = [scan.error[1]]
    return [*lines, *step]


def _other_kind(text: str, category: str) -> bool:
    return any(c.row.category != category and c.pattern.search(text) for c in compiled_rows())


def _strongest(lines: Sequence[str]) -> list[str]:
    """The lines of the strongest evidence weight, leaving out the runner's own lines."""
    weighed = [(line_weight(text), text) for text in lines if not RUNNER_ERROR.match(text)]
    strongest = max((w for w, _ in weighed), default=0)
    return _first([text for w, text in weighed if w == strongest and w > 0])


def _first(lines: list[str]) -> list[str]:
    """One line per template, the first MAX_EVIDENCE templates in sorted order (not the newest: which lines
    come last depends on the order parallel output was printed in)."""
    by_template: dict[str, str] = {}
    for text in lines:
        by_template.setdefault(normalize(text), text)
    return [by_template[template] for template in sorted(by_template)[:MAX_EVIDENCE]]
