"""The fleet's request budget: paced before requests are sent, never above GitHub's secondary limits in any
minute, shared by hosts through the store. The clock is injected: no test waits in real time."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from cicd_agent.config.settings import BudgetConfig
from cicd_agent.github.budget import Budget
from cicd_agent.github.errors import RateLimited


@dataclass
class Clock:
    now: float = 1_000_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Ledger:
    """The store's `reserve` in memory: one count per (bucket, window), never past the cap."""

    spent: dict[tuple[str, float], int] = field(default_factory=dict)
    calls: int = 0

    def reserve(self, bucket: str, *, starts: float, want: int, cap: int, now: float) -> int:
        self.calls += 1
        have = self.spent.get((bucket, starts), 0)
        granted = max(0, min(want, cap - have))
        self.spent[(bucket, starts)] = have + granted
        return granted


def _budget(clock: Clock, ledger: Ledger | None = None, **settings: int) -> Budget:
    return Budget(BudgetConfig(**settings), ledger or Ledger(), clock=clock, sleep=clock.sleep, max_wait=3600)


def test_reads_within_a_window_go_at_once_and_the_next_one_waits_for_the_next_window() -> None:
    clock = Clock()
    budget = _budget(clock, points_per_minute=60)  # 10 points per 10-second window
    for _ in range(10):
        budget.before("GET")
        budget.after(200)
    assert clock.slept == []
    budget.before("GET")
    assert len(clock.slept) == 1 and 0 < clock.slept[0] <= 11  # the rest of the window (and a little jitter)
    assert budget.spent["points"] == 11


def test_a_write_costs_five_points_and_one_content_creation() -> None:
    clock = Clock()
    budget = _budget(clock, points_per_minute=600, creations_per_minute=60, creations_per_hour=600)
    budget.before("POST")
    budget.after(201)
    assert budget.spent == {"points": 5, "creations_minute": 1, "creations_hour": 1, "primary": 1}


def test_the_primary_limit_is_charged_after_the_answer_and_a_304_is_free() -> None:
    budget = _budget(Clock(), requests_per_hour=600)
    for status in (304, 304, 200, 0):  # 0: no answer at all
        budget.before("GET")
        budget.after(status)
    assert budget.spent["primary"] == 1


def test_a_wait_longer_than_the_longest_allowed_ends_the_cycle() -> None:
    clock = Clock()
    budget = Budget(BudgetConfig(creations_per_hour=6), Ledger(), clock=clock, sleep=clock.sleep, max_wait=60)
    budget.before("POST")
    budget.after(201)
    with pytest.raises(RateLimited, match=r"content-creating requests an hour.*spent for \d+s"):
        budget.before("POST")  # the hour's window (10 minutes) holds one
    assert clock.slept == []


@pytest.mark.parametrize(("method", "github", "setting"), [("GET", 900, 720), ("POST", 80, 60)])
def test_the_defaults_never_exceed_githubs_figures_in_any_minute(method: str, github: int, setting: int) -> None:
    """Three hosts asking as fast as they can for ten minutes of the injected clock (reads as an idle sweep's, each
    answered 304): in every 60 seconds the fleet sent fewer than GitHub allows (reads: points at 1 each; writes:
    content-creating requests), and at least what the budget promises."""
    clock, ledger = Clock(), Ledger()
    hosts = [Budget(BudgetConfig(), ledger, clock=clock, sleep=clock.sleep, max_wait=600) for _ in range(3)]
    sent: list[float] = []
    end = clock.now + 600
    while clock.now < end:
        for host in hosts:
            host.before(method)
            host.after(304 if method == "GET" else 201)
            sent.append(clock.now)
    worst = max(sum(1 for t in sent if start <= t < start + 60) for start in sent)
    assert worst < github
    assert worst >= setting


def test_hosts_share_the_fleets_requests_in_flight() -> None:
    clock = Clock()
    alive = [1]
    budget = Budget(BudgetConfig(in_flight=10), Ledger(), clock=clock, sleep=clock.sleep, hosts=lambda: alive[0])
    assert budget.in_flight_bound() == 10
    alive[0] = 3
    clock.now += 60  # read again after a while
    assert budget.in_flight_bound() == 3
    started = threading.Event()
    for _ in range(3):
        budget.before("GET")
    blocked = threading.Thread(target=lambda: (budget.before("GET"), started.set()))
    blocked.start()
    assert not started.wait(0.2)  # a fourth waits for a place
    budget.after(200)
    assert started.wait(5)
    blocked.join()


def test_a_host_reserves_a_block_not_a_write_per_request() -> None:
    clock, ledger = Clock(), Ledger()
    budget = _budget(clock, ledger, points_per_minute=6000)
    for _ in range(100):
        budget.before("GET")
        budget.after(304)
    assert ledger.calls == 10  # blocks of 10 points
