"""The fleet's budget holds against the sandbox's model of GitHub's secondary limits: three hosts (each a client,
a budget and a store connection of its own) writing as fast as they can are paced under the sandbox's limit of
content-creating requests a minute, and the sandbox refuses none. Time runs 60 times faster on both sides (an
injected clock), so a minute of budget takes a second; the limits are lowered in proportion (8 a minute, the
budget 6) so that any machine writes faster than the budget allows."""

from __future__ import annotations

import threading
import time

from harness import OpenStore

from cicd_agent.config.settings import BudgetConfig
from cicd_agent.github.budget import Budget
from cicd_agent.github.client import GitHubClient
from cicd_agent.sandbox import Sandbox

SCALE = 60.0  # clock seconds per real second
WRITES = 6  # per host


def test_the_sandbox_refuses_past_its_content_creation_limit(sandbox: Sandbox) -> None:
    sandbox.limits.creations_per_minute = 3
    repo = sandbox.add_repo("o/r", {"README.md": b"x\n"})
    client = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0, retries=0)
    issue = client.create_issue(repo.full_name, "t", "b", [])
    client.comment(repo.full_name, issue.number, "one")
    client.comment(repo.full_name, issue.number, "two")
    status, headers, _ = client.gh.requester.requestJson(
        "POST", f"/repos/{repo.full_name}/issues/{issue.number}/comments", input={"body": "three"}
    )
    assert status == 403 and int(headers["retry-after"]) >= 1
    assert sandbox.limits.refused == 1
    assert len(repo.items[issue.number].comments) == 2  # refused, not performed


def test_three_hosts_stay_under_the_limit_with_the_budget(sandbox: Sandbox, new_store: OpenStore) -> None:
    start, real = 1_000_000.0, time.monotonic()

    def clock() -> float:
        return start + (time.monotonic() - real) * SCALE

    sandbox.limits.clock = clock  # GitHub's minute, sped up the same way
    sandbox.limits.creations_per_minute = 8
    repo = sandbox.add_repo("o/r", {"README.md": b"x\n"})
    setup = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    issue = setup.create_issue(repo.full_name, "t", "b", [])
    stores = [new_store() for _ in range(3)]
    budgets = [
        Budget(
            BudgetConfig(creations_per_minute=6),
            ledger,
            clock=clock,
            sleep=lambda s: time.sleep(s / SCALE),
            max_wait=3600,
        )
        for ledger in stores
    ]
    lock = threading.Lock()
    turn = iter(budgets)
    errors: list[BaseException] = []

    def host() -> None:
        with lock:
            budget = next(turn)
        client = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0, retries=0)
        client.pace(budget)
        try:
            for n in range(WRITES):
                client.comment(repo.full_name, issue.number, f"n{n}")
        except BaseException as exc:
            errors.append(exc)

    began = clock()
    threads = [threading.Thread(target=host) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sandbox.limits.refused == 0
    assert len(repo.items[issue.number].comments) == 3 * WRITES
    # 18 writes at one a 10-second window span 18 windows (the first already begun): the budget paced them
    assert clock() - began >= 16 * 10
    assert sum(b.waited for b in budgets) > 0
    spent = sum(s.spent for s in stores[0].spent(since=0.0) if s.bucket == "creations_minute")
    assert spent == 3 * WRITES  # the fleet's count, shared through the store
