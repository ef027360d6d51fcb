"""The corpus of GitHub-shaped logs (tests/analysis/corpus): every catalogue wording is classified as its
own row, the lines that explain each failure are in its excerpt, every failure gets its own signature, and a
re-run of the same failure keeps it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from noise import rerun_noise

from cicd_agent.analysis import Analysis, analyze

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))
ANALYSES: dict[str, Analysis] = {}


def analysis(name: str) -> Analysis:
    if name not in ANALYSES:
        ANALYSES[name] = analyze(CORPUS / f"{name}.log")
    return ANALYSES[name]


def test_every_log_has_an_expectation_and_there_are_at_least_150() -> None:
    logs = {p.stem for p in CORPUS.glob("*.log")}
    assert logs == {row["log"] for row in EXPECTED}
    assert len(logs) >= 150


def test_every_class_has_several_members() -> None:
    """Held-back logs measure each class with more members than any list: the corpus keeps several too."""
    per_category: dict[str, int] = {}
    for row in EXPECTED:
        per_category[row["category"]] = per_category.get(row["category"], 0) + 1
    assert all(count >= 3 for count in per_category.values()), per_category


@pytest.mark.parametrize("row", EXPECTED, ids=[row["log"] for row in EXPECTED])
def test_category_and_tool(row: dict[str, str]) -> None:
    result = analysis(row["log"])
    assert result.category == row["category"], result.category_evidence
    if row["tool"]:
        assert result.tool == row["tool"]
    assert (result.failing_step and result.failing_step != "Set up job") or row["log"] == "upload-artifact-v3"
    assert result.excerpt and len(result.excerpt) <= 60
    # the runner's exit-code line is evidence only where the code is the signal that killed the process
    assert "Process completed with exit code" not in result.template or row["category"] in (
        "infra.out-of-memory",
        "crash",
    )


def test_signatures_are_distinct_unless_the_expectations_say_the_same_failure() -> None:
    by_signature: dict[str, list[str]] = {}
    for row in EXPECTED:
        by_signature.setdefault(analysis(row["log"]).signature, []).append(row["log"])
    expected_groups = {}
    for row in EXPECTED:
        expected_groups.setdefault(row["same_as"] or row["log"], []).append(row["log"])
    assert sorted(map(sorted, by_signature.values())) == sorted(map(sorted, expected_groups.values()))


@pytest.mark.parametrize("row", EXPECTED, ids=[row["log"] for row in EXPECTED])
def test_a_rerun_of_the_same_failure_keeps_its_signature(row: dict[str, str]) -> None:
    text = (CORPUS / f"{row['log']}.log").read_text(encoding="utf-8")
    for seed in (1, 2):
        noisy = rerun_noise(text, seed)
        assert noisy != text
        assert analyze(noisy).signature == analysis(row["log"]).signature, seed


@pytest.mark.parametrize("row", [r for r in EXPECTED if r["explains"]], ids=lambda r: r["log"])
def test_the_lines_that_explain_are_in_the_excerpt(row: dict[str, str]) -> None:
    shown = "\n".join(e.text for e in analysis(row["log"]).excerpt)
    for part in row["explains"].split(" && "):
        assert part in shown, part


def test_the_deciding_line_is_in_the_excerpt() -> None:
    for row in EXPECTED:
        result = analysis(row["log"])
        if result.category_evidence and not result.category_evidence.startswith("Run "):  # not a step title
            shown = [e.text for e in result.excerpt]
            assert result.category_evidence in shown, row["log"]


@pytest.mark.parametrize("row", [r for r in EXPECTED if r["category"] == "unknown"], ids=lambda r: r["log"])
def test_an_unknown_failure_still_names_its_command_and_its_last_error(row: dict[str, str]) -> None:
    result = analysis(row["log"])
    assert result.command and f"`{result.command}`" in result.summary
    assert result.exit_code is not None and f"exited with code {result.exit_code}" in result.summary
    assert result.last_error and result.last_error in result.summary
    assert result.last_error in [e.text.strip() for e in result.excerpt]


def test_rate_limits_say_so_and_the_wait_they_state() -> None:
    rate_names = ("rate-", "ho-rate-", "ho2-rate-")  # ho-, ho2-: the held-out logs (docs/benchmarks.md)
    limited = [r["log"] for r in EXPECTED if r["log"].startswith(rate_names) or r["log"] == "docker-rate-limit"]
    assert len(limited) >= 15
    assert all(analysis(name).rate_limited for name in limited)
    assert analysis("rate-codecov").retry_after == 1068
    assert analysis("rate-gh-secondary").retry_after == 60
    others = [r["log"] for r in EXPECTED if r["category"] == "network.transient" and r["log"] not in limited]
    assert others and not any(analysis(name).rate_limited for name in others)
