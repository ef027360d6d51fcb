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

from cicd_agent.config import Config
from cicd_agent.errors import AgentError


@dataclass
class Watcher:
    config: Config
    cycle: Callable[[bool], None]  # health_only -> None
    cleanup: Callable[[], None]
    echo: Callable[[str], None]
    stop_event: threading.Event = field(default_factory=threading.Event)
    last_success: float = 0.0

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
