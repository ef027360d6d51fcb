"""`agent run --watch`: cycles under APScheduler until SIGTERM/SIGINT.

Jobs: a full cycle every `poll_interval`, due health checks every `health_interval`, a look for a dead host's
expired leases every half lease (at least 5 s), snapshot cleanup on a cron. One worker thread runs them, so no two
ever overlap (a cycle longer than its interval is coalesced,
never run twice at once). Pending health checks live in the store, so a restarted watcher picks them up.
A signal lets the job in progress finish its current write, then the watcher exits.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cicd_agent.config.settings import Config
from cicd_agent.errors import AgentError
from cicd_agent.modes import dashboard, metrics, server
from cicd_agent.modes.metrics import Health
from cicd_agent.modes.quiet import Collapse
from cicd_agent.modes.server import Listener, Route
from cicd_agent.remediation import snapshots
from cicd_agent.remediation.cycle import Ports, Report, run_cycle
from cicd_agent.remediation.discovery import Fleet
from cicd_agent.remediation.sweep import TICK as SWEEP_TICK
from cicd_agent.remediation.sweep import Sweep
from cicd_agent.remediation.takeover import take_over
from cicd_agent.store import Store
from cicd_agent.text import iso8601

TAKEOVER_EVERY = 5.0  # seconds at least between looks for a dead host's work (half the lease otherwise)


@dataclass
class Watcher:
    config: Config
    cycle: Callable[[bool], bool]  # health_only -> the cycle went well (no error)
    cleanup: Callable[[], None]
    echo: Callable[[str], None]
    stop_event: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.time)
    last_success: float = 0.0  # the last full cycle without an error
    cycles: int = 0
    failed_cycles: int = 0
    failed_in_a_row: int = 0
    last_error: str = ""
    running: bool = False  # the scheduler has started (and its signal handlers are in place)
    jobs: list[tuple[str, Callable[[], bool | None], float]] = field(default_factory=list)  # name, job, every N s
    collapse: Collapse | None = None  # lines a job said last time are not said again

    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def _count(self, ok: bool, error: str = "") -> None:
        self.cycles += 1
        if ok:
            self.failed_in_a_row, self.last_success = 0, time.time()
        else:
            self.failed_cycles += 1
            self.failed_in_a_row += 1
            self.last_error = error

    def _guard(self, job: Callable[[], bool | None], name: str) -> Callable[[], None]:
        def run() -> None:
            if self.stopping():
                return
            if self.collapse is not None:
                self.collapse.start(name)
            try:
                ok = job()
                error = "" if ok is not False else "the cycle ended with errors"
            except AgentError as exc:
                ok, error = False, str(exc)
                self.echo(f"error in {name}: {exc}")
            except Exception as exc:  # a bug must not kill the watcher: report it and go on
                ok, error = False, f"{type(exc).__name__}: {exc}"
                self.echo(f"unexpected error in {name} ({type(exc).__name__}): {exc}")
            finally:
                if self.collapse is not None:
                    self.collapse.end(name)
            if name == "cycle":
                self._count(ok is not False, error)

        return run

    def health(self) -> Health:
        """Unhealthy after `metrics.unhealthy_after` failed cycles in a row, or when no cycle has gone well
        for three poll intervals (the scheduler is stuck)."""
        if not self.running:
            return Health(False, "starting", self.failed_in_a_row, iso8601(self.last_success))
        limit = self.config.metrics.unhealthy_after
        stale = time.time() - (self.last_success or self.started) > 3 * self.config.schedule.poll_interval + 60
        if self.failed_in_a_row >= limit:
            reason = f"{self.failed_in_a_row} failed cycles in a row (last: {self.last_error})"
        elif stale:
            reason = "no cycle has ended well for three poll intervals"
        else:
            reason = "ok"
        return Health(reason == "ok", reason, self.failed_in_a_row, iso8601(self.last_success))

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

        def started(event: object) -> None:
            self.running = True
            if self.stopping():  # a signal came while the scheduler was starting
                scheduler.shutdown(wait=False)

        stoppers: list[threading.Thread] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            """The handler runs on the scheduler's own loop, maybe in the middle of its pass over the jobs: the
            shutdown (which empties the job store) waits in a thread of its own for that pass to end."""
            self.echo(f"received {signal.Signals(signum).name}: finishing the job in progress, then stopping")
            self.stop_event.set()
            if scheduler.running and not stoppers:
                stoppers.append(threading.Thread(target=scheduler.shutdown, name="watch-stop"))
                stoppers[0].start()

        scheduler.add_listener(started, EVENT_SCHEDULER_START)
        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            if not self.stopping():
                scheduler.start()
            for stopper in stoppers:
                stopper.join()  # the job in progress has finished
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.echo("stopped")


def watch(
    ports: Ports,
    fleet: Fleet,
    *,
    on_report: Callable[[Report], None],
    metrics: tuple[str, int | None] = ("127.0.0.1", None),
    jobs: list[tuple[str, Callable[[], bool | None], float]] | None = None,
    process_metrics: Callable[[], dict[str, float]] | None = None,
    sweep: Sweep | None = None,
    collapse: Collapse | None = None,
    routes: list[Route] | None = None,
    server_name: str = "metrics",
) -> None:
    """Cycles, health checks and snapshot cleanup on the config's schedule until SIGTERM/SIGINT; with a
    metrics port, `/metrics` and `/healthz` (and `routes`) on (address, port). `jobs` run on the same single
    worker (so nothing overlaps); `process_metrics` adds to `/metrics` (names ending in `_total` are counters).
    With a `sweep` (webhooks lead), the cycles do everything but poll, and the sweep polls each repository at its
    own moment. The fleet's repositories are discovered at start and every `discover_interval`."""
    config = ports.config

    def discover() -> bool:
        if not ports.store.lead():
            return True  # the leader discovers (and sweeps) for the fleet; webhooks are routed by what they say
        report = Report()
        fleet.refresh(ports, report)
        if report.errors:
            on_report(report)
        return not report.errors

    def cycle(health_only: bool) -> bool:
        if fleet.discovers and not fleet.discovered and not health_only:
            discover()  # the listing failed at start: each cycle tries again until it works
        report = run_cycle(ports, fleet.names(), health_only=health_only, poll=sweep is None)
        on_report(report)
        return not report.errors

    def sweep_tick() -> None:
        assert sweep is not None
        if fleet.discovers and not fleet.discovered:
            discover()  # this host has just taken the lead
        report = Report()
        if sweep.tick(ports, report) and (report.decisions or report.errors):
            on_report(report)

    def cleanup() -> None:
        snapshots.cleanup(
            ports.effects, ports.store, ports.snapshot_dir, retention=config.state.snapshot_retention, now=time.time()
        )

    def takeover() -> None:
        report = Report()
        if take_over(ports, report):
            on_report(report)

    extra = [("takeover", takeover, max(TAKEOVER_EVERY, config.state.lease / 2)), *(jobs or [])]
    if fleet.discovers:
        extra.append(("discovery", discover, config.schedule.discover_interval))
    if sweep is not None:
        extra.append(("sweep", sweep_tick, SWEEP_TICK))
    watcher = Watcher(config, cycle, cleanup, ports.echo, jobs=extra, collapse=collapse)
    ports.stopping = watcher.stopping
    address, port = metrics
    listener = None
    if port is not None:
        listener = serve_metrics(ports, watcher, address, port, process_metrics, routes or [], server_name)
    if fleet.discovers:
        discover()
    names = fleet.names()
    watched = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    polling = (
        f"webhooks first, each repository polled once every {config.schedule.poll_interval:g}s (spread over it)"
        if sweep is not None
        else f"a cycle every {config.schedule.poll_interval:g}s"
    )
    ports.echo(
        f"watching {watched or 'no repository yet'}: {polling}, health checks every "
        f"{config.schedule.health_interval:g}s; Ctrl-C or SIGTERM stops"
    )
    try:
        watcher.run()
    finally:
        if listener is not None:
            listener.close()


