"""API and network faults, end to end: the real CLI against the sandbox with injected faults. Nothing is lost,
no write is sent twice, no cycle is blocked by one repository or one failure. Each test is a row of the fault
table in docs/faults.md."""

from __future__ import annotations

import base64
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Loop

from cicd_agent.sandbox import Fault
from cicd_agent.text import ZWSP, read_metadata

JOBS = r"/actions/runs/\d+/jobs$"
NOT_PERMITTED = (
    '{"message": "GitHub Actions is not permitted to create or approve pull requests.", '
    '"documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "403"}'
)


@pytest.fixture(autouse=True)
def no_orphan_branches(loop: Loop) -> Iterator[None]:
    """After every fault case, the sandbox's refs: each branch the agent pushed is explained on GitHub (a pull
    request, an issue or a comment) or gone."""
    yield
    assert loop.unexplained_branches() == []


def _github(**settings: object) -> None:
    """Set keys of the test config's [github] table."""
    path = Path("cicd-agent.toml")
    lines = "".join(f"{k} = {v}\n" for k, v in settings.items())
    path.write_text(path.read_text().replace("[github]\n", "[github]\n" + lines, 1))


def _closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _requests(loop: Loop, method: str, pattern: str) -> list[int]:
    return [e["status"] for e in loop.sandbox.requests if e["method"] == method and re.search(pattern, e["path"])]


def _recur(loop: Loop, repo_name: str) -> None:
    repo = loop.sandbox.repo(repo_name)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()


# -- errors are per repository and per failure ---------------------------------------------------------


def test_a_repository_answering_5xx_costs_only_that_repository(loop: Loop) -> None:
    loop.setup("format", "transient", "unfixable")  # polled in this order: the faulty one is in the middle
    loop.sandbox.inject(Fault("GET", r"^/repos/demo/flaky-network/actions/runs$", status=503, times=99))
    first = loop.cycle()
    assert sorted(d["decision"] for d in first["decisions"]) == ["fix_opened", "reported"]
    assert [e for e in first["errors"] if "demo/flaky-network" in e and "503" in e] == first["errors"]
    loop.sandbox.requests.clear()
    second = loop.cycle()
    assert sorted(second["idle_repos"]) == ["demo/failing-test", "demo/format-check"]  # their cursors were kept
    polls = [  # the polls of the two healthy repositories (not the health check's list of the fix's runs)
        e["status"]
        for e in loop.sandbox.requests
        if re.search(r"^/repos/demo/(format-check|failing-test)/actions/runs$", e["path"])
        and "head_sha" not in e["query"]
    ]
    assert polls == [304, 304]
    loop.sandbox.faults.clear()
    assert loop.decisions() == ["rerun"]  # the faulty repository's failure was waiting, not lost


def test_a_5xx_while_handling_one_failure_does_not_block_the_others(loop: Loop) -> None:
    loop.setup("format", "unfixable")
    loop.sandbox.inject(Fault("GET", r"^/repos/demo/format-check/actions/runs/\d+/jobs$", status=502, times=99))
    first = loop.cycle()
    assert [d["repo"] for d in first["decisions"]] == ["demo/failing-test"]
    assert len(first["errors"]) == 1 and "502" in first["errors"][0]
    for _ in range(3):  # an outage never counts toward giving up
        assert loop.cycle()["decisions"] == []
    loop.sandbox.faults.clear()
    assert loop.decisions() == ["fix_opened"]


