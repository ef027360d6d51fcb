"""Random-kill trials: the real agent process (`agent run` in a child process) is killed with SIGKILL at a random
moment of a fix or of a rollback, then later cycles recover. Each trial ends with the checks the loop promises:
one PR for the failure, no orphan fix branch, no comment twice, breaker failures equal to the fixes rolled back,
nothing stuck, every PR labelled.

A moment is an API request of the killed cycle (the Nth, counted from the start of the phase): the sandbox holds
its answer while the agent waits for it, either before doing it or after (the write is made, the agent never
learns it); or the git push itself, stalled before or after the refs move. Used by `tests/e2e/test_kill_trials.py`
(a few trials) and `benchmarks/kill_trials.py` (many).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from harness import Agent, Loop, Result

from cicd_agent.cli.main import invoke
from cicd_agent.model import ACTIVE, LABEL, RemState, RunRef
from cicd_agent.sandbox import Fault, Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS
from cicd_agent.store import Store

LEASE = 1.0  # seconds: a killed cycle's claims are taken over after this
PUSH = -1  # the moment "during the git push"


class Phase(StrEnum):
    FIX = "fix"  # the cycle that handles the failure: explain, plan, push, open the PR
    ROLLBACK = "rollback"  # the cycle that judges the fix's red CI and rolls it back


@dataclass(frozen=True)
class Moment:
    scenario: str  # "format" (the fix goes green) or "bad-fix" (the fix goes red and is rolled back)
    phase: Phase
    request: int  # the Nth API request of the phase (0-based), or PUSH
    after: bool  # the request (or the push's ref update) was made before the kill

    def __str__(self) -> str:
        where = "push" if self.request == PUSH else f"request {self.request}"
        return f"{self.scenario}/{self.phase} {where} {'after' if self.after else 'before'}"


@dataclass
class Outcome:
    moment: Moment
    killed: bool = False
    pulls: int = 0
    orphan_branches: list[str] = field(default_factory=list)
    duplicate_comments: int = 0
    breaker_failures: int = 0
    rolled_back: int = 0
    stuck: list[str] = field(default_factory=list)
    unlabelled: int = 0
    decisions: list[str] = field(default_factory=list)  # of the recovery cycles

    @property
    def problems(self) -> list[str]:
        found = []
        if self.pulls != 1:
            found.append(f"{self.pulls} pull requests")
        if self.orphan_branches:
            found.append(f"orphan branches {self.orphan_branches}")
        if self.duplicate_comments:
            found.append(f"{self.duplicate_comments} duplicate comments")
        if self.breaker_failures != self.rolled_back:
            found.append(f"breaker failures {self.breaker_failures} != rolled back {self.rolled_back}")
        if self.stuck:
            found.append(f"stuck: {self.stuck}")
        if self.unlabelled:
            found.append(f"{self.unlabelled} PRs without the {LABEL} label")
        return found


def repo_of(scenario: str) -> str:
    return next(s.repo for s in SCENARIOS if s.name == scenario)


def prepare(sandbox: Sandbox, scenario: str) -> None:
    """The scenario's repository with its failed run, and the agent's config in the working directory (claims
    held for LEASE)."""
    Loop(sandbox, in_process_agent).setup(scenario)
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace("lease = 0", f'lease = "{LEASE:g}s"'))


def start_phase(sandbox: Sandbox, agent: Agent, moment: Moment) -> None:
    """Bring the loop to the start of the phase: for a rollback, the fix is opened and its CI has failed."""
    if moment.phase is Phase.ROLLBACK:
        assert agent("run").code == 0
        sandbox.settle()


def agent_process() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "run"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the agent and its git child are killed together
    )


def agents_at_once(state_dirs: list[Path]) -> list[list[dict[str, Any]]]:
    """`agent run --json` in one process per state dir (the same dir more than once: a shared one), all
    started together; the decisions of each."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "cicd_agent", "--state-dir", str(state), "run", "--json"],
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for state in state_dirs
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in results]
    return [json.loads(out)["decisions"] for out, _ in results]


def count_requests(sandbox: Sandbox) -> int:
    """How many API requests one unkilled cycle of the phase makes (to aim the kills)."""
    before = len(sandbox.requests)
    proc = agent_process()
    proc.wait(120)
    return len(sandbox.requests) - before


def choose(rng: random.Random, counts: dict[str, dict[Phase, int]]) -> Moment:
    """A random moment of a random phase of a random scenario: any request of it (or the push, for a fix) is as
    likely, before or after."""
    scenario = rng.choice(sorted(counts))
    requests = counts[scenario]
    phase = rng.choice(sorted(requests))
    slots = requests[phase] + (1 if phase is Phase.FIX else 0)
    slot = rng.randrange(slots)
    return Moment(scenario, phase, PUSH if slot == requests[phase] else slot, rng.random() < 0.5)


