"""Nothing lost, nothing twice, nothing blocked: failures come back until decided, one stuck remediation never
holds up the others, every listed run is handled once whatever the list's size or the polling window."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from harness import SETTINGS, Loop

from cicd_agent.model import RemState
from cicd_agent.sandbox import Fault

BROKEN_BUILD = (
    b"name: CI\non:\n  push:\n    branches: ['**']\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
    b"      - name: Build\n        run: |\n          echo 'Error: the build is broken'\n          exit 1\n"
)


def _push_commit(loop: Loop, repo: str, name: str = "NOTES.md") -> None:
    """An unrelated commit on main: its CI fails again, as the failure is still there."""
    body = {"message": "unrelated change", "content": base64.b64encode(b"notes\n").decode(), "branch": "main"}
    loop.api("PUT", f"/repos/{repo}/contents/{name}", body)
    loop.sandbox.settle()


def test_stuck_pull_request_creation_is_given_up_without_blocking_another_repo(loop: Loop) -> None:
    loop.setup("format", "unfixable")
    # an answer GitHub gives every time (not a missing permission: that one opens an issue with the patch)
    invalid = (
        '{"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", '
        '"message": "No commits between main and the fix branch"}]}'
    )
    loop.sandbox.inject(Fault("POST", r"/pulls$", status=422, times=99, body=invalid))
    outcomes = []
    for n in range(5):
        if n:
            _push_commit(loop, "demo/failing-test", f"NOTES-{n}.md")  # the other repository keeps failing
        result = loop.agent("run", "--json")
        outcomes.append((result.code, [(d["repo"], d["decision"]) for d in result.json()["decisions"]]))
    # every cycle polled and handled the other repository, whatever the stuck one did
    assert [("demo/failing-test", "reported") in decisions for _, decisions in outcomes] == [True] * 5
    stuck = [[d for r, d in decisions if r == "demo/format-check"] for _, decisions in outcomes]
    assert stuck == [[], ["in_flight"], [], ["gave_up"], []]
    assert [code for code, _ in outcomes] == [1, 1, 1, 0, 0]  # errors while it is retried, then a decision
    assert sum(1 for e in loop.sandbox.requests if e["method"] == "POST" and e["path"].endswith("/pulls")) == 4
    (rem,) = loop.store().remediations(repo="demo/format-check")
    assert rem.state is RemState.FAILED and rem.errors == 3


def test_105_failing_branches_are_all_handled_across_cycles(loop: Loop) -> None:
    files = {"README.md": b"# many branches\n", ".github/workflows/ci.yml": BROKEN_BUILD}
    repo = loop.sandbox.add_repo("demo/many", files)
    main = repo.bare.branches()["main"]
    for n in range(104):
        repo.bare.update_branch(f"feature-{n:03d}", main)
    loop.sandbox.settle()
    assert sum(1 for r in repo.runs if r.conclusion == "failure") == 105  # two pages of the run list
    rules = '[[rules]]\nname = "ignore-all"\nstrategy = "ignore"\npriority = 1\n'
    repos = '[[repos]]\nname = "demo/many"\nbranches = ["*"]\n'
    Path("cicd-agent.toml").write_text(SETTINGS.format(extra="max_failures_per_cycle = 50") + rules + repos)
    handled: list[int] = []
    for _ in range(4):
        handled += [d["run_id"] for d in loop.cycle()["decisions"]]
    assert sorted(handled) == sorted(r.id for r in repo.runs)  # every one, once
    assert loop.cycle()["decisions"] == []


def test_a_failure_deferred_by_the_rate_limit_is_handled_later(loop: Loop) -> None:
    loop.setup("format")
    loop.edit_config("max_open_prs = 20", "max_open_prs = 1")
    loop.fail_on("demo/format-check", "release")  # the same failure on a second branch
    first = loop.cycle()["decisions"]
    assert [(d["branch"], d["decision"]) for d in first] == [("main", "fix_opened"), ("release", "deferred")]
    assert [(d["branch"], d["decision"]) for d in loop.cycle()["decisions"]] == [("release", "deferred")]  # not 304
    loop.sandbox.settle()  # the first fix's CI is green: one PR less is open
    second = [(d["branch"], d["decision"]) for d in loop.cycle()["decisions"]]
    assert second == [("main", "healthy"), ("release", "fix_opened")]
    assert sorted(p["head"]["ref"].rsplit("/", 1)[-1] for p in loop.pulls("demo/format-check")) == ["main", "release"]


def test_a_handled_run_never_comes_back_as_new(loop: Loop) -> None:
    loop.setup("unfixable")
    loop.edit_config("[state]\n", '[state]\ndedup_ttl = "1s"\n')
    first = loop.cycle()["decisions"]
    assert [d["decision"] for d in first] == ["reported"]
    time.sleep(1.5)  # longer than dedup_ttl: the run is still in the polling window (which starts at a day)
    _push_commit(loop, "demo/failing-test")  # a new failing run: the list changes, the old run is listed again
    again = loop.cycle()["decisions"]
    assert [(d["run_id"] == first[0]["run_id"], d["decision"]) for d in again] == [(False, "reported")]
    (issue,) = [i for i in loop.sandbox.repo("demo/failing-test").items.values() if not i.is_pull]
    assert len(issue.comments) == 1  # the new run's sighting; the old run was not reported again


def test_a_fix_left_without_its_health_check_gets_one(loop: Loop) -> None:
    """A kill between opening the PR and scheduling its check (or between a verdict and acting on it) leaves a
    PR no check will judge; reconciliation finds it."""
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    store = loop.store()
    (rem,) = store.remediations()
    store.sql.execute("DELETE FROM health_checks WHERE remediation_id = ?", [rem.id])
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
