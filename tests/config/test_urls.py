"""The one rule for a URL that carries a secret: https anywhere, plain http only to loopback written plainly."""

from __future__ import annotations

import re

import pytest

from cicd_agent.config.urls import NOT_A_URL, check_url, url_problem
from cicd_agent.errors import AgentError


@pytest.mark.parametrize(
    "url",
    [
        "https://api.github.com",
        "https://ghe.example/api/v3/",
        "http://127.0.0.1:8080",
        "http://localhost/api",
        "http://[::1]:9000",
        " https://api.github.com ",
    ],
)
def test_allowed(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433:8080",  # 127.0.0.1 as a number
        "http://0x7f.1:8080",
        "http://0x7f000001",
        "http://127.1",
        "http://017700000001",
        "http://[::ffff:127.0.0.1]:80",
        "http://127.0.0.1.nip.io",
        "http://localhost.",
        "http://ghe.example/api/v3",
        "http://127.0.0.2",
    ],
)
def test_plain_http_to_anything_but_loopback_written_plainly_is_refused(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None and "plain http to another machine" in problem


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "github.com",
        "https://",
        "http://:80/x",
        "https://exa mple.com",
        "http://127.0.0.1\\@evil.example",
        "https://host:99999",
        "http://[::1",
        "https://a\u202e.example",
        "https://a.exa\tmple/",
    ],
)
def test_what_is_no_url_or_could_be_read_two_ways_is_refused(url: str) -> None:
    assert url_problem(url) == NOT_A_URL


def test_the_error_never_shows_the_credentials_inside_the_url() -> None:
    with pytest.raises(AgentError) as raised:
        check_url("http://u:S3cretPw@10.0.0.1/api", what="the GitHub API URL", where="$GITHUB_API_URL", fix="use https")
    message = str(raised.value)
    assert "S3cretPw" not in message and "http://***@10.0.0.1/api" in message and "$GITHUB_API_URL" in message
    assert check_url("https://api.github.com/", what="x", where="y", fix="z") == "https://api.github.com"


@pytest.mark.parametrize("password", ["se/cretPw99", "ab#cdPw99x", "Pw?x=1abcd", "Pa@ss-w0rd-xx"])
def test_a_password_holding_an_unencoded_delimiter_is_never_shown(password: str) -> None:
    url = f"http://agent:{password}@127.0.0.1:8080/api"
    with pytest.raises(AgentError) as raised:
        check_url(url, what="the GitHub API URL", where="$GITHUB_API_URL", fix="use https")
    message = str(raised.value)
    assert all(part not in message for part in re.split(r"[/#?@]", password) if len(part) > 2), message
    assert "http://***@127.0.0.1:8080/api" in message
