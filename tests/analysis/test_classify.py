"""Which part of a log decides its category, the failing step, and what counts as a failure at all."""

from __future__ import annotations

import pytest

from cicd_agent.analysis import analyze
from cicd_agent.analysis.classify import classify, decide

TS = "2024-05-01T12:00:00.0000000Z "


def _log(*lines: str) -> str:
    return "".join(f"{TS}{line}\n" for line in lines)


@pytest.mark.parametrize(
    ("lines", "category"),
    [
        (
            ["E   ModuleNotFoundError: No module named 'x'", "Interrupted: 1 error during collection"],
            "dependency.missing-module",
        ),
        (["FAILED tests/test_x.py::test_y - assert 1 == 2"], "test.failure"),
        (["--- FAIL: TestX (0.00s)"], "test.failure"),
        (["src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'."], "types.check"),
        (["error[E0425]: cannot find value `x` in this scope"], "compile.error"),
        (["Found 3 errors."], "lint"),
        (["npm ERR! ERESOLVE unable to resolve dependency tree"], "dependency.resolution"),
        (["something odd happened"], "unknown"),
    ],
)
def test_categories(lines: list[str], category: str) -> None:
    found, evidence = classify(lines)
    assert found == category
    assert (evidence is None) == (category == "unknown")


def test_the_newest_part_decides_and_within_it_the_first_row() -> None:
    network = ["WARNING: Retrying after connection broken by 'ReadTimeoutError(\"Read timed out.\")'"]
    compile_error = ["[ERROR] COMPILATION ERROR :", "[ERROR] App.java:[57,16] cannot find symbol"]
    assert decide([compile_error, network]).category == "compile.error"
    assert decide([network, compile_error]).category == "network.transient"
    # in one part the catalogue's order decides: a test failing because PyPI is down is a network failure
    both = ["FAILED tests/test_api.py::test_fetch - ConnectionError: Max retries exceeded with url: /simple/"]
    assert decide([both]).category == "network.transient"


def test_a_step_title_decides_only_when_no_output_line_did() -> None:
    assert decide([["internal/store/cache.go"]], step="Run gofmt -l .").category == "format.check"
    assert decide([["FAILED t.py::x"]], step="Run gofmt -l . && pytest").category == "test.failure"


def test_a_summary_line_decides_only_when_no_older_part_says_more() -> None:
    """`FAIL <package>` and 'See log for more details' point elsewhere: a crash or a vanished daemon before them
    names the failure; alone, or beside a line that tells, they still decide."""
    summary = ["FAIL\tgithub.com/acme/cache/store\t0.027s", "FAIL"]
    crash = ["fatal error: concurrent map writes", "goroutine 37 [running]:"]
    assert decide([summary, crash]).category == "crash"
    assert decide([summary]).category == "test.failure"
    assert decide([summary, ["--- FAIL: TestEvict (0.00s)"], crash]).category == "test.failure"
    daemon = ["e: Daemon compilation failed: Connection to the Kotlin daemon has been unexpectedly lost."]
    wrapper = ["   > Compilation error. See log for more details", "BUILD FAILED in 4m 12s"]
    assert decide([wrapper, daemon]).category == "infra.out-of-memory"
    kotlin = ["e: file:///w/app/Sync.kt:33:17 Unresolved reference 'remoteId'."]
    assert decide([wrapper, kotlin]).tool == "kotlin"
    # a summary that shares its part with a line that tells yields to it, whatever the catalogue's order
    told = ["    store_test.go:33: got 3 entries, want 2", "--- FAIL: TestEvict (0.00s)"]
    assert decide([[*summary, *told]]).tool == "go"


@pytest.mark.parametrize(
    ("step", "category"),
    [
        ("Run cargo llvm-cov --workspace --fail-under-lines 85", "coverage.threshold"),
        ("Run pytest --cov=app --cov-fail-under=90", "coverage.threshold"),
        ("Run npm run lint", "lint"),
        ("Run dart analyze --fatal-infos", "lint"),
        ("Run github/codeql-action/analyze@v3", "unknown"),
        ("Run ./scripts/release.sh", "unknown"),
    ],
)
def test_the_failing_steps_own_command_names_a_coverage_floor_or_a_linter(step: str, category: str) -> None:
    """A tool that fails silently (cargo llvm-cov under its floor prints only its table) is named by its command."""
    assert decide([["TOTAL   310   71   77.10%"]], step=step).category == category


def test_a_deprecation_warning_decides_only_when_nothing_else_did() -> None:
    warning = "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20"
    assert decide([["tar: Exiting with failure status"]], warnings=[warning]).category == "actions.deprecated-version"
    assert decide([["FAILED t.py::x"]], warnings=[warning]).category == "test.failure"


def test_pre_commit_names_the_hooks_that_changed_files() -> None:
    decision = decide(
        [
            [
                "black....Failed",
                "- hook id: black",
                "- files were modified by this hook",
                "isort....Failed",
                "- hook id: isort",
            ]
        ]
    )
    assert (decision.category, decision.tool) == ("format.check", "pre-commit:black,isort")


def test_analysis_reports_the_deciding_line_and_step() -> None:
    result = analyze(
        _log(
            "##[group]Run pytest",
            "E   ModuleNotFoundError: No module named 'yaml'",
            "##[error]Process completed with exit code 2.",
        )
    )
    assert result.category == "dependency.missing-module"
    assert result.category_evidence == "E   ModuleNotFoundError: No module named 'yaml'"
    assert result.failing_step == "Run pytest"
    assert result.tool == "python"


def test_a_green_actions_log_is_no_failure() -> None:
    result = analyze(_log("##[group]Run pytest", "collected 3 items", "3 passed in 0.1s", "##[endgroup]"))
    assert (result.category, result.signature, result.excerpt) == ("none", "", [])


def test_setup_failure_names_set_up_job() -> None:
    result = analyze(
        _log(
            "Getting action download info",
            "##[error]This request has been automatically failed because it uses a deprecated version of "
            "`actions/cache: v2`.",
        )
    )
    assert result.failing_step == "Set up job"
    assert result.category == "actions.deprecated-version"


def test_gh_cli_step_column() -> None:
    log = (
        "build\tRun tests\t2024-05-01T12:00:00.0000000Z FAILED tests/test_a.py::test_b\n"
        "build\tRun tests\t2024-05-01T12:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    assert analyze(log).failing_step == "Run tests"


def test_the_runner_explains_itself_on_the_line_after() -> None:
    result = analyze(
        _log(
            "##[group]Run echo ::set-env name=A::b",
            "##[endgroup]",
            "##[error]Unable to process command '::set-env name=A::b' successfully.",
            "##[error]The `set-env` command is disabled. Please upgrade to using Environment Files.",
        )
    )
    assert result.category == "actions.deprecated-version"
    assert [e.text for e in result.excerpt][-1].startswith("##[error]The `set-env` command is disabled")


def test_the_first_runner_error_ends_the_failing_step_not_a_later_cleanup() -> None:
    result = analyze(
        _log(
            "##[group]Run pytest",
            "FAILED tests/test_a.py::test_b - assert 1 == 2",
            "##[error]Process completed with exit code 1.",
            "##[group]Run actions/upload-artifact@v4",
            "npm ERR! code ECONNRESET",
            "##[error]Process completed with exit code 1.",
        )
    )
    assert (result.category, result.failing_step) == ("test.failure", "Run pytest")
