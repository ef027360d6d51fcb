"""`agent run --watch`: cycles under APScheduler until SIGTERM/SIGINT.

Jobs: a full cycle every `poll_interval`, due health checks every `health_interval`, snapshot cleanup on a
cron. One worker thread runs them, so no two ever overlap (a cycle longer than its interval is coalesced,
never run twice at once). Pending health checks live in the store, so a restarted watcher picks them up.
A signal lets the job in progress finish its current write, then the watcher exits.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cicd_agent import metrics, snapshots
from cicd_agent.config import Config
from cicd_agent.errors import AgentError
from cicd_agent.remediation.cycle import Ports, Report, run_cycle
from cicd_agent.store import Store


@dataclass
class Watcher:
    config: Config
    cycle: Callable[[bool], None]  # health_only -> None
    cleanup: Callable[[], None]
    echo: Callable[[str], None]
    stop_event: threading.Event = field(default_factory=threading.Event)
    last_success: float = 0.0
    jobs: list[tuple[str, Callable[[], None], float]] = field(default_factory=list)  # name, job, every N seconds

    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def _guard(self, job: Callable[[], None], name: str) -> Callable[[], None]:
        def run() -> None:
            if self.stopping():
                return
            try:
                job()
                self.last_success = time.time()
            except AgentError as exc:
                self.echo(f"error in {name}: {exc}")
            except Exception as exc:  # a bug must not kill the watcher: report it and go on
                self.echo(f"unexpected error in {name} ({type(exc).__name__}): {exc}")

        return run

    def scheduler(self) -> BlockingScheduler:
        schedule = self.config.schedule
        scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(schedule.poll_interval) + 60},
        )
        first = datetime.fromtimestamp(time.time(), UTC)
        scheduler.add_job(
            self._guard(lambda: self.cycle(False), "cycle"),
            IntervalTrigger(seconds=schedule.poll_interval),
            id="cycle",
            next_run_time=first,
        )
        scheduler.add_job(
            self._guard(lambda: self.cycle(True), "health"),
            IntervalTrigger(seconds=schedule.health_interval),
            id="health",
        )
        scheduler.add_job(
            self._guard(self.cleanup, "cleanup"), CronTrigger.from_crontab(schedule.cleanup_cron), id="cleanup"
        )
        for name, job, seconds in self.jobs:
            scheduler.add_job(self._guard(job, name), IntervalTrigger(seconds=seconds), id=name)
        return scheduler

    def run(self) -> None:
        scheduler = self.scheduler()

        def stop(signum: int, frame: FrameType | None) -> None:
            self.echo(f"received {signal.Signals(signum).name}: finishing the job in progress, then stopping")
            self.stop_event.set()
            scheduler.shutdown(wait=True)

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            scheduler.start()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.echo("stopped")


def watch(
    ports: Ports,
    repos: list[str],
    *,
    on_report: Callable[[Report], None],
    metrics_port: int | None = None,
    jobs: list[tuple[str, Callable[[], None], float]] | None = None,
    process_metrics: Callable[[], dict[str, float]] | None = None,
) -> None:
    """Cycles, health checks and snapshot cleanup on the config's schedule until SIGTERM/SIGINT; `jobs` run
    on the same single worker (so nothing overlaps), `process_metrics` adds to `/metrics`."""
    config = ports.config

    def cycle(health_only: bool) -> None:
        on_report(run_cycle(ports, repos, health_only=health_only))

    def cleanup() -> None:
        snapshots.cleanup(
            ports.effects, ports.store, ports.snapshot_dir, retention=config.state.snapshot_retention, now=time.time()
        )

    watcher = Watcher(config, cycle, cleanup, ports.echo, jobs=jobs or [])
    ports.stopping = watcher.stopping
    if metrics_port is not None:
        serve_metrics(ports, watcher, metrics_port, process_metrics)
    ports.echo(
        f"watching {', '.join(repos)}: a cycle every {config.schedule.poll_interval:g}s, health checks every "
        f"{config.schedule.health_interval:g}s; Ctrl-C or SIGTERM stops"
    )
    watcher.run()


def serve_metrics(
    ports: Ports, watcher: Watcher, port: int, extra: Callable[[], dict[str, float]] | None = None
) -> None:
    """`/metrics` from the store (read on a connection of its own) and this process, `/healthz` from the last
    successful job."""
    config = ports.config
    started = time.time()

    def render() -> str:
        store = Store(ports.store.path)
        try:
            notifier = ports.effects.notifier
            process = {
                "github_calls": float(ports.github.calls),
                "rate_limit_remaining": float(ports.github.rate_limit_seen()),
                "notifications_sent": float(getattr(notifier, "sent", 0)),
                "notifications_failed": float(getattr(notifier, "failed", 0)),
                **(extra() if extra else {}),
            }
            return metrics.exposition(store, config, time.time(), process)
        finally:
            store.close()

    def alive() -> bool:
        last = watcher.last_success or started
        return time.time() - last < 3 * config.schedule.poll_interval + 60

    try:
        metrics.serve(port, render, alive)
    except OSError as exc:
        raise AgentError(f"cannot serve metrics on 127.0.0.1:{port}: {exc}", fix="pick another port") from None
    ports.echo(f"metrics on http://127.0.0.1:{port}/metrics")
