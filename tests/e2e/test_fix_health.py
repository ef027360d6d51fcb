"""A fix is judged by the check it set out to repair, not by every check on its commit: end to end, with real CI
in the sandbox running two jobs."""

from __future__ import annotations

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
