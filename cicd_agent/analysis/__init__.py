"""Failure analysis: a job log in, the failing step, an excerpt, a category and a signature out.

Pure: no I/O beyond reading the text (or file) handed in.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
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

PARALLEL_BASELINE_BYTES = 16 * 1024 * 1024


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
    if isinstance(baseline, Path) and _size(baseline) >= PARALLEL_BASELINE_BYTES:
        # A big baseline is read by a second process while this one reads the log (both are CPU-bound).
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending = pool.submit(baseline_templates, baseline)
            scanned = scan(log, PREFILTER, keep=keeper(), window=WINDOW)
            known: set[str] | None = pending.result()
    else:
        scanned = scan(log, PREFILTER, keep=keeper(), window=WINDOW)
        known = baseline_templates(baseline) if baseline is not None else None
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


def baseline_templates(baseline: str | bytes | Path) -> set[str]:
    """The templates of a green log's evidence lines. Its lines only need to be found when the failing log
    might share them: the prefilter's regex alone finds nearly all, at about half the full prefilter's cost."""
    return templates(scan(baseline, BASELINE_PREFILTER, keep=keeper(1), window=0))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _error_line(scanned: object, found: dict[int, int]) -> int | None:
    """The first `##[error]` line: GitHub prints it in the step that failed."""
    from cicd_agent.analysis.logtext import Scan

    assert isinstance(scanned, Scan)
    marked = [i for i in sorted(found) if scanned.text[i].startswith("##[error]")]
    return marked[0] if marked else None
