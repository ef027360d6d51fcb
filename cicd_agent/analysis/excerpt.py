"""The error excerpt: the few blocks of lines that explain a failure, with their line numbers.

Evidence is what build and test tools print when something breaks (error markers, tracebacks, compiler
diagnostics, test-runner failure summaries, exit-code lines). With a baseline (the last green log of the
same job), a line that also occurs there after normalisation is not evidence. Evidence lines close to
each other form blocks; the best blocks are kept within a line budget.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from cicd_agent.analysis.logtext import Prefilter, Scan
from cicd_agent.analysis.normalize import normalize

# (weight, pattern): what tools print when something fails. Case matters where the word is common.
_EVIDENCE: list[tuple[int, str]] = [
    (3, r"##\[error\](?!Process completed with exit code)"),
    (3, r"Traceback \(most recent call last\)"),
    (3, r"^E {2,}\S"),
    (3, r"^(?:[ \t]*\w+[.:])*\w*(?:Error|Exception|Failure)\b(?::|$)"),
    (3, r"\b(?:FAILED|FAILURE|FAIL)\b(?! *\[ *\d)"),
    (3, r"--- FAIL:|^FAIL[ \t]"),
    (3, r"\berror(?:\[E\d+\])?:|\berror TS\d+:|\berror CS\d+:|\bERROR:"),
    (
        3,
        r"\[ERROR\](?! *(?:$|To see the|Re-run Maven|For more information|\[Help|After correcting|"
        r"mvn <args>|-> \[Help|Failed to execute goal|$))",
    ),
    (3, r"COMPILATION ERROR|BUILD FAILURE|What went wrong|Compilation failure"),
    (3, r"npm ERR!|^fatal:|\bpanic:|Segmentation fault|core dumped|\bKilled\b"),
    (3, r"[Ww]ould reformat|would be reformatted|files? would be (?:reformatted|left unchanged)"),
    (3, r"exceeded the maximum execution time|lost communication with the server|The operation was canceled"),
    (3, r"deprecated version of|No module named|cannot find symbol|undefined reference|unresolved import"),
    (3, r"Tests run: \d+, Failures: [1-9]|Tests run: \d+, Failures: \d+, Errors: [1-9]|\d+ (?:failed|errors?)\b"),
    (3, r"AssertionError|assert(?:ion)? (?:failed|error)|expected:? ?<.*> but was|Expected .* (?:but|to)"),
    (3, r"Read timed out|ECONNRESET|ETIMEDOUT|Connection (?:refused|reset)|Could not resolve host"),
    (3, r"ResolutionImpossible|ERESOLVE|unable to access|returned (?:status|exit) code [1-9]|permission denied"),
    (3, r"Permission denied|No such file or directory|command not found|not found in|No space left on device"),
    (2, r"^Error\b|\bError:|\bERROR\b|\berror\b:?|\bfailed\b|\bFailed\b"),
    (2, r"Failed to execute goal"),
    (1, r"##\[error\]Process completed with exit code|exit (?:code|status) [1-9]|Finished: FAILURE"),
    (1, r"marked build as failure|Build step .* failure|Error \d+$"),
]
_BY_WEIGHT = [(weight, re.compile("|".join(f"(?:{p})" for w, p in _EVIDENCE if w == weight))) for weight in (3, 2, 1)]
# Every evidence line contains one of these (checked by tests/analysis/test_excerpt.py); the scan looks
# only at lines that do.
PREFILTER = Prefilter(
    re.compile(r"rror|RROR|fail|Fail|FAIL|ERR!|xception|Traceback"),
    # Only what stands on a line without any of the pattern's words (each literal costs one more pass).
    (
        "fatal:",
        "panic:",
        "reformat",
        "lost communication",
        "not found",
        "ermission denied",
        "\nE  ",
        "Z E  ",
        "timed out",
        "Could not resolve",
        "undefined reference",
        "Expected ",
        "No such file",
        "exceeded the maximum",
        "Finished: SUCCESS",
        "BUILD SUCCESS",
    ),
)
BASELINE_PREFILTER = Prefilter(PREFILTER.pattern, ())
# Boilerplate that accompanies errors without explaining them.
_NOISE = re.compile(
    r"^[ \t]*\[ERROR\][ \t]*$|To see the full stack trace|Re-run Maven using|For more information about the errors|"
    r"\[Help 1\]|After correcting the problems|mvn <args>|Run with --(?:stacktrace|info|debug|scan)|"
    r"Get more help at|^[ \t]*\* Try:|-Werror|error_prone|errorprone|ErrorProne|\berrors?=0\b|0 errors?\b|"
    r"\b0 failed\b|Failures: 0, Errors: 0|--fail-fast|fail_ci_if_error|continue-on-error|"
    r"\bif: failure\(\)|::error file="
)
_CONTINUATION = re.compile(r"^[ \t]+(?:at |File \"|\.\.\.|Caused by|\^|~)|^[ \t]{2,}\S|^Caused by:|^[ \t]*\|")

DEFAULT_MAX_LINES = 60
_GAP = 3  # evidence lines at most this far apart belong to one block
_BLOCK_CAP = 12  # a block longer than this keeps its head (the first lines say the most)
_AFTER = 2  # continuation lines (stack frames, indented detail) kept after a block's last evidence line
WINDOW = max(_GAP, _AFTER) + 1  # lines kept after each marker line by the scan


@dataclass(frozen=True)
class ExcerptLine:
    line: int  # 1-based, in the input as split on CRLF, CR or LF
    text: str  # without timestamp prefix and colour codes


@dataclass
class Block:
    start: int  # 0-based line index
    end: int  # inclusive
    score: float
    strongest: int


@functools.lru_cache(maxsize=65536)
def line_weight(text: str) -> int:
    """How strongly one (prefix-stripped) line says "this is what broke"; 0 when it says nothing."""
    for weight, pattern in _BY_WEIGHT:
        if pattern.search(text):
            return 0 if _NOISE.search(text) else weight
    return 0


def evidence(log: Scan, known: set[str] | None = None) -> dict[int, int]:
    """Line index -> weight of every evidence line; a line whose template is `known` (seen green) is not."""
    found: dict[int, int] = {}
    repeats: dict[str, int] = {}
    for index in log.hits:
        text = log.text[index]
        weight = line_weight(text)
        if not weight:
            continue
        template = normalize(text)
        if known is not None and template in known:
            continue
        repeats[template] = repeats.get(template, 0) + 1
        if repeats[template] > 3:  # the same line over and over is one piece of evidence
            continue
        found[index] = weight
    return found


def keeper(repeats: int = 3) -> Callable[[str], bool]:
    """The scan's filter: evidence and status lines, each distinct text at most `repeats` times (a log
    that repeats an error a million times is no more evidence, and must not cost a million entries)."""
    seen: dict[str, int] = {}

    def keep(text: str) -> bool:
        if not line_weight(text) and not _STATUS.match(text):
            return False
        count = seen[text] = seen.get(text, 0) + 1
        return count <= repeats

    return keep


def templates(log: Scan) -> set[str]:
    """The templates of a (baseline) log's evidence lines: what a green run prints anyway."""
    return {normalize(log.text[index]) for index in log.hits if line_weight(log.text[index])}


