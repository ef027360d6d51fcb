"""The dashboard's pages are pure functions of the fleet's values: strangers' text escaped, links kept to http(s)."""

from __future__ import annotations

import html.parser

from cicd_agent.model import Remediation, RemState, Strategy
from cicd_agent.modes.dashboard import answer, breaker_chart, fleet_page, timeline_page
from cicd_agent.remediation.fleet_view import Event, Fleet, Timeline, web_url

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _parsed(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


def _rem(**fields: object) -> Remediation:
    base = dict(
        repo="o/r",
        branch=HOSTILE,
        signature="ab" * 32,
        strategy=Strategy.FIX,
        state=RemState.PR_OPEN,
        run_id=7,
        run_attempt=1,
        created_at=1.0,
        id=3,
        pr_number=5,
        pr_url="javascript:alert(3)",
    )
    return Remediation(**{**base, **fields})  # type: ignore[arg-type]


def _fleet(**fields: object) -> Fleet:
    base = dict(
        at=10.0,
        repos=[],
        open_remediations=[_rem()],
        recent=[],
        breakers={"CLOSED": 2, "OPEN": 1},
        open_breakers=[],
        health_checks=[],
        storms=[],
        paused={"at": 1.0, "by": HOSTILE, "reason": HOSTILE},
        held_writes=4,
        last_cycle=None,
    )
    return Fleet(**{**base, **fields})  # type: ignore[arg-type]


def test_strangers_text_is_text_and_only_http_links_are_links() -> None:
    for text in (
        fleet_page(_fleet()),
        timeline_page(Timeline(_rem(), [Event(1.0, "decision", HOSTILE, HOSTILE, "javascript:alert(4)")], None)),
    ):
        parsed = _parsed(text)
        assert "script" not in parsed.tags and "img" not in parsed.tags
        assert all(href.startswith(("/dashboard", "http://", "https://")) for href in parsed.hrefs)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Content-Security-Policy" in fleet_page(_fleet()) and "4 write(s) held" in fleet_page(_fleet())


def test_the_breaker_chart_draws_each_state_in_proportion() -> None:
    chart = breaker_chart({"CLOSED": 3, "OPEN": 1, "HALF_OPEN": 0})
    assert 'width="450.0"' in chart and 'width="150.0"' in chart and "HALF_OPEN" not in chart
    assert "no breakers yet" in breaker_chart({"CLOSED": 0})


def test_pages_by_path_and_query() -> None:
    timelines = {3: Timeline(_rem(), [], None)}
    assert answer("/dashboard", "", _fleet, timelines.get).status == 200
    assert answer("/dashboard/remediation", "id=3", _fleet, timelines.get).status == 200
    assert answer("/dashboard/remediation", "id=4", _fleet, timelines.get).status == 404
    for query in ("", "id=", "id=-1", "id=1e3", "id=" + "9" * 40, "id=٣"):
        assert answer("/dashboard/remediation", query, _fleet, timelines.get).status == 400


def test_links_to_github_from_the_api_url() -> None:
    assert web_url("https://api.github.com") == "https://github.com"
    assert web_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com"
    assert web_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
