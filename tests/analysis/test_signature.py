"""Signatures survive re-run noise and tell different failures apart, on the real logs."""

from __future__ import annotations

import re

import pytest
from breakages import CASES, case, each_case, needs_cases
from noise import rerun_noise

from cicd_agent.analysis import analyze

TS = "2024-05-01T12:00:00.0000000Z "


@pytest.mark.parametrize("case", each_case())
def test_rerun_noise_keeps_the_signature(case) -> None:  # type: ignore[no-untyped-def]
    original = analyze(case.fail)
    text = case.fail.read_bytes().decode("utf-8", "replace")
    for seed in (1, 2):
        noisy = rerun_noise(text, seed)
        assert noisy != text or case.name == "pushcommentgithub_173"
        again = analyze(noisy)
        assert again.signature == original.signature, (case.name, seed)
        assert again.category == original.category


@needs_cases
def test_signature_ignores_which_green_baseline_was_used() -> None:
    for each in CASES:
        assert analyze(each.fail, each.passed).signature == analyze(each.fail).signature, each.name


@needs_cases
def test_different_failures_never_share_a_signature() -> None:
    signatures = {analyze(each.fail).signature: each.name for each in CASES}
    assert len(signatures) == len(CASES)


def test_same_project_different_failures_differ() -> None:
    for first, second in (("cidiff_11", "cidiff_75"), ("astor_1260", "astor_400")):
        assert analyze(case(first).fail).signature != analyze(case(second).fail).signature


def _step_log(*output: str, command: str = "pytest") -> str:
    lines = [
        f"##[group]Run {command}",
        command,
        "##[endgroup]",
        *output,
        "##[error]Process completed with exit code 1.",
    ]
    return "".join(f"{TS}{line}\n" for line in lines)


def test_a_different_failure_in_the_same_log_changes_the_signature() -> None:
    one = analyze(_step_log("E   AssertionError: expected total to be positive"))
    two = analyze(_step_log("E   KeyError: 'user_id'"))
    assert one.signature != two.signature
    assert re.fullmatch(r"[0-9a-f]{64}", one.signature)


def test_unrecognised_failures_are_told_apart_by_the_steps_own_last_lines() -> None:
    first = analyze(_step_log("checking CHANGELOG.md", "no entry for 1.4.0", command="./ci/changelog.sh"))
    second = analyze(_step_log("checking CHANGELOG.md", "the entry for 1.4.0 has no date", command="./ci/changelog.sh"))
    assert first.category == second.category == "unknown"
    assert first.signature != second.signature
    assert "Process completed" not in first.template  # the runner's exit line is not the evidence


def test_one_format_signature_per_formatter_whatever_files_it_names() -> None:
    def ruff(*files: str) -> str:
        return _step_log(
            *(f"Would reformat: {f}" for f in files),
            f"{len(files)} files would be reformatted",
            command="ruff format --check .",
        )

    first, second = analyze(ruff("src/a.py", "src/b.py")), analyze(ruff("src/c.py"))
    black = analyze(
        _step_log(
            "would reformat src/a.py", "Oh no! 💥 💔 💥", "1 file would be reformatted.", command="black --check ."
        )
    )
    assert first.category == second.category == black.category == "format.check"
    assert first.signature == second.signature
    assert black.signature != first.signature
    assert "a.py" not in first.template and "c.py" not in second.template


def test_the_final_failure_outranks_a_network_error_the_job_survived() -> None:
    survived = [
        "WARNING: Retrying (Retry(total=4)) after connection broken by 'ReadTimeoutError(\"Read timed out.\")'",
        "Successfully installed requests-2.32.3",
    ]
    failure = ["FAILED tests/test_totals.py::test_discount - assert 100 == 90", "1 failed, 7 passed in 0.33s"]
    with_retry = analyze(_step_log(*survived, *[f"collecting {i}" for i in range(10)], *failure))
    without = analyze(_step_log(*failure))
    assert with_retry.category == without.category == "test.failure"
    assert with_retry.signature == without.signature
