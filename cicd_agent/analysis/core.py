"""`analyze`: a job log in, the failing step, an excerpt, a category and a signature out.

Pure: no I/O beyond reading the text, bytes, file or open binary file handed in, once, in chunks (one
pass over the baseline, then one over the log), in memory that does not grow with the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from cicd_agent.analysis import DEFAULT_MAX_LINES
from cicd_agent.analysis.blocks import Block
from cicd_agent.analysis.classify import decide
from cicd_agent.analysis.excerpt import ExcerptLine, excerpt
from cicd_agent.analysis.logtext import Source
from cicd_agent.analysis.signature import digest, signed_lines
from cicd_agent.analysis.stream import TAIL_CLASSIFIED, Scan, baseline_keys, scan


@dataclass(frozen=True)
class Analysis:
    signature: str  # "" when no failure was found
    template: str
    category: str  # "none" when no failure was found
    failing_step: str | None
    excerpt: list[ExcerptLine]
    category_evidence: str | None
    lines: int
    tool: str = ""  # the tool the deciding catalogue row names ("" when none did)

    @property
    def failed(self) -> bool:
        return self.category != "none"

    def to_json(self) -> dict[str, object]:
        return {
            "signature": self.signature,
            "template": self.template,
            "category": self.category,
            "tool": self.tool,
            "failing_step": self.failing_step,
            "excerpt": [{"line": e.line, "text": e.text} for e in self.excerpt],
        }


def analyze(log: Source, baseline: Source | None = None, *, max_lines: int = DEFAULT_MAX_LINES) -> Analysis:
    """Analyse a job log, optionally against the log of the last green run of the same job."""
    known = baseline_keys(baseline) if baseline is not None else None
    scanned = scan(log, known)
    if scanned.strongest == 0 or scanned.succeeded():
        return Analysis("", "", "none", None, [], None, scanned.total)
    parts = final_parts(scanned)
    texts = [lines for lines, _ in parts]
    decision = decide(texts, scanned.step, [text for _, text in scanned.warnings])
    digest_, template = digest(decision.category, signed_lines(scanned, decision, texts))
    deciding = parts[decision.part][1] if decision.part >= 0 else None
    tail_decided = decision.part >= 0 and deciding is None
    warning = [(i, text) for i, text in scanned.warnings if text == decision.line][:1]
    lines = excerpt(scanned, deciding, tail_decided=tail_decided, also=warning, max_lines=max_lines)
    return Analysis(
        digest_, template, decision.category, scanned.step, lines, decision.line, scanned.total, decision.tool
    )


def final_parts(scanned: Scan) -> list[tuple[list[str], Block | None]]:
    """The final failure's parts, newest first: the failing step's last output lines with the line that
    ended it, then its evidence blocks from the last to the first (each with its block)."""
    tail = [text for _, text in scanned.tail[-TAIL_CLASSIFIED:]]
    if scanned.error is not None:
        tail += [scanned.error[1], *(text for _, text in scanned.follow)]
    blocks: list[tuple[list[str], Block | None]] = [
        ([block.lines[i] for i in sorted(block.lines)], block) for block in reversed(scanned.region)
    ]
    return [(tail, None), *blocks] if tail else blocks
