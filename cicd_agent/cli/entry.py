"""The console script (`agent`, `python -m cicd_agent`): `agent --help` is printed from the text Typer renders,
kept in files beside this module for the terminal widths it is mostly asked at (`tools/cli_help.py` writes them,
`tests/cli/test_help.py` holds them equal to what Typer renders now), without importing Typer, Click or any
command: about twice `python -c pass` instead of five times. Everything else goes to `main`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HELP = (["--help"], ["-h"])
MAX_WIDTH = 100  # the app's `max_content_width`: any terminal this wide or wider gets the same help
KEPT = (80, MAX_WIDTH)  # 80: the width Click assumes without a terminal (a pipe, a file, CI)


def help_file(columns: int) -> Path | None:
    """The kept help for a terminal `columns` wide, if it is kept (Click wraps to min(columns, 100) - 2)."""
    width = min(columns, MAX_WIDTH)
    return Path(__file__).with_name(f"help-{width}.txt") if width in KEPT else None


def run() -> None:
    if sys.argv[1:] in HELP and (path := help_file(shutil.get_terminal_size().columns)) is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""  # not shipped (a partial install): Typer renders it
        if text:
            sys.stdout.write(text)
            sys.exit(0)
    from cicd_agent.cli.main import run as main

    main()
