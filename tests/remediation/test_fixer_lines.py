"""What the fixers get of a job log: the lines they read, bounded whatever the log's size."""

from __future__ import annotations

import io
import random
import re

import pytest

from cicd_agent.fixers.install_commands import commands_in_log
from cicd_agent.remediation import explain
from cicd_agent.remediation.explain import MAX_FIXER_LINES, lines_for_fixers

TS = "2026-11-30T10:00:00.0000000Z "
LOG = "".join(
    f"{TS}{line}\n"
    for line in [
        "##[group]Run actions/checkout@v4",
        "##[endgroup]",
        "##[group]Run python -m pip install -e '.[test]'",
        "Collecting requests",
        "Successfully installed requests-2.32.3",
        "##[endgroup]",
        "##[group]Run pytest",
        '  File "/home/runner/work/r/r/tests/test_api.py", line 3, in <module>',
        "E   ModuleNotFoundError: No module named 'responses'",
        "Would reformat: src/pkg/mod.py",
        "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: "
        "actions/checkout@v3",
        "ruff format.............................................................Failed",
        "- hook id: ruff-format",
        "##[error]Process completed with exit code 1.",
    ]
)


def test_the_lines_fixers_read_are_kept_and_the_rest_dropped() -> None:
    kept = lines_for_fixers(io.BytesIO(LOG.encode()))
    assert commands_in_log(kept) == ["actions/checkout@v4", "python -m pip install -e '.[test]'", "pytest"]
    for wanted in (
        "No module named 'responses'",
        "tests/test_api.py",
        "Would reformat: src/pkg/mod.py",
        "Node.js 16 actions",
        "Failed",
        "- hook id: ruff-format",
    ):
        assert wanted in kept
    assert "Collecting requests" not in kept and "exit code 1" not in kept


def test_a_huge_log_gives_a_bounded_digest() -> None:
    noisy = (f"{TS}Would reformat: src/pkg/m.py" + "x" * 5000 + "\n") * (MAX_FIXER_LINES + 100)
    kept = lines_for_fixers(io.BytesIO(noisy.encode()))
    lines = kept.split("\n")
    assert len(lines) == MAX_FIXER_LINES and max(len(line) for line in lines) <= 2_000


def test_a_line_longer_than_the_reads_is_cut_and_the_lines_after_it_still_read() -> None:
    """A job that prints one enormous line (a minified bundle, a base64 blob): its head is kept when it names
    what fixers look for, the rest is skipped piece by piece, and the lines after it are read as usual."""
    huge = f"{TS}Would reformat: src/a.py " + "x" * (3 * explain.PIECE + 17) + "No module named 'late'\n"
    log = huge + f"{TS}Would reformat: src/b.py\n" + f"{TS}" + "y" * (explain.PIECE + 5) + "\n" + LOG
    kept = lines_for_fixers(io.BytesIO(log.encode())).split("\n")
    assert kept[0].startswith(f"{TS}Would reformat: src/a.py xxx") and len(kept[0].encode()) == 2_000
    assert kept[1] == f"{TS}Would reformat: src/b.py"
    assert "late" not in "\n".join(kept)  # past the kept head: not a line fixers can use
    assert kept[2:] == lines_for_fixers(io.BytesIO(LOG.encode())).split("\n")


def _line_by_line(log: bytes) -> str:
    """What the digest is, read the plain way: each line's first 2,000 bytes, kept when they carry a marker."""
    heads = [line[: explain.MAX_FIXER_LINE] for line in io.BytesIO(log)]
    return "\n".join(h.decode("utf-8", "replace").rstrip("\r\n") for h in heads if explain._FOR_FIXERS.search(h))


@pytest.mark.parametrize("piece", [7, 64, 1000, 1 << 20])
def test_reading_in_pieces_finds_what_reading_line_by_line_finds(monkeypatch: pytest.MonkeyPatch, piece: int) -> None:
    """Pieces that end anywhere (inside a marker, a multi-byte character, a CRLF, an overlong line) change
    nothing: the same lines, cut the same way."""
    rng = random.Random(piece)
    parts = [LOG, "Failed  \r\n", "é" * 1500 + "No module named 'x'\n", "x" * 4_500 + "Would reformat: a.py\n"]
    parts += ["noise " * rng.randrange(0, 50) + "\n" for _ in range(200)]
    parts += ["Would reformat: " + "b" * rng.randrange(1990, 2010) + "\n" for _ in range(20)]
    rng.shuffle(parts)
    log = ("".join(parts) + "deprecated, and no newline at the end").encode()
    monkeypatch.setattr(explain, "PIECE", piece)
    assert lines_for_fixers(io.BytesIO(log)) == _line_by_line(log)


SAMPLES = [  # one line each marker of the digest finds
    b"##[group]Run pip install -e .",
    b"ModuleNotFoundError: No module named 'x'",
    b'  File "/w/tests/test_a.py", line 3, in <module>',
    b"tests/test_a.py:12: in test_x",
    b"Would reformat: a.py",
    b"would reformat /w/a.py",
    b"reformatted a.py",
    b"1 file would be reformatted",
    b"  --> src/lib.rs:3:5",
    b"[warn] src/a.ts",
    b"Node.js 16 actions are deprecated.",
    b"The `set-output` command is deprecated",
    b"save-state",
    b"set-env",
    b"add-path",
    b"exceeded the maximum execution time of 10 minutes",
    b"- hook id: ruff",
    b"ruff..........Failed   ",
    b"Node.js 20",
]


def test_every_marker_holds_a_literal_the_pieces_are_searched_for() -> None:
    alternatives = explain._FOR_FIXERS.pattern.split(b"|")
    for alternative in alternatives:
        pattern = re.compile(alternative)
        assert any(pattern.search(sample) for sample in SAMPLES), f"no sample for {alternative!r}"
    for sample in SAMPLES:
        assert explain._FOR_FIXERS.search(sample) and any(literal in sample for literal in explain._LITERALS), sample
