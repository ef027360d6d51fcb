"""The decisions about people and GitHub's own rules, on plain values: whose commits a branch holds, when two
fixes make the same change, runs held for approval, refused credentials, and what the agent says about it."""

from __future__ import annotations

import pytest
from github import GithubException

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.github.errors import ScopeMissing, TokenRefused, counts, ends_cycle, http_error
from cicd_agent.github.gitops import credentials_refused
from cicd_agent.github.values import CommitRef, PullRef
from cicd_agent.model import FileChange, HealthOutcome, Remediation, RemState, Strategy
from cicd_agent.modes.action import said_on_pull
from cicd_agent.modes.action_state import pull_state
from cicd_agent.remediation import comments, ownership, retry
from cicd_agent.remediation.tried import digest
from cicd_agent.remediation.verdict import Check, CheckId, of_checks
from cicd_agent.text import ZWSP

AGENT = ownership.AGENT_EMAIL
FIX = "f" * 40


def commit(sha: str, author: str = "Ann", email: str = "ann@example.com", committer_email: str = "") -> CommitRef:
    return CommitRef(sha, author, email, author, committer_email or email, login=author.lower(), subject="tweak")


@pytest.mark.parametrize(
    ("commits", "others"),
    [
        ([commit(FIX, "x", "x@example.com")], []),  # the fix commit the agent recorded, whoever it says made it
        ([commit("a" * 40, "cicd-agent", AGENT)], []),  # made with the agent's identity (another agent's)
        ([commit(FIX), commit("b" * 40)], ["b" * 40]),  # a person's commit on top of the fix
        ([commit("c" * 40, "Ann", "ann@example.com", AGENT)], ["c" * 40]),  # a person's, committed by the agent
        ([commit("d" * 40, "cicd-agent", AGENT, "ann@example.com")], ["d" * 40]),  # the agent's, rewritten
    ],
)
def test_the_commits_someone_else_made(commits: list[CommitRef], others: list[str]) -> None:
    assert [c.sha for c in ownership.others(commits, [FIX])] == others


def test_kept_commits_are_named_with_their_authors_and_nothing_pings() -> None:
    kept = [CommitRef("1" * 40, "Ann @team", "a@x", "Ann @team", "a@x", "ann", "fix it, see #12")]
    text = ownership.describe(kept, "https://github.com/o/r")
    assert "[111111111111](https://github.com/o/r/commit/" + "1" * 40 + ")" in text
    assert "@team" not in text and f"@{ZWSP}team" in text and f"#{ZWSP}12" in text and "(ann)" in text


def test_the_same_change_has_one_digest_whatever_its_context() -> None:
    one = [FileChange("requirements.txt", "a==1\nb==2\n", "a==1\nb==2\nc==3\n")]
    moved = [FileChange("requirements.txt", "z==9\na==1\nb==2\n", "z==9\na==1\nb==2\nc==3\n")]
    other = [FileChange("requirements.txt", "a==1\nb==2\n", "a==1\nb==2\nc==4\n")]
    elsewhere = [FileChange("other.txt", "a==1\nb==2\n", "a==1\nb==2\nc==3\n")]
    assert digest(one) == digest(moved)
    assert len({digest(one), digest(other), digest(elsewhere)}) == 3
    assert digest([FileChange("new.txt", None, "")]) != digest([FileChange("new.txt", "", "")])


CI = ".github/workflows/ci.yml"


def test_runs_held_for_approval_are_waited_for_not_failed() -> None:
    held = Check(CI, "", "completed", "action_required", 7)
    verdict = of_checks([CheckId(CI, "test")], [held], [])
    assert verdict.outcome is HealthOutcome.PENDING and verdict.awaiting_approval
    assert "approval" in verdict.reason and "action_required" in verdict.reason
    failed = Check(CI, "test", "completed", "failure", 8)
    assert of_checks([CheckId(CI, "test")], [failed], []).outcome is HealthOutcome.FAILURE


def _github_error(status: int, message: str) -> GithubException:
    return GithubException(status, {"message": message}, {})


