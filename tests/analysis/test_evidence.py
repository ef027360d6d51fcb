"""Evidence weights, and the prefilter's promise: every evidence line passes it, timestamped or not."""

from __future__ import annotations

import pytest

from cicd_agent.analysis.evidence import PATTERNS, PREFILTER, line_weight

# One real line per evidence pattern (same order as PATTERNS).
SAMPLES = [
    "AssertionError: expected 'Draft' to be 'Published' // Object.is equality",
    "junit.framework.ComparisonFailure: expected:<[a]> but was:<[b]>",
    "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
    "org.opentest4j.AssertionFailedError: expected: <42> but was: <41>",
    "        \tError Trace:\t/home/runner/work/rl/rl/limiter/window_test.go:42",
    "        \tError:      \tNot equal: ",
    "     Failure/Error: expect(cart.total).to eq(3)",
    "WARNING: DATA RACE",
    "==3141==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000050",
    "panic: assignment to entry in nil map",
    "npm ERR! signal SIGSEGV",
    "# A fatal error has been detected by the Java Runtime Environment:",
    "ERROR: unable to select packages:",
    "ERROR: No matching distribution found for numpy==9.9.9",
    "ERROR: Could not find a version that satisfies the requirement numpy==9.9.9",
    "Because app depends on requests (^9.0) which doesn't match any versions, version solving failed.",
    "[ERROR] Failed to execute goal on project app: Could not resolve dependencies for project com.acme:app:jar:1.0",
    "  ● totals › applies the member discount",
    "src/main.rs:3:5: error[E0425]: cannot find value",
    "ERROR: Could not find a version that satisfies the requirement numpy==9.9.9",
    "tests/test_x.py::test_y FAILED",
    "[ERROR] /src/Foo.java:[1,2] cannot find symbol",
    "##[error]The job was canceled",
    "Traceback (most recent call last):",
    "Tests run: 10, Failures: 1, Errors: 0, Skipped: 0",
    "=== 2 failed, 10 passed in 1.02s ===",
    "BUILD FAILURE",
    "npm ERR! code ECONNRESET",
    "Would reformat: src/pkg/mod.py",
    "##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 360 minutes.",
    "ImportError: No module named x",
    "junit.framework.ComparisonFailure: expected:<1> but was:<2>",
    "pip._vendor.urllib3.exceptions.ReadTimeoutError: Read timed out.",
    "ERROR: ResolutionImpossible",
    "bash: line 1: foo: command not found",
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "fatal: unable to access 'https://github.com/acme/tool.git/'",
    "Error: something broke",
    "make: *** [Makefile:12: all] failed",
    "Error while loading the configuration",
    "##[error]Process completed with exit code 1.",
]


def test_every_pattern_has_a_sample() -> None:
    assert len(SAMPLES) == len(PATTERNS)


@pytest.mark.parametrize(("sample", "rule"), list(zip(SAMPLES, PATTERNS, strict=True)))
def test_each_pattern_fires_and_passes_the_prefilter(sample: str, rule: tuple[int, object]) -> None:
    weight, pattern = rule
    assert pattern.search(sample) or pattern.match(sample), "the sample does not show its pattern"  # type: ignore[attr-defined]
    assert line_weight(sample) >= weight
    assert PREFILTER.lines(sample + "\n") == [0], "an evidence line the scan would never look at"
    for prefix in ("2024-05-01T12:00:00.1234567Z ", "build\tRun tests\t2024-05-01T12:00:00.1234567Z "):
        assert PREFILTER.lines(f"first line\n{prefix}{sample}\n") == [1], f"missed behind {prefix!r}"


@pytest.mark.parametrize(
    "line",
    [
        "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
        "Tests run: 5, Failures: 0, Errors: 0, Skipped: 0",
        "compiling with -Werror",
        "=== 0 failed, 3 passed ===",
        "all good",
        "XFAIL tests/test_a.py::test_known_bug",
    ],
)
def test_noise_is_not_evidence(line: str) -> None:
    assert line_weight(line) == 0


def test_weights_order_what_broke_over_words() -> None:
    assert line_weight("E       AssertionError: assert 'pending' == 'settled'") == 4
    assert line_weight("WARNING: DATA RACE") == 4
    assert line_weight("src/a.c:3:1: error: expected ';'") == 3
    assert line_weight("Fatal Python error: Segmentation fault") == 3  # an `error:` line says what it says
    assert line_weight("the request failed") == 2
    assert line_weight("##[error]Process completed with exit code 2.") == 1


def test_a_summary_naming_the_assertion_is_not_the_report() -> None:
    assert line_weight("FAILED tests/test_ledger.py::test_settle - AssertionError: assert 'a' == 'b'") == 3


def test_prefilter_literal_at_a_chunk_start_and_after_a_newline() -> None:
    assert PREFILTER.lines("E   assert x\nok\nE   assert y\n") == [0, 2]
