"""Categories: an ordered list of rules over the excerpt; the first rule a line matches decides.

Rules later match on the category (`format.check` -> the formatter fixer, ...). Add a rule by adding a
`CategoryRule` to `RULES` (order matters: specific before general).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryRule:
    category: str
    pattern: re.Pattern[str]


def _rule(category: str, pattern: str) -> CategoryRule:
    return CategoryRule(category, re.compile(pattern))


RULES: list[CategoryRule] = [
    _rule("actions.deprecated-version", r"uses a deprecated version of|Please update your workflow to use v\d"),
    _rule("timeout", r"exceeded the maximum execution time|has timed out after \d+ minutes|Job timed out"),
    _rule(
        "infra.runner",
        r"lost communication with the server|runner has received a shutdown signal|No space left on device|"
        r"The hosted runner .* lost|The runner .* did not connect",
    ),
    _rule(
        "network.transient",
        r"Read timed out|ReadTimeoutError|ConnectTimeoutError|ECONNRESET|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|"
        r"network aborted|socket hang up|Connection reset by peer|Temporary failure in name resolution|"
        r"Could not resolve host|TLS handshake timeout|returned error: 5\d\d|HTTP Error 5\d\d|502 Bad Gateway|"
        r"503 Service Unavailable|i/o timeout|RemoteDisconnected",
    ),
    _rule(
        "dependency.missing-module",
        r"ModuleNotFoundError: No module named|ImportError: No module named|Cannot find module '|"
        r"cannot find package \"|no required module provides package",
    ),
    _rule(
        "format.check",
        r"[Ww]ould reformat|files? would be reformatted|Code style issues found|prettier --check|"
        r"^Diff in .* at line \d+|gofmt|rustfmt|clang-format|isort .*(?:incorrectly sorted|would)",
    ),
    _rule(
        "dependency.resolution",
        r"ResolutionImpossible|ERESOLVE|Could not find a version that satisfies|No matching distribution found|"
        r"version solving failed|Could not resolve dependencies|unable to resolve dependency",
    ),
    _rule(
        "compile.error",
        r"error TS\d+|error\[E\d+\]|error CS\d+|COMPILATION ERROR|Compilation failure|cannot find symbol|"
        r"undefined reference to|SyntaxError:|IndentationError:|error: expected|\.(?:c|cc|cpp|h|hpp|go|java|kt|"
        r"swift|rs):\d+(?::\d+)?: (?:fatal )?error|compileJava FAILED|Build FAILED",
    ),
    _rule(
        "test.failure",
        r"^FAILED .*::|--- FAIL:|Tests run: \d+, Failures: [1-9]|Tests run: \d+, Failures: \d+, Errors: [1-9]|"
        r"AssertionError|AssertionFailedError|ComparisonFailure|There were failing tests|\d+ failed\b|"
        r"^FAIL[: ]|FAILED \(failures=|tests? failed|:test FAILED|Test.*FAILED|^E {2,}",
    ),
    _rule(
        "lint",
        r"Found \d+ errors?\.|\d+ problems? \(\d+ errors?|flake8|eslint|pylint|ruff check|golangci-lint|"
        r"shellcheck|mypy|: error: .* \[[a-z-]+\]$|^\S+:\d+:\d+: [A-Z]+\d+ |checkstyle|Checkstyle|spotbugs|"
        r"clippy|rubocop|offenses? detected",
    ),
]


def classify(lines: Iterable[str], rules: list[CategoryRule] | None = None) -> tuple[str, str | None]:
    """(category, the line that decided it); `unknown` with no line when no rule matches."""
    texts = list(lines)
    for rule in rules or RULES:
        for text in texts:
            if rule.pattern.search(text):
                return rule.category, text
    return "unknown", None
