"""Every bad input ends in one clear line (what, where, how to fix), exit 1 (never 3, never a traceback), no
secret echoed and no state lost: URLs, tokens, event payloads, response bodies, the state database."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from harness import Loop, Result

from cicd_agent.sandbox import Fault

JOBS = r"/actions/runs/\d+/jobs$"


def _one_line(result: Result, *needles: str) -> str:
    assert result.code == 1, (result.code, result.err)
    assert "Traceback" not in result.err and "unexpected error" not in result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: ")
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize(
    ("url", "where"),
    [("not-a-url", "$GITHUB_API_URL"), ("ftp://example.com", "$GITHUB_API_URL"), ("http://:80/x", "$GITHUB_API_URL")],
)
def test_a_bad_api_url(loop: Loop, monkeypatch: pytest.MonkeyPatch, url: str, where: str) -> None:
    loop.setup("unfixable")
    monkeypatch.setenv("GITHUB_API_URL", url)
    line = _one_line(loop.agent("run"), where, "is not an http(s) URL", "https://api.github.com")
    assert line.count(url) == 1
    assert loop.agent("config", "check").code == 0  # the file is fine: the environment is what is wrong


def test_a_bad_api_url_in_the_config_file(loop: Loop) -> None:
    loop.setup("unfixable")
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace("[github]\n", '[github]\napi_url = "github.example.com"\n', 1))
    _one_line(loop.agent("run"), "github.api_url", "is not an http(s) URL")
    check = loop.agent("config", "check")
    assert check.code == 1 and "github.api_url" in check.err


def test_a_token_from_a_file_keeps_its_newline_and_works(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("unfixable")
    monkeypatch.setenv("GITHUB_TOKEN", loop.sandbox.token + "\n")
    assert loop.decisions() == ["reported"]


def test_a_token_with_a_space_inside_is_refused_without_echoing_it(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("unfixable")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_first half\tsecond")
    line = _one_line(loop.agent("run"), "$GITHUB_TOKEN", "line breaks or control characters")
    assert "first" not in line and "second" not in line


def test_a_refused_token_is_never_echoed(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("unfixable")
    secret = "ghp_" + "Z" * 36
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    result = loop.agent("run")
    assert result.code == 1 and "the token was refused" in result.err
    assert "Z" * 8 not in result.err + result.out
    assert result.err.count("the token was refused") == 1  # every API error printed once


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda e: e["workflow_run"].update(id="abc"), "id must be an integer, got a string"),
        (lambda e: e["workflow_run"].update(head_branch=["main"]), "head_branch must be a string, got a list"),
        (lambda e: e["workflow_run"].update(pull_requests="#1"), "pull_requests must be a list"),
        (lambda e: e["workflow_run"].update(head_repository=7), "head_repository must be an object"),
        (lambda e: e["repository"].update(full_name=42), "repository.full_name is not OWNER/NAME"),
        (lambda e: e["repository"].update(full_name="../../etc"), "repository.full_name is not OWNER/NAME"),
        (lambda e: e["repository"].update(default_branch={"x": 1}), "default_branch is not a string"),
        (lambda e: e.update(workflow_run=[1, 2]), "not a workflow_run event"),
    ],
)
def test_an_event_with_wrong_types(loop: Loop, tmp_path: Path, change: object, needle: str) -> None:
    loop.setup("unfixable")
    run = loop.sandbox.repo("demo/failing-test").runs[0]
    event = {
        "action": "completed",
        "workflow_run": loop.api("GET", f"/repos/demo/failing-test/actions/runs/{run.id}"),
        "repository": loop.api("GET", "/repos/demo/failing-test"),
    }
    assert callable(change)
    change(event)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    loop.sandbox.requests.clear()
    _one_line(loop.agent("run", "--event", str(path)), needle)
    assert loop.sandbox.requests == []  # refused before anything was asked of GitHub


def test_an_unreadable_response_body_is_one_error_and_the_failure_is_kept(loop: Loop) -> None:
    loop.setup("unfixable")
    # once: the cycle's storm survey meets it, and the failure's own turn reports it without asking again
    loop.sandbox.inject(Fault("GET", JOBS, status=200, body='{"total_count": 1, "jobs": [{"id": ', times=1))
    result = loop.agent("run")
    line = _one_line(result, "GitHub answered something unreadable", "listing jobs of run")
    assert "demo/failing-test" in line
    assert sum(1 for r in loop.sandbox.requests if r["path"].endswith("/jobs")) == 1
    assert loop.decisions() == ["reported"]  # given back, handled by the next cycle


def test_a_run_list_with_wrong_types_costs_only_that_repository(loop: Loop) -> None:
    loop.setup("format", "unfixable")
    body = json.dumps({"total_count": 1, "workflow_runs": [{"id": "one", "head_branch": 5}]})
    loop.sandbox.inject(Fault("GET", r"^/repos/demo/format-check/actions/runs$", status=200, body=body, times=1))
    outcome = loop.cycle()
    assert [d["repo"] for d in outcome["decisions"]] == ["demo/failing-test"]
    assert "id must be an integer" in outcome["errors"][0]


def test_a_damaged_state_database_says_move_it_aside(loop: Loop) -> None:
    loop.setup("unfixable")
    db = Path(".cicd-agent") / "state.db"
    db.parent.mkdir()
    db.write_bytes(b"not a database at all " * 200)
    _one_line(loop.agent("status"), "is damaged", "move it aside")


def test_a_locked_state_database_is_not_called_damaged_and_loses_nothing(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cicd_agent.store import sqlite as base

    loop.setup("unfixable")
    assert loop.agent("pause", "--reason", "incident 42").code == 0
    monkeypatch.setattr(base, "BUSY_TIMEOUT", 0.2)  # how long to wait for the lock: not 30 s in a test
    holder = sqlite3.connect(Path(".cicd-agent") / "state.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        line = _one_line(loop.agent("resume"), "is locked by another process", "wait for it")
        assert "move it aside" not in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert loop.agent("status", "--json").json()["paused"]["reason"] == "incident 42"  # untouched


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files: SQLite cannot be refused as root")
def test_a_read_only_state_database_is_not_called_damaged(loop: Loop) -> None:
    loop.setup("unfixable")
    assert loop.agent("status").code == 0
    state = Path(".cicd-agent")
    for path in [*state.iterdir(), state]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        line = _one_line(loop.agent("pause", "--reason", "x"), "read-only")
        assert "move it aside" not in line
    finally:
        for path in [state, *state.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "--watch", "--metrics-port", "99999"], ["--metrics-port 99999 is not a port", "1 to 65535"]),
        (["run", "--watch", "--metrics-port", "-1"], ["--metrics-port -1 is not a port"]),
        (["serve", "--port", "70000"], ["--port 70000 is not a port"]),
        (["sandbox", "serve", "--port", "123456789012345678901234"], ["--port 123456789012... is not a port"]),
        (["--dry-run", "--report", "plan.txt", "run"], ["--report plan.txt", "*.md or *.json"]),
    ],
)
def test_bad_options_are_one_line_and_exit_1(loop: Loop, args: list[str], needles: list[str]) -> None:
    loop.setup("unfixable")
    before = len(loop.sandbox.requests)
    _one_line(loop.agent(*args), *needles)
    assert len(loop.sandbox.requests) == before  # refused before anything was asked of GitHub
    assert not Path("plan.txt").exists()


def test_a_config_or_an_event_nested_100000_deep_is_one_line(loop: Loop, tmp_path: Path) -> None:
    loop.setup("unfixable")
    config = Path("cicd-agent.toml")
    good = config.read_text()
    config.write_text(good + "deep = " + "[" * 100_000 + "]" * 100_000 + "\n")
    _one_line(loop.agent("run"), "cicd-agent.toml", "nests deeper")
    config.write_text(good + "[policy.x]\n" + "a = " + "{b = " * 20 + "1" + "}" * 20 + "\n")
    _one_line(loop.agent("run"), "cicd-agent.toml", "nests 23 levels deep (at most 8)")
    config.write_text(good)
    for nested in ('{"a": ' * 100_000 + "1" + "}" * 100_000, '{"a": ' + "[" * 100 + "]" * 100 + "}"):
        event = tmp_path / "event.json"
        event.write_text(nested)
        _one_line(loop.agent("run", "--event", str(event)), "cannot read the event payload", "nests")


def test_absurd_numbers_and_impossible_globs_fail_config_check(loop: Loop) -> None:
    loop.setup("unfixable")
    config = Path("cicd-agent.toml")
    text = config.read_text().replace("max_retries = 1\n", "max_retries = 1000000000000000000000000000000\n")
    config.write_text(text.replace('branches = ["main"]', 'branches = ["main", "["]'))
    check = loop.agent("config", "check")
    assert check.code == 1 and "Traceback" not in check.err
    assert "github.max_retries" in check.err and "1e+30 is out of range: expected 0 to 20" in check.err
    assert "repos[0].branches[1]" in check.err and "can never match a branch" in check.err
    _one_line(loop.agent("run"), "can never match a branch", "(and 1 more: run `agent config check`)")
