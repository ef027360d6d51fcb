"""The storm tables: sightings counted once per run attempt and per repository, incidents saved and found."""

from __future__ import annotations

import dataclasses

from cicd_agent.model import Claim, Incident, RunRef, Sighting
from cicd_agent.store import Store


def _seen(repo: str, run_id: int, at: float, signature: str = "sig") -> Sighting:
    return Sighting(repo, "main", signature, "network", run_id, 1, at)


def test_sightings_count_repositories_within_the_window(store: Store) -> None:
    store.add_sighting(_seen("o/a", 1, 100.0))
    store.add_sighting(_seen("o/a", 1, 900.0))  # the same run attempt again: still the first sighting
    store.add_sighting(_seen("o/a", 2, 500.0))
    store.add_sighting(_seen("o/b", 3, 600.0))
    store.add_sighting(_seen("o/c", 4, 600.0, signature="other"))
    assert store.sighting_repos("sig", since=0.0) == {"o/a", "o/b"}
    assert store.sighting_repos("sig", since=550.0) == {"o/b"}
    assert store.sql.rows("SELECT at FROM sightings WHERE run_id = 1") == [{"at": 100.0}]


def test_incidents_are_saved_updated_and_ended(store: Store) -> None:
    first = store.save_incident(Incident("sig", "network", 1.0, 1.0, ("o/a", "o/b"), issue_repo="o/ops"))
    assert first.id and store.active_incident("sig") == first and store.active_incident("other") is None
    grown = store.save_incident(dataclasses.replace(first, repos=("o/a", "o/b", "o/c"), last_seen=5.0))
    assert store.active_incident("sig") == grown
    store.save_incident(dataclasses.replace(grown, ended_at=9.0))
    assert store.active_incident("sig") is None
    assert [i.repos for i in store.incidents(active=False)] == [("o/a", "o/b", "o/c")]
    assert store.incidents(active=True) == []


def test_failure_seen_is_a_read_of_the_claim(store: Store) -> None:
    run = RunRef("o/a", 7, 1, "main")
    assert not store.failure_seen(run)
    assert store.claim_failure(run, now=1.0, lease=100.0) is Claim.NEW
    assert store.failure_seen(run)
    store.release_failure(run, error=True)  # given back after an error: to be handled again
    assert not store.failure_seen(run)
