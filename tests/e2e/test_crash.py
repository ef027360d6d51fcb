"""Kill the real agent process at each write point; the next run reconciles with GitHub: no second PR,
no second issue, no second rerun, no lost or repeated rollback step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from harness import Loop

from cicd_agent.sandbox import Fault


def _run_until_killed(loop: Loop, fault: Fault, written: Callable[[], bool]) -> None:
    """Start `agent run`; once the faulted request arrived (and, for `after` faults, its write is visible on
    the sandbox), SIGKILL the agent while it waits for the answer."""
    loop.sandbox.inject(fault)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "run"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (fault.times == 0 and written()):
            assert proc.poll() is None, "the agent finished before reaching the write point"
            time.sleep(0.05)
        assert fault.times == 0 and written(), "the write point was never reached"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    with loop.sandbox.lock:
        loop.sandbox.faults.clear()


def _kill_while_pushing(loop: Loop, repo: str, *, after_update: bool) -> None:
    """Start `agent run`; SIGKILL it (and its git child) while its push hangs before or after the refs move."""
    marker = loop.sandbox.stall_pushes(repo, 60, after_update=after_update)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "run"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not marker.exists():
            assert proc.poll() is None, "the agent finished before pushing"
            time.sleep(0.05)
        assert marker.exists(), "the push never reached the repository"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the agent and its git child
        proc.wait(30)
    for name in ("pre-receive", "post-receive"):
        (loop.sandbox.repo(repo).bare.path / "hooks" / name).unlink(missing_ok=True)


def _open_pulls(loop: Loop, repo: str) -> int:
    return sum(1 for i in loop.sandbox.repo(repo).items.values() if i.is_pull and i.state == "open")


@pytest.mark.parametrize("after", [True, False], ids=["after-pr-created", "before-pr-created"])
def test_killed_around_opening_the_pull_request(loop: Loop, after: bool) -> None:
    loop.setup("format")
    repo = "demo/format-check"
    _run_until_killed(
        loop,
        Fault("POST", r"/pulls$", status=200, delay=60, after=after),
        (lambda: _open_pulls(loop, repo) == 1) if after else (lambda: True),
    )
    assert _open_pulls(loop, repo) == (1 if after else 0)
    decisions = loop.decisions()
    assert decisions == ["adopted"]
    assert _open_pulls(loop, repo) == 1
    (pull,) = loop.pulls(repo)
    assert [label["name"] for label in pull["labels"]] == ["cicd-agent"]  # killed before labelling: labelled now
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    assert len(loop.pulls(repo)) == 1


def test_killed_after_asking_for_a_rerun(loop: Loop) -> None:
    loop.setup("transient")
    run = loop.sandbox.repo("demo/flaky-network").runs[0]
    _run_until_killed(
        loop, Fault("POST", r"/rerun-failed-jobs$", status=200, delay=60, after=True), lambda: run.attempt == 2
    )
    assert loop.decisions() == ["adopted"]  # the rerun happened: adopted (the failure is decided), its check scheduled
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    assert run.attempt == 2  # never asked twice


def test_killed_after_opening_the_report_issue(loop: Loop) -> None:
    loop.setup("unfixable")
    repo = loop.sandbox.repo("demo/failing-test")
    _run_until_killed(loop, Fault("POST", r"/issues$", status=200, delay=60, after=True), lambda: len(repo.items) == 1)
    assert loop.decisions() == ["adopted"]
    assert len(repo.items) == 1


def test_killed_while_downloading_the_log(loop: Loop) -> None:
    """The failure is claimed, its analysis never finished: the next cycle takes the claim over."""
    loop.setup("format")
    job_logs = r"/actions/jobs/\d+/logs$"
    _run_until_killed(loop, Fault("GET", job_logs, status=200, delay=60, after=True), lambda: True)
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]


def test_killed_after_the_rollback_comment(loop: Loop) -> None:
    loop.setup("bad-fix")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    pull = next(i for i in loop.sandbox.repo("demo/bad-fix").items.values() if i.is_pull)
    comment = Fault("POST", r"/issues/\d+/comments$", status=201, delay=60, after=True)
    _run_until_killed(loop, comment, lambda: len(pull.comments) == 1)
    assert loop.decisions() == ["rolled_back"]
    assert len(pull.comments) == 1  # found by its metadata, not posted again
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["failures"] == 1


def test_a_failure_given_back_by_recovery_is_listed_again(loop: Loop) -> None:
    """Killed while pushing (nothing reached GitHub); a cycle that runs while the killed cycle's lease on its
    remediation still holds decides the failure `in_flight` (and saves the run list's ETag); once the lease is
    over, the remediation is abandoned and its failure given back: it must be listed again, not lost to a 304."""
    loop.setup("format")
    _kill_while_pushing(loop, "demo/format-check", after_update=False)
    store = loop.store()
    store.sql.execute("UPDATE remediations SET lease_until = ?", [time.time() + 3600])  # the lease still holds
    assert loop.decisions() == ["in_flight"]
    store.sql.execute("UPDATE remediations SET lease_until = 0")  # ... and is over
    assert loop.decisions() == ["abandoned", "fix_opened"]
    assert _open_pulls(loop, "demo/format-check") == 1


def test_killed_while_rolling_back(loop: Loop) -> None:
    loop.setup("bad-fix")
    repo_name = "demo/bad-fix"
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    repo = loop.sandbox.repo(repo_name)
    pull = next(i for i in repo.items.values() if i.is_pull)
    _run_until_killed(
        loop, Fault("PATCH", r"/pulls/\d+$", status=200, delay=60, after=True), lambda: pull.state == "closed"
    )
    assert loop.decisions() == ["rolled_back"]
    assert len(pull.comments) == 1
    assert not any(b.startswith("cicd-agent/") for b in repo.bare.branches())
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["failures"] == 1


@pytest.mark.parametrize("after_update", [False, True], ids=["before-refs-move", "after-refs-move"])
def test_killed_while_pushing_the_fix(loop: Loop, after_update: bool) -> None:
    loop.setup("format")
    repo = loop.sandbox.repo("demo/format-check")
    _kill_while_pushing(loop, "demo/format-check", after_update=after_update)
    pushed = any(b.startswith("cicd-agent/fix/") for b in repo.bare.branches())
    assert pushed is after_update
    loop.sandbox.settle()
    decisions = loop.decisions()
    # pushed: the branch is adopted, its PR opened, and its (already finished) CI judged at once;
    # not pushed: the half-done remediation is forgotten and the failure handled from scratch
    assert decisions == (["adopted", "healthy"] if after_update else ["abandoned", "fix_opened"])
    assert _open_pulls(loop, "demo/format-check") == 1
