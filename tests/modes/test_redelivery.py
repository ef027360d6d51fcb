"""Which failed webhook deliveries are asked for again (pure)."""

from __future__ import annotations

from cicd_agent.github.values import HookDelivery
from cicd_agent.modes.redelivery import to_redeliver


def _attempt(
    id: int, guid: str, at: float, code: int, event: str = "workflow_run", action: str = "completed"
) -> HookDelivery:
    return HookDelivery(id, guid, at, id > 100, "OK" if 200 <= code < 300 else "failed", code, event, action)


def test_the_latest_failed_attempt_of_each_guid_that_never_succeeded() -> None:
    attempts = [
        _attempt(1, "a", 10.0, 0),  # no answer: downtime
        _attempt(2, "b", 11.0, 502),  # a proxy with nothing behind it
        _attempt(3, "c", 12.0, 504),
        _attempt(103, "c", 20.0, 202),  # ... redelivered since, and it arrived
        _attempt(4, "d", 13.0, 0),
        _attempt(104, "d", 21.0, 503),  # redelivered and failed again: the latest attempt is the one asked for
        _attempt(5, "e", 14.0, 401),  # the receiver refused it (a signature): it would refuse it again
        _attempt(6, "f", 15.0, 0, "push", ""),  # an event the agent does not use
        _attempt(7, "g", 16.0, 0, "workflow_run", "requested"),
        _attempt(8, "h", 17.0, 0, "pull_request", "labeled"),
        _attempt(9, "i", 18.0, 429),
        _attempt(10, "j", 19.0, 0, "installation_repositories", "added"),
        _attempt(11, "k", 9.0, 0),  # handled: its first copy arrived after GitHub had given up waiting
    ]
    chosen = to_redeliver(attempts, handled={"k"})
    assert [(d.guid, d.id) for d in chosen] == [("a", 1), ("b", 2), ("h", 8), ("i", 9), ("j", 10), ("d", 104)]


def test_nothing_to_redeliver() -> None:
    assert to_redeliver([], handled=set()) == []
    assert to_redeliver([_attempt(1, "a", 1.0, 200)], handled=set()) == []
