"""Webhook deliveries in the store: each handled once whichever copy comes first, on whichever host; each
redelivery asked for by one host, a bounded number of times."""

from __future__ import annotations

from harness import OpenStore

from cicd_agent.store import Store
from cicd_agent.store.deliveries import MAX_REDELIVERIES


def test_a_delivery_is_handled_once_whichever_copy_comes_first(store: Store, new_store: OpenStore) -> None:
    assert store.claim_delivery("g-1", "workflow_run", now=100.0)
    assert not store.claim_delivery("g-1", "workflow_run", now=101.0)  # a redelivery, or GitHub's retry
    assert store.handled_deliveries(["g-1", "g-2"]) == {"g-1"}
    other = new_store()  # another host on the same store
    assert not other.claim_delivery("g-1", "workflow_run", now=102.0)
    assert other.claim_delivery("g-2", "pull_request", now=102.0)


def test_a_redelivery_is_asked_for_once_until_github_tries_it_and_at_most_a_few_times(
    store: Store, new_store: OpenStore
) -> None:
    assert store.claim_redelivery("g", "workflow_run", now=100.0, attempted_since=50.0)
    assert not new_store().claim_redelivery("g", "workflow_run", now=101.0, attempted_since=50.0)
    # GitHub tried it at 105 and it failed again: it may be asked for again, up to the bound
    asked = 1
    for now in range(200, 200 + 10 * MAX_REDELIVERIES, 10):
        asked += store.claim_redelivery("g", "workflow_run", now=float(now), attempted_since=float(now - 5))
    assert asked == MAX_REDELIVERIES
    assert store.handled_deliveries(["g"]) == set()  # asked for is not received


def test_a_redelivery_that_arrives_is_claimed_and_never_asked_for_again(store: Store) -> None:
    assert store.claim_redelivery("g", "workflow_run", now=100.0, attempted_since=50.0)
    assert store.claim_delivery("g", "workflow_run", now=110.0)  # the redelivered copy: the first to arrive
    assert not store.claim_delivery("g", "workflow_run", now=111.0)
    assert not store.claim_redelivery("g", "workflow_run", now=300.0, attempted_since=250.0)


def test_old_deliveries_are_forgotten(store: Store) -> None:
    store.claim_delivery("old", "workflow_run", now=100.0)
    store.claim_delivery("new", "workflow_run", now=1000.0)
    store.claim_redelivery("asked", "workflow_run", now=1000.0, attempted_since=900.0)
    store.forget_deliveries(before=500.0)
    assert store.handled_deliveries(["old", "new"]) == {"new"}
    assert store.claim_delivery("old", "workflow_run", now=1001.0)  # gone: it can no longer come back anyway
    assert not store.claim_redelivery("asked", "workflow_run", now=1002.0, attempted_since=900.0)


def test_a_redelivery_that_could_not_be_asked_for_is_given_back(store: Store) -> None:
    assert store.claim_redelivery("g", "workflow_run", now=100.0, attempted_since=50.0)
    assert not store.claim_redelivery("g", "workflow_run", now=160.0, attempted_since=50.0)  # asked, not tried yet
    store.release_redelivery("g")  # ... but the request failed: GitHub never got it
    assert store.claim_redelivery("g", "workflow_run", now=220.0, attempted_since=50.0)
    store.claim_delivery("g", "workflow_run", now=230.0)
    store.release_redelivery("g")  # a received delivery is never given back
    assert not store.claim_redelivery("g", "workflow_run", now=300.0, attempted_since=250.0)
