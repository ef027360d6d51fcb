"""The notes of a release: check that the tag names pyproject's version, print its CHANGELOG.md section.

    python tools/release_notes.py v0.1.0 > notes.md

Exits non-zero (and says why) when the tag and the version differ or CHANGELOG.md has no `## X.Y.Z` section,
so a tag pushed by mistake publishes nothing.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notes(tag: str, root: Path = ROOT) -> str:
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    if tag != f"v{version}":
        raise SystemExit(f"tag {tag} does not match pyproject.toml's version {version} (expected v{version})")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(version)}\b.*?\n(.*?)(?=^## |\Z)", changelog, re.MULTILINE | re.DOTALL)
    if match is None or not match.group(1).strip():
        raise SystemExit(f"CHANGELOG.md has no section `## {version}`: write the release notes first")
    return match.group(1).strip() + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: release_notes.py vX.Y.Z")
    sys.stdout.write(notes(sys.argv[1]))