def serve_metrics(
    ports: Ports,
    watcher: Watcher,
    address: str,
    port: int,
    extra: Callable[[], dict[str, float]] | None = None,
    routes: list[Route] | None = None,
    name: str = "metrics",
) -> Listener:
    """`/metrics` from the store (read on a connection of its own; a dry run reads a copy of the real file)
    and this process; `/healthz` from the watcher's cycles; the dashboard pages; `routes` beside them."""
    config = ports.config

    @contextlib.contextmanager
    def reading() -> Iterator[Store]:
        store = ports.store.reopen()  # a dry run's: a new copy of the real state
        try:
            yield store
        finally:
            store.close()

    def render() -> str:
        with reading() as store:
            status = metrics.status_of(store, config, time.time())
        notifier = ports.effects.notifier
        live = metrics.Live(
            github_calls=ports.github.calls,
            notifications_sent=getattr(notifier, "sent", 0),
            notifications_failed=getattr(notifier, "failed", 0),
            notifications_dropped=getattr(notifier, "dropped", 0),
            cycles=watcher.cycles,
            failed_cycles=watcher.failed_cycles,
            failed_cycles_in_a_row=watcher.failed_in_a_row,
            rate_limit_remaining=ports.github.rate_limit_seen(),
            extra=extra() if extra else {},
        )
        return metrics.exposition(status, live)

    served = [*metrics.routes(render, watcher.health), *dashboard.routes(reading, config), *(routes or [])]
    listener = server.serve(name, address, port, served, ports.echo, fix="pick another --metrics-port or address")
    ports.echo(f"metrics on {listener.url}/metrics, health on /healthz, the dashboard on {listener.url}/dashboard")
    return listener
