"""Tables for people, lists for scripts.

In a terminal: aligned columns that fit its width (80 columns at least). Long cells wrap between words, never
inside one; a word wider than its column, or a cell that must stay whole (an id, a state), is cut with a marker
(`…`). A signature shows its 12-character prefix, which every command accepts. Piped: one tab-separated row per
line without a header (as `gh` does), every value whole, so the output of `agent breaker list` can be fed back
to `agent breaker reset`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cicd_agent.cli.context import AppState

MARKER = "…"  # where a cell was cut
GAP = "  "
MIN_WIDTH = 80  # a table is laid out for at least this many columns, even in a narrower terminal


@dataclass(frozen=True)
class Column:
    header: str
    keep_whole: bool = False  # never wrapped (ids, states): cut with the marker when it must shrink
    short: int | None = None  # in a terminal, its first N characters (a signature prefix, as git shortens SHAs)
    terminal: bool = True  # False: only in piped output (a detail a script needs, too wide for a terminal)
    time: bool = False  # an ISO 8601 time (or "-"): whole when piped, "11-01 12:00Z" (this year's) in a terminal


def short_time(iso: str, year: str) -> str:
    """An ISO 8601 UTC time for a terminal column: without its year and seconds when it is `year`'s."""
    if len(iso) < 16 or iso[10] != "T":
        return iso
    return f"{iso[5:10]} {iso[11:16]}Z" if iso.startswith(year) else iso[:10]


def cut(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut with the marker when longer."""
    if len(text) <= width:
        return text
    return text[: max(width - len(MARKER), 0)] + MARKER if width > 0 else ""


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken between words only; a word wider than that is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        word = cut(word, width)
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line or not lines else lines


def _longest_word(texts: list[str]) -> int:
    return max((len(word) for text in texts for word in text.split()), default=0)


def widths(columns: list[Column], rows: list[list[str]], width: int) -> tuple[list[int], str]:
    """Each column's width, and the gap between columns, so the table fits `width`: every column as wide as its
    longest cell when that fits; else the widest wrapping columns narrow first, down to their longest word (and
    the gap to one space); then words must be cut: the widest wrapping column first, the whole-kept ones last,
    none below two characters. Headers wrap between words."""
    header_words = [_longest_word([c.header]) for c in columns]
    longest = [max([header_words[i], *(len(r[i]) for r in rows)]) for i in range(len(columns))]
    natural = [max(len(c.header), longest[i]) for i, c in enumerate(columns)]
    floors = [
        longest[i] if c.keep_whole else max(_longest_word([c.header, *(r[i] for r in rows)]), 1)
        for i, c in enumerate(columns)
    ]
    gap = GAP if sum(floors) + len(GAP) * (len(columns) - 1) <= width else " "
    room = width - len(gap) * (len(columns) - 1)
    sizes = list(natural)
    while sum(sizes) > room:
        wrapping = [i for i in range(len(columns)) if sizes[i] > floors[i]]
        if not wrapping:
            break
        sizes[max(wrapping, key=lambda i: sizes[i])] -= 1
    while sum(sizes) > room:  # words must be cut
        cuttable = [i for i in range(len(columns)) if sizes[i] > len(MARKER) + 1]
        if not cuttable:
            break
        sizes[max(cuttable, key=lambda i: (not columns[i].keep_whole, sizes[i]))] -= 1
    return sizes, gap


def _lines(columns: list[Column], row: list[str], sizes: list[int], gap: str, *, header: bool = False) -> list[str]:
    cells = [
        [cut(" ".join(cell.split()), n)] if c.keep_whole and not header else wrap(cell, n)
        for c, cell, n in zip(columns, row, sizes, strict=True)
    ]
    return [
        gap.join((cell[k] if k < len(cell) else "").ljust(n) for cell, n in zip(cells, sizes, strict=True)).rstrip()
        for k in range(max(len(cell) for cell in cells))
    ]


def _shown(column: Column, cell: str, year: str) -> str:
    if column.time:
        return short_time(cell, year)
    return cell[: column.short] if column.short else cell


def render(columns: list[Column], rows: list[list[str]], width: int) -> list[str]:
    """The table's lines (header, rule, rows) in `width` characters (at least MIN_WIDTH); the columns only
    piped output shows are left out (pure)."""
    keep = [i for i, c in enumerate(columns) if c.terminal]
    columns = [columns[i] for i in keep]
    year = time.strftime("%Y", time.gmtime())
    shown = [[_shown(columns[k], row[i], year) for k, i in enumerate(keep)] for row in rows]
    sizes, gap = widths(columns, shown, max(width, MIN_WIDTH))
    lines = _lines(columns, [c.header for c in columns], sizes, gap, header=True)
    lines.append(gap.join("-" * n for n in sizes))
    for row in shown:
        lines += _lines(columns, row, sizes, gap)
    return lines


def print_table(state: AppState, columns: list[Column], rows: list[list[str]], *, title: str | None = None) -> None:
    if state.json:
        return
    from cicd_agent.text import terminal

    rows = [[terminal(cell, newlines=False) for cell in row] for row in rows]  # strangers' names: no escapes
    console = state.console(stderr=False)
    if not console.is_terminal:
        for row in rows:
            sys.stdout.write("\t".join(" ".join(cell.split()) for cell in row) + "\n")
        sys.stdout.flush()
        return
    width = max(console.width, MIN_WIDTH)
    out = [*(wrap(title, width) if title else []), *render(columns, rows, width)]
    console.print("\n".join(out), markup=False, soft_wrap=True)


def hanging(line: str, width: int, indent: int = 4) -> list[str]:
    """One line for people in `width` characters: wrapped between words, the lines after the first indented
    (past the line's own leading spaces), a word too wide cut with the marker (pure)."""
    lead = len(line) - len(line.lstrip(" "))
    first, *rest = wrap(line, width - lead) or [""]
    if not rest:
        return [" " * lead + first]
    more = wrap(" ".join(rest), width - lead - indent)
    return [" " * lead + first, *(" " * (lead + indent) + part for part in more)]


def print_lines(state: AppState, lines: list[str]) -> None:
    """A command's result as lines for people (stdout): in a terminal each fits its width (`hanging`); piped,
    each line whole."""
    if state.json:
        return
    from cicd_agent.text import terminal

    console = state.console(stderr=False)
    safe = [terminal(line, newlines=False) for line in lines]
    if console.is_terminal:
        width = max(console.width, MIN_WIDTH)
        safe = [part for line in safe for part in hanging(line, width)]
    for line in safe:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
