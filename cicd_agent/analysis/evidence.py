"""Evidence: how strongly one log line says "this is what broke" (0 to 4), and the cheap tests that find
the few lines worth weighing.

Weight 4 is for the lines that *explain* a failure rather than announce or count it: an assertion and its
expected/received diff (pytest's `E` lines, jest's `●` report, JUnit's `expected: <..> but was: <..>`), a race or
sanitizer report, a crash or panic, a package manager's root cause (`E: Unable to locate package`). The excerpt
keeps them ahead of summaries, and a block keeps more of the lines after them (the report under its header).

Every pattern starts with a literal where it can: Python's `re` then skips to that literal in C, which
is what keeps a log of a million error lines within a few times the cost of one regex pass. A word
boundary on the left is written as a look-behind after the literal (`FAIL(?<!\\wFAIL)`) for that reason.
"""

from __future__ import annotations

import re

from cicd_agent.analysis.logtext import Prefilter


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Weight 3: what build and test tools print when something breaks. Tried one at a time, most frequent
# first (a search for one literal is several times faster than one for an alternation of five).
_STRONG = [
    _any(r"error(?<!\werror)(?:\[E\d+\])?:|error(?<!\werror) (?:TS|CS)\d+:"),
    _any(r"ERROR(?<!\wERROR):"),
    _any(r"FAIL(?<!\wFAIL)(?:ED|URE)?(?!\w)(?! *\[ *\d)"),
    _any(
        r"\[ERROR\](?! *(?:$|To see the|Re-run Maven|For more information|\[Help|After correcting|mvn <args>|"
        r"-> \[Help|Failed to execute goal))"
    ),
    _any(r"##\[error\](?!Process completed with exit code)"),
    _any(r"Traceback \(most recent call last\)"),
    _any(r"Tests run: \d+, Failures: (?:[1-9]|\d+, Errors: [1-9])"),
    _any(r"failed(?<=\d failed)(?!\w)|error(?<=\d error)s?(?!\w)"),
    _any(r"COMPILATION ERROR|BUILD FAILURE|What went wrong|Compilation failure"),
    _any(r"npm ERR!|panic(?<!\wpanic):|Segmentation fault|core dumped|Killed(?<!\wKilled)(?!\w)"),
    _any(r"[Ww]ould reformat|would be reformatted|would be left unchanged|Diff in \S"),
    _any(r"exceeded the maximum execution time|lost communication with the server|The operation was canceled"),
    _any(r"deprecated version of|No module named|cannot find symbol|undefined reference|unresolved import"),
    _any(r"AssertionError|assert(?:ion)? (?:failed|error)|expected:? ?<.*> but was|Expected .* (?:but|to)"),
    _any(r"Read timed out|ECONNRESET|ETIMEDOUT|Connection (?:refused|reset)|Could not resolve host"),
    _any(r"ResolutionImpossible|ERESOLVE|unable to access|returned (?:status|exit) code [1-9]|permission denied"),
    _any(r"Permission denied|No such file or directory|command not found|not found in|No space left on device"),
    _any(r"Allocation failed|OutOfMemoryError|out of memory"),
]
# Weight 4: what explains a failure (see the module docstring), as (a word the line must contain, the pattern,
# or None when the word says it all): a substring test costs a fraction of a regex search, and a compiler's
# error line, the commonest evidence, holds none of these words.
_EXPLAINING: list[tuple[str, re.Pattern[str] | None]] = [
    (
        "ssert",
        _any(
            r"Assertion(?:Error|FailedError)|assert(?:ion)? failed|assertion `.*` failed",
            r"Assert\.\w+(?:\(\) Failure| failed)|Failed asserting that",
        ),
    ),
    ("ComparisonFailure", None),
    ("strictly equal", None),  # node's assert: Expected values to be strictly equal
    ("but was", re.compile(r"expected:? ?<.*> but was")),
    ("Error Trace:", None),
    ("Not equal:", None),
    ("Failure/Error:", None),
    ("DATA RACE", None),
    ("Sanitizer", None),
    ("panic", re.compile(r"panic(?<!\wpanic): ")),
    ("SIG", re.compile(r"SIG(?:SEGV|ABRT)\b")),
    ("atal", _any(r"Fatal Python error|fatal runtime error|A fatal error has been detected by the Java Runtime")),
    ("nable to select packages", None),
    ("No matching distribution found", None),
    ("Could not find a version that satisfies", None),
    ("version solving failed", None),
    ("Could not resolve dependencies for", None),
]
_ON_ERROR_LINES = [  # what an `ERROR:` line can explain: a sanitizer's report, a package manager's root cause
    row
    for row in _EXPLAINING
    if row[0]
    in (
        "Sanitizer",
        "nable to select packages",
        "No matching distribution found",
        "Could not find a version that satisfies",
    )
]
_ON_MAVEN_LINES = [  # what Maven's `[ERROR]` line can explain: an assertion, an artifact it cannot resolve
    row
    for row in _EXPLAINING
    if row[0] in ("ssert", "ComparisonFailure", "but was", "Could not resolve dependencies for")
]
_WEAKER_WORDS = ("Error Trace:", "Not equal:", "Failure/Error:", "DATA RACE", "atal", "version solving failed")
_ON_WEAKER_LINES = [  # what a line with no weight-3 word can explain (a stack frame, a warning cannot)
    row for row in _EXPLAINING if row[0] in (*_WEAKER_WORDS, "Could not resolve dependencies for")
]
# the rows worth looking for, by the weight-3 pattern that matched (its index in _STRONG; -1: none did)
_NARROWED = {1: _ON_ERROR_LINES, 3: _ON_MAVEN_LINES, -1: _ON_WEAKER_LINES}
# ...and at the start of a line: pytest's `E` lines, jest's `●` report header
_EXPLAINING_START = re.compile(r"E {2,}\S|[ \t]*● ")
# A runner's one-line summary of a failure names the assertion, but it is the summary, not the report
_SUMMARY_START = re.compile(r"(?:FAILED|ERROR) \S+::")
# Weight 3, only at the start of a line (tried with `match`, which fails fast).
_STRONG_START = re.compile(r"FAIL[ \t]|fatal:|(?:[ \t]*\w+[.:])*\w*(?:Error|Exception|Failure)\b(?::|$)")
# Weight 2: an error or failure word.
_MEDIUM = [
    _any(r"Error(?<!\wError):|ERROR(?<!\wERROR)(?!\w)|error(?<![\w[]error)(?!\w)"),
    _any(r"failed(?<!\wfailed)(?!\w)|Failed(?<!\wFailed)(?!\w)"),
]
_MEDIUM_START = re.compile(r"Error\b")
# Weight 1: only says that something exited non-zero.
_WEAK = _any(
    r"##\[error\]Process completed with exit code|exit (?:code|status) [1-9]|Finished: FAILURE",
    r"marked build as failure|Build step .* failure|Error \d+$",
)
# Boilerplate that accompanies errors without explaining them: (a word the line must contain, patterns).
_NOISE = [
    (
        "[",
        _any(
            r"To see the full stack trace|Re-run Maven using|For more information about the errors|\[Help 1\]",
            r"After correcting the problems|mvn <args>",
        ),
    ),
    ("rror", _any(r"-Werror|error_prone|errorprone|error(?<!\werror)s?=0(?!\w)|0 errors?(?!\w)")),
    ("ErrorProne", _any(r"ErrorProne")),
    ("0", _any(r"0 failed(?<!\w0 failed)(?!\w)|Failures: 0, Errors: 0")),
    ("fail", _any(r"--fail-fast|fail_ci_if_error|if: failure\(\)")),
    ("-", _any(r"continue-on-error|Run with --(?:stacktrace|info|debug|scan)")),
    ("::error", _any(r"::error file=")),
    ("Get more help", _any(r"Get more help at")),
]
_NOISE_START = re.compile(r"[ \t]*\[ERROR\][ \t]*$|[ \t]*\* Try:")

