"""Tables for people, lists for scripts.

In a terminal: aligned columns whose long cells wrap and are never cut (a signature shows its 12-character
prefix, which every command accepts). Piped: one tab-separated row per line without a header (as `gh`
does), every value whole, so the output of `agent breaker list` can be fed back to `agent breaker reset`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cicd_agent.cli.context import AppState


@dataclass(frozen=True)
class Column:
    header: str
    keep_whole: bool = False  # never wrapped (ids, short signatures)
    short: int | None = None  # in a terminal, its first N characters (a signature prefix, as git shortens SHAs)


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
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left")
    for column in columns:
        table.add_column(column.header, overflow="fold", no_wrap=column.keep_whole)
    for row in rows:
        table.add_row(*(Text(cell[: c.short] if c.short else cell) for c, cell in zip(columns, row, strict=True)))
    console.print(table)