def test_refused_credentials_are_never_counted() -> None:
    refused = http_error(_github_error(401, "Bad credentials"), "opening a pull request for x")
    assert isinstance(refused, TokenRefused) and ends_cycle(refused) and not counts(refused)
    assert str(refused).startswith("the token was refused: GitHub answered 401")
    scope = http_error(_github_error(403, "Resource not accessible by integration"), "labelling #3 of o/r")
    assert isinstance(scope, ScopeMissing) and not ends_cycle(scope) and not counts(scope)
    assert "the token was refused while labelling #3" in str(scope)
    pulls = http_error(_github_error(403, "Resource not accessible by integration"), "opening a pull request for x")
    assert isinstance(pulls, PermissionMissing)  # the fallback: an issue with the patch
    other = http_error(_github_error(403, "Repository was archived so is read-only."), "commenting on #3")
    assert type(other) is AgentError and counts(other)


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        ("fatal: Authentication failed for 'https://github.com/o/r.git/'", TokenRefused),
        ("remote: Permission to o/r.git denied to someone.\nfatal: unable to access", ScopeMissing),
        ("fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403", ScopeMissing),
        (" ! [rejected]        HEAD -> fix (fetch first)", None),
    ],
)
def test_a_push_refused_for_its_credentials(stderr: str, kind: type[AgentError] | None) -> None:
    found = credentials_refused("cicd-agent/fix/x", stderr)
    assert (type(found) if found else None) is kind


@pytest.mark.parametrize(
    ("payload", "number"),
    [
        ({"action": "created", "issue": {"number": 4, "pull_request": {}}, "comment": {"body": "x"}}, 4),
        ({"action": "created", "issue": {"number": 4}, "comment": {"body": "x"}}, None),  # on an issue
        ({"action": "labeled", "pull_request": {"number": 9}, "label": {"name": "cicd-agent:approved"}}, 9),
        ({"action": "closed", "pull_request": {"number": 9}}, 9),
        ({"action": "completed", "workflow_run": {"id": 1}}, None),
        ({"action": "edited", "issue": {"number": 4, "pull_request": {}}, "comment": {"body": "x"}}, None),
    ],
)
def test_the_pull_request_a_person_s_event_names(payload: dict[str, object], number: int | None) -> None:
    assert said_on_pull(payload) == number


def test_a_pull_request_number_of_the_wrong_type_is_a_clear_error() -> None:
    with pytest.raises(AgentError, match="pull request number"):
        said_on_pull({"action": "labeled", "pull_request": {"number": "9"}})


def test_a_closed_pull_request_is_read_as_rolled_back_from_the_agent_s_own_comment() -> None:
    closed = PullRef(3, "u", state="closed", labels=("cicd-agent", "cicd-agent:healthy"))
    assert pull_state(closed)[0] is RemState.REJECTED
    assert pull_state(closed, frozenset({"rollback"}))[0] is RemState.ROLLED_BACK


@pytest.mark.parametrize(
    ("body", "asked"),
    [("/cicd-agent retry", True), ("Fine.\n  /cicd-agent RETRY please", True), ("> /cicd-agent retry", False)],
)
def test_the_retry_command(body: str, asked: bool) -> None:
    assert bool(retry.COMMAND.search(body)) is asked


def _rolled_back(**fields: object) -> Remediation:
    base = dict(
        repo="o/r",
        branch="main",
        signature="s" * 64,
        strategy=Strategy.FIX,
        state=RemState.ROLLED_BACK,
        run_id=1,
        run_attempt=1,
        created_at=0.0,
        pr_number=3,
        pr_url="https://github.com/o/r/pull/3",
        fix_branch="cicd-agent/fix/x/main",
    )
    return Remediation(**{**base, **fields})  # type: ignore[arg-type]


def test_the_rollback_comment_says_what_came_of_it() -> None:
    plain = comments.rollback_comment(_rolled_back(), "its CI failed", kept=(), merged=False)
    assert "This pull request is closed." in plain and "is deleted" in plain
    kept = comments.rollback_comment(_rolled_back(), "its CI failed", kept=[commit("2" * 40)], merged=False)
    assert "is kept" in kept and "/commit/" + "2" * 40 in kept and "deleted" not in kept
    reverted = comments.rollback_comment(_rolled_back(revert_sha="9" * 40), "x", kept=(), merged=True)
    assert "https://github.com/o/r/commit/" + "9" * 40 in reverted and "closed" not in reverted
    waiting = comments.rollback_comment(
        _rolled_back(revert_url="https://github.com/o/r/pull/4"), "x", kept=(), merged=True
    )
    assert "(https://github.com/o/r/pull/4)" in waiting and "reverts it" not in waiting
    summary = comments.rollback_summary(_rolled_back(revert_sha="9" * 40), kept=[commit("2" * 40)], merged=True)
    assert summary == [
        "branch cicd-agent/fix/x/main kept: it holds commits by Ann (ann)",
        "reverted on main by https://github.com/o/r/commit/" + "9" * 40,
    ]


def test_a_person_s_no_is_answered_with_how_to_resume() -> None:
    text = comments.stopped_comment(_rolled_back(), "https://github.com/o/r/pull/3 was closed by ann")
    assert "/cicd-agent retry" in text and "agent breaker reset o/r --branch main --signature ssssssssssss" in text