# Every evidence line contains one of these (tests/analysis/test_evidence.py checks the samples): the scan
# weighs only the lines that do, found by one automaton over each chunk (logtext.Prefilter).
PREFILTER = Prefilter(
    (
        "rror",
        "RROR",
        "fail",
        "Fail",
        "FAIL",
        "ERR!",
        "xception",
        "Traceback",
        "fatal:",
        "panic:",
        "reformat",
        "lost communication",
        "not found",
        "ermission denied",
        "E   ",
        "timed out",
        "Could not resolve",
        "undefined reference",
        "Expected ",
        "No such file",
        "●",  # jest's report header
        "DATA RACE",
        "exceeded the maximum",
        "Killed",
        "Diff in ",
        "No space left",
        "deprecated",
        "SUCCESS",  # Jenkins' and Maven's final status
    ),
    marks=("E   ", "●", "DATA RACE", "panic:"),  # lines that may explain: never passed by in a saturated run
)


_ONES = bytes.maketrans(b"23456789", b"11111111")
_MEMO: dict[bytes, int] = {}
MEMO_SIZE = 50_000  # lines remembered (then forgotten and started again)
MEMO_LINE = 512  # longer lines are not remembered: memory stays small


def line_weight(text: str) -> int:
    """How strongly one (prefix-stripped) line says "this is what broke"; 0 when it says nothing.

    Remembered for the last lines seen, by the line with every non-zero digit made a 1: no pattern tells
    one non-zero digit from another, so that is the same answer for "Failures: 1" and "Failures: 7" (and
    not for "Failures: 0"), and a log that prints one line many times weighs it once."""
    if len(text) > MEMO_LINE:
        return _weigh(text)
    memo = text.encode("utf-8", "surrogatepass").translate(_ONES)
    weight = _MEMO.get(memo)
    if weight is None:
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.clear()
        weight = _MEMO[memo] = _weigh(text)
    return weight


