"""Three agent hosts (`agent run --watch` processes) on one PostgreSQL against the sandbox. One is killed with
SIGKILL in the middle of a fix (its push made, its pull request not yet opened), one in the middle of a rollback
(its comment posted, the answer not yet read). The others take the work over once the dead host's leases run
out (3 s here): each failure is handled exactly once, the breaker counts the failed fix once, nothing is left
stuck, and the takeover took less than a minute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import Loop

from cicd_agent.model import ACTIVE, LABEL, RemState, RunRef
from cicd_agent.sandbox import Fault
from cicd_agent.store import Store
from cicd_agent.store.postgres import PostgresBackend

FORMAT, BAD_FIX = "demo/format-check", "demo/bad-fix"
LEASE = 3.0
TAKEOVER_LIMIT = 60.0


def _wait(what: str, condition: Callable[[], bool], *, within: float = 120.0) -> float:
    """Poll until `condition` holds; returns when it did (a bounded loop: a failure says what never happened)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"within {within:g}s: {what}")


@pytest.fixture
def hosts(loop: Loop, postgres_url: str, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Three watchers sharing `postgres_url`; killed at the end whatever happened."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        for n in range(3):
            log = (tmp_path / f"host-{n}.log").open("wb")
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cicd_agent", "--state-url", postgres_url, "run", "--watch"],
                    env=os.environ.copy(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: the host and its git children die together
                )
            )

    loop.start_hosts = start  # type: ignore[attr-defined]
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def _holder(store: Store, sql: str, args: list[object]) -> int | None:
    """The pid of the host holding a lease (`leased_by` is host:pid:random)."""
    row = store.sql.one(sql, args)
    if not row or not row["leased_by"]:
        return None
    return int(str(row["leased_by"]).split(":")[1])


def _kill(procs: list[subprocess.Popen[bytes]], pid: int) -> None:
    (proc,) = [p for p in procs if p.pid == pid]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def test_three_hosts_take_over_a_killed_fix_and_a_killed_rollback(
    loop: Loop, postgres_url: str, hosts: list[subprocess.Popen[bytes]]
) -> None:
    loop.setup("format", "bad-fix")
    loop.edit_config("lease = 0", f'lease = "{LEASE:g}s"')
    Path("cicd-agent.toml").write_text(
        Path("cicd-agent.toml").read_text() + "[schedule]\npoll_interval = 1\nhealth_interval = 1\n"
    )
    sandbox = loop.sandbox
    store = Store(PostgresBackend(postgres_url))

    # -- a host killed mid-fix: the fix branch pushed, its pull request not yet opened --------------------
    pushed = sandbox.stall_pushes(FORMAT, 120, after_update=True)
    loop.start_hosts()  # type: ignore[attr-defined]
    _wait("a host pushed the fix of format-check", pushed.exists)
    fixer = _holder(store, "SELECT leased_by FROM remediations WHERE repo = ? ORDER BY id", [FORMAT])
    assert fixer is not None
    _kill(hosts, fixer)
    killed_fix = time.monotonic()
    for hook in ("pre-receive", "post-receive"):
        (sandbox.repo(FORMAT).bare.path / "hooks" / hook).unlink(missing_ok=True)

    def pulls(repo: str) -> list[object]:
        with sandbox.lock:
            return [i for i in sandbox.repo(repo).items.values() if i.is_pull]

    fix_taken_over = _wait("another host opened the pushed fix's pull request", lambda: len(pulls(FORMAT)) == 1)
    _wait("the bad fix's pull request is open", lambda: len(pulls(BAD_FIX)) == 1)

    # -- a host killed mid-rollback: its comment posted, the answer never read ---------------------------
    stalled = Fault("POST", rf"^/repos/{BAD_FIX}/issues/\d+/comments$", status=201, delay=120, after=True)
    sandbox.inject(stalled)
    sandbox.settle()  # the bad fix's CI fails (and the good one's passes)
    _wait("a host posted the rollback comment", lambda: stalled.performed)
    (bad,) = store.remediations(repo=BAD_FIX)
    roller = _holder(store, "SELECT leased_by FROM remediations WHERE id = ?", [bad.id])
    assert roller is not None and roller != fixer
    _kill(hosts, roller)
    killed_rollback = time.monotonic()
    with sandbox.lock:
        sandbox.faults.clear()

    (pull,) = pulls(BAD_FIX)
    rollback_taken_over = _wait(
        "another host finished the rollback",
        lambda: store.remediation(bad.id) is not None and store.remediation(bad.id).state is RemState.ROLLED_BACK,
    )
    _wait("the good fix is judged healthy", lambda: not store.remediations(states=ACTIVE))
    for proc in hosts:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in hosts:
        proc.wait(60)

    assert fix_taken_over - killed_fix < TAKEOVER_LIMIT
    assert rollback_taken_over - killed_rollback < TAKEOVER_LIMIT
    # each failure handled exactly once: one pull request each, one settling decision each
    assert [len(pulls(FORMAT)), len(pulls(BAD_FIX))] == [1, 1]
    for repo in (FORMAT, BAD_FIX):
        run = sandbox.repo(repo).runs[0]
        assert store.decided(RunRef(repo, run.id, run.attempt, "main"))
        opened = [
            d for d in store.decisions(repo=repo) if d.run_id == run.id and d.decision in ("fix_opened", "adopted")
        ]
        assert len(opened) == 1, [d.decision for d in store.decisions(repo=repo)]
    assert pull.state == "closed" and "cicd-agent:rolled-back" in pull.labels and LABEL in pull.labels  # type: ignore[attr-defined]
    comments = [c.body for c in pull.comments]  # type: ignore[attr-defined]
    assert len(comments) == len(set(comments)) == 1  # the dead host's comment found again, not posted twice
    assert not any(b.startswith("cicd-agent/") for b in sandbox.repo(BAD_FIX).bare.branches())
    # the breaker counts the failed fix once, whoever rolled it back
    assert [b.breaker.failures for b in store.breakers(repo=BAD_FIX)] == [1]
    assert store.remediations(states=ACTIVE) == [] and store.pending_health_checks() == 0
    assert store.expired_leases(now=time.time() + 3600) == 0  # no claim left held by anyone
    fix, rollback = fix_taken_over - killed_fix, rollback_taken_over - killed_rollback
    print(f"takeover after kill -9: fix {fix:.1f}s, rollback {rollback:.1f}s")
    store.close()
