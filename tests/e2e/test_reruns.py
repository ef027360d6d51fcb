"""Re-runs that wait or are budgeted, end to end (the real loop against the sandbox, real CI): a rate limit is
re-run after the wait its log states (an injected clock, no sleeping); the flake ledger: a re-run that passes
records the failing tests as flaky, known flakes are re-run within the repository's budget and reported on one
issue per test (rewritten, never duplicated), and a failure that fails again on its re-run is never a flake."""

from __future__ import annotations

from pathlib import Path

from harness import Loop

from cicd_agent.remediation import operations
from cicd_agent.remediation.cycle import run_cycle

REPO = "demo/flaky-tests"
WORKFLOW = """name: CI
on:
  push:
    branches: ['**']
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run the tests
        run: |
{script}
"""
# fails on a run's first attempt only (a flaky test), or on every attempt (a real failure)
FLAKY = """          if [ "$GITHUB_RUN_ATTEMPT" = "1" ]; then
            echo "FAILED tests/test_cart.py::test_totals - AssertionError: assert 3 == 4"
            echo "1 failed, 12 passed in 0.41s"
            exit 1
          fi
          echo "13 passed in 0.39s"
"""
ALWAYS = """          echo "FAILED tests/test_cart.py::test_totals - AssertionError: assert 3 == 4"
          echo "1 failed, 12 passed in 0.41s"
          exit 1
"""
RATE_LIMITED = """          if [ "$GITHUB_RUN_ATTEMPT" = "1" ]; then
            echo "POST to the uploader: 429 - Rate limit reached. Expected time to availability: 900s."
            exit 1
          fi
          echo "uploaded"
"""
RETRY_TESTS = '[[rules]]\nname = "retry-tests"\ncategory = "test.failure"\nstrategy = "rerun"\n'


def _files(script: str) -> dict[str, bytes]:
    return {"README.md": b"# tests\n", ".github/workflows/ci.yml": WORKFLOW.format(script=script).encode()}


def _issues(loop: Loop) -> list[dict[str, object]]:
    return list(loop.api("GET", f"/repos/{REPO}/issues?labels=cicd-agent&state=all"))


def test_a_rate_limit_is_re_run_after_the_wait_its_log_states(loop: Loop) -> None:
    import time

    loop.setup_repo(REPO, _files(RATE_LIMITED))
    now = [time.time()]
    Path(".cicd-agent").mkdir(exist_ok=True)
    store = loop.store()
    try:
        ports = loop.ports(store, now=lambda: now[0])
        (held,) = run_cycle(ports, loop.repos).decisions
        assert held.decision == "deferred" and "900 s its log states" in held.reason
        assert run_cycle(ports, loop.repos).decisions == []  # held back: not explained again, nothing decided
        outlook = operations.status(ports.breakers, now[0])
        (deferred,) = outlook["deferred"]  # `agent status` says what it waits for and when, not a lease held
        assert deferred["waits_for"] == "a rate limit's wait" and now[0] + 800 < deferred["retry_at"] <= now[0] + 901
        assert outlook["leases"] == []
        assert loop.sandbox.repo(REPO).runs[0].attempt == 1
        now[0] += 901
        assert [d.decision for d in run_cycle(ports, loop.repos).decisions] == ["rerun"]
        loop.sandbox.settle()
        assert [d.decision for d in run_cycle(ports, loop.repos).decisions] == ["healthy"]
        assert store.flaky_tests() == []  # the uploader's quota recovered: no test is flaky
    finally:
        store.close()
    run = loop.sandbox.repo(REPO).runs[0]
    assert (run.attempt, run.conclusion) == (2, "success")


def test_the_flake_ledger_re_runs_known_flakes_within_the_budget_and_reports_each_test_once(loop: Loop) -> None:
    settings = "\n[reruns]\nflaky_budget = 2\nflaky_report_after = 2\n"
    loop.setup_repo(REPO, _files(FLAKY), extra=settings + RETRY_TESTS)
    assert loop.decisions() == ["rerun"]  # a rule of the configuration re-runs test failures
    loop.sandbox.settle()
    assert loop.decisions() == ["flaky", "healthy"]  # failed, then passed on the same commit
    (flaky,) = loop.agent("status", "--json").json()["flaky_tests"]
    assert (flaky["test"], flaky["flakes"], flaky["issue_url"]) == ("tests/test_cart.py::test_totals", 1, None)

    loop.edit_config(RETRY_TESTS, "")  # no rule re-runs test failures now: the ledger does, for known flakes
    loop.commit(REPO)
    (rerun,) = loop.cycle()["decisions"]
    assert (rerun["decision"], rerun["rule"]) == ("rerun", "flaky-rerun") and "re-run 1 of 2" in rerun["reason"]
    loop.sandbox.settle()
    assert loop.decisions() == ["flaky", "healthy"]
    (issue,) = _issues(loop)  # it flaked twice: its one issue
    assert "tests/test_cart.py::test_totals" in str(issue["title"]) and "2 time(s)" in str(issue["body"])

    loop.commit(REPO, text="more notes\n")
    assert loop.decisions() == ["rerun"]
    loop.sandbox.settle()
    assert loop.decisions() == ["flaky", "healthy"]
    (issue,) = _issues(loop)  # rewritten, not a second issue
    assert "3 time(s)" in str(issue["body"])

    loop.commit(REPO, text="even more notes\n")  # the budget (2 per day) is spent: reported on its issue
    (reported,) = loop.cycle()["decisions"]
    assert reported["decision"] == "reported" and "spent" in reported["reason"]
    assert str(issue["html_url"]) in reported["reason"]
    assert len(_issues(loop)) == 1
    (ledger,) = loop.agent("history", "--flaky", "--json").json()
    assert ledger["flakes"] == 3 and ledger["issue_url"] == issue["html_url"]
    assert "tests/test_cart.py::test_totals" in loop.agent("history", "--flaky").out


def test_a_failure_that_fails_again_on_its_re_run_is_never_a_flake(loop: Loop) -> None:
    loop.setup_repo(REPO, _files(ALWAYS), extra=RETRY_TESTS)
    assert loop.decisions() == ["rerun"]
    loop.sandbox.settle()
    # the health check finds the re-run failed; its second attempt is then handled: the rule's one re-run is spent
    assert loop.decisions() == ["rerun_failed", "reported"]
    assert loop.agent("status", "--json").json()["flaky_tests"] == []
    assert "no flaky tests recorded" in loop.agent("history", "--flaky").err
