"""Normalisation: the parts of a log line that a re-run changes become placeholders.

What identifies a failure stays: exception types, message words, test, module and file names. What a
re-run changes goes: dates, times, durations, paths' directories, line and column numbers, addresses,
UUIDs, hashes, IPs, ports, PIDs, counters, and the per-request tokens services print for support (GitHub's
`request ID 8E2A:3C91F:1A77B0C:1B2F4D1:67D0A1F2`, `x-request-id`, trace and correlation ids, AWS request
ids, CloudFront ids). Order matters: the most specific patterns run first.
"""

from __future__ import annotations

import functools
import re

from cicd_agent.analysis.logtext import ANSI, PREFIX

_RULES: list[tuple[re.Pattern[str], str]] = [
    # a labelled per-request token: the label stays, its value goes (whatever shape the service gives it)
    (
        re.compile(
            r"(?i)\b((?:x-)?(?:github-|amz-|amzn-)?(?:request|req|trace|span|correlation|activity|operation|tracking|"
            r"transaction|invocation|execution|cf)[-_ ]?id|traceparent|cf-ray)\b([\"']?\s*[:=#]?\s*[\"']?\s*)"
            r"(?=[\w./:+=-]*\d)[\w./:+=-]{6,}"
        ),
        r"\1\2<ID>",
    ),
    # GitHub's request id, wherever it appears: hex groups joined by colons
    (re.compile(r"\b[0-9A-Fa-f]{3,8}(?::[0-9A-Fa-f]{3,12}){3,6}\b"), "<REQID>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<TS>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<DATE>"),
    (re.compile(r"\b\d{1,2}:\d\d:\d\d(?:[.,]\d+)?\b"), "<TIME>"),
    (re.compile(r"\bgw\d+\b"), "gw<N>"),  # pytest-xdist workers: which one ran a test changes every run
    (re.compile(r"\btmp[a-z0-9_]{8}\b"), "tmp<TMP>"),  # Python's tempfile names
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<ADDR>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "<IP>"),
    # paths: keep the file name, drop the directories (workspace, temp dirs, home, runner paths)
    (re.compile(r"[A-Za-z]:\\(?:[^\\\s:\"'<>|]+\\)+"), "<PATH>/"),
    (re.compile(r"(?:file://)?(?:~|\.{1,2})?(?:/[\w.@+~%-]+)+/"), "<PATH>/"),
    # hex ids (digits and letters a-f, either case), also between `_` or `-` and wherever the digits are
    (
        re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,64}(?![0-9A-Za-z])"),
        "<HEX>",
    ),
    (re.compile(r"\d{6,}"), "<N>"),  # long numbers inside names: build ids, temp script names (jenkins123...sh)
    (re.compile(r"(\.\w{1,10})[:(\[](\d+)(?:[:,](\d+))?[)\]]?"), r"\1:<LINE>"),
    (re.compile(r"(?:\blocalhost|<IP>|\b[\w-]+\.[\w.-]+):\d{2,5}\b"), "<HOST>:<PORT>"),
    (re.compile(r"\b(port|pid|PID|thread|Thread|process)([ =:#]+)\d+"), r"\1\2<N>"),
    (re.compile(r"\b(?:\d+(?:\.\d+)?(?:h|m|s|ms|µs|us|ns)){2,}\b"), "<DUR>"),  # Go's and kubectl's 2m5s, 1h0m3.5s
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b"), "<DUR>"),
    (re.compile(r"<DUR>(?: <DUR>)+"), "<DUR>"),  # 4m 12s and 58s are one duration
    (re.compile(r"\b\d+(?:\.\d+)?%"), "<PCT>"),
    (re.compile(r"\b\d+/\d+\b"), "<N>/<N>"),
    (re.compile(r"\b(line|col|column|row)\s+\d+\b", re.IGNORECASE), r"\1 <N>"),
    (re.compile(r"\[\d+,\d+\]"), "[<LINE>]"),
    (re.compile(r"\b\d+\b"), "<N>"),  # counts (files, tests, attempts) change as a project grows
    # how many things passed says nothing about what failed, and changes with every new test or file
    (
        re.compile(
            r",?[ \t]*<N> (?:files? )?(?:passed|passing|skipped|deselected|warnings?|xfailed|xpassed|"
            r"already formatted|(?:would be )?left unchanged|unchanged|succeeded|up-to-date)\b"
        ),
        "",
    ),
    (re.compile(r"[ \t]+"), " "),
]


@functools.lru_cache(maxsize=4096)
def normalize(line: str) -> str:
    """The template of one line (already stripped of its log prefix or not: both work)."""
    line = PREFIX.sub("", line, count=1)
    if "\x1b" in line or "[" in line:
        line = ANSI.sub("", line)
    for pattern, replacement in _RULES:
        line = pattern.sub(replacement, line)
    return line.strip()


KEY_LENGTH = 256


def key(line: str) -> bytes:
    """A cheap stand-in for the template, for counting repeats and matching baseline lines: the line's
    head without its digits (timestamps, counts, line numbers, ports, durations). Two C calls."""
    return line[:KEY_LENGTH].encode("utf-8", "surrogatepass").translate(None, b"0123456789")
