"""A pause holds every write. While the agent is paused, each unit of work (a cycle, an Action event, a batch
of webhook deliveries) runs exactly as a dry run does: its effects gateway records every write to GitHub, git,
notifications and files and performs none, and its store is a scratch copy of the real one, so nothing it
decided is kept as if it had been done. It still reads GitHub, explains failures and measures health checks.

What it held (the writes and the decisions they came from) is kept in the real store for `agent status`. Once
resumed, the next cycle starts from the real state, which nothing of the pause changed: what was held is
decided again from what GitHub shows then, and done if it still applies (a failure fixed by hand meanwhile is
not fixed twice; a rollback still due is made). Nothing is lost or done twice, and no stage checks for a pause.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from cicd_agent.effects.dryrun import PAUSED, DryRunRecorder
from cicd_agent.effects.gateway import Effects
from cicd_agent.remediation import operations
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.store import scratch_copy
from cicd_agent.text import iso8601


def pause_line(pause: dict[str, Any], held_writes: int, *, dry_run: bool = False) -> str:
    """What a cycle says, once, while the agent is paused."""
    since = iso8601(float(pause.get("at") or 0)) or "-"
    why = f"paused since {since} by {pause.get('by') or '-'}: {pause.get('reason') or '-'}"
    if dry_run:
        return f"{why} (a dry run writes nothing anyway)"
    so_far = f" ({held_writes} held so far; `agent status` lists them)" if held_writes else ""
    return f"{why}; reading and judging as usual, every write is held{so_far} until `agent resume`"


@contextlib.contextmanager
def unless_paused(p: Ports, report: Report | None = None) -> Iterator[Ports]:
    """The ports a unit of work runs on: `p` itself, or while the agent is paused, ports whose gateway holds
    every write and whose store is a scratch copy (what was held is added to the real store's record at the
    end, and counted in `report`). A dry run's ports are returned as they are: they write nothing already."""
    pause = operations.paused(p.store)
    if pause is None:
        yield p
        return
    if report is not None:
        report.paused = pause
    if p.effects.recorder is not None:  # a dry run, or a unit of work inside a paused one
        if p.effects.recorder.label != PAUSED:
            p.echo(pause_line(pause, 0, dry_run=True))
        yield p
        return
    p.echo(pause_line(pause, len(operations.held(p.store)["writes"])))
    started = p.now()
    recorder = DryRunRecorder(label=PAUSED)
    gateway = Effects(p.effects.github, notifier=p.effects.notifier, pusher=p.effects.pusher, recorder=recorder)
    scratch = scratch_copy(p.store)
    before = {d.id for d in scratch.decisions(since=started)}
    try:
        yield dataclasses.replace(p, effects=gateway, store=scratch)
    finally:  # an error that ends the work keeps what was held until then
        try:
            decisions = [d for d in scratch.decisions(since=started) if d.id not in before]
        finally:
            scratch.close()
        if recorder.actions or decisions:
            operations.hold(p.store, recorder.actions, decisions, now=p.now())
        if report is not None:
            report.held += len(recorder.actions)
