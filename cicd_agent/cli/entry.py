"""The console script (`agent`, `python -m cicd_agent`): `agent --help` is printed from the text Typer renders,
kept in files beside this module for the terminal widths it is mostly asked at (`tools/cli_help.py` writes them,
`tests/cli/test_help.py` holds them equal to what Typer renders now), without importing Typer, Click or any
command: about the cost of `python -c pass` instead of five times it. Each file names the Typer version that
rendered it (another one may render differently): with another installed, Typer renders the help. Everything
else goes to `main`."""

from __future__ import annotations

import importlib.util
import os
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


def typer_version() -> str | None:
    """The installed Typer's version, from the name of its dist-info folder (`importlib.metadata` would cost
    more than rendering the help)."""
    spec = importlib.util.find_spec("typer")
    if spec is None or spec.origin is None:
        return None
    site = Path(spec.origin).parent.parent
    for name in os.listdir(site):
        if name.startswith("typer-") and name.endswith(".dist-info"):
            return name.removeprefix("typer-").removesuffix(".dist-info")
    return None


def kept_help(columns: int) -> str | None:
    """The kept help for this width, when it was rendered by the Typer installed here."""
    path = help_file(columns)
    try:
        header, _, text = path.read_text(encoding="utf-8").partition("\n") if path else ("", "", "")
    except OSError:
        return None  # not shipped (a partial install): Typer renders it
    return text if text and header == f"typer {typer_version()}" else None


def run() -> None:
    if sys.argv[1:] in HELP and (text := kept_help(shutil.get_terminal_size().columns)) is not None:
        sys.stdout.write(text)
        sys.exit(0)
    from cicd_agent.cli.main import run as main

    main()
