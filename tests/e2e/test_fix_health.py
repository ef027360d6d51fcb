"""A fix is judged by the check it set out to repair, not by every check on its commit: end to end, with real CI
in the sandbox running two jobs."""

from __future__ import annotations

from pathlib import Path

from harness import Loop

REPO = "demo/two-jobs"
WORKFLOW = """name: CI
on:
  push:
    branches: ['**']
permissions:
  contents: read
jobs:
  format:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Check formatting
        run: ruff format --check .
  {second}:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run it
        run: {command}
"""
FILES = {
    "app.py": b"def add(a,b):\n    return a+b\n",
    "calc.py": b"def sub(a, b):\n    return a + b\n",  # a bug nobody has fixed yet: the tests fail on main
    "tests/__init__.py": b"",
    "tests/test_calc.py": b"import unittest\n\nfrom calc import sub\n\n\nclass TestSub(unittest.TestCase):\n"
    b"    def test_sub(self):\n        self.assertEqual(sub(4, 2), 2)\n",
}


def _repo(second: str, command: str) -> dict[str, bytes]:
    workflow = WORKFLOW.format(second=second, command=command).encode()
    return {**FILES, ".github/workflows/ci.yml": workflow}


def test_unrelated_failing_checks_do_not_roll_a_working_fix_back(loop: Loop) -> None:
    loop.setup_repo(REPO, _repo("test", "python -m unittest discover -s tests -t . -v"))
    (opened,) = loop.cycle()["decisions"]
    assert opened["decision"] == "fix_opened"
    loop.sandbox.settle()  # on the fix: format passes, the tests still fail, as they do on main
    (judged,) = loop.cycle()["decisions"]
    assert judged["decision"] == "healthy"
    assert (
        "ci.yml / format` passing" in judged["reason"]
        and "ci.yml / test` failing without the fix too" in (judged["reason"])
    )
    (pull,) = loop.pulls(REPO)
    assert pull["state"] == "open" and "cicd-agent:healthy" in [label["name"] for label in pull["labels"]]
    comments = loop.api("GET", f"/repos/{REPO}/issues/{pull['number']}/comments")
    assert len(comments) == 1 and "not caused by it" in comments[0]["body"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert (breaker["state"], breaker["failures"]) == ("CLOSED", 0)


def test_a_check_the_fix_breaks_rolls_it_back(loop: Loop) -> None:
    # a check that reads the source text: green on main, red once the formatter rewrote `a+b`
    loop.setup_repo(REPO, _repo("compact", "grep -q 'return a+b' app.py"))
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    (judged,) = loop.cycle()["decisions"]
    assert judged["decision"] == "rolled_back"
    assert "ci.yml / compact` failing with the fix but passing without it" in judged["reason"]
    (pull,) = loop.pulls(REPO)
    assert pull["state"] == "closed" and pull["merged_at"] is None
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["failures"] == 1


def _health(loop: Loop, settings: str) -> None:
    path = Path("cicd-agent.toml")
    path.write_text(path.read_text().replace("[health]\n", f"[health]\n{settings}\n", 1))


def test_within_the_failure_limit_a_failed_measurement_reruns_the_failed_jobs_first(loop: Loop) -> None:
    loop.setup("bad-fix")
    _health(loop, "failure_limit = 1")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    assert loop.decisions() == []  # one failed measurement is tolerated: its failed jobs run again
    repo = loop.sandbox.repo("demo/bad-fix")
    (fix_run,) = [r for r in repo.runs if r.branch.startswith("cicd-agent/fix/")]
    assert (fix_run.attempt, fix_run.status) == (2, "queued")
    assert loop.decisions() == []  # still running: wait
    loop.sandbox.settle()
    assert loop.decisions() == ["rolled_back"]  # failed again: past the limit
    check = loop.store().health_check(1)
    assert check is not None and check.failures == 2


def test_errors_reading_ci_past_the_limit_end_inconclusive(loop: Loop) -> None:
    from cicd_agent.sandbox import Fault

    loop.setup("format")
    _health(loop, "consecutive_error_limit = 1")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    loop.sandbox.inject(Fault("GET", r"/pulls/\d+$", status=404, times=99, body='{"message": "Not Found"}'))
    first = loop.cycle()
    assert first["decisions"] == [] and "health check" in " ".join(first["errors"])
    (judged,) = loop.cycle()["decisions"]
    assert judged["decision"] == "inconclusive" and "2 errors in a row" in judged["reason"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["failures"] == 0  # not a rollback, not a failure: the agent could not tell
