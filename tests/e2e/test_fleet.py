"""The agent over a fleet of repositories, end to end: bounds across repositories."""

from __future__ import annotations

from harness import Loop


def test_the_fleet_bound_on_open_prs_defers_a_fix_in_another_repository(loop: Loop) -> None:
    loop.setup("format", "dependency", extra="fleet_max_open_prs = 1")
    report = loop.cycle()
    assert [d["decision"] for d in report["decisions"]] == ["fix_opened", "deferred"]
    assert "fleet_max_open_prs 1" in report["decisions"][1]["reason"]
    assert sum(len(loop.pulls(repo)) for repo in loop.repos) == 1
