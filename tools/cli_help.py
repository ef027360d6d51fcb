"""Write the help `agent --help` prints without loading Typer (`cicd_agent/cli/entry.py`), as Typer renders it.

    .venv/bin/python tools/cli_help.py

Run after changing a command, an option or the app's help; `tests/cli/test_help.py` fails until then.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.cli.entry import KEPT, help_file, typer_version  # noqa: E402


def rendered(columns: int) -> str:
    """What `agent --help` prints on a terminal `columns` wide, rendered by Typer in a child process (Click
    reads the width once per process)."""
    code = "from cicd_agent.cli.main import invoke; invoke(['--help'])"
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def main() -> None:
    for width in KEPT:
        path = help_file(width)
        assert path is not None
        path.write_text(f"typer {typer_version()}\n" + rendered(width), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
