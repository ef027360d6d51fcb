"""The category catalogue, loaded from its data file (`catalogue.toml` beside this module) once and
validated at load: what CI tools print when they fail, and what that failure is.

Each row: the category (what the rules match on), the tool, a pattern over log lines, example lines as
real logs print them (a test checks each example is classified by its own row), and the strategy the
built-in rules give the category. Rows are in priority order: when several rows match lines of the same
part of a log, the first row wins, so specific rows come before general ones. docs/categories.md is
generated from the catalogue by `markdown()` (`python -m cicd_agent.analysis.catalogue`).

A row marked `general` is a general detector (what any tool may say: out of memory, a crash by signal, a
coverage threshold, a rate limit, a full disk, a lockfile out of date); general rows come first.
A row marked `fallback` (deprecation warnings) only decides when nothing else in the failing step did:
GitHub prints those warnings in jobs that fail for other reasons. A row's `step` pattern is tried on the
failing step's title when its output has no recognisable line (`gofmt -l` prints only file names).
A row marked `summary` is a tool's closing line that points elsewhere (`FAIL <package>`, `Compilation
error. See log for more details`): it decides only when no older part of the final failure matches a row,
so the daemon that vanished or the runtime that aborted before it is what the failure is called.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("catalogue.toml")
RERUN, FIX, REPORT = "rerun", "fix", "report"
STRATEGIES = (RERUN, FIX, REPORT)
_ROW_KEYS = {"category", "tool", "pattern", "examples", "step", "tool_from", "fallback", "general", "summary"}


class CatalogueError(ValueError):
    """The data file breaks a rule; the message names the row and the key."""


@dataclass(frozen=True)
class Category:
    name: str
    strategy: str
    description: str


@dataclass(frozen=True)
class Row:
    category: str
    tool: str
    pattern: str
    examples: tuple[str, ...]
    strategy: str
    step: str = ""  # a pattern over the failing step's title, for tools whose output names no failure
    tool_from: str = ""  # a pattern whose group(1) over the matched lines refines the tool (a hook id)
    fallback: bool = False
    general: bool = False  # a general detector: what any tool may say, tried before each tool's own phrases
    summary: bool = False  # a summary pointing elsewhere: decides only when no older part says more


@dataclass(frozen=True)
class Compiled:
    row: Row
    pattern: re.Pattern[str]
    step: re.Pattern[str] | None
    tool_from: re.Pattern[str] | None


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, Category]
    rows: tuple[Row, ...]


def parse(data: dict[str, Any]) -> Catalogue:
    """The catalogue from the data file's tables, or `CatalogueError` naming what is wrong."""
    categories: dict[str, Category] = {}
    for name, table in data.get("categories", {}).items():
        strategy, description = table.get("strategy"), table.get("description")
        if strategy not in STRATEGIES:
            raise CatalogueError(f"categories.{name}.strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
        if not isinstance(description, str) or not description.strip():
            raise CatalogueError(f"categories.{name}.description: every category is described")
        categories[name] = Category(name, strategy, description)
    rows = tuple(_row(i, table, categories) for i, table in enumerate(data.get("rows", [])))
    unused = set(categories) - {row.category for row in rows}
    if unused:
        raise CatalogueError(f"categories without a row: {', '.join(sorted(unused))}")
    return Catalogue(categories, rows)


def _row(index: int, table: dict[str, Any], categories: dict[str, Category]) -> Row:
    where = f"rows[{index}]"
    unknown = set(table) - _ROW_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    category = table.get("category")
    if category not in categories:
        raise CatalogueError(f"{where}.category: {category!r} has no [categories.{category}] table")
    examples = table.get("examples")
    if not isinstance(examples, list) or not examples or not all(isinstance(e, str) for e in examples):
        raise CatalogueError(f"{where}.examples: a list of at least one line from a real log")
    for key in ("pattern", "step", "tool_from"):
        try:  # compiled as `compiled_rows` compiles it: that one is then `re`'s cached copy, not a second compile
            re.compile(table.get(key, ""), 0 if key == "step" else re.MULTILINE)
        except (re.error, TypeError) as exc:
            raise CatalogueError(f"{where}.{key}: not a regular expression ({exc})") from None
    if not table.get("pattern") or not isinstance(table.get("tool"), str):
        raise CatalogueError(f"{where}: a row needs a tool and a pattern")
    return Row(
        category,
        table["tool"],
        table["pattern"],
        tuple(examples),
        categories[category].strategy,
        step=table.get("step", ""),
        tool_from=table.get("tool_from", ""),
        fallback=bool(table.get("fallback", False)),
        general=bool(table.get("general", False)),
        summary=bool(table.get("summary", False)),
    )


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue (read on first use: `agent --help` does not pay for it)."""
    with DATA.open("rb") as handle:
        return parse(tomllib.load(handle))


def rows() -> tuple[Row, ...]:
    return catalogue().rows


def strategy() -> dict[str, str]:
    """Each category's strategy under the built-in rules."""
    return {name: category.strategy for name, category in catalogue().categories.items()}


@functools.cache
def compiled_rows() -> tuple[Compiled, ...]:
    """The rows with their patterns compiled (once, on first use)."""
    return tuple(
        Compiled(
            row,
            re.compile(row.pattern, re.MULTILINE),
            re.compile(row.step) if row.step else None,
            re.compile(row.tool_from, re.MULTILINE) if row.tool_from else None,
        )
        for row in rows()
    )


def markdown() -> str:
    """The catalogue as Markdown (docs/categories.md)."""
    lines = [
        "# Failure categories",
        "",
        "Generated from the catalogue, `cicd_agent/analysis/catalogue.toml` (a test checks that this file is",
        "current; regenerate it with `python -m cicd_agent.analysis.catalogue > docs/categories.md`).",
        "",
        "How a failure gets its category: the final failure is the failing step's last output lines (with the",
        "runner's `##[error]` line that ended the step) and that step's evidence blocks. They are tried newest",
        "first; the first of them in which any row matches decides, and within it the first row of the table",
        "below (rows are in priority order, specific before general). A network error the job recovered from",
        "earlier in the step therefore does not outrank the compile error at its end. A *summary* row (a tool's",
        "closing line that points elsewhere: `FAIL <package>`, `Compilation error. See log for more details`)",
        "decides only when no older part matches a row: what it summarises (a crash, a vanished daemon) names",
        "the failure. When nothing matches: a row's step pattern against the failing step's title (`gofmt -l`",
        "prints only file names; `--fail-under-lines` names a coverage threshold; `lint` names a linter), then the",
        "*fallback* rows (GitHub's deprecation warnings, printed in jobs that fail for other reasons) anywhere",
        "in the log, else `unknown`.",
        "",
        "The strategy is what the built-in rules (`cicd_agent/remediation/rules.py`) do with the category;",
        "rules in the configuration come first.",
        "",
        "## Categories",
        "",
        "| category | strategy (built-in rules) | what it means |",
        "|---|---|---|",
    ]
    for category in catalogue().categories.values():
        lines.append(f"| `{category.name}` | {category.strategy} | {_cell(category.description)} |")
    lines += [
        "",
        "## General detectors",
        "",
        "What any tool may say when it fails this way, in any tool's words (case-insensitive where tools differ",
        "in case), tried before the tool-specific rows of the same part of the log: a failure is recognised by",
        "its class, not by a list of the phrases seen so far. A rate limit is `network.transient`: the re-run",
        "waits for the time the log states (`Expected time to availability: 1068s`, `retry-after`), or",
        "`[reruns] rate_limit_backoff`.",
        "",
        "| category | strategy | detects | example |",
        "|---|---|---|---|",
    ]
    for row in rows():
        if row.general:
            lines.append(f"| `{row.category}` | {row.strategy} | `{_cell(row.pattern)}` | `{_cell(row.examples[0])}` |")
    lines += [
        "",
        "## Rows",
        "",
        "| category | tool | pattern | example from a real log |",
        "|---|---|---|---|",
    ]
    for row in rows():
        tool = row.tool + (" (fallback)" if row.fallback else "") + (" (general)" if row.general else "")
        tool += " (summary)" if row.summary else ""
        lines.append(f"| `{row.category}` | {tool} | `{_cell(row.pattern)}` | `{_cell(row.examples[0])}` |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":
    print(markdown(), end="")
