"""Each path of the remediation loop, end to end: real CLI, sandbox GitHub, real git, real CI."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from harness import FLAILING, Loop

from cicd_agent.store import open_store
from cicd_agent.text import read_metadata


def test_fix_goes_green(loop: Loop) -> None:
    loop.setup("format")
    first = loop.cycle()
    assert [d["decision"] for d in first["decisions"]] == ["fix_opened"]
    (pull,) = loop.pulls("demo/format-check")
    assert pull["head"]["ref"].startswith("cicd-agent/fix/") and pull["head"]["ref"].endswith("/main")
    assert [label["name"] for label in pull["labels"]] == ["cicd-agent"]
    meta = read_metadata(pull["body"])
    assert meta is not None and meta["run_id"] == first["decisions"][0]["run_id"]
    assert "```text" in pull["body"] and "would be reformatted" in pull["body"]
    snapshot = next(Path("snapshots").glob("*.json"))
    assert json.loads(snapshot.read_text())["files"] == {"app.py": "def add(a,b):\n    return a+b\n"}
    fixed = loop.api("GET", f"/repos/demo/format-check/contents/app.py?ref={pull['head']['ref']}")
    assert base64.b64decode(fixed["content"]).decode() == "def add(a, b):\n    return a + b\n"
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    assert loop.store().remediation_counts() == {"healthy": 1}
    breakers = loop.agent("status", "--json").json()["breakers"]
    assert breakers == {"CLOSED": 1, "OPEN": 0, "HALF_OPEN": 0, "FORCED_OPEN": 0, "DISABLED": 0}


def test_rerun_goes_green(loop: Loop) -> None:
    loop.setup("transient")
    assert loop.decisions() == ["rerun"]
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    run = loop.sandbox.repo("demo/flaky-network").runs[0]
    assert (run.attempt, run.conclusion) == (2, "success")


def test_unfixable_is_reported_once(loop: Loop) -> None:
    loop.setup("unfixable")
    assert loop.decisions() == ["reported"]
    issues = loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent")
    assert len(issues) == 1 and "AssertionError" in issues[0]["body"]
    repo = loop.sandbox.repo("demo/failing-test")
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    assert loop.decisions() == ["reported"]  # seen again: a comment, not a second issue
    assert len(loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent&state=all")) == 1
    assert len(loop.api("GET", f"/repos/demo/failing-test/issues/{issues[0]['number']}/comments")) == 1


def _recur(loop: Loop, repo_name: str) -> None:
    repo = loop.sandbox.repo(repo_name)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()


def test_failed_fix_is_rolled_back_until_the_breaker_opens(loop: Loop) -> None:
    loop.setup("bad-fix", extra=FLAILING)  # each fix a different change, each failing
    for attempt in range(1, 4):
        assert loop.decisions() == ["fix_opened"]
        loop.sandbox.settle()
        assert loop.decisions() == ["rolled_back"] + (["escalated"] if attempt == 3 else [])  # the breaker opened
        if attempt < 3:
            _recur(loop, "demo/bad-fix")
    pulls = loop.pulls("demo/bad-fix")
    assert len(pulls) == 3 and all(p["state"] == "closed" and p["merged_at"] is None for p in pulls)
    assert not any(b.startswith("cicd-agent/") for b in loop.sandbox.repo("demo/bad-fix").bare.branches())
    comments = loop.api("GET", f"/repos/demo/bad-fix/issues/{pulls[0]['number']}/comments")
    assert "cicd-agent rolled this fix back" in comments[0]["body"] and "is deleted" in comments[0]["body"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert (breaker["state"], breaker["failures"]) == ("OPEN", 3)
    _recur(loop, "demo/bad-fix")
    assert loop.decisions() == ["blocked_by_breaker"]
    assert len(loop.pulls("demo/bad-fix")) == 3


def test_merged_fix_is_rolled_back_by_restoring_contents(loop: Loop) -> None:
    loop.setup("bad-fix")
    before = loop.api("GET", "/repos/demo/bad-fix/contents/requirements.txt")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls("demo/bad-fix")
    loop.api("PUT", f"/repos/demo/bad-fix/pulls/{pull['number']}/merge", {"commit_message": "merged by a human"})
    merged = loop.api("GET", "/repos/demo/bad-fix/contents/requirements.txt")
    assert base64.b64decode(merged["content"]) != base64.b64decode(before["content"])
    loop.sandbox.settle()
    # the merge commit's own CI on main fails differently (the bogus package breaks the import): that is the
    # merged fix's failure, already rolled back, not a new one
    decisions = loop.cycle()["decisions"]
    assert [d["decision"] for d in decisions] == ["rolled_back", "caused_by_fix"]
    assert decisions[1]["detail"]["pr"] == pull["html_url"] and "/commit/" in decisions[1]["reason"]
    after = loop.api("GET", "/repos/demo/bad-fix/contents/requirements.txt")
    assert base64.b64decode(after["content"]) == base64.b64decode(before["content"])
    history = loop.agent("history", "--json").json()
    assert "rolled_back" in [h["decision"] for h in history]


def _push_commit(loop: Loop, repo: str, path: str = "NOTES.md") -> None:
    body = {"message": "unrelated change", "content": base64.b64encode(b"notes\n").decode(), "branch": "main"}
    loop.api("PUT", f"/repos/{repo}/contents/{path}", body)
    loop.sandbox.settle()


def test_an_open_pull_request_for_the_same_failure_is_a_duplicate(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    assert loop.decisions() == []  # nothing new: the run list is unchanged (304)
    _push_commit(loop, "demo/format-check")  # a new run fails the same way; the fix's PR is green and open
    assert loop.decisions() == ["healthy", "duplicate"]
    assert loop.agent("status", "--json").json()["duplicates"] == 1  # the first run, listed again
    assert len(loop.pulls("demo/format-check")) == 1


def test_a_failure_whose_fix_is_in_flight_gets_no_second_one(loop: Loop) -> None:
    loop.setup("format")
    config = Path("cicd-agent.toml").read_text().replace("delay = 0", 'delay = "1h"')
    Path("cicd-agent.toml").write_text(config.replace('max_wait = "10m"', 'max_wait = "2h"'))
    assert loop.decisions() == ["fix_opened"]
    _push_commit(loop, "demo/format-check")
    assert loop.decisions() == ["in_flight"]
    assert len(loop.pulls("demo/format-check")) == 1


def test_a_pull_request_closed_by_a_human_is_a_rejection(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls("demo/format-check")
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/demo/format-check/pulls/{pull['number']}", {"state": "closed"}, token=person)
    assert loop.decisions() == ["rejected"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "FORCED_OPEN" and breaker["failures"] == 1
    _recur(loop, "demo/format-check")
    assert loop.decisions() == ["blocked_by_breaker"]
    reset = loop.agent("breaker", "reset", "demo/format-check", "--reason", "we want the fix after all")
    assert reset.code == 0
    _recur(loop, "demo/format-check")
    assert loop.decisions() == ["fix_opened"]
    assert len(loop.pulls("demo/format-check")) == 2


def test_dry_run_writes_nothing_and_reports_every_write(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format", "transient", "unfixable")
    open_store(".cicd-agent", dry_run=False).close()  # creates the state database
    db = Path(".cicd-agent") / "state.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    refs = {name: loop.sandbox.repo(name).bare.branches() for name in loop.repos}
    loop.sandbox.requests.clear()
    report = tmp_path / "plan.md"
    result = loop.agent("--dry-run", "--report", str(report), "run")
    assert result.code == 0, result.err
    assert {e["method"] for e in loop.sandbox.requests} == {"GET"}
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert {name: loop.sandbox.repo(name).bare.branches() for name in loop.repos} == refs
    assert not Path("snapshots").exists() or not any(Path("snapshots").iterdir())
    for line in (
        "[DRY-RUN] git.push demo/format-check:cicd-agent/fix/",
        "[DRY-RUN] github.open_pull",
        "[DRY-RUN] github.rerun_failed_jobs demo/flaky-network",
        "[DRY-RUN] github.open_issue demo/failing-test",
    ):
        assert result.err.count(line) == 1
    text = report.read_text()
    assert "```diff\n--- a/app.py\n+++ b/app.py" in text and "+def add(a, b):" in text
    assert "github.rerun_failed_jobs" in text and "github.open_issue" in text and "store.remediation" in text
    assert loop.decisions() == ["fix_opened", "rerun", "reported"]  # a real run afterwards still does it all


def test_at_most_k_failures_per_cycle(loop: Loop) -> None:
    loop.setup("format", "unfixable", "timeout", extra="max_failures_per_cycle = 2")
    first = loop.cycle()
    assert len(first["decisions"]) == 2 and first["deferred"] == 1
    second = loop.cycle()
    assert [d["repo"] for d in first["decisions"]] == ["demo/format-check", "demo/slow-job"]  # oldest first
    assert [d["repo"] for d in second["decisions"]] == ["demo/failing-test"]


def test_an_idle_repository_costs_one_request_answered_304(loop: Loop) -> None:
    loop.setup("unfixable")
    loop.cycle()
    loop.cycle()  # sees its own issue's run list unchanged
    loop.sandbox.requests.clear()
    assert loop.cycle()["idle_repos"] == ["demo/failing-test"]
    assert [(e["method"], e["status"]) for e in loop.sandbox.requests] == [("GET", 304)]


def test_an_api_outage_ends_the_cycle_with_a_clear_error(loop: Loop) -> None:
    from cicd_agent.sandbox import Fault

    loop.setup("format")
    loop.sandbox.inject(Fault("GET", r"/actions/runs$", status=503, times=10))
    result = loop.agent("run")
    assert result.code == 1
    assert "demo/format-check" in result.err and "503" in result.err and "Traceback" not in result.err
    assert sum(1 for e in loop.sandbox.requests if e["status"] == 503) <= 3  # bounded retries, no hammering


def test_snapshot_commands_and_retention(loop: Loop) -> None:
    loop.setup("format", extra="")
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace("[state]\n", "[state]\nsnapshot_retention = 0\n"))
    loop.cycle()
    (row,) = loop.agent("snapshots", "list", "--json").json()
    assert row["repo"] == "demo/format-check" and row["files"] == ["app.py"]
    shown = loop.agent("snapshots", "show", row["id"][:6])
    assert "def add(a,b):" in shown.out
    assert loop.agent("snapshots", "cleanup", "--json").json() == {"removed": []}  # its fix is still in flight
    loop.sandbox.settle()
    loop.cycle()  # healthy: the snapshot is no longer needed
    assert loop.agent("snapshots", "cleanup", "--json").json() == {"removed": [row["id"]]}
    assert not (Path("snapshots") / f"{row['id']}.json").exists()
    assert loop.agent("snapshots", "list", "--json").json() == []


def test_a_push_refused_for_workflow_files_is_reported_not_retried(loop: Loop) -> None:
    loop.setup("deprecated-action")
    loop.sandbox.refuse_workflow_pushes("demo/deprecated-action")
    first = loop.cycle()
    (decision,) = first["decisions"]
    assert decision["decision"] == "push_refused" and "workflow" in decision["reason"]
    assert loop.pulls("demo/deprecated-action") == []
    assert loop.decisions() == []  # not retried
    assert loop.store().remediation_counts() == {"refused": 1}


def test_needs_approval_opens_a_labelled_draft(loop: Loop) -> None:
    loop.setup("format", extra="needs_approval = true")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls("demo/format-check")
    assert pull["draft"] is True
    assert sorted(label["name"] for label in pull["labels"]) == ["cicd-agent", "cicd-agent:needs-approval"]


def test_no_verdict_within_max_wait_is_inconclusive(loop: Loop) -> None:
    loop.setup("format")
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text().replace('max_wait = "10m"', "max_wait = 0"))
    assert loop.decisions() == ["fix_opened"]
    assert loop.decisions() == ["inconclusive"]  # its CI never ran (not settled)
    (pull,) = loop.pulls("demo/format-check")
    assert "cicd-agent:inconclusive" in [label["name"] for label in pull["labels"]]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert (breaker["state"], breaker["failures"]) == ("CLOSED", 0)  # inconclusive counts nothing by default


def test_a_rollback_interrupted_by_the_api_is_finished_next_cycle(loop: Loop) -> None:
    from cicd_agent.sandbox import Fault

    loop.setup("bad-fix")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    refused = '{"message": "Resource not accessible by integration"}'  # a 404 or 422 would mean "already gone"
    loop.sandbox.inject(Fault("DELETE", r"/git/refs/heads/", status=403, times=1, body=refused))
    partial = loop.cycle()
    assert [d["decision"] for d in partial["decisions"]] == ["rollback_partial"]
    assert loop.store().remediation_counts() == {"rollback_partial": 1}
    assert loop.decisions() == ["rolled_back"]
    (pull,) = loop.pulls("demo/bad-fix")
    comments = loop.api("GET", f"/repos/demo/bad-fix/issues/{pull['number']}/comments")
    assert len(comments) == 1  # each step once
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["failures"] == 1


def test_a_failure_on_a_pull_request_branch_is_explained_on_that_pr(loop: Loop) -> None:
    loop.setup("unfixable")
    Path("cicd-agent.toml").write_text(
        Path("cicd-agent.toml").read_text().replace('branches = ["main"]', 'branches = ["feature"]')
    )
    repo = loop.sandbox.repo("demo/failing-test")
    repo.bare.update_branch("feature", repo.bare.branches()["main"])
    pull = loop.api("POST", "/repos/demo/failing-test/pulls", {"title": "Feature", "head": "feature", "base": "main"})
    _push_commit(loop, "demo/failing-test")  # unrelated: main moves on
    body = {"message": "work", "content": base64.b64encode(b"more\n").decode(), "branch": "feature"}
    loop.api("PUT", "/repos/demo/failing-test/contents/WORK.md", body)
    loop.sandbox.settle()
    run = next(r for r in loop.cycle()["decisions"])
    assert run["decision"] == "reported" and run["branch"] == "feature"
    comments = loop.api("GET", f"/repos/demo/failing-test/issues/{pull['number']}/comments")
    assert len(comments) == 1 and "AssertionError" in comments[0]["body"]
    assert loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent") == []  # no issue for it
    loop.api(
        "PUT",
        "/repos/demo/failing-test/contents/WORK.md",
        {
            **body,
            "content": base64.b64encode(b"even more\n").decode(),
            "sha": loop.api("GET", "/repos/demo/failing-test/contents/WORK.md?ref=feature")["sha"],
        },
    )
    loop.sandbox.settle()
    assert loop.decisions() == ["reported"]  # the same failure again: no second comment
    assert len(loop.api("GET", f"/repos/demo/failing-test/issues/{pull['number']}/comments")) == 1


def test_an_error_github_keeps_giving_is_retried_then_given_up(loop: Loop) -> None:
    from cicd_agent.sandbox import Fault

    loop.setup("unfixable")
    loop.sandbox.inject(
        Fault("POST", r"/issues$", status=410, times=99, body='{"message": "Issues are disabled for this repo"}')
    )
    outcomes = [loop.cycle() for _ in range(5)]
    assert ["Issues are disabled" in " ".join(o["errors"]) for o in outcomes] == [True, True, True, False, False]
    assert [d["decision"] for d in outcomes[2]["decisions"]] == ["gave_up"]
    assert sum(1 for e in loop.sandbox.requests if e["method"] == "POST" and e["path"].endswith("/issues")) == 3
