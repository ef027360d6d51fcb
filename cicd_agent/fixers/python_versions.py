"""Which Python CI runs, read from its log, and which modules that version's standard library has.

The agent's own `sys.stdlib_module_names` is adjusted by the modules each release added or removed (PEP 594
removals in 3.13, distutils and friends in 3.12, ...), so `import distutils` failing on CI's 3.12 is a
missing dependency (setuptools provides it) even when the agent runs 3.11.
"""

from __future__ import annotations

import re
import sys

REMOVED: dict[tuple[int, int], set[str]] = {
    (3, 10): {"formatter", "parser", "symbol"},
    (3, 11): {"binhex"},
    (3, 12): {"asynchat", "asyncore", "distutils", "imp", "smtpd"},
    (3, 13): set(
        [
            "aifc",
            "audioop",
            "cgi",
            "cgitb",
            "chunk",
            "crypt",
            "imghdr",
            "mailcap",
            "msilib",
            "nis",
            "nntplib",
            "ossaudiodev",
            "pipes",
            "sndhdr",
            "spwd",
            "sunau",
            "telnetlib",
            "uu",
            "xdrlib",
            "lib2to3",
        ]
    ),
}
ADDED: dict[tuple[int, int], set[str]] = {
    (3, 9): {"zoneinfo", "graphlib"},
    (3, 11): {"tomllib"},
    (3, 14): {"annotationlib", "compression"},
}
_SEEN = [
    re.compile(r"platform \S+ -- Python (\d+)\.(\d+)"),  # pytest's header
    re.compile(r"hostedtoolcache/Python/(\d+)\.(\d+)"),
    re.compile(r"Successfully set ?up CPython \((\d+)\.(\d+)"),
    re.compile(r"/lib/python(\d)\.(\d+)/"),
]


def ci_python(log: str) -> tuple[int, int] | None:
    """The Python version the failing job ran, as its log shows it (None when it does not say)."""
    for pattern in _SEEN:
        found = pattern.search(log)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def stdlib(version: tuple[int, int]) -> set[str]:
    """The standard library's top-level modules in `version`, from the agent's own adjusted."""
    names = set(sys.stdlib_module_names)
    mine = sys.version_info[:2]
    for release in sorted(set(REMOVED) | set(ADDED)):
        if mine < release <= version:
            names = (names - REMOVED.get(release, set())) | ADDED.get(release, set())
        elif version < release <= mine:
            names = (names - ADDED.get(release, set())) | REMOVED.get(release, set())
    return names
