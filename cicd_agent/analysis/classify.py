"""Which category a failure is: the catalogue's rows matched against the final failure, latest part first.

The parts are tried newest first: the failing step's last output lines (with the runner's line that ended
the step), then its evidence blocks from the last to the first. The first part in which any row matches
decides, and within it the first row of the catalogue (specific rows come before general ones). So a
network error the job recovered from earlier in the step does not outrank the compile error at its end.
A summary row (a closing line that points elsewhere) decides only when no older part matches a row.
When no part matches: a row's step pattern on the failing step's title, then the fallback rows
(deprecation warnings) anywhere in the log, else `unknown`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cicd_agent.analysis.catalogue import Compiled, Row, compiled_rows


@dataclass(frozen=True)
class Decision:
    category: str
    tool: str  # "" when unknown
    line: str | None  # the line that decided
    compiled: Compiled | None  # the deciding catalogue row
    part: int  # index of the deciding part in the parts given (-1: decided by step title, warnings or nothing)

    @property
    def row(self) -> Row | None:
        return self.compiled.row if self.compiled is not None else None


UNKNOWN = Decision("unknown", "", None, None, -1)


def first_match(lines: Sequence[str], rows: Iterable[Compiled]) -> tuple[Compiled, str] | None:
    for compiled in rows:
        for text in lines:
            if compiled.pattern.search(text):
                return compiled, text
    return None


def tool_of(compiled: Compiled, lines: Sequence[str]) -> str:
    """The row's tool, refined by its `tool_from` pattern (pre-commit: the hook ids that failed)."""
    if compiled.tool_from is None:
        return compiled.row.tool
    found = sorted({m.group(1) for text in lines if (m := compiled.tool_from.search(text))})
    return f"{compiled.row.tool}:{','.join(found)}" if found else compiled.row.tool


def decide(parts: Sequence[Sequence[str]], step: str | None = None, warnings: Sequence[str] = ()) -> Decision:
    """The category of a failure from its parts, newest first (see the module docstring)."""
    primary = [c for c in compiled_rows() if not c.row.fallback]
    telling = [c for c in primary if not c.row.summary]
    summaries = [c for c in primary if c.row.summary]
    everything = [text for part in parts for text in part]
    deferred: tuple[Compiled, str, int] | None = None
    for number, lines in enumerate(parts):
        found = first_match(lines, telling)
        if found is not None:
            compiled, text = found
            return Decision(compiled.row.category, tool_of(compiled, everything), text, compiled, number)
        if deferred is None and (summary := first_match(lines, summaries)) is not None:
            deferred = (*summary, number)
    if deferred is not None:
        compiled, text, number = deferred
        return Decision(compiled.row.category, tool_of(compiled, everything), text, compiled, number)
    if step:
        for compiled in primary:
            if compiled.step is not None and compiled.step.search(step):
                return Decision(compiled.row.category, compiled.row.tool, step, compiled, -1)
    fallback = first_match(warnings, [c for c in compiled_rows() if c.row.fallback])
    if fallback is not None:
        compiled, text = fallback
        return Decision(compiled.row.category, compiled.row.tool, text, compiled, -1)
    return UNKNOWN


def classify(lines: Iterable[str]) -> tuple[str, str | None]:
    """(category, the line that decided it) for lines taken as one part; `unknown` with no line."""
    texts = list(lines)
    decision = decide([texts], warnings=texts)
    return decision.category, decision.line
