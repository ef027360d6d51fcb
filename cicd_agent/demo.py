"""`agent demo`: the agent against the sandbox's scenarios, cycle after cycle with their real CI in between,
until each scenario reaches its end (fixed, rerun, reported, or breaker open)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cicd_agent.action_versions import CachedVersions, GitHubActionVersions
from cicd_agent.config import Config, parse_config
from cicd_agent.effects import Effects
from cicd_agent.github import GitHubClient
from cicd_agent.gitops import GitPusher, Workspaces
from cicd_agent.package_index import WheelhouseIndex
from cicd_agent.pipeline import Ports, run_cycle
from cicd_agent.sandbox.scenarios import SCENARIOS, Scenario, build_wheel
from cicd_agent.sandbox.server import Sandbox
from cicd_agent.store import Store

DEMO_SETTINGS = """
[github]
write_interval = 0
[health]
delay = 0
interval = 0
max_wait = "10m"
[policy]
allow_workflow_changes = true
max_open_prs = 20
max_new_prs_per_hour = 50
"""


# A distribution that exists and ships its module, yet breaks the project: the agent verifies the name, CI
# still fails, and the fix is rolled back (the bad-fix scenario). TODO(lead): move into scenarios.WHEELS.
BROKEN_WHEEL = ("notarealpkg", "raise ImportError('notarealpkg 1.0 is broken on purpose')\n")


def demo_index(sandbox: Sandbox) -> WheelhouseIndex:
    """The sandbox's wheelhouse is the demo's package index (with the broken distribution in it)."""
    wheelhouse = sandbox.root / "wheelhouse"
    build_wheel(wheelhouse, BROKEN_WHEEL[0], BROKEN_WHEEL[0], BROKEN_WHEEL[1])
    return WheelhouseIndex(wheelhouse)


def demo_config(scenarios: list[Scenario]) -> Config:
    repos = "".join(f'[[repos]]\nname = "{s.repo}"\nbranches = ["main"]\n' for s in scenarios)
    config, problems = parse_config(DEMO_SETTINGS + repos, source="(demo)")
    assert not problems, problems
    return config


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    expected: str
    outcome: str
    pr: str | None
    signature: str


def outcome(store: Store, scenario: Scenario) -> ScenarioResult:
    rems = store.remediations(repo=scenario.repo)
    breakers = store.breakers(repo=scenario.repo)
    signature = rems[-1]["signature"] if rems else ""
    result = "pending"
    pr = None
    if any(b["state"] in ("OPEN", "FORCED_OPEN") for b in breakers):
        result = "breaker-open"
    elif healthy := [r for r in rems if r["state"] in ("healthy", "merged")]:
        result = "fixed" if healthy[-1]["strategy"] == "fix" else "rerun"
        pr = healthy[-1]["pr_url"] or None
    elif reported := [r for r in rems if r["state"] == "reported"]:
        result, pr = "reported", reported[-1]["pr_url"] or None
    elif rems:
        result = rems[-1]["state"]
    return ScenarioResult(scenario.name, scenario.expected, result, pr, signature)


def _recur(sandbox: Sandbox, store: Store, scenario: Scenario) -> None:
    """The failure a rolled-back fix left in place happens again (as a re-run or the next push would)."""
    rems = store.remediations(repo=scenario.repo)
    if not rems or rems[-1]["state"] != "rolled_back":
        return
    repo = sandbox.repo(scenario.repo)
    run = next((r for r in repo.runs if r.id == rems[-1]["run_id"]), None)
    if run is not None and run.status == "completed" and run.attempt == rems[-1]["run_attempt"]:
        with sandbox.lock:
            sandbox.rerun(repo, run, failed_only=True)


def run_demo(
    sandbox: Sandbox,
    state_dir: Path,
    *,
    effects: Effects,
    store: Store,
    echo: Callable[[str], None],
    max_cycles: int = 30,
    cycles: int | None = None,
) -> tuple[list[ScenarioResult], list[dict[str, Any]]]:
    config = demo_config(SCENARIOS)
    github = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    effects.github = github
    effects.pusher = GitPusher(sandbox.token)
    ports = Ports(
        config,
        github,
        effects,
        store,
        Workspaces(state_dir / "workspaces", sandbox.token),
        state_dir / "snapshots",
        time.time,
        echo,
        versions=CachedVersions(GitHubActionVersions(github.gh)),  # the sandbox hosts no action: the table
        index=demo_index(sandbox),
    )
    results: list[ScenarioResult] = []
    for cycle in range(cycles or max_cycles):
        sandbox.settle()
        echo(f"-- cycle {cycle + 1}")
        run_cycle(ports, [s.repo for s in SCENARIOS])
        for scenario in SCENARIOS:
            if scenario.expected == "breaker-open":
                _recur(sandbox, store, scenario)
        results = [outcome(store, s) for s in SCENARIOS]
        if all(r.outcome == r.expected for r in results):
            break
    breakers = [
        {"repo": b["repo"], "branch": b["branch"], "signature": b["signature"], "state": b["state"]}
        for b in store.breakers()
    ]
    return results, breakers
