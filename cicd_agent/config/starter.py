"""What `agent init` writes: every section, commented (a test checks it parses without a problem)."""

from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).with_name("starter.toml")


def starter_config() -> str:
    return STARTER.read_text(encoding="utf-8")
