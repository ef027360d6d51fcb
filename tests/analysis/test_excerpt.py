"""Excerpt quality on real breakages, and the prefilter's promise to the evidence patterns."""

from __future__ import annotations

import statistics

import pytest
from breakages import CASES

from cicd_agent.analysis import analyze
from cicd_agent.analysis.excerpt import _EVIDENCE, PREFILTER, line_weight
from cicd_agent.analysis.logtext import strip_prefix

# One real-looking line per evidence pattern (same order as _EVIDENCE).
SAMPLES = [
    "##[error]The job was canceled",
    "Traceback (most recent call last):",
    "E   assert 1 == 2",
    "ModuleNotFoundError: No module named 'yaml'",
    "tests/test_x.py::test_y FAILED",
    "--- FAIL: TestX (0.00s)",
    "src/main.rs:3:5: error[E0425]: cannot find value",
    "[ERROR] /src/Foo.java:[1,2] cannot find symbol",
    "BUILD FAILURE",
    "npm ERR! code ECONNRESET",
    "Would reformat: src/pkg/mod.py",
    "The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 360 minutes.",
    "ImportError: No module named x",
    "Tests run: 10, Failures: 1, Errors: 0, Skipped: 0",
    "junit.framework.ComparisonFailure: expected:<1> but was:<2>",
    "pip._vendor.urllib3.exceptions.ReadTimeoutError: Read timed out.",
    "ERROR: ResolutionImpossible",
    "bash: line 1: foo: command not found",
    "Error: something broke",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.8.1:compile",
    "##[error]Process completed with exit code 1.",
    "Build step 'Execute shell' marked build as failure",
]


def test_every_evidence_pattern_has_a_sample() -> None:
    assert len(SAMPLES) == len(_EVIDENCE)


@pytest.mark.parametrize(("sample", "rule"), list(zip(SAMPLES, _EVIDENCE, strict=True)))
def test_each_pattern_fires_and_passes_the_prefilter(sample: str, rule: tuple[int, str]) -> None:
    import re

    assert re.search(rule[1], sample), "the sample does not show its pattern"
    assert line_weight(sample) > 0
    assert PREFILTER.lines(sample + "\n") == [0], "an evidence line the scan would never look at"
    for prefix in ("2024-05-01T12:00:00.1234567Z ", "build\tRun tests\t2024-05-01T12:00:00.1234567Z "):
        assert PREFILTER.lines(f"first line\n{prefix}{sample}\n") == [1], f"missed behind {prefix!r}"


@pytest.mark.parametrize(
    "line",
    [
        "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
        "Tests run: 5, Failures: 0, Errors: 0, Skipped: 0",
        "compiling with -Werror",
        "all good",
    ],
)
def test_noise_is_not_evidence(line: str) -> None:
    assert line_weight(line) == 0


def _scores(with_baseline: bool) -> tuple[float, float, int]:
    recalls, sizes = [], []
    for case in CASES:
        result = analyze(case.fail, case.passed if with_baseline else None)
        got = {e.line for e in result.excerpt}
        recalls.append(sum(1 for block in case.blocks if block & got) / len(case.blocks))
        sizes.append(len(got))
    return statistics.mean(recalls), statistics.median(sizes), max(sizes)


def test_recall_and_size_with_baseline() -> None:
    recall, median, largest = _scores(True)
    assert recall >= 0.97 and median <= 30 and largest <= 60, (recall, median, largest)


def test_recall_and_size_without_baseline() -> None:
    recall, median, largest = _scores(False)
    assert recall >= 0.90 and median <= 30 and largest <= 60, (recall, median, largest)


def test_excerpt_lines_carry_their_input_line_numbers() -> None:
    for case in CASES:
        lines = case.fail.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for item in analyze(case.fail).excerpt:
            assert item.text == strip_prefix(lines[item.line - 1]), (case.name, item.line)


def test_max_lines_is_honoured() -> None:
    for case in CASES[:6]:
        assert len(analyze(case.fail, max_lines=5).excerpt) <= 5


def test_a_big_baseline_read_in_parallel_gives_the_same_analysis(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cicd_agent.analysis as analysis

    case = next(c for c in CASES if c.name == "jimfs_1890")
    fail, passed = tmp_path / "fail.log", tmp_path / "pass.log"
    fail.write_bytes(case.fail)
    passed.write_bytes(case.passed)
    serial = analyze(fail, passed)
    monkeypatch.setattr(analysis, "PARALLEL_BASELINE_BYTES", 0)
    assert analyze(fail, passed) == serial
