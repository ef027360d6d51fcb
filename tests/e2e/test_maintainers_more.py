"""More of what the people around the agent do, each played by a second, human account on the sandbox: their
commits merged with a fix, a fix they reverted by hand, the same failure on another branch, a pull request they
reopen while a rollback is unfinished, commands they only quote."""

from __future__ import annotations

import base64
import json
import sys

import pytest
from e2e.test_maintainers import _comments, _person_commits
from e2e.test_revert import ADDED, BAD_FIX, REQUIREMENTS, _requirements
from e2e.test_revert import REPO as MERGED
from harness import Loop

from cicd_agent.sandbox import Fault
from cicd_agent.sandbox.scenarios import INSTALL, _workflow

BAD = "demo/bad-fix"
FORMAT = "demo/format-check"


def _files(loop: Loop, repo: str, ref: str = "main") -> set[str]:
    return {str(b.path) for b in loop.sandbox.repo(repo).bare.repo.commit(ref).tree.traverse()}


@pytest.mark.parametrize("method", ["merge", "squash"])
def test_a_person_s_commits_merged_with_a_failed_fix_stay_when_it_is_reverted(loop: Loop, method: str) -> None:
    files = {**BAD_FIX.files, "requirements.txt": REQUIREMENTS, ".github/workflows/ci.yml": _workflow(INSTALL)}
    loop.setup_repo(MERGED, files)
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(MERGED)
    loop.sandbox.settle()  # the fix's own CI ran (and failed)
    person = loop.sandbox.add_person("maintainer", "write")
    theirs = _person_commits(loop, MERGED, pull["head"]["ref"], person)  # finishing it, then merging it all
    merge = {"commit_message": "with my part", "merge_method": method}
    loop.api("PUT", f"/repos/{MERGED}/pulls/{pull['number']}/merge", merge, token=person)
    loop.sandbox.settle()
    rolled = [d for d in loop.cycle()["decisions"] if d["decision"] == "rolled_back"]
    assert len(rolled) == 1 and "the commits by maintainer merged with it stay" in rolled[0]["reason"]
    assert "HAND.md" in _files(loop, MERGED)  # the person's commit is still on main
    assert ADDED not in _requirements(loop)[0]  # the agent's own line is reverted
    (comment,) = _comments(loop, MERGED, pull["number"])
    assert f"/commit/{theirs}" in comment["body"] and "Only the agent's own commit is reverted" in comment["body"]
    loop.sandbox.settle()
    loop.cycle()
    assert "HAND.md" in _files(loop, MERGED) and len(_comments(loop, MERGED, pull["number"])) == 1


def _revert_by_hand(loop: Loop, repo: str, token: str) -> None:
    """A person restores, through the contents API, every file the last commit on main changed."""
    bare = loop.sandbox.repo(repo).bare.repo
    merged = bare.commit("main")
    before = merged.parents[0]
    for changed in merged.diff(before):
        old = (before.tree / changed.a_path).data_stream.read()
        sha = loop.api("GET", f"/repos/{repo}/contents/{changed.a_path}?ref=main")["sha"]
        body = {"message": "Revert the bot's fix", "content": base64.b64encode(old).decode(), "sha": sha}
        loop.api("PUT", f"/repos/{repo}/contents/{changed.a_path}", {**body, "branch": "main"}, token=token)


