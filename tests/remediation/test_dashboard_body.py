"""The dashboard issue's body and its boxes, as pure functions."""

from __future__ import annotations

import re
from urllib.parse import unquote

from hostile import markdown_problems

from cicd_agent.model import Remediation, RemState, Strategy
from cicd_agent.remediation.breaker_service import BreakerView
from cicd_agent.remediation.dashboard_issue import Tick, body, ticks
from cicd_agent.remediation.fleet_view import Fleet
from cicd_agent.text import read_metadata

SIG = "ab" * 32


def _fleet(branch: str) -> Fleet:
    draft = Remediation(
        "o/r",
        branch,
        SIG,
        Strategy.FIX,
        RemState.PR_OPEN,
        7,
        1,
        1.0,
        id=3,
        pr_number=12,
        pr_url="https://github.com/o/r/pull/12",
        draft=True,
        fixer="formatter",
    )
    breaker = BreakerView("o/r", branch, SIG, "OPEN", 3, 1.0, 2.0, "7#1", 1.0)
    return Fleet(1.0, [], [draft], [], {"OPEN": 1}, [breaker], [], [], None, 0, None)


def test_the_body_offers_a_box_per_action_and_names_itself_in_its_metadata() -> None:
    text = body(_fleet("main"), "o/r")
    assert read_metadata(text) == {"kind": "dashboard", "repo": "o/r"}
    assert ticks(text) == []  # every box unticked
    ticked = text.replace("- [ ]", "- [x]")
    assert ticks(ticked) == [Tick("approve", "12"), Tick("reset", f"{SIG[:16]}:main")]


def test_a_branch_name_cannot_close_the_box_comment_or_inject_markdown() -> None:
    branch = "x--><img src=x>@everyone [y](http://evil)"
    text = body(_fleet(branch), "o/r")
    problems = markdown_problems(text, own_links=("https://github.com/o/r/pull/12",))
    assert len(problems) == 2 and all(p.startswith("html: '<!-- cicd-agent:") for p in problems)  # its own boxes
    assert re.search(r"<!-- cicd-agent:reset:\w+:[^\s>]+ --> reset the breaker", text)  # the comment is whole
    (reset,) = [t for t in ticks(text.replace("- [ ]", "- [x]")) if t.verb == "reset"]
    assert unquote(reset.arg.split(":", 1)[1]) == branch  # found again exactly
