"""Several hosts on one store (each `new_store()` is another host's connection): leases renewed by their holder
only, a dead host's claims taken over, breaker counts and the request budget exact under concurrent writers,
claims that skip what another host holds, and one leader."""

from __future__ import annotations

import threading

import pytest
from harness import OpenStore

from cicd_agent.breaker import Breaker, Policy, record_failure
from cicd_agent.model import BreakerEvent, Claim, Decided, Decision, FailureKey, Remediation, RemState, RunRef, Strategy
from cicd_agent.store import Store
from cicd_agent.store.heartbeat import Heartbeat

RUN = RunRef("o/r", 1, 1, "main")


def test_a_heartbeat_renews_its_own_leases_only(new_store: OpenStore) -> None:
    mine, theirs = new_store(), new_store()
    assert mine.claim_failure(RUN, now=100.0, lease=30.0) is Claim.NEW
    rem = mine.create_remediation(
        Remediation("o/r", "main", "s", Strategy.FIX, RemState.PLANNED, 1, 1, created_at=100.0), lease_until=130.0
    )
    assert theirs.renew(now=120.0, lease=30.0) == 0  # not theirs
    assert mine.renew(now=120.0, lease=30.0) == 2  # the claim and the remediation: now until 150
    assert theirs.claim_failure(RUN, now=140.0, lease=30.0) is Claim.HELD
    assert theirs.lease_remediation(rem.id, now=140.0, lease=30.0) is False
    assert theirs.expired_leases(now=149.0) == 0
    assert theirs.expired_claims(now=151.0) == [RUN]  # mine died after its last beat at 120
    assert theirs.claim_failure(RUN, now=151.0, lease=30.0) is Claim.TAKEN_OVER
    assert mine.renew(now=152.0, lease=30.0) == 0  # back too late: the claim is theirs, the remediation ran out
    assert theirs.lease_remediation(rem.id, now=153.0, lease=30.0) is True


def test_a_lease_that_ran_out_is_never_renewed_again(new_store: OpenStore) -> None:
    mine, theirs = new_store(), new_store()
    mine.claim_failure(RUN, now=100.0, lease=30.0)
    assert mine.renew(now=131.0, lease=30.0) == 0  # too late: another host may be taking it over
    assert theirs.claim_failure(RUN, now=131.0, lease=30.0) is Claim.TAKEN_OVER
    assert mine.renew(now=140.0, lease=30.0) == 0  # and it is theirs now
    assert theirs.renew(now=140.0, lease=30.0) == 1


def test_a_decided_or_given_back_failure_is_no_longer_renewed_nor_expired(store: Store) -> None:
    store.claim_failure(RUN, now=100.0, lease=30.0)
    store.record_decision(Decision(110.0, "o/r", Decided.REPORTED, "", run_id=1, run_attempt=1))
    other = RunRef("o/r", 2, 1, "main")
    store.claim_failure(other, now=100.0, lease=30.0)
    store.release_failure(other)
    assert store.renew(now=120.0, lease=30.0) == 0
    assert store.expired_claims(now=10_000.0) == [] and store.expired_leases(now=10_000.0) == 0


def test_stop_renewing_lets_a_claim_run_out(new_store: OpenStore) -> None:
    mine, theirs = new_store(), new_store()
    mine.claim_failure(RUN, now=100.0, lease=30.0)
    mine.stop_renewing(RUN)
    assert mine.renew(now=120.0, lease=30.0) == 0
    assert theirs.claim_failure(RUN, now=131.0, lease=30.0) is Claim.TAKEN_OVER


