"""`analyze`: a job log in, the failing step, an excerpt, a category and a signature out.

Pure: no I/O beyond reading the text, bytes, file or open binary file handed in, once, in chunks (one
pass over the baseline, then one over the log), in memory that does not grow with the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cicd_agent.analysis import DEFAULT_MAX_LINES
from cicd_agent.analysis.blocks import Block
from cicd_agent.analysis.classify import decide
from cicd_agent.analysis.evidence import line_weight
from cicd_agent.analysis.excerpt import ExcerptLine, excerpt
from cicd_agent.analysis.logtext import Source
from cicd_agent.analysis.signature import digest, signed_lines
from cicd_agent.analysis.stream import RUNNER_ERROR, TAIL_CLASSIFIED, Scan, baseline_keys, scan
from cicd_agent.analysis.waits import rate_limited, stated_wait

_EXIT_CODE = re.compile(r"exit code (-?\d+)")


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
    exit_code: int | None = None  # the failing step's, as the runner printed it
    last_error: str | None = None  # the failing step's own last error line (its last line when none says so)
    failed_tests: tuple[str, ...] = ()  # the failing tests the failing step names, sorted
    rate_limited: bool = False  # a transient failure that says it was rate limited: re-run after a wait
    retry_after: float | None = None  # the wait it states, in seconds (None: none stated, a default applies)
    failed_at: float | None = None  # when the failing step ended, by the log's own timestamps (epoch seconds)

    @property
    def failed(self) -> bool:
        return self.category != "none"

    @property
    def command(self) -> str | None:
        """The failing step's command (its title without the runner's `Run `)."""
        step = self.failing_step
        return step[4:] if step and step.startswith("Run ") else step

    @property
    def summary(self) -> str:
        """One line a person reads first. An `unknown` failure still names the failing command, its exit
        code and its own last error."""
        if not self.failed:
            return "no failure found"
        if self.category != "unknown":
            tool = f" ({self.tool})" if self.tool else ""
            why = f": {self.category_evidence}" if self.category_evidence else ""
            return f"{self.category}{tool}{why}"
        command = f"`{self.command}`" if self.command else "the failing step"
        code = f" exited with code {self.exit_code}" if self.exit_code is not None else " failed"
        last = f"; its last error: {self.last_error}" if self.last_error else ""
        return f"unknown: {command}{code}{last}"

    def to_json(self) -> dict[str, object]:
        return {
            "signature": self.signature,
            "template": self.template,
            "category": self.category,
            "tool": self.tool,
            "failing_step": self.failing_step,
            "summary": self.summary,
            "exit_code": self.exit_code,
            "failed_tests": list(self.failed_tests),
            "rate_limited": self.rate_limited,
            "retry_after": self.retry_after,
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
    limited = decision.category == "network.transient" and rate_limited(t for part in texts for t in part)
    return Analysis(
        digest_,
        template,
        decision.category,
        scanned.step,
        lines,
        decision.line,
        scanned.total,
        decision.tool,
        exit_code=exit_code(scanned),
        last_error=last_error(scanned),
        failed_tests=tuple(scanned.failed_tests),
        rate_limited=limited,
        retry_after=stated_wait(t for part in texts for t in part) if limited else None,
        failed_at=scanned.error_at,
    )


def exit_code(scanned: Scan) -> int | None:
    """The exit code the runner's line that ended the failing step gives, if it gives one."""
    found = _EXIT_CODE.search(scanned.error[1]) if scanned.error is not None else None
    return int(found.group(1)) if found else None


def last_error(scanned: Scan) -> str | None:
    """The failing step's own last line that says something broke, else its last output line."""
    own = [text.strip() for _, text in scanned.tail if not RUNNER_ERROR.match(text) and text.strip()]
    said = [text for text in own if line_weight(text)]
    return (said or own)[-1] if own else None


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
