"""Rendering untrusted text (log lines, branch names) where GitHub or a chat would interpret it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

ZWSP = "\u200b"
BODY_LIMIT = 65_536


def break_mentions(text: str) -> str:
    """`@user`, `@org/team` and `#123` would notify or link: a zero-width space after `@`/`#` stops it."""
    text = re.sub(r"@(?=[A-Za-z0-9])", "@" + ZWSP, text)
    return re.sub(r"#(?=\d)", "#" + ZWSP, text)


def fenced(text: str) -> str:
    """A code block no line of `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def inline(text: str) -> str:
    """One untrusted line inside Markdown prose (titles, list items)."""
    return break_mentions(re.sub(r"[`*_\[\]<>|]", lambda m: "\\" + m.group(0), text.replace("\n", " ")))


def metadata_comment(data: dict[str, object]) -> str:
    """Machine-readable metadata in an HTML comment that no value can close."""
    payload = json.dumps(data, sort_keys=True).replace("--", "\\u002d\\u002d").replace(">", "\\u003e")
    return f"<!-- cicd-agent {payload} -->"


def read_metadata(body: str) -> dict[str, Any] | None:
    match = re.search(r"<!-- cicd-agent (\{.*?\}) -->", body or "", re.DOTALL)
    if not match:
        return None
    try:
        value = json.loads(match.group(1))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def clip(text: str, limit: int = BODY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n(truncated to fit GitHub's 65,536-character limit)"
    return text[: limit - len(note)] + note


def iso8601(ts: float | None) -> str | None:
    """A time for machines: ISO 8601, UTC, to the second (`2026-11-01T12:00:00Z`); None for "never"."""
    if not ts:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
