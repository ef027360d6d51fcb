"""Prometheus metrics through `prometheus_client`: a collector that reads the store (and what only a running
watcher knows) at each scrape, and the `/metrics` and `/healthz` routes (`modes/server.py` serves them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cicd_agent.config.settings import Config
from cicd_agent.modes.server import Request, Response, Route
from cicd_agent.remediation import operations
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.store import Store


@dataclass(frozen=True)
class Live:
    """What this watcher process counted since it started."""

    github_calls: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0
    notifications_dropped: int = 0
    cycles: int = 0
    failed_cycles: int = 0
    failed_cycles_in_a_row: int = 0
    rate_limit_remaining: int = -1
    extra: dict[str, float] = field(default_factory=dict)  # more of this process: `*_total` ones are counters


@dataclass(frozen=True)
class Health:
    healthy: bool
    reason: str
    failed_cycles_in_a_row: int
    last_success: str | None  # ISO 8601


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


class StateCollector(Collector):
    """The state's counts (`operations.status`, read just before), and the watcher's own counters when there is one."""

    def __init__(self, status: dict[str, Any], live: Live | None) -> None:
        self._status, self._live = status, live

    def collect(self) -> Iterator[Metric]:
        status = self._status
        yield _counter(
            "cicd_agent_failures_seen", "Failed runs handled (each run attempt once).", status["failures_seen"]
        )
        yield _counter("cicd_agent_duplicates", "Failed runs seen again within the dedup TTL.", status["duplicates"])
        for name, doc, counts in (
            ("cicd_agent_remediations", "Remediations by state.", status["remediations"]),
            ("cicd_agent_breakers", "Circuit breakers by state.", status["breakers"]),
        ):
            family = GaugeMetricFamily(name, doc, labels=["state"])
            for state, count in sorted(counts.items()):
                family.add_metric([str(state)], count)
            yield family
        yield _gauge(
            "cicd_agent_pending_health_checks", "Health checks not yet decided.", status["pending_health_checks"]
        )
        storms = GaugeMetricFamily(
            "cicd_agent_storms", "Storm incidents (one failure in many repositories) by state.", labels=["state"]
        )
        storms.add_metric(["active"], len(status["storms"]))
        storms.add_metric(["ended"], status["storms_ended"])
        yield storms
        yield _gauge(
            "cicd_agent_storm_repositories",
            "Repositories in active storm incidents.",
            sum(len(i["repos"]) for i in status["storms"]),
        )
        yield _gauge("cicd_agent_paused", "1 while remediation is paused.", 1 if status["paused"] else 0)
        last = status["last_cycle"]
        if last:
            yield _gauge("cicd_agent_last_cycle_timestamp_seconds", "When the last cycle ended.", float(last["at"]))
            yield _gauge("cicd_agent_last_cycle_duration_seconds", "How long it took.", float(last["duration"]))
            yield _gauge("cicd_agent_last_cycle_errors", "Errors in the last cycle.", float(last.get("errors", 0)))
        if self._live is not None:
            yield from _live_metrics(self._live)


def _live_metrics(live: Live) -> Iterator[Metric]:
    yield _counter("cicd_agent_github_calls", "GitHub port calls made by this process.", live.github_calls)
    yield _counter("cicd_agent_notifications_sent", "Notifications delivered.", live.notifications_sent)
    yield _counter(
        "cicd_agent_notifications_failed", "Notifications that could not be delivered.", live.notifications_failed
    )
    yield _counter(
        "cicd_agent_notifications_dropped", "Notifications dropped: the queue was full.", live.notifications_dropped
    )
    yield _counter("cicd_agent_cycles", "Cycles run by this process.", live.cycles)
    yield _counter("cicd_agent_failed_cycles", "Cycles that ended with an error.", live.failed_cycles)
    yield _gauge(
        "cicd_agent_failed_cycles_in_a_row", "Failed cycles since the last good one.", live.failed_cycles_in_a_row
    )
    for name, value in sorted(live.extra.items()):
        if name.endswith("_total"):
            yield _counter(f"cicd_agent_{name.removesuffix('_total')}", f"{name.replace('_', ' ')}.", value)
        else:
            yield _gauge(f"cicd_agent_{name}", f"{name.replace('_', ' ')}.", value)
    if live.rate_limit_remaining >= 0:
        yield _gauge(
            "cicd_agent_rate_limit_remaining",
            "GitHub's remaining core rate limit, as last seen.",
            live.rate_limit_remaining,
        )


def status_of(store: Store, config: Config, now: float) -> dict[str, Any]:
    return operations.status(Breakers(store, config), now)


def _registry(status: dict[str, Any], live: Live | None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(status, live))
    return registry


def exposition(status: dict[str, Any], live: Live | None = None) -> str:
    """The metrics in Prometheus' text format."""
    return generate_latest(_registry(status, live)).decode()


def samples(status: dict[str, Any], live: Live | None = None) -> list[dict[str, Any]]:
    """The same samples as JSON-ready values (`agent metrics --json`)."""
    return [
        {"name": sample.name, "type": family.type, "labels": sample.labels, "value": sample.value}
        for family in _registry(status, live).collect()
        for sample in family.samples
        if not sample.name.endswith("_created")
    ]


def routes(render: Callable[[], str], health: Callable[[], Health]) -> list[Route]:
    """`/metrics` (Prometheus' text format) and `/healthz` (200 healthy, 503 not, the verdict as JSON)."""

    def healthz(request: Request) -> Response:
        verdict = health()
        return Response.json(200 if verdict.healthy else 503, asdict(verdict))

    return [
        Route("/metrics", lambda request: Response.text(200, render(), CONTENT_TYPE_LATEST)),
        Route("/healthz", healthz),
    ]
