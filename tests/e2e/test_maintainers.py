"""The people around the agent, each a second, human account on the sandbox: nothing a person wrote is erased,
every end is explained on GitHub once it is known, a change rolled back is not proposed again, and a person's
no is said back to them with the way to resume."""

from __future__ import annotations

import base64
from typing import Any

from e2e.test_crash import _kill_while_pushing, _run_until_killed
from e2e.test_revert import ADDED, _edit, _requirements
from e2e.test_revert import REPO as MERGED
from e2e.test_revert import _setup as _merged_fix
from harness import FLAILING, Loop

from cicd_agent.sandbox import Fault
from cicd_agent.text import read_metadata

BAD = "demo/bad-fix"
FORMAT = "demo/format-check"


def _comments(loop: Loop, repo: str, number: int) -> list[dict[str, Any]]:
    return list(loop.api("GET", f"/repos/{repo}/issues/{number}/comments"))


def _labels(pull: dict[str, Any]) -> set[str]:
    return {label["name"] for label in pull["labels"]}


def _person_commits(loop: Loop, repo: str, branch: str, token: str) -> str:
    """A person's commit on `branch` through the contents API (authored as that person); returns its SHA."""
    body = {"message": "finish the fix", "content": base64.b64encode(b"by hand\n").decode(), "branch": branch}
    return str(loop.api("PUT", f"/repos/{repo}/contents/HAND.md", body, token=token)["commit"]["sha"])


def _recur(loop: Loop, repo_name: str) -> None:
    repo = loop.sandbox.repo(repo_name)
    main_runs = [r for r in repo.runs if r.branch == "main"]
    loop.sandbox.rerun(repo, main_runs[-1], failed_only=True)
    loop.sandbox.settle()


def test_a_fix_branch_a_person_committed_to_is_kept_and_named(loop: Loop) -> None:
    loop.setup("bad-fix")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(BAD)
    branch = pull["head"]["ref"]
    loop.sandbox.settle()  # the fix's CI runs (and fails)
    person = loop.sandbox.add_person("maintainer", "write")
    theirs = _person_commits(loop, BAD, branch, person)  # before the agent's health check
    loop.sandbox.settle()
    (rolled,) = loop.cycle()["decisions"]
    assert rolled["decision"] == "rolled_back" and f"branch {branch} kept" in rolled["reason"]
    assert "maintainer" in rolled["reason"]
    assert loop.sandbox.repo(BAD).bare.branches()[branch] == theirs  # the person's commit is still there
    (closed,) = loop.pulls(BAD)
    assert closed["state"] == "closed" and "cicd-agent:rolled-back" in _labels(closed)
    (comment,) = _comments(loop, BAD, pull["number"])
    assert f"/commit/{theirs}" in comment["body"] and "finish the fix" in comment["body"]
    assert "by maintainer" in comment["body"] and "is kept" in comment["body"] and "deleted" not in comment["body"]
    # the failure again, and a different fix: the branch is the person's now, never overwritten
    loop.edit_config("[[repos]]", FLAILING + "[[repos]]")
    _recur(loop, BAD)
    decisions = loop.cycle()["decisions"]
    assert [d["decision"] for d in decisions] == ["cannot_fix", "rolled_back_before", "reported"]
    assert "holds commits the agent did not make (maintainer" in decisions[0]["reason"]
    assert loop.sandbox.repo(BAD).bare.branches()[branch] == theirs
    assert len(loop.pulls(BAD)) == 1


def test_a_person_s_edit_after_the_merge_gets_the_revert_pr_linked_in_the_comment_even_after_a_kill(
    loop: Loop,
) -> None:
    person, number = _merged_fix(loop)
    mine = _edit(loop, person, ADDED, "notarealpkg>=1.0  # kept on purpose\n")
    loop.sandbox.settle()
    # killed once the revert pull request was opened, before the comment on the fix's PR
    opened = Fault("POST", r"/pulls$", status=201, delay=60, after=True)
    _run_until_killed(loop, opened, lambda: len(loop.pulls(MERGED, state="open")) == 1)
    assert _comments(loop, MERGED, number) == []
    (rolled,) = [d for d in loop.cycle()["decisions"] if d["decision"] == "rolled_back"]
    (revert,) = loop.pulls(MERGED, state="open")
    assert f"its revert needs a person: {revert['html_url']}" in rolled["reason"]
    (comment,) = _comments(loop, MERGED, number)
    assert revert["html_url"] in comment["body"] and "revert needs a person" in comment["body"]
    assert "reverts it on" not in comment["body"]  # it says what happened, not what was meant to
    assert _requirements(loop)[0] == mine
    loop.sandbox.settle()
    loop.cycle()
    assert len(_comments(loop, MERGED, number)) == 1 and len(loop.pulls(MERGED, state="open")) == 1


