"""Several agent processes at once on one failure, sharing one state directory (claims and leases in SQLite) or
each with its own (the Action mode, two hosts: the fix branch on GitHub is the only lock). Either way: one PR,
one rollback comment, and each breaker counts the failed fix exactly once.

Two agents race on the machine's two cores; five queue behind each other (on the store's lock and on GitHub) as
any number past the cores does. `benchmarks/agents_at_once.py` runs 1, 2, 4 and 8."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Loop
from trials import agents_at_once

from cicd_agent.model import RemState
from cicd_agent.store import Store

REPO = "demo/bad-fix"


@pytest.mark.parametrize("shared", [True, False], ids=["one-state-dir", "own-state-dirs"])
@pytest.mark.parametrize("agents", [2, 5])
def test_agents_at_once_open_one_pr_and_count_its_failure_once(
    loop: Loop, tmp_path: Path, agents: int, shared: bool
) -> None:
    loop.setup("bad-fix")
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace("lease = 0", 'lease = "5m"'))  # longer than any cycle here
    states = [tmp_path / ("state" if shared else f"state-{n}") for n in range(agents)]

    opened = agents_at_once(states)
    pulls = [i for i in loop.sandbox.repo(REPO).items.values() if i.is_pull]
    assert len(pulls) == 1
    fixes = [d["decision"] for decisions in opened for d in decisions]
    if shared:  # one agent claimed the failure; the others found it held or decided
        assert fixes.count("fix_opened") == 1 and set(fixes) <= {"fix_opened", "duplicate"}
    else:  # each agent decided for itself: it opened the PR, adopted it, or found it open
        assert set(fixes) <= {"fix_opened", "duplicate"} and len(fixes) == agents

    loop.sandbox.settle()  # the fix's CI fails
    judged = [d["decision"] for decisions in agents_at_once(states) for d in decisions]
    (pull,) = pulls
    assert pull.state == "closed" and "cicd-agent:rolled-back" in pull.labels
    assert not any(b.startswith("cicd-agent/") for b in loop.sandbox.repo(REPO).bare.branches())
    assert len(pull.comments) == 1  # one rollback comment, whoever rolled back
    assert len([i for i in loop.sandbox.repo(REPO).items.values() if i.is_pull]) == 1
    stores = [Store(state / "state.db") for state in sorted(set(states))]
    for store in stores:  # each breaker counts each failed fix it knows of once
        rolled_back = len(store.remediations(states=(RemState.ROLLED_BACK,)))
        assert [b.breaker.failures for b in store.breakers()] == [rolled_back]
        assert rolled_back <= 1
    if shared:
        assert judged == ["rolled_back"]
    assert judged.count("rolled_back") == sum(len(s.remediations(states=(RemState.ROLLED_BACK,))) for s in stores)
