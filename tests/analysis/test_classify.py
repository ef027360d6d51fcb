from __future__ import annotations

import pytest

from cicd_agent.analysis import analyze
from cicd_agent.analysis.classify import classify

TS = "2024-05-01T12:00:00.0000000Z "


@pytest.mark.parametrize(
    ("lines", "category"),
    [
        (
            [
                "Error: This request has been automatically failed because it uses a deprecated version of "
                "`actions/upload-artifact: v3`."
            ],
            "actions.deprecated-version",
        ),
        (
            [
                "The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 360 minutes.",
                "##[error]The operation was canceled.",
            ],
            "timeout",
        ),
        (["The hosted runner: GitHub Actions 9 lost communication with the server."], "infra.runner"),
        (
            ["E   ModuleNotFoundError: No module named 'x'", "Interrupted: 1 error during collection"],
            "dependency.missing-module",
        ),
        (
            ["Would reformat: src/pkg/mod.py", "1 file would be reformatted, 137 files already formatted"],
            "format.check",
        ),
        (["would reformat /home/runner/work/r/r/pkg/cat.py", "Oh no! 💥 💔 💥"], "format.check"),
        (
            ["ReadTimeoutError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out."],
            "network.transient",
        ),
        (["npm ERR! code ECONNRESET", "npm ERR! network aborted"], "network.transient"),
        (["FAILED tests/test_x.py::test_y - assert 1 == 2"], "test.failure"),
        (["--- FAIL: TestX (0.00s)"], "test.failure"),
        (["src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'."], "compile.error"),
        (["error[E0425]: cannot find value `x` in this scope"], "compile.error"),
        (["Found 3 errors."], "lint"),
        (["ERROR: ResolutionImpossible"], "dependency.resolution"),
        (["npm ERR! ERESOLVE unable to resolve dependency tree"], "dependency.resolution"),
        (["something odd happened"], "unknown"),
    ],
)
def test_categories(lines: list[str], category: str) -> None:
    found, evidence = classify(lines)
    assert found == category
    assert (evidence is None) == (category == "unknown")


def test_analysis_reports_the_deciding_line() -> None:
    log = (
        f"{TS}##[group]Run pytest\n{TS}E   ModuleNotFoundError: No module named 'yaml'\n"
        f"{TS}##[error]Process completed with exit code 2.\n"
    )
    result = analyze(log)
    assert result.category == "dependency.missing-module"
    assert result.category_evidence == "E   ModuleNotFoundError: No module named 'yaml'"
    assert result.failing_step == "Run pytest"


def test_a_green_actions_log_is_no_failure() -> None:
    log = f"{TS}##[group]Run pytest\n{TS}collected 3 items\n{TS}3 passed in 0.1s\n{TS}##[endgroup]\n"
    result = analyze(log)
    assert (result.category, result.signature, result.excerpt) == ("none", "", [])


def test_setup_failure_names_set_up_job() -> None:
    log = (
        f"{TS}Getting action download info\n{TS}##[error]This request has been automatically failed because it "
        f"uses a deprecated version of `actions/cache: v2`.\n"
    )
    result = analyze(log)
    assert result.failing_step == "Set up job"
    assert result.category == "actions.deprecated-version"


def test_gh_cli_step_column() -> None:
    log = (
        "build\tRun tests\t2024-05-01T12:00:00.0000000Z FAILED tests/test_a.py::test_b\n"
        "build\tRun tests\t2024-05-01T12:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    assert analyze(log).failing_step == "Run tests"
