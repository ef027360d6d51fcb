"""Rate limits in a tool's words, and the wait the log states."""

from __future__ import annotations

import pytest

from cicd_agent.analysis.waits import MAX_WAIT, rate_limited, stated_wait


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("Rate limit reached. ... Expected time to availability: 1068s.", 1068.0),
        ("      'retry-after': '60',", 60.0),
        ("toomanyrequests: retry-after: 734.112µs, allowed: 44000/minute", 0.000734112),
        ("The action could not be performed: too many requests. Limit may reset in 30 seconds", 30.0),
        ("Response body indicates retry-able error; Reset occurs in 0:00:59.5 (1678352742)", 59.5),
        ("INFO Receiver status code 429 Too Many Requests, will wait for 2m and retry", 120.0),
        ("Request was throttled. Expected available in 1185 seconds.", 1185.0),
        ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", None),
    ],
)
def test_the_wait_the_log_states(line: str, seconds: float | None) -> None:
    assert stated_wait([line]) == seconds


@pytest.mark.parametrize(
    "line",
    [
        "npm error 429 Too Many Requests - GET https://registry.npmjs.org/x",
        "HTTP 403: API rate limit exceeded for installation ID 41877123.",
        "Response status code does not indicate success: 429 (Too Many Requests).",
        '      "code": "TOOMANYREQUESTS",',
        "curl: (22) The requested URL returned error: 429",
        "An error occurred (ThrottlingException) when calling the DescribeStacks operation: Rate exceeded",
    ],
)
def test_rate_limits_in_each_tools_words(line: str) -> None:
    assert rate_limited([line])


def test_the_longest_stated_wait_counts_and_none_is_waited_for_ever() -> None:
    assert stated_wait(["retry-after: 5", "retry-after: 90", "ok"]) == 90.0
    assert stated_wait(["Expected time to availability: 999999s"]) == MAX_WAIT


@pytest.mark.parametrize("line", ["npm error code ECONNRESET", "back off 7.23 seconds before retry", "found 429 files"])
def test_other_transient_failures_are_not_rate_limits(line: str) -> None:
    assert not rate_limited([line])
