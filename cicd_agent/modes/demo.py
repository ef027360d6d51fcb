"""`agent demo`: the agent against the sandbox's scenarios, cycle after cycle with their real CI in between,
until each scenario reaches its end (fixed, rerun, reported, or breaker open)."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cicd_agent.breaker import OPENED
from cicd_agent.config.parse import parse_config
from cicd_agent.config.settings import Config, toml_value
from cicd_agent.effects.dryrun import DryRunRecorder
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.errors import AgentError
from cicd_agent.fixers.package_index import WheelhouseIndex
from cicd_agent.github.client import GitHubClient
from cicd_agent.model import RemState, Strategy
from cicd_agent.modes.wiring import build_ports
from cicd_agent.remediation.cycle import Ports, run_cycle
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.action_repos import install_action_repos
from cicd_agent.sandbox.scenarios import SCENARIOS, Scenario, install_scenarios
from cicd_agent.store import Store, open_store

CI_WORKERS = min(4, 2 * (os.cpu_count() or 1))  # the scenarios' CI runs run at once (each in its repository)
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


def demo_index(sandbox: Sandbox) -> WheelhouseIndex:
    """The sandbox's wheelhouse (`scenarios.WHEELS`) is the demo's package index."""
    return WheelhouseIndex(sandbox.root / "wheelhouse")


def host_actions(sandbox: Sandbox, scenarios: list[str]) -> None:
    """The repositories of the actions the scenarios update, so the fixer looks their versions up."""
    if "deprecated-action" in scenarios:
        install_action_repos(sandbox, ["actions/upload-artifact", "actions/download-artifact"])


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


@dataclass(frozen=True)
class DemoResult:
    scenarios: list[ScenarioResult]
    breakers: list[dict[str, str]]

    @property
    def missed(self) -> list[str]:
        return [r.name for r in self.scenarios if r.outcome != r.expected]


def outcome(store: Store, scenario: Scenario) -> ScenarioResult:
    rems = store.remediations(repo=scenario.repo)
    signature = rems[-1].signature if rems else ""
    result = "pending"
    pr = None
    if any(b.breaker.state in OPENED for b in store.breakers(repo=scenario.repo)):
        result = "breaker-open"
    elif healthy := [r for r in rems if r.state in (RemState.HEALTHY, RemState.MERGED)]:
        result = "fixed" if healthy[-1].strategy is Strategy.FIX else "rerun"
        pr = healthy[-1].pr_url or None
    elif reported := [r for r in rems if r.state is RemState.REPORTED]:
        rolled_back = any(r.state is RemState.ROLLED_BACK for r in rems)  # and the same fix not proposed again
        result, pr = "rolled-back-then-reported" if rolled_back else "reported", reported[-1].pr_url or None
    elif rems:
        result = str(rems[-1].state)
    return ScenarioResult(scenario.name, scenario.expected, result, pr, signature)


def _recur(sandbox: Sandbox, store: Store, scenario: Scenario) -> None:
    """The failure a rolled-back fix left in place happens again (as a re-run or the next push would)."""
    rems = store.remediations(repo=scenario.repo)
    if not rems or rems[-1].state is not RemState.ROLLED_BACK:
        return
    repo = sandbox.repo(scenario.repo)
    run = next((r for r in repo.runs if r.id == rems[-1].run_id), None)
    if run is not None and run.status == "completed" and run.attempt == rems[-1].run_attempt:
        with sandbox.lock:
            sandbox.rerun(repo, run, failed_only=True)


@dataclass(frozen=True)
class SandboxFacts:
    """What `agent sandbox serve` tells a person: where it is and what to copy to point the agent at it."""

    api_url: str
    token: str
    root: str
    repositories: list[str]
    failing: dict[str, str]  # the scenarios' repositories -> the end the demo reaches
    environment: dict[str, str]  # GITHUB_API_URL, GITHUB_TOKEN, CICD_AGENT_PACKAGE_INDEX
    config: str  # a cicd-agent.toml watching the failing repositories with the demo's settings


def sandbox_facts(sandbox: Sandbox) -> SandboxFacts:
    ends = {s.repo: s.expected for s in SCENARIOS}
    repos = sorted(sandbox.repos)
    failing = {repo: ends[repo] for repo in repos if repo in ends}
    environment = {
        "GITHUB_API_URL": sandbox.base_url,
        "GITHUB_TOKEN": sandbox.token,
        "CICD_AGENT_PACKAGE_INDEX": str(demo_index(sandbox).directory),  # the stub packages the scenarios install
    }
    tables = "".join(f'[[repos]]\nname = "{repo}"\n' for repo in failing)
    config = DEMO_SETTINGS.strip() + "\n" + tables
    return SandboxFacts(sandbox.base_url, sandbox.token, str(sandbox.root), repos, failing, environment, config.strip())


def start_sandbox(root: Path, *, port: int = 0, scenario: str = "demo", auto_ci: bool = True) -> Sandbox:
    """The sandbox GitHub on 127.0.0.1 with all scenarios (`demo`), none, or one of them."""
    sandbox = Sandbox(root)
    if scenario == "demo":
        install_scenarios(sandbox)
        host_actions(sandbox, [s.name for s in SCENARIOS])
    elif scenario != "none":
        names = [s.name for s in SCENARIOS]
        if scenario not in names:
            raise AgentError(f"unknown scenario {scenario!r}", fix=f"use demo, none, or one of: {', '.join(names)}")
        install_scenarios(sandbox, [scenario])
        host_actions(sandbox, [scenario])
    try:
        sandbox.serve(port, auto_ci=auto_ci)
    except OSError as exc:
        raise AgentError(f"cannot listen on 127.0.0.1:{port}: {exc}", fix="pick another --port, or 0 for any") from None
    return sandbox


def run_demo(*, recorder: DryRunRecorder | None, echo: Callable[[str], None], max_cycles: int = 30) -> DemoResult:
    """Cycle after cycle, with the sandbox's CI settled in between, until each scenario reaches its end.
    A dry run (`recorder` set) shows the first cycle's plan only. Everything it makes lives in one temporary
    directory, removed at the end."""
    config = demo_config(SCENARIOS)
    echo("demo settings (changed from the defaults):")
    for key, value, default in changed_settings(config):
        echo(f"  {key} = {value}   (default {default})")
    with tempfile.TemporaryDirectory(prefix="cicd-agent-demo-") as tmp:
        work = Path(tmp)
        sandbox = start_sandbox(work / "sandbox", auto_ci=False)
        sandbox.ci_workers = CI_WORKERS
        try:
            echo(f"sandbox GitHub at {sandbox.base_url}: {len(SCENARIOS)} repositories whose CI fails")
            store = open_store(
                work / "state", dry_run=recorder is not None, on_write=recorder.skip_store_write if recorder else None
            )
            effects = Effects(None, notifier=Notifier([], echo=echo), recorder=recorder)
            try:
                github = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
                ports = build_ports(
                    config,
                    github,
                    effects,
                    store,
                    state_dir=work / "state",
                    token=sandbox.token,
                    echo=echo,
                    snapshot_dir=work / "snapshots",
                    workspace_dir=work / "workspaces",
                    index=demo_index(sandbox),
                )
                return _cycles(sandbox, ports, 1 if recorder is not None else max_cycles)
            finally:
                store.close()
                effects.notifier.close(1.0)
        finally:
            sandbox.close()


def changed_settings(config: Config) -> list[tuple[str, str, str]]:
    """(dotted key, value, default) of every setting of `config` that differs from the defaults (the tables
    of repositories and rules aside)."""
    defaults = Config()
    changed = []
    for section in dataclasses.fields(Config):
        mine, theirs = getattr(config, section.name), getattr(defaults, section.name)
        if not dataclasses.is_dataclass(mine):
            continue
        for item in dataclasses.fields(mine):
            value, default = getattr(mine, item.name), getattr(theirs, item.name)
            if value != default:
                changed.append((f"{section.name}.{item.name}", toml_value(value), toml_value(default)))
    return changed


def settle(sandbox: Sandbox, echo: Callable[[str], None]) -> None:
    """The sandbox's CI, said before it is waited for (it takes seconds)."""
    waiting = sandbox.queued()
    if not waiting:
        return
    names = sorted(set(waiting))
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    echo(f"waiting for the sandbox's CI: {len(waiting)} run(s) of {shown}")
    started = time.monotonic()
    sandbox.settle()
    echo(f"  ... CI done in {time.monotonic() - started:.1f}s")


def _cycles(sandbox: Sandbox, ports: Ports, max_cycles: int) -> DemoResult:
    results: list[ScenarioResult] = []
    for cycle in range(max_cycles):
        settle(sandbox, ports.echo)
        ports.echo(f"-- cycle {cycle + 1}")
        run_cycle(ports, [s.repo for s in SCENARIOS])
        for scenario in SCENARIOS:
            if scenario.expected == "rolled-back-then-reported":
                _recur(sandbox, ports.store, scenario)
        results = [outcome(ports.store, s) for s in SCENARIOS]
        if all(r.outcome == r.expected for r in results):
            break
    breakers = [
        {"repo": b.key.repo, "branch": b.key.branch, "signature": b.key.signature, "state": str(b.breaker.state)}
        for b in ports.store.breakers()
    ]
    return DemoResult(results, breakers)
