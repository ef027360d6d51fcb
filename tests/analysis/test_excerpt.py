"""Excerpt quality on the real CiDiff breakages (targets from issue 13), and the excerpt's own rules."""

from __future__ import annotations

import re
import statistics

import pytest
from breakages import CASES, each_case, needs_cases

from cicd_agent.analysis import analyze
from cicd_agent.analysis.logtext import strip_prefix

TS = "2024-05-01T12:00:00.0000000Z "


def _scores(with_baseline: bool) -> tuple[float, float, int]:
    recalls, sizes = [], []
    for case in CASES:
        result = analyze(case.fail, case.passed if with_baseline else None)
        got = {e.line for e in result.excerpt}
        recalls.append(sum(1 for block in case.blocks if block & got) / len(case.blocks))
        sizes.append(len(got))
    return statistics.mean(recalls), statistics.median(sizes), max(sizes)


@needs_cases
def test_recall_and_size_with_baseline() -> None:
    recall, median, largest = _scores(True)
    assert recall >= 0.97 and median <= 30 and largest <= 60, (recall, median, largest)


@needs_cases
def test_recall_and_size_without_baseline() -> None:
    recall, median, largest = _scores(False)
    assert recall >= 0.90 and median <= 30 and largest <= 60, (recall, median, largest)


@pytest.mark.parametrize("case", each_case())
def test_excerpt_lines_carry_their_input_line_numbers(case) -> None:  # type: ignore[no-untyped-def]
    lines = re.split(r"\r\n|\r|\n", case.fail.read_bytes().decode("utf-8", "replace"))
    for item in analyze(case.fail).excerpt:
        assert item.text == strip_prefix(lines[item.line - 1]), (case.name, item.line)


@pytest.mark.parametrize("case", each_case())
def test_max_lines_is_honoured(case) -> None:  # type: ignore[no-untyped-def]
    assert len(analyze(case.fail, case.passed, max_lines=5).excerpt) <= 5


def test_the_failing_steps_last_lines_are_always_shown() -> None:
    log = "".join(
        f"{TS}{line}\n"
        for line in [
            "##[group]Run ./ci/check.sh",
            "./ci/check.sh",
            "##[endgroup]",
            *[f"checked module {i}" for i in range(40)],
            "the changelog has no entry for 1.4.0",
            "##[error]Process completed with exit code 1.",
        ]
    )
    texts = [e.text for e in analyze(log).excerpt]
    assert texts[-2:] == ["the changelog has no entry for 1.4.0", "##[error]Process completed with exit code 1."]


def test_a_line_the_green_run_printed_too_is_left_out() -> None:
    def log(*lines: str) -> str:
        return "".join(f"{line}\n" for line in ["start", *lines, *["ok"] * 20, "BUILD FAILURE"])

    failing = log("WARNING: deprecated API used, error: legacy option", *["ok"] * 20, "error: cannot open output.bin")
    green = log("WARNING: deprecated API used, error: legacy option").replace("BUILD FAILURE", "BUILD SUCCESS")
    with_baseline = [e.text for e in analyze(failing, green).excerpt]
    without = [e.text for e in analyze(failing).excerpt]
    assert "error: cannot open output.bin" in with_baseline and "error: cannot open output.bin" in without
    assert "WARNING: deprecated API used, error: legacy option" in without
    assert "WARNING: deprecated API used, error: legacy option" not in with_baseline


def test_a_report_that_explains_comes_before_summaries_that_count() -> None:
    report = ["WARNING: DATA RACE", "Write at 0x00c000184060 by goroutine 7:", "  acme/cache.(*Cache).Put()"]
    summaries = [f"error: step {i} failed" for i in range(8)]  # strong words, late in the log, saying nothing new
    lines = ["##[group]Run make ci", "make ci", "##[endgroup]", *report, *["ok"] * 30, *summaries, *["ok"] * 8]
    log = "".join(f"{TS}{line}\n" for line in [*lines, "##[error]Process completed with exit code 2."])
    texts = [e.text for e in analyze(log, max_lines=11).excerpt]  # the step's last lines (7), then one block
    assert all(line in texts for line in report), texts
    assert not any(line in texts for line in summaries)


def test_a_report_right_after_a_run_of_summaries_is_not_passed_by() -> None:
    """A block of summaries whose score cannot grow lets later lines only move its end; a line that may
    explain is never among them (hypothesis found this one)."""
    summaries = [f"error: stage {name} failed" for name in "abcdefghijklmnop"]  # distinct: each one counts
    report = ["  ● cart › keeps items after reload", "", "    Expected: 3", "    Received: 0"]
    lines = ["##[group]Run make ci", "make ci", "##[endgroup]", *summaries, *report, *["compiling"] * 8]
    log = "".join(f"{TS}{line}\n" for line in [*lines, "##[error]Process completed with exit code 1."])
    assert "  ● cart › keeps items after reload" in [e.text for e in analyze(log).excerpt]