def kill_at(sandbox: Sandbox, moment: Moment) -> bool:
    """Run `agent run` until the moment, then SIGKILL it; False when it finished before reaching it."""
    repo = sandbox.repo(repo_of(moment.scenario))
    marker: Path | None = None
    fault: Fault | None = None
    if moment.request == PUSH:
        marker = sandbox.stall_pushes(repo.full_name, 60, after_update=moment.after)
    else:
        fault = Fault("*", ".*", status=200, delay=60, after=moment.after, skip=moment.request)
        sandbox.inject(fault)

    def reached() -> bool:
        if marker is not None:
            return marker.exists()
        assert fault is not None
        return fault.times == 0 and (fault.performed or not fault.after)

    proc = agent_process()
    killed = False
    try:
        deadline = time.time() + 90
        while time.time() < deadline and proc.poll() is None:
            if reached():
                killed = True
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    with sandbox.lock:
        sandbox.faults.clear()
    for name in ("pre-receive", "post-receive"):
        (repo.bare.path / "hooks" / name).unlink(missing_ok=True)
    if marker is not None:
        marker.unlink(missing_ok=True)
    return killed


def recover(sandbox: Sandbox, agent: Agent, rounds: int = 6) -> list[str]:
    """Later cycles: one at once (the killed cycle's leases still hold), then, the leases over, cycles with CI run
    in between until one has nothing left to do."""
    decisions = _cycle(agent)
    time.sleep(LEASE)
    for _ in range(rounds):
        sandbox.settle()
        made = _cycle(agent)
        decisions += made
        if not made and not _unfinished(Store(Path(".cicd-agent") / "state.db")):
            break
    return decisions


def _cycle(agent: Agent) -> list[str]:
    result = agent("run", "--json")
    assert result.code in (0, 1), result.err
    return [str(d["decision"]) for d in result.json()["decisions"]]


def _unfinished(store: Store) -> list[str]:
    waiting = [f"remediation {r.id} {r.state}" for r in store.remediations(states=ACTIVE)]
    checks = store.pending_health_checks()
    return waiting + ([f"{checks} pending health checks"] if checks else [])


def inspect(sandbox: Sandbox, moment: Moment, killed: bool, decisions: list[str]) -> Outcome:
    repo = sandbox.repo(repo_of(moment.scenario))
    pulls = [i for i in repo.items.values() if i.is_pull]
    open_heads = {p.head for p in pulls if p.state == "open"}
    store = Store(Path(".cicd-agent") / "state.db")
    run = repo.runs[0]
    stuck = _unfinished(store)
    if not store.decided(RunRef(repo.full_name, run.id, run.attempt)):
        stuck.append(f"run {run.id} never decided")
    return Outcome(
        moment,
        killed=killed,
        pulls=len(pulls),
        orphan_branches=[b for b in repo.bare.branches() if b.startswith("cicd-agent/") and b not in open_heads],
        duplicate_comments=sum(len(i.comments) - len({c.body for c in i.comments}) for i in repo.items.values()),
        breaker_failures=sum(b.breaker.failures for b in store.breakers(repo=repo.full_name)),
        rolled_back=len(store.remediations(repo=repo.full_name, states=(RemState.ROLLED_BACK,))),
        stuck=stuck,
        unlabelled=sum(1 for p in pulls if LABEL not in p.labels),
        decisions=decisions,
    )


def in_process_agent(*args: str) -> Result:
    """The real CLI, run in this process (as the tests' `agent` fixture does, without pytest)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = invoke(list(args))
    return Result(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def scene(root: Path, scenario: str) -> Iterator[Sandbox]:
    """A sandbox with the scenario, served on loopback, the agent's environment and working directory set."""
    root.mkdir(parents=True)
    names = ("GITHUB_API_URL", "GITHUB_TOKEN", "CICD_AGENT_PACKAGE_INDEX")
    before = (Path.cwd(), {name: os.environ.get(name) for name in names})
    sandbox = Sandbox(root / "sandbox")
    sandbox.serve(auto_ci=False)
    os.chdir(root)
    os.environ.update(
        GITHUB_API_URL=sandbox.base_url,
        GITHUB_TOKEN=sandbox.token,
        CICD_AGENT_PACKAGE_INDEX=str(sandbox.root / "wheelhouse"),
    )
    try:
        prepare(sandbox, scenario)
        yield sandbox
    finally:
        sandbox.close()
        os.chdir(before[0])
        for name, value in before[1].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def calibrate(root: Path) -> dict[str, dict[Phase, int]]:
    """How many API requests an unkilled cycle of each phase of each scenario makes (where kills can aim)."""
    counts: dict[str, dict[Phase, int]] = {"format": {}, "bad-fix": {}}
    for scenario in counts:
        with scene(root / scenario, scenario) as sandbox:
            counts[scenario][Phase.FIX] = count_requests(sandbox)
            if scenario == "bad-fix":
                sandbox.settle()
                counts[scenario][Phase.ROLLBACK] = count_requests(sandbox)
    return counts


def trial(sandbox: Sandbox, agent: Agent, moment: Moment) -> Outcome:
    """One trial in the current directory, on a sandbox prepared for `moment.scenario`."""
    start_phase(sandbox, agent, moment)
    killed = kill_at(sandbox, moment)
    return inspect(sandbox, moment, killed, recover(sandbox, agent))
