"""The GitHub port's retry rules, against the sandbox: reads are asked again after a 5xx, writes never (they may
have been done); rate limits are waited for up to `max_rate_limit_wait`, and beyond it not at all."""

from __future__ import annotations

import pytest

from cicd_agent.github.client import GitHubClient
from cicd_agent.github.errors import ApiUnavailable, RateLimited, rate_limit_wait
from cicd_agent.sandbox import Fault, Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (429, {"Retry-After": "30"}, 30.0),
        (403, {"retry-after": "7"}, 7.0),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1100"}, 101.0),  # until the reset, plus 1 s
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "900"}, 1.0),  # already reset
        (429, {}, 60.0),  # a secondary limit without a hint: a minute
        (403, {"X-RateLimit-Remaining": "12"}, None),  # a 403 that does not say: PyGithub reads the body
        (429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 60.0),  # not seconds: the minute
    ],
)
def test_how_long_github_asks_to_wait(status: int, headers: dict[str, str], wait: float | None) -> None:
    assert rate_limit_wait(status, headers, 1000.0, 60.0) == wait


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    install_scenarios(sandbox, ["unfixable"])
    return sandbox


def _sent(sb: Sandbox, method: str, path: str) -> list[int]:
    return [e["status"] for e in sb.requests if e["method"] == method and e["path"] == path]


def test_a_read_is_asked_again_after_a_5xx_but_a_write_is_not(sb: Sandbox) -> None:
    gh = GitHubClient(sb.base_url, sb.token, retries=2, seconds_between_writes=0)
    sb.inject(Fault("GET", r"^/repos/demo/failing-test/issues$", status=502, times=1))
    assert gh.issues("demo/failing-test", label="x") == []
    assert _sent(sb, "GET", "/repos/demo/failing-test/issues") == [502, 200]
    sb.inject(Fault("POST", r"^/repos/demo/failing-test/issues$", status=502, times=1))
    with pytest.raises(ApiUnavailable, match="502"):
        gh.create_issue("demo/failing-test", "t", "b", [])
    assert _sent(sb, "POST", "/repos/demo/failing-test/issues") == [502]


def test_a_rate_limited_write_is_sent_again_since_github_did_not_do_it(sb: Sandbox) -> None:
    gh = GitHubClient(sb.base_url, sb.token, retries=2, seconds_between_writes=0)
    sb.inject(Fault("POST", r"^/repos/demo/failing-test/issues$", status=429, retry_after=1, times=1))
    assert gh.create_issue("demo/failing-test", "t", "b", []).number == 1
    assert _sent(sb, "POST", "/repos/demo/failing-test/issues") == [429, 201]


def test_a_rate_limit_beyond_max_wait_raises_at_once(sb: Sandbox) -> None:
    gh = GitHubClient(sb.base_url, sb.token, retries=3, max_rate_limit_wait=5, seconds_between_writes=0)
    sb.inject(Fault("GET", r"^/repos/demo/failing-test$", status=429, retry_after=200, times=1))
    with pytest.raises(RateLimited, match="resets in about 200 s") as raised:
        gh.repository("demo/failing-test")
    assert raised.value.wait == 200
    assert _sent(sb, "GET", "/repos/demo/failing-test") == [429]