def test_the_heartbeat_thread_beats_on_its_own_connection(store: Store) -> None:
    ticks = iter(float(n) for n in range(1000, 10**6, 1))
    store.claim_failure(RUN, now=999.0, lease=3.0)
    beat = Heartbeat(store.reopen(), lease=3.0, clock=lambda: next(ticks))
    beat.interval = 0.01
    beat.start()
    try:
        deadline = threading.Event()
        for _ in range(500):
            if beat.beats >= 3:
                break
            deadline.wait(0.01)
    finally:
        beat.stop()
    assert beat.beats >= 3
    row = store.sql.one("SELECT lease_until FROM failures WHERE run_id = 1")
    assert row is not None and row["lease_until"] > 999.0 + 3.0  # renewed past its first lease


def test_breaker_counts_stay_exact_with_hosts_writing_at_once(new_store: OpenStore) -> None:
    key = FailureKey("o/r", "main", "sig")
    hosts = [new_store() for _ in range(4)]
    errors: list[BaseException] = []

    def fail(b: Breaker) -> tuple[Breaker, list[BreakerEvent]]:
        return record_failure(b, Policy(failure_threshold=1000), 1.0)[0], []

    def host(store: Store, first: int) -> None:
        try:
            for remediation in range(first, first + 10):
                store.update_breaker(key, fail, now=1.0, once_for=remediation)
                store.update_breaker(key, fail, now=1.0, once_for=remediation)  # a retry: counted once
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=host, args=(s, n * 10)) for n, s in enumerate(hosts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = hosts[0].get_breaker(key)
    assert stored is not None and stored.breaker.failures == 40


def test_the_fleet_budget_is_never_overspent(new_store: OpenStore) -> None:
    hosts = [new_store() for _ in range(4)]
    granted: list[int] = []
    lock = threading.Lock()

    def host(store: Store) -> None:
        for _ in range(30):
            got = store.reserve("points", starts=600.0, want=3, cap=100, now=600.0)
            with lock:
                granted.append(got)

    threads = [threading.Thread(target=host, args=(s,)) for s in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 100  # every point of the window, and not one more
    assert hosts[0].reserve("points", starts=610.0, want=3, cap=100, now=610.0) == 3  # the next window
    spent = {(s.bucket, s.starts): s.spent for s in hosts[0].spent(since=0.0)}
    assert spent == {("points", 600.0): 100, ("points", 610.0): 3}


def test_hosts_are_seen_and_leave(new_store: OpenStore) -> None:
    first, second = new_store(), new_store()
    first.register_host(100.0)
    second.register_host(105.0)
    assert [h.id for h in first.hosts(now=110.0, within=30.0)] == [first.owner, second.owner]
    second.renew(now=140.0, lease=30.0)
    assert [h.id for h in first.hosts(now=140.0, within=30.0)] == [second.owner]  # first stopped beating
    second.leave()
    assert first.hosts(now=140.0, within=30.0) == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_claim_skips_the_row_another_host_is_claiming_instead_of_waiting(new_store: OpenStore) -> None:
    holder, other = new_store(), new_store()
    holder.claim_failure(RUN, now=100.0, lease=0.0)  # its lease already over: anyone may take it over
    with holder.transaction():
        holder.sql.one("SELECT id FROM failures WHERE run_id = 1 FOR UPDATE")  # in the middle of its own claim
        assert other.claim_failure(RUN, now=200.0, lease=30.0) is Claim.HELD  # skipped at once, not waited for
    assert other.claim_failure(RUN, now=200.0, lease=30.0) is Claim.TAKEN_OVER


@pytest.mark.parametrize("backend", ["postgresql"])
def test_one_leader_and_another_takes_over_when_it_goes(new_store: OpenStore) -> None:
    first, second = new_store(), new_store()
    assert first.lead() is True
    assert second.lead() is False
    assert first.lead() is True  # it keeps it
    first.close()  # its connection goes (a killed host's does too); the server ends its session a moment later
    assert any(second.lead() or threading.Event().wait(0.05) for _ in range(200))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_sqlite_every_process_leads(new_store: OpenStore) -> None:
    """One machine: the once-per-fleet work is the one host's."""
    assert new_store().lead() and new_store().lead()
