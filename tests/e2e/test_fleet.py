"""The agent over a fleet of repositories, end to end: bounds across repositories, polling in parallel."""

from __future__ import annotations

import json

from harness import Loop

from cicd_agent.sandbox import Fault


def test_the_fleet_bound_on_open_prs_defers_a_fix_in_another_repository(loop: Loop) -> None:
    loop.setup("format", "dependency", extra="fleet_max_open_prs = 1")
    report = loop.cycle()
    assert [d["decision"] for d in report["decisions"]] == ["fix_opened", "deferred"]
    assert "fleet_max_open_prs 1" in report["decisions"][1]["reason"]
    assert sum(len(loop.pulls(repo)) for repo in loop.repos) == 1


def test_a_secondary_rate_limit_slows_polling_down_and_nothing_is_lost(loop: Loop) -> None:
    loop.setup("format", "unfixable", "transient", extra="")
    limited = json.dumps({"message": "You have exceeded a secondary rate limit."})
    loop.sandbox.inject(Fault("GET", r"/actions/runs$", status=403, retry_after=1, times=2, body=limited))
    result = loop.agent("run")
    assert result.code == 0, result.err
    decided = [d["decision"] for d in loop.agent("history", "--json").json()]
    assert sorted(decided) == ["fix_opened", "reported", "rerun"]
    assert "GitHub asked to slow down: 2 poll(s) at once" in result.err
    assert "GitHub asked to slow down: 1 poll(s) at once" in result.err  # halved again by the second answer
    statuses = [r["status"] for r in loop.sandbox.requests if r["path"].endswith("/actions/runs")]
    assert statuses.count(403) == 2 and statuses.count(200) >= 3