def test_an_unreachable_api_host_ends_the_cycle_in_one_line(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("format", "unfixable")
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{_closed_port()}")
    result = loop.agent("run")
    assert result.code == 1 and "Traceback" not in result.err
    (line,) = result.err.strip().splitlines()  # polling stopped at the first repository: said once
    assert "cannot reach GitHub" in line and "demo/format-check" in line
    assert loop.store().failure_counts()["failures_seen"] == 0  # nothing claimed, nothing lost


# -- writes are never sent twice blindly --------------------------------------------------------------


def test_an_issue_whose_answer_was_lost_is_found_not_opened_twice(loop: Loop) -> None:
    loop.setup("unfixable")
    loop.sandbox.inject(Fault("POST", r"/issues$", status=502, after=True, lost=True))
    assert loop.decisions() == ["reported"]
    assert _requests(loop, "POST", r"/issues$") == [502]  # sent once, answered 502, found on GitHub
    assert len(loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent&state=all")) == 1


def test_a_pull_request_whose_answer_was_lost_is_found_and_labelled(loop: Loop) -> None:
    loop.setup("format")
    loop.sandbox.inject(Fault("POST", r"/pulls$", status=502, after=True, lost=True))
    assert loop.decisions() == ["fix_opened"]
    assert _requests(loop, "POST", r"/pulls$") == [502]
    (pull,) = loop.pulls("demo/format-check")
    assert [label["name"] for label in pull["labels"]] == ["cicd-agent"]


def test_a_write_answered_too_late_is_found_not_sent_again(loop: Loop) -> None:
    loop.setup("unfixable")
    _github(timeout=1)
    loop.sandbox.inject(Fault("POST", r"/issues$", status=201, after=True, delay=3))  # done, then a slow answer
    assert loop.decisions() == ["reported"]
    assert loop.sandbox.faults[0].times == 0  # the one POST met the fault; a second would have made a second issue
    assert len(loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent&state=all")) == 1


def test_a_write_refused_with_5xx_is_sent_again_only_by_the_next_cycle(loop: Loop) -> None:
    loop.setup("unfixable")
    loop.sandbox.inject(Fault("POST", r"/issues$", status=502, times=1))  # not performed
    first = loop.cycle()
    assert first["decisions"] == [] and "502" in first["errors"][0]
    assert _requests(loop, "POST", r"/issues$") == [502]  # not re-sent by the HTTP layer
    assert loop.decisions() == ["reported"]
    assert _requests(loop, "POST", r"/issues$") == [502, 201]
    assert len(loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent&state=all")) == 1


def test_a_seen_again_comment_that_got_through_is_not_posted_twice(loop: Loop) -> None:
    loop.setup("unfixable")
    assert loop.decisions() == ["reported"]
    _recur(loop, "demo/failing-test")
    loop.sandbox.inject(Fault("POST", r"/comments$", status=503, after=True, lost=True))
    assert loop.decisions() == ["reported"]
    (issue,) = loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent")
    assert len(loop.api("GET", f"/repos/demo/failing-test/issues/{issue['number']}/comments")) == 1


# -- rate limits -----------------------------------------------------------------------------------------


def test_a_rate_limit_longer_than_max_wait_ends_the_cycle_and_never_gives_up(loop: Loop) -> None:
    loop.setup("unfixable")
    _github(max_rate_limit_wait=5)
    loop.sandbox.inject(Fault("GET", JOBS, status=429, retry_after=200, times=4))
    for cycle in range(1, 5):
        outcome = loop.cycle()
        assert outcome["decisions"] == [] and "rate limited" in outcome["errors"][0]
        assert len(_requests(loop, "GET", JOBS)) == cycle  # asked once, not waited for 200 s and asked again
    assert loop.decisions() == ["reported"]  # the limit lifted: handled, not given up
    assert "gave_up" not in [h["decision"] for h in loop.agent("history", "--json").json()]


def test_a_rate_limit_within_max_wait_is_waited_for(loop: Loop) -> None:
    loop.setup("unfixable")
    loop.sandbox.inject(Fault("GET", JOBS, status=429, retry_after=1, times=1))
    assert loop.decisions() == ["reported"]
    assert _requests(loop, "GET", JOBS) == [429, 200]


def test_a_spent_primary_rate_limit_ends_the_cycle_until_its_reset(loop: Loop) -> None:
    loop.setup("unfixable")
    reset = str(int(time.time()) + 3600)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    body = '{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com"}'
    loop.sandbox.inject(Fault("GET", JOBS, status=403, headers=headers, body=body, times=1))
    outcome = loop.cycle()
    assert "rate limited" in outcome["errors"][0] and "resets in about" in outcome["errors"][0]
    assert _requests(loop, "GET", JOBS) == [403]
    assert loop.decisions() == ["reported"]


# -- a log that cannot be had -------------------------------------------------------------------------


def test_a_log_behind_a_dead_host_is_explained_from_the_api_and_blocks_nothing(loop: Loop) -> None:
    loop.setup("format", "unfixable")
    dead = f"http://127.0.0.1:{_closed_port()}/logs/expired"
    logs = r"^/repos/demo/failing-test/actions/jobs/\d+/logs$"
    loop.sandbox.inject(Fault("GET", logs, status=302, headers={"Location": dead}, body="", times=99))
    outcome = loop.cycle()
    assert sorted(d["decision"] for d in outcome["decisions"]) == ["fix_opened", "reported"]
    assert outcome["errors"] == []
    reported = next(d for d in outcome["decisions"] if d["repo"] == "demo/failing-test")
    assert "cannot be reached" in reported["detail"]["log"]
    (issue,) = loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent")
    assert "Log unavailable: the log storage at 127.0.0.1 cannot be reached" in issue["body"]
    assert "Process completed with exit code 1." in issue["body"]  # from the check run's annotations


def test_a_log_storage_refusing_the_download_is_a_degradation(loop: Loop) -> None:
    loop.setup("unfixable")
    expired = loop.sandbox.base_url + "/_sandbox/logs/0123abcd"  # a signed link that is no longer valid: 403
    loop.sandbox.inject(Fault("GET", r"/actions/jobs/\d+/logs$", status=302, headers={"Location": expired}, body=""))
    outcome = loop.cycle()
    assert [d["decision"] for d in outcome["decisions"]] == ["reported"]
    assert "answered 403" in outcome["decisions"][0]["detail"]["log"]


def test_a_failed_job_whose_log_shows_nothing_is_explained_from_its_annotations(loop: Loop) -> None:
    """A lost runner: its log just stops, and GitHub tells what happened only in the check run's annotation."""
    loop.setup("transient")
    (job,) = loop.sandbox.repo("demo/flaky-network").runs[0].current_jobs()
    job.log = "".join(line + "\n" for line in job.log.splitlines()[:3] if "##[error]" not in line)
    job.notes = [("failure", "The hosted runner: GitHub Actions 9 lost communication with the server.")]
    (decided,) = loop.cycle()["decisions"]
    assert (decided["decision"], decided["detail"]["category"]) == ("rerun", "infra.runner")


# -- permission fallbacks --------------------------------------------------------------------------------


def test_a_pull_request_actions_may_not_open_leaves_an_issue_with_the_patch(loop: Loop) -> None:
    loop.setup("format")
    loop.sandbox.inject(Fault("POST", r"/pulls$", status=403, body=NOT_PERMITTED, times=99))
    first = loop.cycle()
    (decision,) = first["decisions"]
    assert decision["decision"] == "pr_refused" and first["errors"] == []
    assert "Allow GitHub Actions to create and approve pull requests" in decision["detail"]["permission"]
    assert loop.pulls("demo/format-check") == []
    (issue,) = loop.api("GET", "/repos/demo/format-check/issues?labels=cicd-agent")
    body = issue["body"]
    assert "Allow GitHub Actions to create and approve pull requests" in body
    assert "```diff\n--- a/app.py\n+++ b/app.py\n" in body and "+def add(a, b):" in body
    branch = read_metadata(body)["fix_branch"]  # type: ignore[index]
    assert branch in loop.sandbox.repo("demo/format-check").bare.branches()  # the fix is pushed for a person
    assert loop.store().remediation_counts() == {"refused": 1}
    _recur(loop, "demo/format-check")
    assert loop.decisions() == ["pr_refused"]  # the same failure again: a comment on that issue, no second one
    assert len(loop.api("GET", "/repos/demo/format-check/issues?labels=cicd-agent&state=all")) == 1
    assert len(loop.api("GET", f"/repos/demo/format-check/issues/{issue['number']}/comments")) == 1


def test_a_refused_workflow_push_leaves_an_issue_with_the_exact_patch(loop: Loop) -> None:
    loop.setup("deprecated-action")
    loop.sandbox.refuse_workflow_pushes("demo/deprecated-action")
    (decision,) = loop.cycle()["decisions"]
    assert decision["decision"] == "push_refused" and "`workflow` scope" in decision["detail"]["permission"]
    (issue,) = loop.api("GET", "/repos/demo/deprecated-action/issues?labels=cicd-agent")
    patch = issue["body"].split("```diff\n", 1)[1].split("\n```", 1)[0]
    assert re.search(r"^\+      - uses: actions/upload-artifact@v\d+$", patch, re.MULTILINE)
    assert "-      - uses: actions/upload-artifact@v3" in patch and ZWSP not in patch  # appliable as is
    assert "Nothing was pushed" in issue["body"]
    assert not any(b.startswith("cicd-agent/") for b in loop.sandbox.repo("demo/deprecated-action").bare.branches())
    ci = base64.b64decode(loop.api("GET", "/repos/demo/deprecated-action/contents/.github/workflows/ci.yml")["content"])
    assert b"upload-artifact@v3" in ci  # nothing changed on GitHub but the issue


def test_a_refused_token_mid_fix_stops_loudly_counts_nothing_and_the_branch_gets_its_pr(loop: Loop) -> None:
    loop.setup("format")
    refused = '{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}'
    loop.sandbox.inject(Fault("POST", r"/pulls$", status=401, times=99, body=refused))
    for _ in range(4):
        cycle = loop.cycle()
        assert cycle["decisions"] == []
        assert any("the token was refused" in e and "valid token" in e for e in cycle["errors"])
    store = loop.store()
    assert store.remediation_counts() == {"pushed": 1} and store.failure_counts()["failures_seen"] == 1
    (branch,) = [b for b in loop.sandbox.repo("demo/format-check").bare.branches() if b.startswith("cicd-agent/")]
    loop.sandbox.faults.clear()
    (adopted,) = loop.cycle()["decisions"]
    assert adopted["decision"] == "adopted" and "opened" in adopted["reason"]
    (pull,) = loop.pulls("demo/format-check")
    assert pull["head"]["ref"] == branch
    (breaker,) = loop.agent("breaker", "list", "--json").json() or [{"failures": 0}]
    assert breaker["failures"] == 0