def test_a_revert_pushed_just_before_a_kill_is_named_in_the_one_comment(loop: Loop) -> None:
    _, number = _merged_fix(loop)
    loop.sandbox.settle()
    _kill_while_pushing(loop, MERGED, after_update=True)  # the revert is on main, nothing recorded after it
    revert = loop.sandbox.repo(MERGED).bare.branches()["main"]
    assert "This reverts commit" in str(loop.sandbox.repo(MERGED).bare.repo.commit(revert).message)
    assert _comments(loop, MERGED, number) == []
    rolled = [d for d in loop.cycle()["decisions"] if d["decision"] == "rolled_back"]
    assert len(rolled) == 1 and f"/commit/{revert}" in rolled[0]["reason"]
    (comment,) = _comments(loop, MERGED, number)
    assert f"/commit/{revert}" in comment["body"]
    assert loop.sandbox.repo(MERGED).bare.branches()["main"] == revert  # reverted once


def test_a_reverted_fix_s_failure_is_its_own_and_the_same_change_is_not_proposed_again(loop: Loop) -> None:
    _, number = _merged_fix(loop)
    loop.sandbox.settle()  # main fails on the merge commit (the broken package), the fix's CI fails too
    decisions = loop.cycle()["decisions"]
    assert [d["decision"] for d in decisions] == ["rolled_back", "caused_by_fix"]
    revert = loop.sandbox.repo(MERGED).bare.branches()["main"]
    assert f"/commit/{revert}" in decisions[0]["reason"] and f"/commit/{revert}" in decisions[1]["reason"]
    (comment,) = _comments(loop, MERGED, number)
    assert f"/commit/{revert}" in comment["body"] and "keeping what was committed since" in comment["body"]
    loop.sandbox.settle()  # main after the revert: the original failure is back
    again = loop.cycle()["decisions"]
    assert [d["decision"] for d in again] == ["rolled_back_before", "reported"]
    assert f"the same change was rolled back before: {decisions[0]['detail']['pr']}" in again[0]["reason"]
    issues = [i for i in loop.api("GET", f"/repos/{MERGED}/issues?state=all") if "pull_request" not in i]
    (issue,) = issues
    assert "unknown" not in issue["title"] and decisions[0]["detail"]["pr"] in issue["body"]
    assert len(loop.pulls(MERGED)) == 1  # no identical second PR
    (breaker,) = [b for b in loop.agent("breaker", "list", "--json").json() if b["failures"]]
    assert breaker["failures"] == 1  # counted once


def test_a_person_closing_the_fix_is_told_once_how_to_resume_and_a_writer_s_retry_resumes(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(FORMAT)
    number = pull["number"]
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/{FORMAT}/pulls/{number}", {"state": "closed"}, token=person)
    assert loop.decisions() == ["rejected"]
    (told,) = _comments(loop, FORMAT, number)
    assert "stops proposing fixes for this failure" in told["body"] and "/cicd-agent retry" in told["body"]
    assert "agent breaker reset demo/format-check --branch main --signature" in told["body"]
    assert loop.decisions() == [] and len(_comments(loop, FORMAT, number)) == 1
    stranger = loop.sandbox.add_person("passer-by", "read")
    loop.api("POST", f"/repos/{FORMAT}/issues/{number}/comments", {"body": "/cicd-agent retry"}, token=stranger)
    assert loop.decisions() == []  # no write access: ignored
    loop.api("POST", f"/repos/{FORMAT}/issues/{number}/comments", {"body": "/cicd-agent retry"}, token=person)
    (retry,) = loop.cycle()["decisions"]
    assert retry["decision"] == "retry" and "by maintainer" in retry["reason"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "CLOSED"
    answers = [c for c in _comments(loop, FORMAT, number) if (read_metadata(c["body"]) or {}).get("kind") == "resumed"]
    assert len(answers) == 1
    assert loop.decisions() == []  # said once
    loop.commit(FORMAT)  # the failure again: a fix is proposed again
    assert loop.decisions() == ["fix_opened"]
    assert len(loop.pulls(FORMAT)) == 2


def test_a_person_reopening_a_closed_fix_is_left_alone(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(FORMAT)
    person = loop.sandbox.add_person("maintainer", "write")
    path = f"/repos/{FORMAT}/pulls/{pull['number']}"
    loop.api("PATCH", path, {"state": "closed"}, token=person)
    assert loop.decisions() == ["rejected"]
    loop.api("PATCH", path, {"state": "open"}, token=person)
    loop.sandbox.settle()
    assert loop.decisions() == []
    (reopened,) = loop.pulls(FORMAT)
    assert reopened["state"] == "open" and pull["head"]["ref"] in loop.sandbox.repo(FORMAT).bare.branches()
    loop.api("PATCH", path, {"state": "closed"}, token=person)
    loop.commit(FORMAT)
    assert loop.decisions() == ["blocked_by_breaker"]
    assert len(_comments(loop, FORMAT, pull["number"])) == 1 and len(loop.pulls(FORMAT)) == 1
