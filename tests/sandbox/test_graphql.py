"""The sandbox's GraphQL: the viewer, and marking a draft ready for review as GitHub does it (through PyGithub,
as the agent sends it), refused to a reader and for an unknown id."""

from __future__ import annotations

import pytest
import requests

from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios

REPO = "demo/format-check"


@pytest.fixture
def draft(sandbox: Sandbox) -> int:
    install_scenarios(sandbox, ["format"])
    repo = sandbox.repo(REPO)
    repo.bare.update_branch("fix", repo.bare.branches()["main"])
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    return gh.create_pull(REPO, head="fix", base="main", title="Fix", body="", draft=True).number


def test_a_draft_is_marked_ready_for_review(sandbox: Sandbox, draft: int) -> None:
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    assert gh.pull(REPO, draft).draft is True
    gh.mark_ready(REPO, draft)
    assert gh.pull(REPO, draft).draft is False
    assert [e.event for e in gh.issue_events(REPO, draft)] == ["ready_for_review"]
    gh.mark_ready(REPO, draft)  # again: nothing changes, no error
    assert [e.event for e in gh.issue_events(REPO, draft)] == ["ready_for_review"]


def test_a_reader_cannot_and_an_unknown_id_is_not_found(sandbox: Sandbox, draft: int) -> None:
    reader = GitHubClient(sandbox.base_url, sandbox.add_person("reader", "read"), seconds_between_writes=0)
    with pytest.raises(AgentError, match="ready for review"):
        reader.mark_ready(REPO, draft)
    assert sandbox.repo(REPO).items[draft].draft is True
    query = "mutation Mutation($input: MarkPullRequestReadyForReviewInput!) { markPullRequestReadyForReview(input: $input) { clientMutationId } }"  # noqa: E501
    answer = requests.post(
        sandbox.base_url + "/graphql",
        json={"query": query, "variables": {"input": {"pullRequestId": "PR_nope"}}},
        headers={"Authorization": f"token {sandbox.token}"},
        timeout=10,
    ).json()
    assert answer["errors"][0]["type"] == "NOT_FOUND"