def blocks(log: Scan, found: dict[int, int]) -> list[Block]:
    result: list[Block] = []
    for index in sorted(found):
        if result and index - result[-1].end <= _GAP:
            block = result[-1]
            block.end = index
            block.score += found[index]
            block.strongest = max(block.strongest, found[index])
        else:
            result.append(Block(index, index, float(found[index]), found[index]))
    for block in result:
        after = block.end
        while after - block.end < _AFTER and _CONTINUATION.match(log.text.get(after + 1, "")):
            after += 1
        block.end = min(after, block.start + _BLOCK_CAP - 1)
        # later blocks usually hold the summary: favour them a little
        block.score = block.strongest * 10 + min(block.score, 15) + 4 * block.start / max(log.total, 1)
    return result


def choose(candidates: list[Block], max_lines: int) -> list[Block]:
    """The best blocks within the budget, in log order. Past half the budget only the strongest join."""
    if not candidates:
        return []
    best = max(b.strongest for b in candidates)
    ranked = sorted((b for b in candidates if b.strongest >= min(best, 2)), key=lambda b: (-b.score, -b.start))
    chosen: list[Block] = []
    used = 0
    for block in ranked:
        size = min(block.end - block.start + 1, max_lines - used)
        if size < 1 or (used >= max_lines // 2 and block.strongest < best):
            continue
        chosen.append(Block(block.start, block.start + size - 1, block.score, block.strongest))
        used += size
    return sorted(chosen, key=lambda b: b.start)


def excerpt(log: Scan, known: set[str] | None = None, *, max_lines: int = DEFAULT_MAX_LINES) -> list[ExcerptLine]:
    found = evidence(log, known)
    if not found and known is not None:
        found = evidence(log, None)  # everything also happened in the green run: show it anyway
    chosen = choose(blocks(log, found), max_lines)
    return [ExcerptLine(i + 1, log.text.get(i, "")) for b in chosen for i in range(b.start, b.end + 1)]


_STATUS = re.compile(
    r"^(?:Finished: (SUCCESS|FAILURE|UNSTABLE|ABORTED|NOT_BUILT)|\[INFO\] (BUILD SUCCESS)|"
    r"(BUILD SUCCESSFUL)|(BUILD FAILURE)|\[INFO\] (BUILD FAILURE)|##\[(error)\])"
)


def succeeded(log: Scan, found: dict[int, int]) -> bool:
    """Did this job pass? GitHub marks a failed step with `##[error]`; other CI print a final status.
    An Actions log without `##[error]` passed unless strong evidence says otherwise (a truncated log)."""
    final: str | None = None
    for index in log.hits:
        match = _STATUS.match(log.text[index])
        if match:
            word = next(g for g in match.groups() if g)
            if word == "error":
                return False
            final = word
    if final is not None:
        return final.startswith("SUCCESS") or final.startswith("BUILD SUCCESS")
    return bool(log.groups) and max(found.values(), default=0) < 3
