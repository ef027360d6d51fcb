"""The flake ledger's tables: counts per test and repository, the flakiest first, the re-run budget's window, a
re-run's tests counted once, a failure held back until a time, and an older database upgraded with its data."""

from __future__ import annotations

from harness import OpenStore, database_before

from cicd_agent.analysis.core import analyze
from cicd_agent.github.values import Job, WorkflowRun
from cicd_agent.model import Claim, RunRef
from cicd_agent.remediation.explain import Explained
from cicd_agent.remediation.reruns import flake_names
from cicd_agent.store import Store

RUN = RunRef("octo/app", 41, 1, "main")


def test_flakes_are_counted_per_repository_and_listed_flakiest_first(store: Store) -> None:
    store.record_flakes("octo/app", ["tests/a.py::x", "tests/a.py::y"], run_id=1, signature="s1", now=10)
    (x,) = store.record_flakes("octo/app", ["tests/a.py::x"], run_id=2, signature="s2", now=20)
    store.record_flakes("octo/lib", ["tests/a.py::x"], run_id=3, signature="s3", now=30)
    assert (x.flakes, x.first_at, x.last_at, x.last_run_id, x.last_signature) == (2, 10, 20, 2, "s2")
    assert [(t.repo, t.name, t.flakes) for t in store.flaky_tests()] == [
        ("octo/app", "tests/a.py::x", 2),
        ("octo/lib", "tests/a.py::x", 1),  # as many flakes as y, more recent
        ("octo/app", "tests/a.py::y", 1),
    ]
    assert [t.name for t in store.flaky_tests(repo="octo/lib")] == ["tests/a.py::x"]
    assert len(store.flaky_tests(limit=1)) == 1
    assert [t.name for t in store.known_flakes("octo/app", ["tests/a.py::y", "tests/b.py::z"])] == ["tests/a.py::y"]
    store.set_flake_issue("octo/app", "tests/a.py::x", number=7, url="https://example.invalid/7", reported_flakes=2)
    (x,) = store.known_flakes("octo/app", ["tests/a.py::x"])
    assert (x.issue_number, x.issue_url, x.reported_flakes) == (7, "https://example.invalid/7", 2)


def test_the_budget_counts_the_re_runs_of_a_repository_within_its_window(store: Store) -> None:
    for at in (100, 200, 300):
        store.add_flake_rerun(RUN, signature="s", now=at)
    store.add_flake_rerun(RunRef("octo/lib", 5, 1), signature="s", now=300)
    assert store.flake_reruns("octo/app", since=150) == 2
    assert store.flake_reruns("octo/app", since=0) == 3


def test_a_re_run_s_tests_are_taken_once(store: Store) -> None:
    store.remember_rerun_tests(3, "octo/app", ["b", "a", "a"])
    assert store.rerun_tests(3) == ("a", "b")
    assert store.take_rerun_tests(3) == ("a", "b")
    assert store.take_rerun_tests(3) == ()  # a verdict judged again after a kill counts nothing twice


def test_a_held_failure_is_not_claimed_before_its_time(store: Store) -> None:
    assert store.claim_failure(RUN, now=100, lease=10) is Claim.NEW
    assert store.first_seen(RUN) == 100
    store.hold_failure(RUN, until=1000)
    assert store.claim_failure(RUN, now=500, lease=10) is Claim.HELD
    assert store.claim_failure(RUN, now=1001, lease=10) is Claim.TAKEN_OVER
    assert store.first_seen(RunRef("octo/app", 99, 1)) is None


def test_an_older_database_gets_the_ledger_and_keeps_its_rows(new_store: OpenStore) -> None:
    db = database_before(new_store, "0011_flake_ledger")
    with db.transaction():
        db.insert("failures", {"repo": "octo/app", "run_id": 41, "run_attempt": 1, "seen_at": 5.0, "decided": 1})
    db.close()
    store = new_store()
    assert store.decided(RUN) and store.flaky_tests() == []
    store.record_flakes("octo/app", ["t"], run_id=41, signature="s", now=6)
    assert [t.name for t in store.flaky_tests()] == ["t"]


VARIED = "".join(chr(0x1F300 + (i * 7919) % 0x2FF) for i in range(5000))  # 4-byte characters no compression shortens


def test_a_flake_named_by_the_longest_log_line_or_job_name_is_counted_on_every_backend(store: Store) -> None:
    """A flake's name is a stranger's text: the longest a log line gives, or a job's name, in 4-byte characters
    (past the 2,704 bytes a PostgreSQL index entry holds), is counted and found again like any other."""
    log = f"Run npx jest\n  ● {VARIED}\nTests: 1 failed, 1 total\n##[error]Process completed with exit code 1.\n"
    run = WorkflowRun("octo/app", 1, 1, VARIED, 1, "main", "a" * 40, "push", "completed", "failure", "", "")
    from_test = Explained(run, Job(1, 1, "test", "completed", "failure"), analyze(log), None)
    from_job = Explained(run, Job(1, 1, VARIED, "completed", "failure"), analyze("##[error]boom\n"), None)
    for explained in (from_test, from_job):
        (name,) = flake_names(explained)
        assert name.startswith(("job: \U0001f300", "\U0001f300"))
        (flaky,) = store.record_flakes("octo/app", [name], run_id=1, signature="s", now=1)
        (again,) = store.record_flakes("octo/app", [name], run_id=2, signature="s", now=2)
        assert (flaky.flakes, again.flakes) == (1, 2) and [t.name for t in store.known_flakes("octo/app", [name])] == [
            name
        ]
