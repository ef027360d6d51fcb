"""Rate limits: does a failure's own text say it was rate limited, and how long it says to wait.

A rate limit is transient: a maintainer waits and re-runs. The wait comes from the tool's words where it
states one (Codecov's `Expected time to availability: 1068s`, a `retry-after: 60` header, `Limit may reset
in 30 seconds`, `Reset occurs in 0:00:59`, `will wait for 60s and retry`); otherwise the remediation uses
its default backoff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

RATE_LIMITED = re.compile(
    r"(?i)(?:HTTP(?:/[\d.]+)?|status|code|error|got|returned|received)\W{0,3}429\b|\b429\W{0,3}(?:too many|\(|-)|"
    r"\bcode E429\b|too many requests|toomanyrequests|rate[ -]?limit|throttl|abuse detection|quota exceeded|"
    r"\brate exceeded\b|\bSlowDown\b"
)
_UNITS = {"ms": 0.001, "µs": 0.000001, "us": 0.000001, "h": 3600.0, "hour": 3600.0, "hours": 3600.0}
_UNITS.update(dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0))
_WAIT = re.compile(
    r"(?i)(?:retry[- ]after|time to availability|available in|resets? in|reset occurs in|try again in|"
    r"retry in|wait(?:ing)?(?: for)?|back(?:ing)? off(?: for)?)[\"':=\s]{0,4}"
    r"(?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(ms|µs|us|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?\b)"
)
MAX_WAIT = 6 * 3600.0  # a stated wait longer than this is not waited for (the rate-limit window of the longest)


def rate_limited(lines: Iterable[str]) -> bool:
    return any(RATE_LIMITED.search(text) for text in lines)


def stated_wait(lines: Iterable[str]) -> float | None:
    """The longest wait the lines state, in seconds (capped at MAX_WAIT), or None when none is stated."""
    waits = [_seconds(match) for text in lines for match in _WAIT.finditer(text)]
    return min(max(waits), MAX_WAIT) if waits else None


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds, number, unit = match.groups()
    if hours is not None:
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return float(number) * _UNITS.get((unit or "s").lower(), 1.0)
