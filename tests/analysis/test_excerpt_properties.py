"""Lines that explain a failure (an assertion and its diff, a race report, a panic) are never dropped from
the excerpt while it has room, however many summaries, counters and ordinary lines surround them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cicd_agent.analysis import analyze
from cicd_agent.analysis.blocks import EXPLAINS
from cicd_agent.analysis.evidence import line_weight
from cicd_agent.analysis.normalize import key
from cicd_agent.analysis.stream import REPEATS

TS = "2024-05-01T12:00:00.0000000Z "
words = st.from_regex(r"[a-z]{4,10}", fullmatch=True)


def report(kind: int, a: str, b: str) -> list[str]:
    """One report: its explaining line and what follows it."""
    return [
        [
            f"  ● {a} › {b}",
            "",
            f"    expect(received).toBe(expected) // {a}",
            f"    Expected: {a}",
            f"    Received: {b}",
        ],
        [f"E       AssertionError: assert '{a}' == '{b}'", "E         ", f"E         - {b}", f"E         + {a}"],
        ["WARNING: DATA RACE", f"Write at 0x00c000184060 by goroutine 7 in {a}:", f"  acme/{b}.(*Cache).Put()"],
        [f"panic: runtime error: {a} {b}", "", "goroutine 1 [running]:", f"main.{a}()"],
    ][kind]


def unique(word: str, number: int) -> str:
    """A word no other report uses (a line seen three times already is no longer evidence)."""
    return word + "".join(chr(97 + int(digit)) for digit in str(number))


explaining = st.tuples(st.integers(0, 3), words, words)


noise = st.sampled_from(
    [
        "compiling module",
        "ok  \tgithub.com/acme/app/internal/store\t0.012s",
        "Tests:       3 failed, 80 passed, 83 total",
        "=== 3 failed, 80 passed in 2.10s ===",
        "FAIL\tgithub.com/acme/app\t0.4s",
        "error: the build failed",
        "",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(explaining, st.lists(noise, min_size=1, max_size=12)), min_size=1, max_size=14),
    st.integers(min_value=8, max_value=80),
)
def test_explaining_lines_are_never_dropped_while_there_is_budget(pieces: list, budget: int) -> None:  # type: ignore[type-arg]
    body: list[str] = []
    for number, piece in enumerate(pieces):
        if isinstance(piece, tuple):
            kind, a, b = piece
            body += report(kind, unique(a, number), unique(b, number))
        else:
            body += piece
    lines = [
        "##[group]Run make test",
        "make test",
        "##[endgroup]",
        *body,
        "##[error]Process completed with exit code 1.",
    ]
    log = "".join(f"{TS}{line}\n" for line in lines)
    seen: dict[bytes, int] = {}
    explains = set()
    for number, line in enumerate(lines, 1):
        if line_weight(line):  # the scan's rule: a line seen REPEATS times already is not evidence again
            seen[key(line)] = seen.get(key(line), 0) + 1
            if line_weight(line) >= EXPLAINS and seen[key(line)] <= REPEATS:
                explains.add(number)
    result = analyze(log, max_lines=budget)
    shown = {e.line for e in result.excerpt}
    assert len(shown) <= budget
    if len(shown) < budget:
        assert explains <= shown, sorted(explains - shown)