def _explains(text: str, rows: list[tuple[str, re.Pattern[str] | None]]) -> bool:
    if not _EXPLAINING_START.match(text) and not any(
        word in text and (p is None or p.search(text)) for word, p in rows
    ):
        return False
    return not _SUMMARY_START.match(text)


def _weigh(text: str) -> int:
    strong = _strong(text)
    # a compiler's `error:` line, the commonest evidence of all and the bulk of a flood of them, explains no more
    # than it says (weight 3, at no extra cost); an `ERROR:` line is looked at for a package manager's root cause
    if strong == 0:
        weight = 3
    elif _explains(text, _NARROWED.get(strong, _EXPLAINING)):
        weight = 4
    elif strong >= 0:
        weight = 3
    elif any(p.search(text) for p in _MEDIUM) or _MEDIUM_START.match(text):
        weight = 2
    elif _WEAK.search(text):
        weight = 1
    else:
        return 0
    noisy = _NOISE_START.match(text) or any(word in text and p.search(text) for word, p in _NOISE)
    return 0 if noisy else weight


def _strong(text: str) -> int:
    """The index of the first weight-3 pattern the line shows (len(_STRONG): only at its start), or -1."""
    for index, pattern in enumerate(_STRONG):
        if pattern.search(text):
            return index
    return len(_STRONG) if _STRONG_START.match(text) else -1


# (weight, pattern) pairs, for the tests that check every pattern has a sample the prefilter passes.
PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    *[(4, p or re.compile(re.escape(word))) for word, p in _EXPLAINING],
    (4, _EXPLAINING_START),
    *[(3, p) for p in _STRONG],
    (3, _STRONG_START),
    *[(2, p) for p in _MEDIUM],
    (2, _MEDIUM_START),
    (1, _WEAK),
]
