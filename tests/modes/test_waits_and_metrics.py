"""Waits that say what they wait for; the Prometheus exposition; the watcher's health verdict."""

from __future__ import annotations

import dataclasses
import time

from prometheus_client.parser import text_string_to_metric_families

from cicd_agent.config.settings import Config, MetricsConfig
from cicd_agent.github.client import GitHubClient
from cicd_agent.modes.metrics import Live, exposition, samples
from cicd_agent.modes.watch import Watcher
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.model import Fault
from cicd_agent.sandbox.scenarios import install_scenarios


def test_a_long_retry_wait_is_announced_before_it_starts(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.inject(Fault("GET", r"^/repos/demo/format-check$", status=503, times=1, retry_after=3))
    heard: list[tuple[float, str]] = []
    gh = GitHubClient(sandbox.base_url, sandbox.token, on_wait=lambda m: heard.append((time.monotonic(), m)))
    started = time.monotonic()
    assert gh.repository("demo/format-check").full_name == "demo/format-check"
    assert [m for _, m in heard] == ["waiting 3s for GitHub after an HTTP 503, then retrying (2 retries left)"]
    assert heard[0][0] - started < 3  # said before the wait, not after


def test_short_backoffs_are_not_announced(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.inject(Fault("GET", r"^/repos/demo/format-check$", status=502, times=1))
    heard: list[str] = []
    gh = GitHubClient(sandbox.base_url, sandbox.token, on_wait=heard.append)
    gh.repository("demo/format-check")
    assert heard == []


STATUS = {
    "failures_seen": 12,
    "duplicates": 3,
    "remediations": {"healthy": 2, "pr_open": 1},
    "breakers": {"OPEN": 1},
    "open_breakers": [],
    "pending_health_checks": 1,
    "storms": [{"repos": ("a/b", "c/d")}],
    "storms_ended": 2,
    "last_cycle": {"at": 1764499999.75, "duration": 1.5, "decisions": 4, "errors": 0},
    "paused": None,
}


def test_the_exposition_is_valid_prometheus_text_with_counters_and_exact_timestamps() -> None:
    text = exposition(STATUS, Live(github_calls=40, cycles=5, failed_cycles=1, rate_limit_remaining=4990))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["cicd_agent_failures_seen"].type == "counter"
    assert families["cicd_agent_github_calls"].type == "counter"
    assert families["cicd_agent_remediations"].type == "gauge"
    (stamp,) = families["cicd_agent_last_cycle_timestamp_seconds"].samples
    assert stamp.value == 1764499999.75  # not rounded to six digits
    healthy = [s for s in families["cicd_agent_remediations"].samples if s.labels == {"state": "healthy"}]
    assert healthy[0].value == 2
    assert "cicd_agent_failures_seen_total 12.0" in text


def test_storms_and_a_process_s_own_counters() -> None:
    text = exposition(STATUS, Live(extra={"webhook_deliveries_queued_total": 3.0, "webhook_queue_length": 1.0}))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["cicd_agent_webhook_deliveries_queued"].type == "counter"
    assert families["cicd_agent_webhook_queue_length"].type == "gauge"
    assert {s.labels["state"]: s.value for s in families["cicd_agent_storms"].samples} == {"active": 1, "ended": 2}
    assert families["cicd_agent_storm_repositories"].samples[0].value == 2


def test_metrics_as_json_have_names_types_labels_and_values() -> None:
    found = {(s["name"], tuple(sorted(s["labels"].items()))): s for s in samples(STATUS)}
    assert found[("cicd_agent_failures_seen_total", ())]["type"] == "counter"
    assert found[("cicd_agent_breakers", (("state", "OPEN"),))]["value"] == 1


def test_healthz_turns_unhealthy_after_n_failed_cycles_in_a_row() -> None:
    config = dataclasses.replace(Config(), metrics=MetricsConfig(unhealthy_after=2))
    outcomes = iter([True, False, False, True])
    watcher = Watcher(config, lambda health_only: next(outcomes), lambda: None, lambda _: None)
    cycle = watcher._guard(lambda: watcher.cycle(False), "cycle")
    assert watcher.health().reason == "starting" and not watcher.health().healthy
    watcher.running = True
    cycle()
    assert watcher.health().healthy
    cycle()
    assert watcher.health().healthy  # one failure is not an outage
    cycle()
    verdict = watcher.health()
    assert not verdict.healthy and verdict.failed_cycles_in_a_row == 2 and "2 failed cycles in a row" in verdict.reason
    cycle()
    assert watcher.health().healthy and watcher.failed_cycles == 2 and watcher.cycles == 4
