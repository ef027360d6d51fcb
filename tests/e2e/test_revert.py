"""A merged fix whose CI fails is reverted, never written over: what people committed since stays."""

from __future__ import annotations

import base64

from harness import Loop

from cicd_agent.sandbox.scenarios import INSTALL, SCENARIOS, _workflow

REPO = "demo/merged-fix"
BAD_FIX = next(s for s in SCENARIOS if s.name == "bad-fix")
REQUIREMENTS = b"# Runtime dependencies, pinned.\nsandbox-greeting==1.0\n"
ADDED = "notarealpkg==1.0\n"  # the fix's line (the package index has it, broken on purpose)


def _setup(loop: Loop) -> tuple[str, int]:
    """The bad-fix scenario (its fix adds a package that cannot be installed), merged by a person before its CI
    ran. Returns the person's token and the PR number."""
    files = {**BAD_FIX.files, "requirements.txt": REQUIREMENTS, ".github/workflows/ci.yml": _workflow(INSTALL)}
    loop.setup_repo(REPO, files)
    assert loop.decisions() == ["fix_opened"]
    person = loop.sandbox.add_person("maintainer", "write")
    (pull,) = loop.pulls(REPO)
    loop.api("PUT", f"/repos/{REPO}/pulls/{pull['number']}/merge", {"commit_message": "looks right"}, token=person)
    return person, pull["number"]


def _requirements(loop: Loop, ref: str = "main") -> tuple[str, str]:
    found = loop.api("GET", f"/repos/{REPO}/contents/requirements.txt?ref={ref}")
    return base64.b64decode(found["content"]).decode(), found["sha"]


def _edit(loop: Loop, token: str, old: str, new: str) -> str:
    text, sha = _requirements(loop)
    assert old in text
    body = {"message": "a person's change", "content": base64.b64encode(text.replace(old, new).encode()).decode()}
    loop.api("PUT", f"/repos/{REPO}/contents/requirements.txt", {**body, "sha": sha, "branch": "main"}, token=token)
    return text.replace(old, new)


def test_a_person_s_later_commit_on_other_lines_survives_the_revert(loop: Loop) -> None:
    person, number = _setup(loop)
    assert _requirements(loop)[0].endswith(ADDED)  # the fix landed
    mine = _edit(loop, person, "# Runtime dependencies, pinned.", "# Runtime dependencies, pinned and reviewed.")
    loop.sandbox.settle()
    cycle = loop.cycle()
    (rolled,) = [d for d in cycle["decisions"] if d["run_id"] != 0 and d["decision"] == "rolled_back"]
    assert "needs a person" not in rolled["reason"]
    after = _requirements(loop)[0]
    assert after == mine.replace(ADDED, "")  # the fix's line is gone, the person's line stayed
    assert after.startswith("# Runtime dependencies, pinned and reviewed.\n")
    head = loop.sandbox.repo(REPO).bare.repo.commit("main")
    assert head.author.name == "cicd-agent" and "This reverts commit" in str(head.message)
    assert head.parents[0].author.name != "cicd-agent"  # on top of the person's commit, not instead of it
    assert [p["number"] for p in loop.pulls(REPO)] == [number]  # no revert PR was needed
    # the next cycle finds nothing left to do for it: one revert, no second one
    loop.sandbox.settle()
    loop.cycle()
    assert _requirements(loop)[0] == after
    assert loop.sandbox.repo(REPO).bare.repo.commit("main") == head


def test_a_person_s_change_to_the_same_lines_gets_a_revert_pull_request_and_is_not_overwritten(loop: Loop) -> None:
    person, number = _setup(loop)
    mine = _edit(loop, person, ADDED, "notarealpkg>=1.0  # kept on purpose\n")
    loop.sandbox.settle()
    cycle = loop.cycle()
    (rolled,) = [d for d in cycle["decisions"] if d["decision"] == "rolled_back"]
    assert "its revert needs a person" in rolled["reason"]
    assert _requirements(loop)[0] == mine  # nothing overwritten on main
    (revert,) = [p for p in loop.pulls(REPO, state="open")]
    assert revert["head"]["ref"] == f"cicd-agent/revert/pr-{number}" and revert["base"]["ref"] == "main"
    assert {label["name"] for label in revert["labels"]} == {"cicd-agent", "cicd-agent:revert"}
    assert "someone changed the same lines since the fix was merged (`requirements.txt`)" in revert["body"]
    assert revert["html_url"] in rolled["reason"]
    # the revert branch holds the revert of the fix on the commit it landed as
    assert "notarealpkg" not in _requirements(loop, revert["head"]["ref"])[0]
    # a later cycle adopts that pull request instead of opening a second one
    loop.sandbox.settle()
    loop.cycle()
    assert len(loop.pulls(REPO, state="open")) == 1


def test_a_protected_base_branch_gets_the_revert_as_a_pull_request(loop: Loop) -> None:
    _, number = _setup(loop)
    hook = loop.sandbox.repo(REPO).bare.path / "hooks" / "pre-receive"
    hook.write_text(  # as GitHub answers a push to a branch that requires pull requests
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  if [ "$ref" = refs/heads/main ]; then echo "error: GH006: Protected branch update failed" >&2; exit 1; fi\n'
        "done\n"
    )
    hook.chmod(0o755)
    before = _requirements(loop)[0]
    loop.sandbox.settle()
    (rolled,) = [d for d in loop.cycle()["decisions"] if d["decision"] == "rolled_back"]
    assert "its revert needs a person" in rolled["reason"]
    assert _requirements(loop)[0] == before
    (revert,) = loop.pulls(REPO, state="open")
    assert "refused a direct push" in revert["body"] and "GH006" in revert["body"]
    assert revert["head"]["ref"] == f"cicd-agent/revert/pr-{number}"
