"""The GitHub port spends no request it can do without: counted in the sandbox's request log."""

from __future__ import annotations

import json

import pytest

from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.errors import SecondaryRateLimit, secondary_rate_limit
from cicd_agent.sandbox import Fault, Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios

REPO = "demo/format-check"


@pytest.fixture
def gh(sandbox: Sandbox) -> GitHubClient:
    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    sandbox.requests.clear()
    return GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0, retries=0)


def _asked(sandbox: Sandbox) -> list[tuple[str, str]]:
    asked = [(r["method"], r["path"]) for r in sandbox.requests]
    sandbox.requests.clear()
    return asked


def test_a_branch_is_deleted_with_one_delete_and_a_gone_one_is_no_error(sandbox: Sandbox, gh: GitHubClient) -> None:
    repo = sandbox.repo(REPO)
    repo.bare.update_branch("cicd-agent/fix/abc/main", repo.bare.branches()["main"])
    assert gh.delete_branch(REPO, "cicd-agent/fix/abc/main") is True
    assert _asked(sandbox) == [("DELETE", f"/repos/{REPO}/git/refs/heads/cicd-agent/fix/abc/main")]
    assert gh.delete_branch(REPO, "cicd-agent/fix/abc/main") is False  # GitHub: 422 "Reference does not exist"
    assert [r["status"] for r in sandbox.requests] == [422]


def test_a_refused_delete_is_an_error(sandbox: Sandbox, gh: GitHubClient) -> None:
    body = '{"message": "Resource not accessible by integration"}'
    sandbox.inject(Fault("DELETE", r"/git/refs/heads/", status=403, body=body))
    with pytest.raises(AgentError, match="Resource not accessible by integration"):
        gh.delete_branch(REPO, "main")
    assert "main" in sandbox.repo(REPO).bare.branches()


def test_jobs_are_listed_without_reading_the_run_again(sandbox: Sandbox, gh: GitHubClient) -> None:
    run = sandbox.repo(REPO).runs[0]
    (job,) = gh.jobs(REPO, run.id)
    assert (job.run_id, job.conclusion) == (run.id, "failure")
    assert _asked(sandbox) == [("GET", f"/repos/{REPO}/actions/runs/{run.id}/jobs")]


def test_repository_info_is_read_once_per_cycle(sandbox: Sandbox, gh: GitHubClient) -> None:
    assert gh.repository(REPO).default_branch == "main"
    assert gh.repository(REPO.upper()).full_name == REPO
    assert _asked(sandbox) == [("GET", f"/repos/{REPO}")]
    gh.new_cycle()
    gh.repository(REPO)
    assert _asked(sandbox) == [("GET", f"/repos/{REPO}")]


SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@pytest.mark.parametrize(
    ("status", "headers", "message", "wait"),
    [
        (403, {"Retry-After": "30", "X-RateLimit-Remaining": "4000"}, SECONDARY, 30.0),
        (403, {"X-RateLimit-Remaining": "4000"}, SECONDARY, 60.0),  # no retry-after: at least a minute
        (429, {}, "Too Many Requests", 60.0),
        (403, {"retry-after": "5"}, "", 5.0),
        (403, {"X-RateLimit-Remaining": "0", "Retry-After": "30"}, "API rate limit exceeded", None),  # primary
        (403, {"X-RateLimit-Remaining": "4000"}, "Resource not accessible by integration", None),  # a refusal
        (500, {"Retry-After": "30"}, "", None),
    ],
)
def test_secondary_rate_limit_answers(status: int, headers: dict[str, str], message: str, wait: float | None) -> None:
    assert secondary_rate_limit(status, headers, message) == wait


def test_a_poll_meets_a_secondary_limit_as_an_error_that_says_how_long_to_wait(
    sandbox: Sandbox, gh: GitHubClient
) -> None:
    body = json.dumps({"message": SECONDARY})
    sandbox.inject(Fault("GET", r"/actions/runs$", status=403, retry_after=7, body=body))
    with pytest.raises(SecondaryRateLimit) as caught:
        gh.poll_failed_runs(REPO, created=">=2026-01-01", etag=None)
    assert caught.value.wait == 7
    assert len(sandbox.requests) == 1  # surfaced at once, not slept through: the polling pool decides
