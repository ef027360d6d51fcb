"""The GitHub port's reads of people and history, against the sandbox (and `responses` where GitHub answers
something the sandbox never makes: annotated tags, deleted accounts)."""

from __future__ import annotations

import time

import pytest
import responses
from e2e.test_auth import app_keys
from github import Auth

from cicd_agent.effects.dryrun import DryRunRecorder
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.values import ChangedFile, IssueEvent
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.action_repos import add_release, install_action_repos
from cicd_agent.sandbox.scenarios import install_scenarios

REPO = "demo/format-check"


def _client(sb: Sandbox, token: str | None = None) -> GitHubClient:
    return GitHubClient(sb.base_url, token or sb.token, seconds_between_writes=0)


def _branch_with_change(gh: GitHubClient, branch: str, text: str) -> str:
    """A branch off main with app.py rewritten (one commit through the contents API); its head SHA."""
    main = gh.branch_sha(REPO, "main")
    assert main is not None
    gh.gh.get_repo(REPO).create_git_ref(f"refs/heads/{branch}", main)
    current = gh.file(REPO, "app.py", branch)
    assert current is not None
    return gh.put_file(REPO, "app.py", text, branch=branch, message="Format app.py", sha=current.sha)


def test_identity_of_a_token_is_its_user_and_is_asked_once(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = _client(sandbox)
    assert gh.identity() == "cicd-agent-bot"
    asked = len(sandbox.requests)
    assert gh.identity() == "cicd-agent-bot"
    assert len(sandbox.requests) == asked
    assert _client(sandbox, sandbox.add_person("maintainer")).identity() == "maintainer"


def test_identity_of_an_app_installation_is_its_bot(sandbox: Sandbox) -> None:
    private, public = app_keys()
    sandbox.register_app("4242", public, 77, slug="ci-fixer")
    auth = Auth.AppAuth("4242", private).get_installation_auth(77)
    gh = GitHubClient(sandbox.base_url, None, auth=auth, seconds_between_writes=0)
    assert gh.identity() == "ci-fixer[bot]"
    assert ("GET", "/app") in {(r["method"], r["path"]) for r in sandbox.requests}


def test_identity_of_a_bare_installation_token_comes_from_graphql(sandbox: Sandbox) -> None:
    """The workflow's GITHUB_TOKEN (or an app token handed over as a token) has no user: GET /user is 403."""
    _, public = app_keys()
    token, _ = sandbox.issue_token(sandbox.register_app("1", public, 5, slug="github-actions"))
    assert _client(sandbox, token).identity() == "github-actions[bot]"
    statuses = [(r["path"], r["status"]) for r in sandbox.requests]
    assert statuses == [("/user", 403), ("/graphql", 200)]


def test_comments_events_and_pull_times_say_who_did_what(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    agent = _client(sandbox)
    maintainer = _client(sandbox, sandbox.add_person("maintainer", "write"))
    stranger = _client(sandbox, sandbox.add_person("stranger", "read"))
    _branch_with_change(agent, "fix", "def add(a, b):\n    return a + b\n")
    before = time.time() - 1
    pull = agent.create_pull(REPO, head="fix", base="main", title="Fix", body="b", draft=False)
    agent.add_labels(REPO, pull.number, ["cicd-agent"])
    agent.comment(REPO, pull.number, "ours")
    stranger.comment(REPO, pull.number, "theirs")
    maintainer.close_pull(REPO, pull.number)

    comments = agent.comments(REPO, pull.number)
    assert [(c.body, c.author) for c in comments] == [("ours", "cicd-agent-bot"), ("theirs", "stranger")]
    assert comments[0].id != comments[1].id and all(c.created_at >= before for c in comments)
    events = agent.issue_events(REPO, pull.number)
    assert [(e.event, e.actor, e.label) for e in events] == [
        ("labeled", "cicd-agent-bot", "cicd-agent"),
        ("closed", "maintainer", None),
    ]
    closed = agent.pulls(REPO, state="closed")[0]
    assert closed.author == "cicd-agent-bot"
    assert closed.created_at is not None and closed.closed_at is not None
    assert before <= closed.created_at <= closed.closed_at <= time.time() + 1


def test_times_follow_the_sandbox_clock(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = _client(sandbox)
    sandbox.clock_offset = -7200  # what is made now looks two hours old
    issue = gh.create_issue(REPO, "Old report", "body", ["cicd-agent"])
    assert issue.created_at is not None and time.time() - issue.created_at == pytest.approx(7200, abs=60)
    assert issue.author == "cicd-agent-bot" and issue.labels == ("cicd-agent",)


def test_permission_of_people_and_of_strangers(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.add_person("maintainer", "admin")
    sandbox.add_person("reader", "read")
    gh = _client(sandbox)
    assert [gh.permission(REPO, who) for who in ("maintainer", "reader", "cicd-agent-bot", "nobody")] == [
        "admin",
        "read",
        "admin",
        "none",
    ]


def test_remove_label_is_idempotent_and_dry_run_removes_nothing(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = _client(sandbox)
    issue = gh.create_issue(REPO, "Report", "body", ["cicd-agent", "cicd-agent:breaker-reset"])
    printed: list[str] = []
    dry = Effects(gh, notifier=Notifier([], echo=printed.append), recorder=DryRunRecorder(echo=printed.append))
    assert dry.remove_label(REPO, issue.number, "cicd-agent:breaker-reset") is True
    assert printed == [f"[DRY-RUN] github.remove_label {REPO}#{issue.number}"]
    assert gh.issues(REPO, label="cicd-agent")[0].labels == ("cicd-agent", "cicd-agent:breaker-reset")
    real = Effects(gh, notifier=Notifier([], echo=printed.append))
    assert real.remove_label(REPO, issue.number, "cicd-agent:breaker-reset") is True
    assert real.remove_label(REPO, issue.number, "cicd-agent:breaker-reset") is False
    assert gh.issues(REPO, label="cicd-agent")[0].labels == ("cicd-agent",)
    assert [(e.event, e.label) for e in gh.issue_events(REPO, issue.number)][-1] == (
        "unlabeled",
        "cicd-agent:breaker-reset",
    )


def test_versions_of_an_action_from_its_repository(sandbox: Sandbox) -> None:
    install_action_repos(sandbox, ["actions/upload-artifact", "actions/cache"])
    gh = _client(sandbox)
    assert gh.latest_release("actions/upload-artifact") == "v7.0.0"
    tags = {t.name: t.sha for t in gh.tags("actions/upload-artifact")}
    assert len(tags) == 54  # every page
    assert tags["v4"] == tags["v4.6.2"] != tags["v4.6.1"]  # the major tag moved to the last v4 release
    assert gh.ref_sha("actions/upload-artifact", "tags/v4") == tags["v4.6.2"]
    assert gh.ref_sha("actions/upload-artifact", "tags/v99") is None
    assert gh.ref_sha("actions/cache", "heads/main") == gh.branch_sha("actions/cache", "main")
    add_release(sandbox, sandbox.repo("actions/cache"), "v5.0.5", prerelease=True)
    assert gh.latest_release("actions/cache") == "v5.0.5"  # the prerelease is not "latest"
    install_scenarios(sandbox, ["format"])
    assert gh.latest_release(REPO) is None


def test_commit_and_compare_give_files_with_their_hunks(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = _client(sandbox)
    main = gh.branch_sha(REPO, "main")
    assert main is not None
    head = _branch_with_change(gh, "fix", "def add(a, b):\n    return a + b\n")
    commit = gh.commit(REPO, head)
    assert commit.parents == (main,) and commit.message.startswith("Format app.py")
    assert commit.files == (
        ChangedFile(
            "app.py",
            "modified",
            "@@ -1,2 +1,2 @@\n-def add(a,b):\n-    return a+b\n+def add(a, b):\n+    return a + b",
            2,
            2,
        ),
    )
    other = _branch_with_change(gh, "person", "def add(a, b):  # by a person\n    return a+b\n")
    compared = gh.compare(REPO, "fix", "person")
    assert (compared.status, compared.ahead_by, compared.behind_by) == ("diverged", 1, 1)
    assert compared.merge_base == main and [c.sha for c in compared.commits] == [other]
    assert [f.path for f in compared.files] == ["app.py"]
    assert gh.compare(REPO, main, "fix").status == "ahead"


def test_a_root_commit_lists_its_files_as_added(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = _client(sandbox)
    main = gh.branch_sha(REPO, "main")
    assert main is not None
    files = gh.commit(REPO, main).files
    assert {f.path: f.status for f in files} == {
        ".github/workflows/ci.yml": "added",
        "app.py": "added",
        "pyproject.toml": "added",
    }


def test_a_person_without_push_access_is_refused_through_the_port(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    agent = _client(sandbox)
    issue = agent.create_issue(REPO, "Report", "body", ["cicd-agent"])
    reader = _client(sandbox, sandbox.add_person("reader", "read"))
    with pytest.raises(Exception, match="the token was refused while labelling"):
        reader.add_labels(REPO, issue.number, ["cicd-agent:approved"])
    reader.comment(REPO, issue.number, "/cicd-agent approve")
    assert agent.comments(REPO, issue.number)[-1].author == "reader"


# -- HTTP level: what GitHub answers that the sandbox never makes ----------------------------------------------

API = "https://api.github.test"
AT = API.replace(".test", ".test:443")  # PyGithub names the port in the URLs it requests


@responses.activate
def test_an_annotated_tag_is_peeled_to_its_commit() -> None:
    commit = "c" * 40
    responses.get(
        f"{AT}/repos/o/r/git/ref/tags/v1.1.0",
        json={"ref": "refs/tags/v1.1.0", "object": {"type": "tag", "sha": "t" * 40, "url": f"{API}/t"}},
    )
    responses.get(
        f"{AT}/repos/o/r/git/tags/{'t' * 40}",
        json={"sha": "t" * 40, "tag": "v1.1.0", "object": {"type": "commit", "sha": commit, "url": f"{API}/c"}},
    )
    gh = GitHubClient(API, "t0ken", retries=0)
    assert gh.ref_sha("o/r", "tags/v1.1.0") == commit


@responses.activate
def test_an_event_by_a_deleted_account_has_no_actor() -> None:
    responses.get(
        f"{AT}/repos/o/r/issues/3/events",
        json=[{"id": 1, "event": "closed", "actor": None, "created_at": "2026-01-02T03:04:05Z", "commit_id": None}],
    )
    gh = GitHubClient(API, "t0ken", retries=0)
    assert gh.issue_events("o/r", 3) == [IssueEvent("closed", "", None, 1767323045.0)]


def test_identity_with_a_refused_token_is_a_clear_error(sandbox: Sandbox) -> None:
    with pytest.raises(AgentError, match="the token was refused: GitHub answered 401 while finding out which account"):
        _client(sandbox, "ghp_revoked").identity()
