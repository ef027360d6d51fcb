"""Conditional reads (`github/conditional.py`): a read repeated while nothing changed is answered 304 (free),
with the same result; the validators outlive the process in the store; a list past one page is read in full."""

from __future__ import annotations

from pathlib import Path

import responses

from cicd_agent.github.client import GitHubClient
from cicd_agent.github.conditional import MemoryCache
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios
from cicd_agent.store import Store

REPO = "demo/format-check"


def _statuses(sandbox: Sandbox, since: int) -> list[int]:
    return [r["status"] for r in sandbox.requests[since:]]


def test_repeated_reads_are_304s_with_the_same_results(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    run = sandbox.repo(REPO).runs[0]
    main = gh.branch_sha(REPO, "main")
    assert main is not None
    gh.gh.get_repo(REPO).create_git_ref("refs/heads/change", main)
    gh.put_file(REPO, "NOTES.md", "notes\n", branch="change", message="Notes", sha=None)
    pull = gh.create_pull(REPO, head="change", base="main", title="Notes", body="", draft=False)

    def read_all() -> tuple[object, ...]:
        gh.new_cycle()
        return (
            gh.repository(REPO),
            gh.pull(REPO, pull.number),
            gh.workflow_runs(REPO, head_sha=run.head_sha),
            gh.workflow_run(REPO, run.id),
            gh.jobs(REPO, run.id),
            gh.comments(REPO, pull.number),
            gh.issue_events(REPO, pull.number),
        )

    since = len(sandbox.requests)
    first = read_all()
    assert _statuses(sandbox, since) == [200] * 7
    since = len(sandbox.requests)
    assert read_all() == first
    assert _statuses(sandbox, since) == [304] * 7
    gh.comment(REPO, pull.number, "news")  # the comments changed (and the pull request's count of them)
    since = len(sandbox.requests)
    third = read_all()
    assert [c.body for c in third[5]] == ["news"]  # type: ignore[attr-defined]
    assert _statuses(sandbox, since) == [304, 200, 304, 304, 304, 200, 304]


def test_the_store_keeps_the_validators_for_the_next_process(sandbox: Sandbox, tmp_path: Path) -> None:
    install_scenarios(sandbox, ["format"])
    store = Store(tmp_path / "state.db")
    for expected in (200, 304):  # two processes, one after the other
        gh = GitHubClient(sandbox.base_url, sandbox.token)
        gh.cache = store
        since = len(sandbox.requests)
        assert gh.repository(REPO).default_branch == "main"
        assert _statuses(sandbox, since) == [expected]
    store.close()


@responses.activate
def test_a_list_of_several_pages_is_read_in_full_and_not_kept() -> None:
    api = "https://api.example"
    url = "https://api.example:443/repos/o/r/issues/1/comments"  # as PyGithub writes the URL
    user = {"login": "someone", "id": 1, "type": "User"}

    def comment(n: int) -> dict[str, object]:
        return {"id": n, "body": f"c{n}", "user": user, "created_at": "2024-05-01T12:00:00Z"}

    link = {"Link": f'<{api}/repos/o/r/issues/1/comments?per_page=100&page=2>; rel="next"', "ETag": '"one"'}
    responses.get(
        url, json=[comment(1)], headers=link, match=[responses.matchers.query_param_matcher({"per_page": "100"})]
    )
    responses.get(
        url, json=[comment(2)], match=[responses.matchers.query_param_matcher({"per_page": "100", "page": "2"})]
    )
    gh = GitHubClient(api, "t")
    gh.cache = cache = MemoryCache()
    assert [c.body for c in gh.comments("o/r", 1)] == ["c1", "c2"]
    assert cache.cached_response("/repos/o/r/issues/1/comments?per_page=100") is None
    assert "If-None-Match" not in responses.calls[0].request.headers
