"""A guard against fixes that weaken checks: every plan (a built-in fixer's or a configured command's) is
refused when it makes CI pass by looking away instead of fixing.

Refused, with the file and line named: an added `continue-on-error`, `|| true`, `set +e`, `if: false`,
`--no-verify`, a skip or xfail marker (pytest, unittest, Jest/Mocha/Vitest, Go, Rust), a suppression comment
(`# noqa`, `type: ignore`, `eslint-disable`, `@ts-ignore`, `//nolint`, ...); a coverage or lint threshold
lowered (or removed), a lint rule newly ignored or disabled; a test file deleted or holding fewer tests; a
workflow losing a job, a step, a trigger, or a step's command. Markers are counted per file, so a formatter
moving an existing `# noqa` is not a new one. Lock files are not read (they hold no checks).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from cicd_agent.fixers.base import FileChange
from cicd_agent.fixers.guard_configs import config_weakening
from cicd_agent.fixers.guard_workflows import workflow_weakening

LOCK_FILES = {
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "go.sum",
    "Cargo.lock",
    "requirements.lock",
}
# (what it does, pattern over one line); counted before and after in each changed file
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (
        "adds `continue-on-error`, which lets a failing step or job pass",
        re.compile(r"continue-on-error:\s*(?:true|\$\{\{)"),
    ),
    (
        "adds `|| true` (or `|| echo`), which hides a command's failure",
        re.compile(r"\|\|\s*(?:true\b|:(?:\s|$|;)|exit 0\b|echo\b|printf\b)"),
    ),
    ("adds `set +e`, which stops failures from failing the script", re.compile(r"\bset\s+\+e\b|\bset\s+\+o\s+errexit")),
    (
        "adds `if: false`, which turns a job or step off",
        re.compile(r"\bif:\s*(?:false|\$\{\{\s*false\s*\}\})\s*$", re.MULTILINE),
    ),
    ("adds `--no-verify`, which skips the hooks", re.compile(r"--no-verify\b")),
    (
        "makes a check exit 0 on what it finds",
        re.compile(
            r"--exit-zero\b|--issues-exit-code[= ]['\"]?0\b|--exit-code[= ]['\"]?0\b|--no-strict\b"
            r"|--no-frozen-lockfile\b|--no-fail-on-\w+|--fail-level[= ]['\"]?none\b"
        ),
    ),
    (
        "adds a skip or xfail marker",
        re.compile(
            r"pytest\.mark\.(?:skip|skipif|xfail)\b|\bpytest\.(?:skip|xfail|importorskip)\(|\bunittest\.(?:skip|expectedFailure)"
            r"|@(?:skip|skipIf|skipUnless|expectedFailure)\b|\b(?:it|test|describe|suite|context)(?:\.\w+)*\."
            r"(?:skip|skipIf|runIf|todo|failing)\(|\b(?:xit|xdescribe|xtest|xcontext)\(|\bt\.Skip(?:Now|f)?\(|#\[ignore\]"
            r"|^\s*__test__\s*=\s*False|\bcollect_ignore(?:_glob)?\b"
        ),
    ),
    (
        "narrows the tests to the ones marked `.only`",
        re.compile(r"\b(?:it|test|describe|suite|context)(?:\.\w+)*\.only\(|\b(?:fit|fdescribe|ftest)\("),
    ),
    (
        "retries failing tests until they pass",
        re.compile(r"pytest\.mark\.flaky\b|@flaky\b|--reruns\b|\bjest\.retryTimes\(|\bthis\.retries\("),
    ),
    (
        "leaves a file out of the build (`ignore` build constraint)",
        re.compile(r"^//\s*(?:go:build|\+build)\b.*\bignore\b", re.MULTILINE),
    ),
    (
        "adds a suppression comment",
        re.compile(
            r"#\s*noqa\b|#\s*type:\s*ignore|#\s*pyright:\s*ignore|#\s*pylint:\s*disable|#\s*nosec\b|#\s*pragma:\s*no\s*cover"
            r"|eslint-disable|@ts-(?:ignore|nocheck|expect-error)|(?i://\s*nolint\b)|#!?\[allow\(|rubocop:disable"
            r"|(?:#|//|/\*|<!--|--)\s*(?:ruff|flake8|mypy|pyre|pyright|fmt|isort|yapf|black|coverage|istanbul|c8|v8|prettier"
            r"|biome|deno-lint|stylelint|tslint|jshint|shellcheck|yamllint|hadolint|markdownlint|codespell|cspell|typos"
            r"|staticcheck|lint|golangci-lint|clippy|bandit|semgrep|vulture|phpcs|NOSONAR)[:\s-]\s*"
            r"(?:noqa|ignore|disable|off|skip|fixme|nocheck)|@SuppressWarnings\(|@Suppress\(|#pragma warning disable"
        ),
    ),
    (
        "deselects or ignores tests",
        re.compile(
            r"--deselect\b|--ignore(?:-glob)?[= ]\S*test|--passWithNoTests\b|(?<!\S)-[km][= ]?\s*['\"]?not\b"
            r"|\bpytest\b[^\n;&|]*\s-k[\s=]|\bgo test\b[^\n;&|]*\s-(?:skip|run)[\s=]|--testPathIgnorePatterns\b"
            r"|--(?:extend-)?exclude\b|(?<!\S)--skip\b"
        ),
    ),
]
# flags that make a command check more; a change that drops one (counted per file) stops checking something
STRICT: list[tuple[str, re.Pattern[str]]] = [
    (
        "drops `{flag}`, which makes a command fail on what it finds (the line was)",
        re.compile(
            r"(?<![\w-])(?:--strict(?:-markers|-config)?|--fail-on-warnings?|-Werror|-W\s*error|--warnings-as-errors"
            r"|--error-on-warnings?|--deny-warnings|-D\s*warnings|--check|--frozen-lockfile|--frozen|--locked"
            r"|--immutable|--require-hashes)(?![\w-])"
        ),
    ),
    ("replaces `npm ci`, which fails when the lockfile is out of date", re.compile(r"\bnpm\s+ci\b")),
]
_TEST_DEFINITIONS = {
    ".py": re.compile(r"^\s*(?:async\s+)?def test|^\s*class Test", re.MULTILINE),
    ".go": re.compile(r"^func (?:Test|Benchmark|Fuzz|Example)", re.MULTILINE),
    ".rs": re.compile(r"#\[(?:tokio::)?test\]", re.MULTILINE),
    ".js": re.compile(r"\b(?:it|test)\s*\(", re.MULTILINE),
}
for _suffix in (".ts", ".mjs", ".cjs", ".jsx", ".tsx"):
    _TEST_DEFINITIONS[_suffix] = _TEST_DEFINITIONS[".js"]


@dataclass(frozen=True)
class Weakening:
    path: str
    line: int  # 1-based; 0 when the whole file is meant
    what: str
    text: str = ""  # the line as written

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        shown = f": `{self.text.strip()[:120]}`" if self.text.strip() else ""
        return f"{where} {self.what}{shown}"


def weakening(changes: list[FileChange]) -> Weakening | None:
    """The first way these changes weaken a check, or None when they do not."""
    for change in changes:
        if PurePosixPath(change.path).name in LOCK_FILES:
            continue
        found = (
            _marker_added(change)
            or _test_removed(change)
            or workflow_weakening(change.path, change.before, change.after)
            or config_weakening(change.path, change.before, change.after)
        )
        if found is not None:
            path, line, what, text = found
            return Weakening(path, line, what, text)
    return None


def is_test_file(path: str) -> bool:
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        bool({"tests", "test", "testing", "__tests__", "spec"} & set(parts[:-1]))
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "conftest.py"))
        or bool(re.search(r"\.(?:test|spec)\.[cm]?[jt]sx?$", name))
    )


def added_lines(before: str, after: str) -> list[tuple[int, str]]:
    """(1-based line number in `after`, text) of the lines the change adds."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    new = after.splitlines()
    found = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            found += [(j + 1, new[j]) for j in range(j1, j2)]
    return found