def test_a_merged_fix_a_person_reverted_by_hand_is_not_proposed_again(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    (pull,) = loop.pulls(FORMAT)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PUT", f"/repos/{FORMAT}/pulls/{pull['number']}/merge", {"commit_message": "ok"}, token=person)
    _revert_by_hand(loop, FORMAT, person)
    loop.sandbox.settle()  # main fails again, as before the fix
    decisions = loop.cycle()["decisions"]
    assert [d["decision"] for d in decisions] == ["merged", "rolled_back_before", "reported"]
    assert f"the same change was merged before ({pull['html_url']})" in decisions[1]["reason"]
    assert len(loop.pulls(FORMAT)) == 1  # their revert is not undone by an identical pull request
    (issue,) = [i for i in loop.api("GET", f"/repos/{FORMAT}/issues?state=all") if "pull_request" not in i]
    assert "Merged, and reverted since" in issue["body"] and pull["html_url"] in issue["body"]
    signature = decisions[1]["signature"]
    reset = loop.agent(
        "breaker", "reset", FORMAT, "--branch", "main", "--signature", signature, "--reason", "on purpose"
    )
    assert reset.code == 0, reset.err
    loop.commit(FORMAT)  # a person's reset: the same change may be proposed again
    assert "fix_opened" in loop.decisions()


def test_a_change_rolled_back_on_one_branch_is_not_proposed_on_another(loop: Loop) -> None:
    loop.setup("bad-fix")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    (rolled,) = loop.cycle()["decisions"]
    assert rolled["decision"] == "rolled_back"
    loop.fail_on(BAD, "release")
    decisions = loop.cycle()["decisions"]
    assert [d["decision"] for d in decisions] == ["rolled_back_before", "reported"]
    assert f"rolled back before on main: {rolled['detail']['pr']}" in decisions[0]["reason"]
    assert len(loop.pulls(BAD)) == 1


def test_a_fix_a_person_reopens_while_its_rollback_is_unfinished_is_left_to_them(loop: Loop) -> None:
    loop.setup("bad-fix")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    (pull,) = loop.pulls(BAD)
    branch = pull["head"]["ref"]
    loop.sandbox.inject(Fault("DELETE", r"/git/refs/", status=502))  # labelled and closed, then stopped
    assert loop.decisions() == ["rollback_partial"]
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/{BAD}/pulls/{pull['number']}", {"state": "open"}, token=person)
    (rolled,) = loop.cycle()["decisions"]
    assert rolled["decision"] == "rolled_back" and "reopened by maintainer: left to them" in rolled["reason"]
    assert branch in loop.sandbox.repo(BAD).bare.branches()  # not deleted: that would close their PR again
    (reopened,) = loop.pulls(BAD)
    assert reopened["state"] == "open"
    (comment,) = _comments(loop, BAD, pull["number"])
    assert "reopened by maintainer: it is left to them" in comment["body"] and "is deleted" not in comment["body"]
    assert loop.decisions() == [] and len(_comments(loop, BAD, pull["number"])) == 1
    assert loop.pulls(BAD)[0]["state"] == "open"


def test_a_command_a_person_only_shows_in_code_is_not_acted_on(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(FORMAT)
    number = pull["number"]
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/{FORMAT}/pulls/{number}", {"state": "closed"}, token=person)
    assert loop.decisions() == ["rejected"]
    shown = [
        "If this comes back, anyone with write access can say:\n\n```\n/cicd-agent retry\n```\n\nNot yet, though.",
        "The bot's own hint, pasted:\n\n    /cicd-agent retry\n",
        "> /cicd-agent retry\n\nNo: this is not fixed yet.",
    ]
    for body in shown:
        loop.api("POST", f"/repos/{FORMAT}/issues/{number}/comments", {"body": body}, token=person)
    assert loop.decisions() == []  # shown, quoted: never said
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "FORCED_OPEN"
    loop.api("POST", f"/repos/{FORMAT}/issues/{number}/comments", {"body": "/cicd-agent retry"}, token=person)
    assert loop.decisions() == ["retry"]


# a configured fixer for the bad-fix scenario whose change touches the workflow file (and fixes nothing)
TOUCH_WORKFLOW = (
    '[[rules]]\nname = "touch-workflow"\ncategory = "dependency.missing-module"\nstrategy = "fix"\npriority = 1\n'
    f"command = [{json.dumps(sys.executable)}, " + '"-c", '
    "\"open('.github/workflows/ci.yml', 'a').write('# retried\\\\n')\"]\n"
)


def test_a_merged_fix_whose_revert_the_token_may_not_push_gets_an_issue_with_the_patch_once(loop: Loop) -> None:
    loop.setup("bad-fix")
    loop.edit_config("[[repos]]", TOUCH_WORKFLOW + "[[repos]]")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(BAD)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PUT", f"/repos/{BAD}/pulls/{pull['number']}/merge", {"commit_message": "ok"}, token=person)
    loop.sandbox.refuse_workflow_pushes(BAD)  # the token has no `workflow` scope (any more)
    main = loop.sandbox.repo(BAD).bare.branches()["main"]
    loop.sandbox.settle()
    rolled = [d for d in loop.cycle()["decisions"] if d["decision"] == "rolled_back"]
    assert len(rolled) == 1
    (issue,) = [i for i in loop.api("GET", f"/repos/{BAD}/issues?labels=cicd-agent:revert") if "pull_request" not in i]
    assert f"its revert needs a person: {issue['html_url']}" in rolled[0]["reason"]
    assert "`workflow` scope" in issue["body"] and "-# retried" in issue["body"] and "Nothing was" in issue["body"]
    (comment,) = _comments(loop, BAD, pull["number"])
    assert issue["html_url"] in comment["body"] and "the revert issue" in comment["body"]
    loop.sandbox.settle()
    loop.cycle()  # not retried blindly: nothing more is said or opened
    assert len(_comments(loop, BAD, pull["number"])) == 1
    assert len([i for i in loop.api("GET", f"/repos/{BAD}/issues?labels=cicd-agent:revert")]) == 1
    assert loop.sandbox.repo(BAD).bare.branches()["main"] == main and loop.unexplained_branches() == []


def test_a_healthy_fix_a_person_pushed_to_is_not_merged_by_the_agent(loop: Loop) -> None:
    loop.setup("format", extra="auto_merge = true")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()  # the fix's own commit is green
    (pull,) = loop.pulls(FORMAT)
    person = loop.sandbox.add_person("maintainer", "write")
    theirs = _person_commits(loop, FORMAT, pull["head"]["ref"], person)  # never judged by the agent
    (healthy,) = loop.cycle()["decisions"]
    assert healthy["decision"] == "healthy" and "not merged: commits by maintainer" in healthy["reason"]
    (still,) = loop.pulls(FORMAT)
    assert still["state"] == "open" and still["merged_at"] is None
    (comment,) = _comments(loop, FORMAT, pull["number"])
    assert f"/commit/{theirs}" in comment["body"] and "Merging it is left to you" in comment["body"]
    loop.sandbox.settle()
    assert loop.decisions() == [] and len(_comments(loop, FORMAT, pull["number"])) == 1


def test_a_fix_closed_by_its_base_branch_s_deletion_is_no_rejection(loop: Loop) -> None:
    loop.setup("format")
    loop.fail_on(FORMAT, "release")
    assert loop.decisions() == ["fix_opened", "fix_opened"]
    (pull,) = [p for p in loop.pulls(FORMAT) if p["base"]["ref"] == "release"]
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("DELETE", f"/repos/{FORMAT}/git/refs/heads/release", token=person)  # GitHub closes its PRs
    loop.sandbox.settle()
    decisions = {d["branch"]: d for d in loop.cycle()["decisions"]}
    gone = decisions["release"]
    assert gone["decision"] == "abandoned" and "base branch release was deleted (by maintainer)" in gone["reason"]
    (comment,) = _comments(loop, FORMAT, pull["number"])
    assert "That is no rejection" in comment["body"] and "/cicd-agent retry" not in comment["body"]
    assert pull["head"]["ref"] not in loop.sandbox.repo(FORMAT).bare.branches()  # only the agent's: deleted
    assert all(b["state"] == "CLOSED" for b in loop.agent("breaker", "list", "--json").json())
    assert loop.decisions() == [] and len(_comments(loop, FORMAT, pull["number"])) == 1
