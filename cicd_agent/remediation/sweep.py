"""The catch-up sweep, when webhooks lead (`agent serve`): every watched repository is polled once per
`[schedule] poll_interval`, each at its own moment, spread evenly over the interval, so that requests come at a
flat rate (n repositories / interval) instead of a burst of all of them at once.

The schedule is pure (`Round`, `due`, `next_round`: the clock is passed in); `Sweep` keeps the round between the
watcher's ticks and hands each batch to the same polling stage a cycle uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.held import unless_paused
from cicd_agent.remediation.poll import handle_new_failures

TICK = 1.0  # seconds between two looks at the schedule


@dataclass(frozen=True)
class Round:
    """One pass over the repositories: the `index`-th is due at `start + interval * index / n`."""

    start: float
    interval: float
    repos: tuple[str, ...]
    done: int = 0  # how many of them were handed out

    def slot(self, index: int) -> float:
        return self.start + self.interval * index / len(self.repos)

    @property
    def end(self) -> float:
        return self.start + self.interval

    @property
    def finished(self) -> bool:
        return self.done >= len(self.repos)


def due(current: Round, now: float) -> tuple[list[str], Round]:
    """The repositories whose moment has come by `now` and that were not handed out yet, and the round after."""
    done = current.done
    while done < len(current.repos) and current.slot(done) <= now:
        done += 1
    return list(current.repos[current.done : done]), replace(current, done=done)


def next_round(previous: Round | None, repos: Sequence[str], now: float, interval: float) -> Round | None:
    """The round to run at `now`: the previous one while it has repositories left or its interval runs; then a new
    one over `repos` starting where the previous one ended (the rate stays flat), or at `now` when that is over an
    interval ago (the watcher was held up)."""
    if previous is not None and (not previous.finished or now < previous.end):
        return None
    start = now if previous is None or now - previous.end >= interval else previous.end
    return Round(start, interval, tuple(repos))


class Sweep:
    """The sweep's state between ticks; `on_round` runs as each round starts (the webhook redelivery check)."""

    def __init__(
        self,
        repos: Callable[[], list[str]],
        interval: float,
        on_round: Callable[[Ports, Report], object] | None = None,
    ) -> None:
        self.repos = repos
        self.interval = interval
        self.on_round = on_round
        self.round: Round | None = None

    def tick(self, p: Ports, report: Report) -> list[str]:
        """Poll the repositories due now (their failures handled as a cycle's are; while paused, every write
        held as a cycle's are); returns them. One no longer watched (a discovery dropped it since the round
        started) is passed over. Only the fleet's leader sweeps: on another host the round is
        dropped, and one starts afresh on the host that takes the lead."""
        if not p.store.lead():
            self.round = None
            return []
        fresh = next_round(self.round, self.repos(), p.now(), self.interval)
        if fresh is not None:
            self.round = fresh
        assert self.round is not None
        batch, self.round = due(self.round, p.now())
        if batch and fresh is None:  # a discovery since the round started may have dropped some
            watched = {name.lower() for name in self.repos()}
            batch = [name for name in batch if name.lower() in watched]
        if fresh is None and not batch:
            return []
        with unless_paused(p, report) as q:
            if fresh is not None and self.on_round is not None:
                self.on_round(q, report)
            if batch:
                handle_new_failures(q, batch, report)
        return batch