def _marker_added(change: FileChange) -> tuple[str, int, str, str] | None:
    before, after = change.before or "", change.after or ""
    for what, pattern in MARKERS:
        if len(pattern.findall(after)) <= len(pattern.findall(before)):
            continue
        line, text = next(((n, t) for n, t in added_lines(before, after) if pattern.search(t)), (0, ""))
        return change.path, line, what, text
    if change.after is None:
        return None
    for what, pattern in STRICT:
        lost = Counter(pattern.findall(before)) - Counter(pattern.findall(after))
        if not lost:
            continue
        flag = sorted(lost)[0]
        removed = [t for t in before.splitlines() if flag in t and t not in after.splitlines()]
        return change.path, 0, what.replace("{flag}", flag), removed[0] if removed else ""
    return None


def _test_removed(change: FileChange) -> tuple[str, int, str, str] | None:
    if not is_test_file(change.path) or change.before is None:
        return None
    if change.after is None or not change.after.strip():
        return change.path, 0, "deletes or empties a test file", ""
    pattern = _TEST_DEFINITIONS.get(PurePosixPath(change.path).suffix)
    if pattern is None:
        return None
    had, has = len(pattern.findall(change.before)), len(pattern.findall(change.after))
    if has < had:
        return change.path, 0, f"removes {had - has} test(s) ({had} before, {has} after)", ""
    return None
