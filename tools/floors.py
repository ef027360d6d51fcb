"""The lowest version each runtime dependency declares (`name>=X` -> `name==X`), as pip constraints.

    python tools/floors.py > floors.txt && pip install -c floors.txt -e '.[dev]'

`make test-floor` runs the test suite in a venv built that way, so a declared floor that no longer works
fails CI instead of a user's install (transitive dependencies resolve as pip resolves them for a user).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def floors(pyproject: Path = PYPROJECT) -> list[str]:
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for requirement in dependencies:
        match = re.match(r"^\s*([A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?\s*([^;]*)", requirement)
        if match is None:
            raise SystemExit(f"cannot read the requirement {requirement!r}")
        name, specifiers = match.group(1), match.group(2)
        lowest = re.search(r">=\s*([0-9][^,\s]*)", specifiers)
        if lowest is None:
            raise SystemExit(f"{name} declares no lower bound (>=): every dependency needs a tested floor")
        pins.append(f"{name}=={lowest.group(1)}")
    return pins


if __name__ == "__main__":
    sys.stdout.write("".join(f"{pin}\n" for pin in floors()))
