"""Evidence lines into blocks, and which blocks are kept: a bounded number, whatever the log.

Evidence lines at most GAP apart form a block. A block keeps the text of its first HEAD lines only (and
KEEP_AFTER lines after each of their evidence lines, KEEP_REPORT after a line that explains); once its score
cannot grow (its head is kept, its strongest weight is 3 and its sum is capped) further lines only move its
end. A block holding a line that explains (weight 4) never saturates, and such a line past a block's head
starts a block of its own, so none is ever out of the excerpt's reach. Closed blocks are kept per score
class, the newest RETAIN of each, and classes that no excerpt could reach are forgotten.
"""

from __future__ import annotations

from collections import deque

from cicd_agent.analysis.logtext import Kept, Lines, cleaned

GAP = 3  # evidence lines at most this far apart belong to one block
HEAD = 12  # a block keeps the text of at most this many lines from its start (the first lines say the most)
KEEP_AFTER = 3  # lines kept after each kept evidence line (continuations, a pre-commit hook's details)
KEEP_REPORT = 10  # ...and after a line that explains (weight 4): the diff or stack under an assertion or race
EXPLAINS = 4  # the weight of a line that explains a failure (evidence.py)
RETAIN = 64  # closed blocks kept per score class
RECENT = 16  # the newest closed blocks, where the final failure is looked for
_PRUNE_EVERY = 256  # closed blocks between two prunings of the score classes no excerpt can reach


def score_class(strongest: int, total: int) -> int:
    return strongest * 10 + min(total, 15)


class Block:
    """Evidence lines at most GAP apart. `lines` holds the text of lines start..min(end, start+HEAD-1) and
    up to KEEP_AFTER lines after each of their evidence lines; `weights` the evidence among them."""

    __slots__ = ("_raw", "end", "lines", "saturated", "start", "step", "strongest", "total", "weights")

    def __init__(self, index: int, weight: int, step: str | None) -> None:
        self.start = self.end = index
        self.total = self.strongest = weight
        self.step = step
        self.lines: dict[int, str] = {}
        self.weights: dict[int, int] = {}
        self.saturated = False
        self._raw: dict[int, Kept] = {}  # lines kept as read, cleaned only if the block is kept to the end

    @property
    def score_class(self) -> int:
        return score_class(self.strongest, self.total)

    def keep_raw(self, index: int, line: Kept) -> None:
        if index not in self.lines:
            self._raw[index] = line

    def settle(self) -> Block:
        """Clean the lines kept as read (once: blocks that are dropped never pay for it)."""
        for index, line in self._raw.items():
            self.lines.setdefault(index, cleaned(line))
        self._raw.clear()
        return self


class Builder:
    """Groups evidence lines into blocks and keeps the few that can matter."""

    def __init__(self) -> None:
        self.open: Block | None = None
        self.by_class: dict[int, deque[Block]] = {}
        self.recent: deque[Block] = deque(maxlen=RECENT)
        self.pending: list[tuple[Block, int, int]] = []  # (block, first line, last line) still to read
        self.closed = 0

    def add(self, index: int, weight: int, text: str, step: str | None, lines: Lines, base: int) -> None:
        block = self.open
        # a line that explains, past the head of the block it would join, starts a block of its own: no
        # explaining line is ever out of reach of the excerpt (blocks holding one never saturate)
        beyond = block is not None and weight >= EXPLAINS and index >= block.start + HEAD
        if block is not None and index - block.end <= GAP and not beyond:
            block.end = index
            block.total += weight
            block.strongest = max(block.strongest, weight)
        else:
            if block is not None:
                self.close()
            block = self.open = Block(index, weight, step)
        if index < block.start + HEAD:
            block.weights[index] = weight
            block.lines[index] = text
            block._raw.pop(index, None)
            after = KEEP_REPORT if weight >= EXPLAINS else KEEP_AFTER
            self._keep(block, index + 1, index + after, lines, base)
        block.saturated = block.strongest == 3 and block.total >= 15 and index >= block.start + HEAD

    def extend(self, index: int) -> None:
        """A line in a saturated block's run: only its end moves."""
        assert self.open is not None
        self.open.end = index

    def _keep(self, block: Block, first: int, last: int, lines: Lines, base: int) -> None:
        for index in range(first, last + 1):
            if index - base >= lines.count:
                self.pending.append((block, index, last))
                return
            block.keep_raw(index, lines.kept(index - base))

    def fill(self, lines: Lines, base: int) -> None:
        pending, self.pending = self.pending, []
        for block, first, last in pending:
            self._keep(block, first, last, lines, base)

    def close(self) -> None:
        block, self.open = self.open, None
        if block is None:
            return
        kept = self.by_class.get(block.score_class)
        if kept is None:
            kept = self.by_class[block.score_class] = deque(maxlen=RETAIN)
        kept.append(block)
        self.recent.append(block)
        self.closed += 1
        if self.closed % _PRUNE_EVERY == 0:
            self._prune()

    def _prune(self) -> None:
        """Forget score classes that RETAIN blocks of classes more than 4 higher outrank: a block's place
        in the log adds less than 4 to its score, so no excerpt could choose them."""
        for low in sorted(self.by_class):
            if sum(len(kept) for high, kept in self.by_class.items() if high > low + 4) >= RETAIN:
                del self.by_class[low]

    def blocks(self) -> list[Block]:
        """Every kept block (the open one included), in log order."""
        found = {id(b): b for kept in self.by_class.values() for b in kept}
        if self.open is not None:
            found[id(self.open)] = self.open
        return sorted((b.settle() for b in found.values()), key=lambda b: b.start)

    def newest(self, after: int) -> list[Block]:
        """The newest blocks that end after line `after`, in log order."""
        found = [b for b in self.recent if b.end > after]
        if self.open is not None and self.open.end > after:
            found.append(self.open)
        return found  # settled by `Scan`'s maker: a block still open may still keep lines
