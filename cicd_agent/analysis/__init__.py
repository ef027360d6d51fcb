"""Failure analysis: a job log in, the failing step, an excerpt, a category and a signature out.

Pure: no I/O beyond reading the text (or file) handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cicd_agent.analysis.classify import classify
from cicd_agent.analysis.excerpt import (
    BASELINE_PREFILTER,
    DEFAULT_MAX_LINES,
    PREFILTER,
    WINDOW,
    ExcerptLine,
    evidence,
    excerpt,
    keeper,
    succeeded,
    templates,
)
from cicd_agent.analysis.logtext import scan
from cicd_agent.analysis.signature import signature
from cicd_agent.analysis.steps import failing_step

__all__ = ["Analysis", "ExcerptLine", "analyze"]


@dataclass(frozen=True)
class Analysis:
    signature: str  # "" when no failure was found
    template: str
    category: str  # "none" when no failure was found
    failing_step: str | None
    excerpt: list[ExcerptLine]
    category_evidence: str | None
    lines: int

    @property
    def failed(self) -> bool:
        return self.category != "none"

    def to_json(self) -> dict[str, object]:
        return {
            "signature": self.signature,
            "template": self.template,
            "category": self.category,
            "failing_step": self.failing_step,
            "excerpt": [{"line": e.line, "text": e.text} for e in self.excerpt],
        }


def analyze(
    log: str | bytes | Path, baseline: str | bytes | Path | None = None, *, max_lines: int = DEFAULT_MAX_LINES
) -> Analysis:
    """Analyse a job log (text, bytes, or a file read in chunks), optionally against a green baseline."""
    scanned = scan(log, PREFILTER, keep=keeper(), window=WINDOW)
    # The baseline only needs the templates of lines the fail log might share with it: the prefilter's
    # regex alone finds nearly all of them at about half the cost of the full prefilter.
    known = templates(scan(baseline, BASELINE_PREFILTER, keep=keeper(1), window=0)) if baseline is not None else None
    lines = excerpt(scanned, known, max_lines=max_lines)
    raw_evidence = evidence(scanned, None)
    if not raw_evidence or succeeded(scanned, raw_evidence):
        return Analysis("", "", "none", None, [], None, scanned.total)
    texts = [e.text for e in lines] or [scanned.text[i] for i in raw_evidence]
    category, decided_by = classify(texts)
    decisive = max(raw_evidence, key=lambda i: (raw_evidence[i], i))
    step = failing_step(scanned, _error_line(scanned, raw_evidence) or decisive)
    digest, template = signature(category, [(w, i, scanned.text[i]) for i, w in raw_evidence.items()])
    return Analysis(digest, template, category, step, lines, decided_by, scanned.total)


def _error_line(scanned: object, found: dict[int, int]) -> int | None:
    """The first `##[error]` line: GitHub prints it in the step that failed."""
    from cicd_agent.analysis.logtext import Scan

    assert isinstance(scanned, Scan)
    marked = [i for i in sorted(found) if scanned.text[i].startswith("##[error]")]
    return marked[0] if marked else None
