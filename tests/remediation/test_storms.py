"""Storm detection on plain values: when sightings add up to an incident, who joins it, when it ends."""

from __future__ import annotations

import pytest

from cicd_agent.model import Incident
from cicd_agent.remediation.storms import Step, assess, is_over, joined

OPEN = Incident("sig", "network", 100.0, 200.0, ("o/a", "o/b", "o/c"))


@pytest.mark.parametrize(
    ("active", "repos", "repo", "min_repos", "expected"),
    [
        (None, {"o/a", "o/b"}, "o/b", 3, Step.NONE),  # below the threshold: each repository on its own
        (None, {"o/a", "o/b", "o/c"}, "o/c", 3, Step.START),
        (None, {"o/a", "O/A", "o/b"}, "o/b", 3, Step.NONE),  # one repository in two spellings counts once
        (None, {"o/a", "o/b", "o/c", "o/d"}, "o/d", 0, Step.NONE),  # 0 turns storm detection off
        (OPEN, {"o/a"}, "o/d", 3, Step.JOIN),  # an open incident takes any repository, whatever the count
        (OPEN, {"o/a"}, "O/B", 3, Step.AGAIN),
    ],
)
def test_assess(active: Incident | None, repos: set[str], repo: str, min_repos: int, expected: Step) -> None:
    assert assess(active, frozenset(repos), repo, min_repos=min_repos) is expected


def test_an_incident_ends_after_a_quiet_window() -> None:
    assert not is_over(OPEN, now=200.0 + 3600, window=3600)
    assert is_over(OPEN, now=200.0 + 3601, window=3600)
    ended = Incident("sig", "network", 100.0, 200.0, ("o/a",), ended_at=300.0)
    assert not is_over(ended, now=10_000.0, window=3600)  # already over


def test_joining_lists_each_repository_once_and_moves_the_last_sighting() -> None:
    later = joined(OPEN, {"o/d", "O/A"}, now=500.0)
    assert later.repos == ("o/a", "o/b", "o/c", "o/d")
    assert (later.started_at, later.last_seen) == (100.0, 500.0)
    assert joined(OPEN, {"o/a"}, now=50.0).last_seen == 200.0  # an older sighting does not move it back
