"""A failure's signature is a property of the failure, not of the run that showed it: the same failing tests
printed in another order, in other temp dirs, with other request and trace ids, durations, workers and
timestamps, give the same signature; another set of failing tests gives another one."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from cicd_agent.analysis import analyze

Failure = tuple[str, str]  # (test name, what it says)


class Run:
    """What one run of the same failure changes: timestamps, durations, temp dirs, ids, workers."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def stamp(self) -> str:
        r = self.rng
        day = f"2031-0{r.randint(1, 9)}-1{r.randint(0, 9)}"
        return f"{day}T{r.randint(10, 23)}:{r.randint(10, 59)}:{r.randint(10, 59)}.{r.randint(1000000, 9999999)}Z "

    def seconds(self) -> str:
        return f"{self.rng.randint(0, 99)}.{self.rng.randint(10, 99)}s"

    def tmp(self) -> str:
        return f"/tmp/pytest-of-runner/pytest-{self.rng.randint(0, 99)}/test_case{self.rng.randint(0, 9)}"

    def request_id(self) -> str:
        return ":".join(f"{self.rng.getrandbits(32):X}"[: self.rng.randint(4, 8)] for _ in range(5))

    def trace(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128)).hex

    def worker(self) -> str:
        return f"gw{self.rng.randint(0, 7)}"


def _message(run: Run, what: str) -> str:
    return f"{what} (request ID {run.request_id()}, trace_id={run.trace()}, dir {run.tmp()}, after {run.seconds()})"


def pytest_style(failures: list[Failure], run: Run) -> list[str]:
    lines = ["collected 240 items", "." * 60 + "F" * len(failures), "=" * 30 + " FAILURES " + "=" * 30]
    for name, what in failures:
        lines += [f"____ {name} ____", f"[{run.worker()}] linux -- Python 3.12.8", f"E       {_message(run, what)}"]
    lines.append("=" * 20 + " short test summary info " + "=" * 20)
    lines += [f"FAILED tests/test_{name}.py::{name} - {_message(run, what)}" for name, what in failures]
    lines.append(f"{len(failures)} failed, 213 passed in {run.seconds()}")
    return lines


def go_style(failures: list[Failure], run: Run) -> list[str]:
    lines = []
    for name, what in failures:
        lines += [f"--- FAIL: Test{name.title()} ({run.seconds()})", f"    {name}_test.go:12: {_message(run, what)}"]
    return [*lines, "FAIL", f"FAIL\tgithub.com/acme/app/internal\t{run.seconds()}", "FAIL"]


def jest_style(failures: list[Failure], run: Run) -> list[str]:
    lines = [" FAIL  src/app.test.ts"]
    for name, what in failures:
        lines += [f"  ● app › {name}", "", f"    {_message(run, what)}", ""]
    return [*lines, f"Tests:       {len(failures)} failed, 80 passed, {80 + len(failures)} total"]


def cargo_style(failures: list[Failure], run: Run) -> list[str]:
    lines = [f"running {len(failures) + 5} tests"]
    lines += [f"test tests::{name} ... FAILED" for name, _ in failures]
    for name, what in failures:
        lines += [
            f"---- tests::{name} stdout ----",
            f"thread 'tests::{name}' panicked at src/lib.rs:9:5:",
            _message(run, what),
        ]
    return [*lines, f"test result: FAILED. 5 passed; {len(failures)} failed; finished in {run.seconds()}"]


def surefire_style(failures: list[Failure], run: Run) -> list[str]:
    lines = []
    for name, what in failures:
        lines += [
            f"[ERROR] com.acme.AppTest.{name} -- Time elapsed: {run.seconds()} <<< FAILURE!",
            f"org.opentest4j.AssertionFailedError: {_message(run, what)}",
        ]
    return [*lines, f"[ERROR] Tests run: 90, Failures: {len(failures)}, Errors: 0, Skipped: 0", "[INFO] BUILD FAILURE"]


STYLES: dict[str, Callable[[list[Failure], Run], list[str]]] = {
    "pytest": pytest_style,
    "go": go_style,
    "jest": jest_style,
    "cargo": cargo_style,
    "surefire": surefire_style,
}


def job_log(style: str, failures: list[Failure], run: Run) -> str:
    lines = [
        "##[group]Run actions/checkout@v4",
        "##[endgroup]",
        f"HEAD is now at {run.rng.getrandbits(28):07x} Merge pull request",
        f"##[group]Run make test-{style}",
        f"make test-{style}",
        "##[endgroup]",
        *STYLES[style](failures, run),
        "##[error]Process completed with exit code 1.",
        "Post job cleanup.",
    ]
    return "".join(run.stamp() + line + "\n" for line in lines)


names = st.from_regex(r"[a-z][a-z0-9_]{2,14}", fullmatch=True)
failures = st.lists(
    st.tuples(names, st.sampled_from(["assert 3 == 4", "KeyError: 'currency'", "timeout"])),
    min_size=1,
    max_size=30,
    unique_by=lambda f: f[0],
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(STYLES)), failures, st.randoms(use_true_random=False), st.integers(), st.integers())
def test_order_paths_ids_and_durations_do_not_change_the_signature(
    style: str, failed: list[Failure], shuffler: random.Random, first: int, second: int
) -> None:
    reordered = list(failed)
    shuffler.shuffle(reordered)
    one = analyze(job_log(style, failed, Run(first)))
    two = analyze(job_log(style, reordered, Run(second)))
    assert one.category == two.category == "test.failure"
    assert one.signature == two.signature, (one.template, two.template)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(STYLES)), failures.filter(lambda f: len(f) >= 2), st.integers())
def test_another_set_of_failing_tests_is_another_failure(style: str, failed: list[Failure], seed: int) -> None:
    assert (
        analyze(job_log(style, failed, Run(seed))).signature != analyze(job_log(style, failed[1:], Run(seed))).signature
    )
