"""The error excerpt: the few blocks of lines that explain a failure, with their line numbers.

The scan (scan.py) keeps the candidate blocks; here the best are chosen within a line budget. A block's
score is its strongest evidence weight, then how much evidence it holds (capped), then (a little) how
late it comes: summaries come last. The failing step's last output lines, with the runner's line that
ended the step, always come first: they are the failure itself, whatever words the tool used; then all
the block that decided the category; then every block holding a line that explains (weight 4: an
assertion and its diff, a race or crash report with its first frames, a package manager's root cause),
whole up to its head, before any block that only announces or counts failures. While there is budget, no
explaining line a kept block holds is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cicd_agent.analysis import DEFAULT_MAX_LINES
from cicd_agent.analysis.blocks import EXPLAINS, HEAD, Block
from cicd_agent.analysis.stream import Scan

_AFTER = 2  # continuation lines (stack frames, indented detail) kept after a block's last evidence line
TAIL_SHOWN = 6  # of the failing step's last output lines
_RUNNER = ("##[", "Post job cleanup.")  # the runner's own lines end a report
_CONTINUATION = re.compile(r"^[ \t]+(?:at |File \"|\.\.\.|Caused by|\^|~)|^[ \t]{2,}\S|^Caused by:|^[ \t]*\|")


@dataclass(frozen=True)
class ExcerptLine:
    line: int  # 1-based, in the input as split on CRLF, CR or LF
    text: str  # without timestamp prefix and colour codes


@dataclass(frozen=True)
class Span:
    score: float
    strongest: int
    lines: tuple[tuple[int, str], ...]  # (0-based index, text), in log order


def span(block: Block, total: int) -> Span:
    after = block.end
    while after - block.end < _AFTER and _CONTINUATION.match(block.lines.get(after + 1, "")):
        after += 1
    if block.strongest >= EXPLAINS:  # a report: the lines kept under its explaining lines, up to the runner's
        for index in sorted(i for i in block.lines if i > after):
            if block.lines[index].startswith(_RUNNER):
                break
            after = index
    end = min(after, block.start + HEAD - 1)
    while end > block.start and not block.lines.get(end, "").strip():
        end -= 1
    lines = tuple((i, block.lines[i]) for i in range(block.start, end + 1) if i in block.lines)
    score = block.strongest * 20 + min(block.total, 15) + 4 * block.start / max(total, 1)
    return Span(score, block.strongest, lines)


def final_span(scan: Scan, shown: int = TAIL_SHOWN) -> Span | None:
    """The failing step's last output lines and the line that ended it, when the log says which."""
    if scan.error is None:
        return None
    return Span(float("inf"), 3, (*scan.tail[-shown:], scan.error, *scan.follow))


def choose(candidates: list[Span], max_lines: int) -> dict[int, str]:
    """The best spans within the budget. Past half the budget only the strongest join (weight 3 and up when
    there is such evidence: explaining lines do not crowd out the errors themselves)."""
    best = min(max((s.strongest for s in candidates), default=0), 3)
    chosen: dict[int, str] = {}
    for candidate in sorted(candidates, key=lambda s: (-s.score, -s.lines[0][0] if s.lines else 0)):
        fresh = [(i, text) for i, text in candidate.lines if i not in chosen]
        room = max_lines - len(chosen)
        if not fresh or room < 1 or (len(chosen) >= max_lines // 2 and candidate.strongest < best):
            continue
        chosen.update(fresh[:room])
    return chosen


def whole(block: Block) -> Span:
    """All a block kept (the lines after its evidence too): the block that decided the category."""
    return Span(float("inf"), 3, tuple(sorted(block.lines.items())))


def excerpt(
    scan: Scan,
    deciding: Block | None = None,
    *,
    tail_decided: bool = False,
    also: Sequence[tuple[int, str]] = (),
    max_lines: int = DEFAULT_MAX_LINES,
) -> list[ExcerptLine]:
    """The best lines within `max_lines`: the end of the failing step (all the lines kept of it when they
    decided the category), the `deciding` block and the lines in `also` (a deciding warning) first."""
    blocks = scan.blocks or scan.raw_blocks  # everything also happened in the green run: show it anyway
    candidates = [span(block, scan.total) for block in blocks]
    tail = final_span(scan, len(scan.tail) if tail_decided else TAIL_SHOWN)
    extra = Span(float("inf"), 3, tuple(also)) if also else None
    for first in (tail, whole(deciding) if deciding is not None else None, extra):
        if first is not None:
            candidates.append(first)
    chosen = choose(candidates, max_lines)
    return [ExcerptLine(i + 1, chosen[i]) for i in sorted(chosen)]
